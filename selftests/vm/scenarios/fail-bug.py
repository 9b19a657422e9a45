# SPDX-License-Identifier: GPL-2.0
"""fail-bug: a BUG: line on the console must fail the run even when the
kernel goes on (runner check)."""
from vmtest import vm

VMS = [vm("vm", "fail", cmdline="gvm.mode=bug")]
EXPECT_FAIL = r"vm: role fail, .*: kernel: .*BUG: injected"
