#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role demo (make demo): what a user does on each host. Load the module,
# join domain 1 from a cluster.conf with a pre-shared key, show the
# cluster; share a region and count in it from every VM; when told, show
# it again (after one node left the region and was stopped) with the
# events gvmctl monitor saw.
. /lib/gvm.sh

CONF=/etc/giantvm/cluster.conf
gvm_cluster_conf $CONF "# demo cluster: three VMs" "domain 1" "name demo" \
	"heartbeat 500" "timeout 3000" "psk-file psk"

# The runner shows comment lines: the commands and what they print.
say() {
	echo "# \$ $*"
	"$@" 2>&1 | sed "s/^/#   /"
}

# A write to gvm-counter after it died fails, without killing us.
trap '' PIPE
gvm_install_module
tap_check "modprobe giantvm-kvm" modprobe giantvm-kvm
gvmctl monitor >/run/events 2>&1 &
sleep 0.3
say cat $CONF
# The same key on every host, readable by root alone (gvmctl genpsk made it).
(umask 077 && cp /tests/psk /etc/giantvm/psk)
say ls -l /etc/giantvm/psk
tap_check "gvmctl join --config $CONF --node $GVM_INDEX" \
	gvmctl join --config $CONF --node "$GVM_INDEX"
gvm_mark joined

counter_wait() {
	gvm_wait_line /run/counter "$1" "$2"
}

while gvm_cmd 600; do
	case $GVM_CMD in
	attach)
		# gvm-counter keeps the region mapped between the steps (not
		# in tap_check's subshell: fd 3 must stay ours).
		if gvm_counter_start 1 3 10000; then
			tap_ok "region 1 attached"
		else
			tap_fail "region 1 attached"
		fi
		;;
	count)
		echo go >&3
		counter_wait '^counter .* spread' 550
		say cat /run/counter
		tap_check "3 x 10000 lock xadd across VMs, exact" \
			grep -q '^counter 30000 spread 30000 ' /run/counter
		;;
	detach)
		echo quit >&3
		tap_check "detached, pages handed off" counter_wait '^detached' 60
		say sh -c "dmesg | grep 'handed off'"
		;;
	read)
		echo read >&3
		tap_check "the counter after node 2 left" \
			counter_wait '^counter 30000$' 30
		;;
	status)
		tap_check "every peer up" /tests/gvm-check up 1 10000
		tap_check "frames authenticated" sh -c \
			'gvmctl status -j | grep -q "\"auth\": true"'
		say gvmctl status
		;;
	noticed)
		tap_check "node 2 seen down" /tests/gvm-check state 1 2 down 6000
		say gvmctl status
		say cat /run/events
		;;
	done)
		[ -e /run/ctl ] && echo quit >&3
		exit 0
		;;
	esac
	gvm_mark "$GVM_CMD"
done
tap_fail "no command from the runner"
