# SPDX-License-Identifier: GPL-2.0
"""bench-vms (make bench): fault latencies of the kernel engine over the
plain TCP round trip, and sequential pages/s, between five VMs of one
vCPU each: node 0 owns the pages, node 1 faults, nodes 2..4 are the
sharers a write invalidates."""
from vmtest import vm, start, mark, send, wait_exit

MANUAL = True
VMS = [vm(n, "bench-vms") for n in "abcde"]
FILES = ["build/ktest/bench_region", "build/ktest/gvm-check"]
STEPS = [
    start("a", "b", "c", "d", "e"),
    mark("a", "b", "c", "d", "e", word="open", timeout=180),
    send("c", "d", "e", line="share"),
    mark("c", "d", "e", word="share", timeout=300),
    send("b", line="run"),
    mark("b", word="run", timeout=600),
    send("a", "b", "c", "d", "e", line="done"),
    wait_exit("a", "b", "c", "d", "e", timeout=120),
]
