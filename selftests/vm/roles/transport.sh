#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role transport: hand-made frames against a domain's listener
# (selftests/kernel/test_transport).
. /lib/gvm.sh

tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_run /tests/test_transport
tap_check "rmmod giantvm-kvm" rmmod giantvm_kvm
