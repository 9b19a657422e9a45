# SPDX-License-Identifier: GPL-2.0
"""pkg (make pkgtest): what the Debian packages installed on the host, in
two VMs: the giantvm-kvm.ko DKMS built (VM_MODULE) placed where DKMS puts
it and loaded with kmod's modprobe, /dev/giantvm, the module's version
(PKG_VERSION), and the packaged gvmctl@.service, enabled with systemctl
and started at boot by systemd (the host's, PID 1 of a PID namespace),
joining both VMs into one domain with the packaged (dynamic) gvmctl, each
seeing the other up, then stopped (leaving); an instance without a config
failing; then the packaged kselftests
(giantvm-kselftests) run the netlink test in VM a, loading the module
with modprobe and unloading it after."""
import os
from vmtest import vm, start, mark, send, wait_exit

MANUAL = True
_version = "gvm.version=" + os.environ.get("PKG_VERSION", "unknown")
VMS = [vm("a", "pkg", cmdline=_version), vm("b", "pkg", cmdline=_version)]
# The packaged unit and the targets of a boot to multi-user.target; the
# packaged kselftests go to /tests/giantvm-kselftests.
KSFT = "/usr/lib/giantvm-kselftests"
UNITS = "/lib/systemd/system/"
FILES = ["build/ktest/gvm-check", UNITS + "gvmctl@.service",
         UNITS + "multi-user.target", UNITS + "basic.target",
         UNITS + "sysinit.target", KSFT]
# The installed ones, with their libraries, at the same paths (a test
# binary for the libraries the packaged tests are linked with).
HOST_BINARIES = ["/usr/sbin/gvmctl", "/usr/bin/kmod",
                 KSFT + "/giantvm/test_netlink", "/lib/systemd/systemd",
                 "/usr/bin/systemctl", "/usr/bin/unshare",
                 "/usr/bin/nsenter"]

STEPS = [
    start("a", "b"),
    mark("a", "b", word="joined"),
    send("a", "b", line="check-up"),
    mark("a", "b", word="check-up"),
    send("a", "b", line="done"),
    wait_exit("a", "b"),
]
