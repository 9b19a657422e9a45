# SPDX-License-Identifier: GPL-2.0
"""demo (make demo): three VMs load giantvm-kvm, join one domain with
gvmctl and show gvmctl status; one VM is stopped; the other two show it
down, and the node-down events gvmctl monitor printed."""
from vmtest import vm, start, mark, kill, send, wait_exit

MANUAL = True
VMS = [vm("a", "demo"), vm("b", "demo"), vm("c", "demo")]
FILES = ["build/ktest/gvm-check"]

STEPS = [
    start("a", "b", "c"),
    mark("a", "b", "c", word="joined"),
    send("a", line="status"),
    mark("a", word="status"),
    send("b", line="status"),
    mark("b", word="status"),
    send("c", line="status"),
    mark("c", word="status"),
    kill("c"),
    send("a", line="noticed"),
    mark("a", word="noticed"),
    send("b", line="noticed"),
    mark("b", word="noticed"),
    send("a", "b", line="done"),
    wait_exit("a", "b"),
]
