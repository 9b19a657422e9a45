# SPDX-License-Identifier: GPL-2.0
"""region: coherent shared memory between three nodes in one VM (network
namespaces): reads and writes, exact lock xadd counters, a cmpxchg lock, a
linearizable random history, SIGBUS for a failed owner's pages, a
detaching node's pages handed off, process_vm_readv/writev and O_DIRECT
I/O on a virtio disk to and from region memory, and every bad ioctl and
mmap refused."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "region", qemu=("-smp", "2"), disk=16)]
FILES = ["build/ktest/test_region"]
MODULES = ["veth", "bridge", "virtio_blk"]
STEPS = [start("vm"), wait_exit("vm", timeout=1200)]
