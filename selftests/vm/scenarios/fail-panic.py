# SPDX-License-Identifier: GPL-2.0
"""fail-panic: a kernel panic (QEMU then exits 0) must fail the run, with
the panic named (runner check)."""
from vmtest import vm

VMS = [vm("vm", "fail", cmdline="gvm.mode=panic")]
EXPECT_FAIL = r"kernel: .*Kernel panic.*ended without a result"
