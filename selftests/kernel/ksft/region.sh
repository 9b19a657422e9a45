#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# region.sh: coherent regions between three nodes, one per namespace
# (test_region). GVM_TEST_DISK=/dev/... names a scratch block device for
# the O_DIRECT case, which overwrites its first 8 KiB; without it, that
# case is skipped. GVM_XADD_RUNS=1..10 (default 10): how many lock xadd runs.
cd "$(dirname "$0")" || exit 1
. ./gvm_env.sh
gvm_env_start 3
gvm_env_run ./test_region
