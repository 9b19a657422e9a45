# SPDX-License-Identifier: GPL-2.0
"""kvm: stock KVM inside the VM (-cpu max: QEMU emulates AMD SVM, Debian's
kvm_amd loads) runs guests whose memory slot is a giantvm region mapped by
two nodes (network namespaces): guest writes reach the other node, the
other node's writes reach the guest through KVM's MMU notifiers, and two
vCPUs on two nodes count exactly with lock inc."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "kvm", qemu=("-smp", "2"))]
FILES = ["build/kselftest"]
MODULES = ["veth", "bridge", "kvm_amd"]
STEPS = [start("vm"), wait_exit("vm", timeout=300)]
