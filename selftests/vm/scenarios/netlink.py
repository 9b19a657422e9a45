# SPDX-License-Identifier: GPL-2.0
"""netlink: the control plane in one VM: /dev/giantvm, the genl family,
every command with each bad input, an unprivileged caller, a 1,024-member
domain dumped whole, events, a refused handshake, IPv6; then the module
loaded by modprobe and autoloaded by a request for its genl family."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "netlink")]
FILES = ["build/kselftest"]
STEPS = [start("vm"), wait_exit("vm")]
