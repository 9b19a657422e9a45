#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role kill: two VMs share a region; the second writes pages (it owns
# them) and is killed. On the first, faults on those pages give SIGBUS and
# a fault-fail event, never zeros; other pages go on working.
. /lib/gvm.sh

CONF=/etc/giantvm/cluster.conf
gvm_cluster_conf $CONF "domain 1" "heartbeat 200" "timeout 1000"
trap '' PIPE
tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
gvmctl monitor >/run/events 2>&1 &
tap_check "gvmctl join" gvmctl join --config $CONF --node "$GVM_INDEX"
tap_check "the other VM up" /tests/gvm-check up 1 10000
gvm_mark joined

# probe PAGE WHAT: the answer of gvm-counter's probe matches WHAT.
probe() {
	echo "probe $1" >&3
	gvm_wait_line /run/counter "^probe $1 " 30 &&
		grep "^probe $1 " /run/counter | grep -q "$2"
}

while gvm_cmd 300; do
	case $GVM_CMD in
	attach)
		if gvm_counter_start 1 2 1; then
			tap_ok "region 1 attached"
		else
			tap_fail "region 1 attached"
		fi
		;;
	own)
		echo "write 100 8" >&3
		tap_check "pages 100..107 written" \
			gvm_wait_line /run/counter '^wrote 100 8' 30
		;;
	probe)
		# Page 100: the killed VM owned it. 150 and 151 it never
		# touched (homes: this VM, the killed one).
		tap_check "page 100 (the killed VM's): SIGBUS" probe 100 SIGBUS
		tap_check "page 100 again: SIGBUS, not zeros" probe 100 SIGBUS
		tap_check "page 150 (ours): readable" probe 150 "value 0 "
		tap_check "page 151 (its home was the killed VM): readable" \
			probe 151 "value 0 "
		tap_check "a fault-fail event" grep -q fault-fail /run/events
		sed 's/^/# /' /run/counter
		grep -E 'fault-fail|down' /run/events | sed 's/^/# /'
		;;
	done)
		exit 0
		;;
	esac
	gvm_mark "$GVM_CMD"
done
tap_fail "no command from the runner"
