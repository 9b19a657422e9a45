#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role netns3: a three-node cluster inside one VM, one node per network
# namespace (gvmns0..2, 10.1.0.1..3 on bridge gvmbr through gvmveth0..2),
# then the module unloaded with those domains still configured.
. /lib/gvm.sh

# With a pre-shared key, as a user would make one.
join_all() {
	(umask 077 && gvmctl genpsk >/run/psk) || return 1
	for i in 0 1 2; do
		ip netns exec gvmns$i gvmctl join --domain 6 --node $i \
			--listen 10.1.0.$((i + 1)):7100 --psk-file /run/psk \
			--peer $(((i + 1) % 3))=10.1.0.$(((i + 1) % 3 + 1)):7100 \
			--peer $(((i + 2) % 3))=10.1.0.$(((i + 2) % 3 + 1)):7100 ||
			return 1
	done
}

# The kselftests first, as a user runs them: each makes its namespaces
# and loads the module, and takes both away again.
tap_check "install the module for modprobe" gvm_install_module
tap_ksft giantvm:cluster_netns.sh
tap_ksft giantvm:auth_netns.sh
tap_check "the module unloaded after them" gvm_unloaded
tap_check "their namespaces gone" sh -c '[ -z "$(/sbin/ip netns list)" ]'
tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_check "three namespaces on a bridge" gvm_netns 3
if command -v gvmctl >/dev/null; then
	tap_check "gvmctl join in each namespace" join_all
	tap_check "all up in namespace 0" ip netns exec gvmns0 \
		/tests/gvm-check up 6 5000
	tap_check "gvmctl status: frames authenticated" sh -c \
		'/sbin/ip netns exec gvmns0 gvmctl status -j |
		grep -q "\"auth\": true"'
else
	tap_skip "gvmctl join in each namespace" "no gvmctl"
fi
# Domains still configured, connections open: unloading takes them down.
tap_check "rmmod with domains configured" rmmod giantvm_kvm
tap_check "module gone" sh -c '! grep -q "^giantvm_kvm " /proc/modules'
