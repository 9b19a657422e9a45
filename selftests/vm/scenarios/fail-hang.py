# SPDX-License-Identifier: GPL-2.0
"""fail-hang: a VM that never ends must time out, be killed and fail
(runner check)."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "fail", cmdline="gvm.mode=hang")]
STEPS = [start("vm"), wait_exit("vm", timeout=10)]
EXPECT_FAIL = r"step 2 \(wait_exit vm\): timed out"
# Tests the runner alone: no kernel output is read.
RUNNER_ONLY = True
