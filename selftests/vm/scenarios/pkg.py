# SPDX-License-Identifier: GPL-2.0
"""pkg (make pkgtest): what the Debian packages installed on the host, in
two VMs: the giantvm-kvm.ko DKMS built (VM_MODULE) placed where DKMS puts
it and loaded with kmod's modprobe, /dev/giantvm, the module's version
(PKG_VERSION), and the packaged (dynamic) gvmctl joining both VMs into one
domain with the commands of the packaged gvmctl@.service, each seeing the
other up, then leaving; then the packaged kselftests
(giantvm-kselftests) run the netlink test in VM a, loading the module
with modprobe and unloading it after."""
import os
from vmtest import vm, start, mark, send, wait_exit

MANUAL = True
_version = "gvm.version=" + os.environ.get("PKG_VERSION", "unknown")
VMS = [vm("a", "pkg", cmdline=_version), vm("b", "pkg", cmdline=_version)]
# The packaged unit: the role runs its ExecStart and ExecStop as written.
# The packaged kselftests go to /tests/giantvm-kselftests.
KSFT = "/usr/lib/giantvm-kselftests"
FILES = ["build/ktest/gvm-check", "/lib/systemd/system/gvmctl@.service",
         KSFT]
# The installed ones, with their libraries, at the same paths (a test
# binary for the libraries the packaged tests are linked with).
HOST_BINARIES = ["/usr/sbin/gvmctl", "/usr/bin/kmod",
                 KSFT + "/giantvm/test_netlink"]

STEPS = [
    start("a", "b"),
    mark("a", "b", word="joined"),
    send("a", "b", line="check-up"),
    mark("a", "b", word="check-up"),
    send("a", "b", line="done"),
    wait_exit("a", "b"),
]
