# SPDX-License-Identifier: GPL-2.0
"""demo (make demo): three VMs load giantvm-kvm, join one domain with
gvmctl (its frames authenticated with the pre-shared key make demo draws
with gvmctl genpsk, build/demo/psk), share a region and count in it with
lock xadd from all three (exact), show gvmctl status; one VM leaves the
region (its pages handed to the others, the count intact) and is
stopped; the other two show it down, and the node-down events gvmctl
monitor printed."""
from vmtest import vm, start, mark, kill, send, wait_exit

MANUAL = True
VMS = [vm("a", "demo"), vm("b", "demo"), vm("c", "demo")]
FILES = ["build/ktest/gvm-check", "build/ktest/gvm-counter", "build/demo/psk"]

STEPS = [
    start("a", "b", "c"),
    mark("a", "b", "c", word="joined"),
    # Every node attaches to the region before anyone touches it.
    send("a", "b", "c", line="attach"),
    mark("a", "b", "c", word="attach"),
    send("a", "b", "c", line="count"),
    mark("a", "b", "c", word="count", timeout=600),
    send("a", line="status"),
    mark("a", word="status"),
    send("b", line="status"),
    mark("b", word="status"),
    send("c", line="status"),
    mark("c", word="status"),
    # c leaves the region: its pages go to a and b, the count stays.
    send("c", line="detach"),
    mark("c", word="detach"),
    send("a", line="read"),
    mark("a", word="read"),
    kill("c"),
    send("a", line="noticed"),
    mark("a", word="noticed"),
    send("b", line="noticed"),
    mark("b", word="noticed"),
    send("a", "b", line="done"),
    wait_exit("a", "b"),
]
