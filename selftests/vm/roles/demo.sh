#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role demo (make demo): what a user does on each host. Load the module,
# join domain 1 from a cluster.conf, show the cluster; when told, show it
# again (after one node was stopped) with the events gvmctl monitor saw.
. /lib/gvm.sh

CONF=/etc/giantvm/cluster.conf
gvm_cluster_conf $CONF "# demo cluster: three VMs" "domain 1" "name demo" \
	"heartbeat 500" "timeout 3000"

# The runner shows comment lines: the commands and what they print.
say() {
	echo "# \$ $*"
	"$@" 2>&1 | sed "s/^/#   /"
}

gvm_install_module
tap_check "modprobe giantvm-kvm" modprobe giantvm-kvm
gvmctl monitor >/run/events 2>&1 &
sleep 0.3
say cat $CONF
tap_check "gvmctl join --config $CONF --node $GVM_INDEX" \
	gvmctl join --config $CONF --node "$GVM_INDEX"
gvm_mark joined

while gvm_cmd 600; do
	case $GVM_CMD in
	status)
		tap_check "every peer up" /tests/gvm-check up 1 10000
		say gvmctl status
		;;
	noticed)
		tap_check "node 2 seen down" /tests/gvm-check state 1 2 down 6000
		say gvmctl status
		say cat /run/events
		;;
	done)
		exit 0
		;;
	esac
	gvm_mark "$GVM_CMD"
done
tap_fail "no command from the runner"
