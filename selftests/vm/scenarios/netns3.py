# SPDX-License-Identifier: GPL-2.0
"""netns3: a three-node cluster inside one VM, one node per network
namespace: all up, one link cut (down, with an event), back up, one node
leaves (left); then gvmctl joins the three and the module is unloaded
with the domains configured."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "netns3")]
FILES = ["build/ktest/test_cluster_netns", "build/ktest/gvm-check"]
MODULES = ["veth", "bridge"]
STEPS = [start("vm"), wait_exit("vm")]
