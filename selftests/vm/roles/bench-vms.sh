#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role bench-vms: one of the five nodes of make bench's figures across VMs
# (selftests/kernel/bench_region.c --vm): join domain 8, open the region,
# then do what the runner sends: share (nodes 2..4 take read copies), run
# (node 1 measures; its GVM-BENCH lines are the result), done.
. /lib/gvm.sh

CONF=/etc/giantvm/cluster.conf
gvm_cluster_conf $CONF "domain 8" "heartbeat 200" "timeout 2000"
trap '' PIPE
tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_check "gvmctl join" gvmctl join --config $CONF --node "$GVM_INDEX"
tap_check "every other VM up" /tests/gvm-check up 8 20000
mkfifo /run/ctl
/tests/bench_region --vm "$GVM_INDEX" </run/ctl >/run/bench 2>&1 &
exec 3>/run/ctl
tap_check "region open" gvm_wait_line /run/bench '^open' 30
gvm_mark open

while gvm_cmd 600; do
	case $GVM_CMD in
	share)
		echo share >&3
		tap_check "read copies taken" \
			gvm_wait_line /run/bench '^shared' 120
		;;
	run)
		echo run >&3
		tap_check "measured" gvm_wait_line /run/bench '^ran' 300
		# The runner passes comment lines on: the figures.
		grep '^#' /run/bench
		;;
	done)
		echo quit >&3
		wait
		tap_check "bench_region ended well" \
			sh -c '! grep -v "^#\|^open\|^shared\|^ran" /run/bench'
		exit 0
		;;
	esac
	gvm_mark "$GVM_CMD"
done
tap_fail "no command from the runner"
