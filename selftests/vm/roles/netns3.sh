#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role netns3: a three-node cluster inside one VM, one node per network
# namespace (gvmns0..2, 10.1.0.1..3 on bridge gvmbr through gvmveth0..2),
# then the module unloaded with those domains still configured.
. /lib/gvm.sh

topology() {
	ip link add gvmbr type bridge && ip link set gvmbr up || return 1
	for i in 0 1 2; do
		ip netns add gvmns$i &&
		ip link add gvmveth$i type veth peer name eth0 netns gvmns$i &&
		ip link set gvmveth$i master gvmbr up &&
		ip -n gvmns$i addr add 10.1.0.$((i + 1))/24 dev eth0 &&
		ip -n gvmns$i link set eth0 up &&
		ip -n gvmns$i link set lo up || return 1
	done
	ip netns exec gvmns0 ping -c 1 -W 2 10.1.0.3 >/dev/null
}

join_all() {
	for i in 0 1 2; do
		ip netns exec gvmns$i gvmctl join --domain 6 --node $i \
			--listen 10.1.0.$((i + 1)):7100 \
			--peer $(((i + 1) % 3))=10.1.0.$(((i + 1) % 3 + 1)):7100 \
			--peer $(((i + 2) % 3))=10.1.0.$(((i + 2) % 3 + 1)):7100 ||
			return 1
	done
}

tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_check "three namespaces on a bridge" topology
tap_run /tests/test_cluster_netns
if command -v gvmctl >/dev/null; then
	tap_check "gvmctl join in each namespace" join_all
	tap_check "all up in namespace 0" ip netns exec gvmns0 \
		/tests/gvm-check up 6 5000
else
	tap_skip "gvmctl join in each namespace" "no gvmctl"
fi
# Domains still configured, connections open: unloading takes them down.
tap_check "rmmod with domains configured" rmmod giantvm_kvm
tap_check "module gone" sh -c '! grep -q "^giantvm_kvm " /proc/modules'
