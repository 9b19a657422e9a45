#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role kvm: stock KVM (Debian's kvm_amd, on QEMU's emulated SVM) running
# guests whose memory is a region shared by two network namespaces: the
# kselftest as a user runs it (giantvm/kvm_region.sh, test_kvm_region).
. /lib/gvm.sh

tap_check "kvm_amd gives /dev/kvm" test -c /dev/kvm
tap_check "install the module for modprobe" gvm_install_module
tap_ksft giantvm:kvm_region.sh
tap_check "the module unloaded after the test" gvm_unloaded
