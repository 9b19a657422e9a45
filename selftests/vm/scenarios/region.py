# SPDX-License-Identifier: GPL-2.0
"""region: coherent shared memory between three nodes in one VM (network
namespaces): reads and writes, exact lock xadd counters, a cmpxchg lock, a
linearizable random history, SIGBUS for a failed owner's pages, a
detaching node's pages handed off, process_vm_readv/writev and O_DIRECT
I/O on a virtio disk to and from region memory, and every bad ioctl and
mmap refused."""
import os
from vmtest import vm, start, wait_exit

# GVM_XADD_RUNS=N: N of the 10 lock xadd runs (make check's second kernel).
RUNS = os.environ.get("GVM_XADD_RUNS", "")
if RUNS and not RUNS.isdigit():
    raise ValueError("GVM_XADD_RUNS must be a number, not %r" % RUNS)
VMS = [vm("vm", "region", qemu=("-smp", "2"), disk=16,
          cmdline="gvm.xadd_runs=" + RUNS if RUNS else "")]
# The kselftests as make kselftest-install lays them out.
FILES = ["build/kselftest"]
MODULES = ["veth", "bridge", "virtio_blk"]
STEPS = [start("vm"), wait_exit("vm", timeout=1200)]
