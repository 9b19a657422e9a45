# SPDX-License-Identifier: GPL-2.0
"""netns3: a three-node cluster inside one VM, one node per network
namespace: all up, one link cut (down, with an event), back up, one node
leaves (left); domains with a pre-shared key: the same key up and
sharing a region, another key or none refused on both sides, a frame
changed on its way refused and the page read exact; then gvmctl joins
the three and the module is unloaded with the domains configured."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "netns3")]
FILES = ["build/kselftest", "build/ktest/gvm-check"]
MODULES = ["veth", "bridge"]
STEPS = [start("vm"), wait_exit("vm")]
