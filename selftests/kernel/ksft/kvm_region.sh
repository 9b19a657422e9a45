#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kvm_region.sh: stock KVM running guests on region memory mapped by two
# nodes, one per namespace (test_kvm_region); needs /dev/kvm.
cd "$(dirname "$0")" || exit 1
. ./gvm_env.sh
[ -c /dev/kvm ] || gvm_env_skip "no /dev/kvm (kvm_amd or kvm_intel; nested virtualization)"
gvm_env_start 2
gvm_env_run ./test_kvm_region
