#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role cluster: one node per VM. Joins domain 9 with gvmctl (cluster.conf,
# heartbeat 500 ms, timeout 3000 ms), records events with gvmctl monitor,
# then obeys the runner:
#   "check-up"   every peer up within 5 s
#   "status"     print gvmctl status
#   "down N"     node N seen down within the timeout, with a node-down event
#   "up N"       node N seen up again
#   "left N"     node N seen as left (not down), with a node-left event
#   "leave"      gvmctl leave
#   "done"       finish
# and prints GVM-MARK <verb> after each.
. /lib/gvm.sh

D=9
TIMEOUT_MS=3000
CONF=/run/cluster.conf
EVENTS=/run/events

gvm_cluster_conf $CONF "# three VMs on the runner's hub" "domain $D" \
	"node $GVM_INDEX" "heartbeat 500" "timeout $TIMEOUT_MS" "connect eager"

event_seen() {
	gvm_retry 3 grep -q "$1 domain $D node $2" $EVENTS
}

tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
gvmctl monitor >$EVENTS 2>&1 &
sleep 0.5
tap_check "gvmctl join --config (boot $GVM_RUN)" gvmctl join --config $CONF
gvm_mark joined

while :; do
	if ! gvm_cmd 600; then
		tap_fail "no command from the runner"
		exit 0
	fi
	# shellcheck disable=SC2086
	set -- $GVM_CMD
	case $1 in
	check-up)
		tap_check "every peer up within 5 s" /tests/gvm-check up $D 5000
		;;
	status)
		gvmctl status --domain $D | sed 's/^/# /'
		;;
	down)
		# The runner's command arrives some time after the stop.
		tap_check "node $2 down (timeout $TIMEOUT_MS ms, 1500 ms slack)" \
			/tests/gvm-check state $D "$2" down $((TIMEOUT_MS + 1500))
		tap_check "node-down event for node $2" event_seen node-down "$2"
		;;
	up)
		tap_check "node $2 up again" \
			/tests/gvm-check state $D "$2" up 30000
		;;
	left)
		tap_check "node $2 left, not down" \
			/tests/gvm-check state $D "$2" left 5000
		tap_check "node-left event for node $2" event_seen node-left "$2"
		;;
	leave)
		tap_check "gvmctl leave" gvmctl leave --domain $D
		;;
	done)
		tap_check "rmmod giantvm-kvm" rmmod giantvm_kvm
		exit 0
		;;
	*)
		tap_fail "unknown command: $GVM_CMD"
		;;
	esac
	gvm_mark "$1"
done
