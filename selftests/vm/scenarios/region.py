# SPDX-License-Identifier: GPL-2.0
"""region: coherent shared memory between three nodes in one VM (network
namespaces): reads and writes, exact lock xadd counters, a cmpxchg lock, a
linearizable random history, SIGBUS for a failed owner's pages, and every
bad ioctl and mmap refused."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "region", qemu=("-smp", "2"))]
FILES = ["build/ktest/test_region"]
MODULES = ["veth", "bridge"]
STEPS = [start("vm"), wait_exit("vm", timeout=600)]
