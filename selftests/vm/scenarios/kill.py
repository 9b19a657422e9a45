# SPDX-License-Identifier: GPL-2.0
"""kill: two VMs share a region; b writes pages (owning them) and its
QEMU is killed. a's faults on them give SIGBUS and a fault-fail event
(never zeros, again on a second try); pages b did not own keep working;
no WARN, no hang."""
from vmtest import vm, start, mark, kill, send, wait_exit

VMS = [vm("a", "kill"), vm("b", "kill")]
FILES = ["build/ktest/gvm-check", "build/ktest/gvm-counter"]

STEPS = [
    start("a", "b"),
    mark("a", "b", word="joined"),
    send("a", "b", line="attach"),
    mark("a", "b", word="attach"),
    send("b", line="own"),
    mark("b", word="own"),
    kill("b"),
    send("a", line="probe"),
    mark("a", word="probe", timeout=120),
    send("a", line="done"),
    wait_exit("a"),
]
