# SPDX-License-Identifier: GPL-2.0
"""fail-nomark: a VM that ends before the mark a step waits for must fail
that step at once, not at its timeout (runner check)."""
from vmtest import vm, start, mark

VMS = [vm("vm", "fail", cmdline="gvm.mode=nomark")]
STEPS = [start("vm"), mark("vm", word="never")]
EXPECT_FAIL = r"ended before GVM-MARK never"
# Tests the runner alone: no kernel output is read.
RUNNER_ONLY = True
