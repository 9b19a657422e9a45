# SPDX-License-Identifier: GPL-2.0
"""bench (make bench): fault latencies of the kernel engine over the plain
TCP round trip, and sequential pages/s, between network namespaces of one
VM."""
from vmtest import vm, start, wait_exit

MANUAL = True
# Timings want both host cores, as the nodes of a real cluster run in
# parallel: a TCG thread per vCPU (a rare guest oops is a failed make
# bench, not a wrong figure).
VMS = [vm("vm", "bench", qemu=("-smp", "2"), mttcg=True)]
FILES = ["build/ktest/bench_region"]
MODULES = ["veth", "bridge"]
STEPS = [start("vm"), wait_exit("vm", timeout=300)]
