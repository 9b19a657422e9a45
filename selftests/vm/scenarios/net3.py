# SPDX-License-Identifier: GPL-2.0
"""net3: three VMs ping each other; c is killed and a, b see it go silent,
then c boots again and they see it back; then c is cut off at the hub
(alive, unreachable) and restored. Proves the runner, the hub and the
kill/restart/cut steps that the cluster tests build on."""
from vmtest import vm, start, mark, kill, cut, restore, send, wait_exit

VMS = [vm("a", "net3"), vm("b", "net3"), vm("c", "net3")]
C = "10.0.0.3"

STEPS = [
    start("a", "b", "c"),
    mark("a", "b", "c", word="up"),
    # A crash: the machine is gone.
    kill("c"),
    send("a", "b", line="down " + C),
    mark("a", "b", word="down"),
    start("c"),
    mark("c", word="up"),
    send("a", "b", line="up " + C),
    mark("a", "b", word="up"),
    # A partition: c runs on but nobody hears it, and it hears nobody.
    cut("c"),
    send("a", "b", line="down " + C),
    send("c", line="down 10.0.0.1"),
    mark("a", "b", "c", word="down"),
    restore("c"),
    send("a", "b", line="up " + C),
    send("c", line="up 10.0.0.1"),
    mark("a", "b", "c", word="up"),
    send("a", "b", "c", line="done"),
    wait_exit("a", "b", "c"),
]
