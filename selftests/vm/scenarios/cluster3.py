# SPDX-License-Identifier: GPL-2.0
"""cluster3: three VMs join one domain with gvmctl; every node sees every
peer up within 5 s; c's VM is stopped and a, b see it down with an event
within the timeout; c boots again and rejoins, they see it up; c leaves
with gvmctl leave, they see it as left."""
from vmtest import vm, start, mark, kill, send, wait_exit

VMS = [vm("a", "cluster"), vm("b", "cluster"), vm("c", "cluster")]
FILES = ["build/ktest/gvm-check"]

STEPS = [
    start("a", "b", "c"),
    mark("a", "b", "c", word="joined"),
    send("a", "b", "c", line="check-up"),
    mark("a", "b", "c", word="check-up"),
    send("a", line="status"),
    mark("a", word="status"),
    # The machine is gone: no FIN, no RST, only silence.
    kill("c"),
    send("a", "b", line="down 2"),
    mark("a", "b", word="down"),
    start("c"),
    mark("c", word="joined"),
    send("a", "b", line="up 2"),
    mark("a", "b", word="up"),
    send("c", line="check-up"),
    mark("c", word="check-up"),
    send("c", line="leave"),
    mark("c", word="leave"),
    send("a", "b", line="left 2"),
    mark("a", "b", word="left"),
    send("a", "b", "c", line="done"),
    wait_exit("a", "b", "c"),
]
