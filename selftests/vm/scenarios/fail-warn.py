# SPDX-License-Identifier: GPL-2.0
"""fail-warn: a WARNING in the kernel log, hidden from the console by
quiet, must fail the run through init's dmesg scan (runner check)."""
from vmtest import vm

VMS = [vm("vm", "fail", cmdline="gvm.mode=warn")]
EXPECT_FAIL = r"vm: kernel log clean"
