# SPDX-License-Identifier: GPL-2.0
"""load: one VM loads giantvm-kvm.ko with selftest=1 and unloads it,
20 times; the in-kernel self-tests must pass every time."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "load", cmdline="gvm.rounds=20")]
STEPS = [start("vm"), wait_exit("vm")]
