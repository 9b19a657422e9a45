#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role transport: hand-made frames against a domain's listener: the
# kselftest as a user runs it (giantvm/transport.sh, test_transport).
. /lib/gvm.sh

tap_check "install the module for modprobe" gvm_install_module
tap_ksft giantvm:transport.sh
tap_check "the module unloaded after the test" gvm_unloaded
