# SPDX-License-Identifier: GPL-2.0
"""fail-silent: a VM that powers off without a result must fail (runner
check)."""
from vmtest import vm

VMS = [vm("vm", "fail", cmdline="gvm.mode=silent")]
EXPECT_FAIL = r"ended without a result \(QEMU exit 0"
# Tests the runner alone: no kernel output is read.
RUNNER_ONLY = True
