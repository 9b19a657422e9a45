# SPDX-License-Identifier: GPL-2.0
"""fail-test: a guest test that fails must fail the run (runner check)."""
from vmtest import vm

VMS = [vm("vm", "fail", cmdline="gvm.mode=test")]
EXPECT_FAIL = r"vm: a test that fails on purpose"
# Tests the runner alone: no kernel output is read.
RUNNER_ONLY = True
