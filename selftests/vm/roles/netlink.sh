#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role netlink: the control plane in one VM (selftests/kernel/test_netlink).
. /lib/gvm.sh

tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_run /tests/test_netlink
tap_check "rmmod giantvm-kvm" rmmod giantvm_kvm

# Installed where modprobe looks: "modprobe giantvm-kvm", and a request for
# the genl family with the module not loaded (MODULE_ALIAS_GENL_FAMILY).

loaded() {
	grep -q '^giantvm_kvm ' /proc/modules && [ -c /dev/giantvm ]
}

tap_check "install the module for modprobe" gvm_install_module
tap_check "modprobe giantvm-kvm creates /dev/giantvm" \
	sh -c 'modprobe giantvm-kvm && [ -c /dev/giantvm ]'
tap_check "rmmod after modprobe" rmmod giantvm_kvm
tap_check "a request for the family loads the module" \
	sh -c 'gvmctl status >/dev/null; grep -q "^giantvm_kvm " /proc/modules'
tap_check "rmmod after autoload" rmmod giantvm_kvm
