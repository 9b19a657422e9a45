#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role region: coherent regions between three nodes in one VM, one per
# network namespace: the kselftest as a user runs it (giantvm/region.sh
# loads the module with modprobe, makes the namespaces, runs test_region,
# then takes it all down again).
#
# Its O_DIRECT case writes over the disk GVM_TEST_DISK names, and only
# then. On 6.1 that is the VM's scratch disk, and the case runs; on the
# second kernel nothing is named, and the disk must come out untouched.
. /lib/gvm.sh

MARK=gvm-unnamed-disk

tap_check "install the module for modprobe" gvm_install_module
tap_check "a virtio disk for O_DIRECT" test -b /dev/vda
case $(uname -r) in
6.1.*)
	export GVM_TEST_DISK=/dev/vda
	;;
*)
	tap_check "a mark on the disk no test is given" \
		sh -c "echo $MARK | dd of=/dev/vda conv=fsync 2>/dev/null"
	;;
esac
tap_ksft giantvm:region.sh
if [ -z "$GVM_TEST_DISK" ]; then
	tap_check "the disk no test is given: untouched" \
		sh -c "[ \"\$(head -c ${#MARK} /dev/vda)\" = $MARK ]"
fi
# What the module said (faults that failed say why).
dmesg | grep giantvm | sed 's/^/# /'
tap_check "the module unloaded after the test" gvm_unloaded
