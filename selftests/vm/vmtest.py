# SPDX-License-Identifier: GPL-2.0
"""giantvm's VM test runner: the engine and the scenario vocabulary.

A scenario (selftests/vm/scenarios/NAME.py) lists its VMs and the host's
steps; this module boots the VMs under QEMU/TCG on one L2 segment (gvm-hub
on 127.0.0.1), runs the steps, reads TAP from the serial consoles and prints
TAP. See selftests/vm/README.md for the format. Standard library only.
"""

import ctypes
import gzip
import importlib.util
import lzma
import math
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

CMDLINE = "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet"
STEP_TIMEOUT = 120.0
# The console shows the kernel's KERN_ERR and worse (quiet); init also scans
# dmesg for the rest at the end.
PROBLEM = re.compile(r"Kernel panic|BUG:|WARNING:|Oops|"
                     r"general protection fault")
TAP_LINE = re.compile(r"^(ok|not ok)\s+(\d+)\s*(?:-\s*)?(.*)$")
PLAN_LINE = re.compile(r"^1\.\.(\d+)\s*$")
# SeaBIOS clears the screen: terminal escapes go before anything is parsed.
ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|[ -/]*[0-~])")
# Markers are found anywhere in a line: a kernel message may precede them.
MARKER = re.compile(r"GVM-(BOOTED|MARK|RESULT)\b\s*(\S*)")
# A problem found, the console is read this long for the rest of the trace.
PROBLEM_GRACE = 3.0


class StepFailed(Exception):
    pass


# ---- scenario vocabulary -----------------------------------------------

def vm(name, role, cmdline="", mem=None, qemu=(), disk=None, mttcg=False):
    """One VM of a scenario; its index is its place in VMS. cmdline is
    appended to the kernel's, qemu to QEMU's arguments (e.g. -smp 2);
    disk (MiB) gives it an empty virtio disk, /dev/vda; mttcg runs its
    vCPUs on a host thread each, as VM_MTTCG=1 does (see argv)."""
    return {"name": name, "role": role, "cmdline": cmdline, "mem": mem,
            "qemu": list(qemu), "disk": disk, "mttcg": mttcg}


class Step:
    timeout = None

    def names_or_all(self, sc):
        return list(self.names) or [r.spec["name"] for r in sc.live()]


class start(Step):
    """Boot VMs (again, after a kill: role and cmdline may change)."""

    def __init__(self, *names, role=None, cmdline=None):
        self.names, self.role, self.cmdline = names, role, cmdline

    def __str__(self):
        return "start " + ",".join(self.names)

    def run(self, sc):
        for n in self.names:
            sc.boot(n, self.role, self.cmdline)


class mark(Step):
    """Wait until each VM prints 'GVM-MARK word' (each print counts once)."""

    def __init__(self, *names, word, timeout=None):
        self.names, self.word, self.timeout = names, word, timeout

    def __str__(self):
        return "mark %s %s" % (",".join(self.names), self.word)

    def run(self, sc):
        pending = list(self.names)

        def done():
            for n in list(pending):
                r = sc.current(n)
                if r.take_mark(self.word):
                    pending.remove(n)
                elif r.ended:
                    raise StepFailed("%s ended before GVM-MARK %s"
                                     % (r.tag, self.word))
            return not pending
        sc.wait_for(done, self.timeout, str(self))


class kill(Step):
    """Kill the VMs' QEMU, as a crash of the whole machine."""

    def __init__(self, *names):
        self.names = names

    def __str__(self):
        return "kill " + ",".join(self.names)

    def run(self, sc):
        for n in self.names:
            sc.current(n).kill(expected=True)


class cut(Step):
    """Cut a VM off the segment (from everyone, or from one peer)."""
    verb = "cut"

    def __init__(self, name, peer=None):
        self.name, self.peer = name, peer

    def __str__(self):
        return "%s %s%s" % (self.verb, self.name,
                            " " + self.peer if self.peer else "")

    def run(self, sc):
        args = [sc.index(self.name)]
        if self.peer:
            args.append(sc.index(self.peer))
        sc.hub_command(self.verb, *args)


class restore(cut):
    verb = "restore"


class send(Step):
    """Write 'GVM-CMD line' to the VMs' consoles (read with gvm_cmd)."""

    def __init__(self, *names, line):
        self.names, self.line = names, line

    def __str__(self):
        return "send %s %r" % (",".join(self.names), self.line)

    def run(self, sc):
        for n in self.names:
            sc.current(n).send("GVM-CMD " + self.line)


class wait_exit(Step):
    """Wait until the VMs (default: all running) end by themselves."""

    def __init__(self, *names, timeout=None):
        self.names, self.timeout = names, timeout

    def __str__(self):
        return "wait_exit " + (",".join(self.names) or "all")

    def run(self, sc):
        runs = [sc.current(n) for n in self.names_or_all(sc)]
        sc.wait_for(lambda: all(r.ended for r in runs), self.timeout,
                    str(self))


class sleep(Step):
    def __init__(self, seconds):
        self.seconds = seconds

    def __str__(self):
        return "sleep %g" % self.seconds

    def run(self, sc):
        sc.wait_for(lambda: False, self.seconds, str(self), expire_ok=True)


# ---- output --------------------------------------------------------------

class Tap:
    """The runner's own TAP stream; live lines are TAP comments."""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0
        self.failed = 0

    def say(self, text):
        with self.lock:
            for line in text.splitlines():
                print("# " + line if line else "#", flush=True)

    def result(self, ok, desc):
        with self.lock:
            self.n += 1
            if not ok:
                self.failed += 1
            print("%s %d - %s" % ("ok" if ok else "not ok", self.n, desc),
                  flush=True)

    def finish(self):
        print("1..%d" % self.n)
        print("vmtest: %d passed, %d failed" % (self.n - self.failed,
                                                self.failed), flush=True)


# ---- one boot of one VM -------------------------------------------------

def _pdeathsig():
    # QEMU dies with the runner, whatever kills the runner.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Run:
    def __init__(self, sc, spec, runno, role, cmdline):
        self.sc, self.spec, self.runno = sc, spec, runno
        self.role, self.cmdline = role, cmdline
        name = spec["name"]
        self.tag = "%s/%s" % (sc.name, name) + \
            ("#%d" % runno if runno > 1 else "")
        self.log_path = os.path.join(
            sc.logdir, name + (".log" if runno == 1 else "-%d.log" % runno))
        self.marks = []
        self.tests = []           # (ok, description)
        self.plan = None
        self.result = None        # GVM-RESULT n: failures the guest counted
        self.problems = []
        self.problem_time = None
        self.booted = None        # seconds from QEMU start to GVM-BOOTED
        self.ended = False
        self.rc = None
        self.killed = None        # None, "expected" or why the runner did
        self.t0 = self.t1 = None

    def argv(self):
        sc, i = self.sc, self.sc.index(self.spec["name"])
        append = " ".join(filter(None, [
            CMDLINE, "gvm.name=%s gvm.role=%s gvm.index=%d gvm.count=%d "
            "gvm.run=%d" % (self.spec["name"], self.role, i, len(sc.vms),
                            self.runno),
            # The kselftests' own timeouts (gvm_harness.h), in whole steps.
            "gvm.timeout_scale=%d" % math.ceil(sc.scale)
            if sc.scale > 1 else "",
            self.cmdline]))
        # Several vCPUs: one TCG thread, unless VM_MTTCG=1. With a thread
        # per vCPU (truly parallel, a harder test) a vCPU can run code
        # another one just patched with int3 (static keys) and the guest
        # oopses, at boot or later (seen on 6.12, about one run in six).
        smp = list(self.spec["qemu"])
        accel = "tcg,thread=single" if "-smp" in smp and \
            smp[smp.index("-smp") + 1] != "1" and \
            os.environ.get("VM_MTTCG") != "1" and \
            not self.spec.get("mttcg") else "tcg"
        return ["qemu-system-x86_64", "-accel", accel, "-cpu", "max",
                "-m", str(self.spec["mem"] or sc.mem), "-smp", "1",
                "-nographic", "-no-reboot",
                "-kernel", sc.kernel, "-initrd", sc.initrd,
                "-append", append,
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-netdev", "socket,id=n0,udp=127.0.0.1:%d,"
                "localaddr=127.0.0.1:%d" % (sc.hub_port, sc.vm_ports[i]),
                "-device", "virtio-net-pci,netdev=n0,romfile=,"
                "mac=52:54:00:47:56:%02x" % (i + 1)] + self.disk() + \
            self.spec["qemu"]

    def disk(self):
        """A sparse, empty image in the scenario's log directory."""
        if not self.spec.get("disk"):
            return []
        path = os.path.join(self.sc.logdir, self.spec["name"] + ".disk")
        with open(path, "wb") as f:
            f.truncate(self.spec["disk"] << 20)
        return ["-drive", "file=%s,if=virtio,format=raw,cache=unsafe"
                % path]

    def start(self):
        argv = self.argv()
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.log.write("# %s, kernel %s\n# %s\n" % (
            self.tag, self.sc.kver, " ".join(
                "'%s'" % a if " " in a else a for a in argv)))
        self.log.flush()
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=_pdeathsig)
        self.thread = threading.Thread(target=self.reader, daemon=True)
        self.thread.start()

    def reader(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").replace("\r", "")
            line = ESCAPE.sub("", line.rstrip("\n"))
            with self.sc.cond:
                self.feed(line)
                self.sc.cond.notify_all()
        rc = self.proc.wait()
        with self.sc.cond:
            self.rc = rc
            self.t1 = time.monotonic()
            self.ended = True
            self.log.write("# QEMU exit status %d after %.1f s\n"
                           % (rc, self.t1 - self.t0))
            self.log.close()
            self.sc.cond.notify_all()

    def feed(self, line):
        out = self.sc.out
        self.log.write(line + "\n")
        self.log.flush()
        marker = MARKER.search(line)
        if marker and marker.group(1) == "BOOTED":
            self.booted = time.monotonic() - self.t0
            out.say("%s: booted in %.1f s" % (self.tag, self.booted))
        elif marker and marker.group(1) == "MARK":
            self.marks.append(marker.group(2))
        elif marker and marker.group(2).isdigit():  # RESULT
            self.result = int(marker.group(2))
        elif TAP_LINE.match(line):
            m = TAP_LINE.match(line)
            self.tests.append((m.group(1) == "ok", m.group(3)))
            out.say("%s: %s" % (self.tag, line))
        elif PLAN_LINE.match(line):
            self.plan = int(PLAN_LINE.match(line).group(1))
        elif line.startswith("#"):
            out.say("%s: %s" % (self.tag, line))
        elif PROBLEM.search(line):
            if not self.problems:
                self.problem_time = time.monotonic()
            self.problems.append(line.strip())
            out.say("%s: kernel: %s" % (self.tag, line.strip()))

    def take_mark(self, word):
        if word in self.marks:
            self.marks.remove(word)
            return True
        return False

    def send(self, line):
        if self.ended:
            raise StepFailed("%s has ended, cannot send %r" % (self.tag, line))
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except OSError as e:
            raise StepFailed("%s: send %r: %s" % (self.tag, line, e))

    def kill(self, expected=False, why=None):
        if self.ended:
            if expected:
                raise StepFailed("%s had already ended" % self.tag)
            return
        self.killed = "expected" if expected else why
        self.proc.kill()
        # Release the lock the reader needs to record the end.
        deadline = time.monotonic() + 10
        with self.sc.cond:
            while not self.ended and time.monotonic() < deadline:
                self.sc.cond.wait(0.2)

    def fatal(self):
        """Why the scenario cannot go on because of this run, or None."""
        if self.problems and (self.ended or time.monotonic() -
                              self.problem_time > PROBLEM_GRACE):
            return "kernel: " + self.problems[0]
        if self.ended and not self.killed:
            reasons = self.verdict()
            if reasons:
                return "; ".join(reasons)
        return None

    def verdict(self):
        """The reasons this run failed; empty when it passed."""
        why = []
        if self.problems:
            why.append("kernel: " + self.problems[0])
        if self.killed == "expected":
            pass
        elif self.killed:
            why.append(self.killed)
        elif not self.ended:
            why.append("still running")
        else:
            if self.booted is None:
                why.append("never booted")
            if self.result is None:
                why.append("ended without a result (QEMU exit %d%s)" % (
                    self.rc, ": kernel panic or reboot" if self.rc == 0
                    else ""))
            elif self.rc != (self.result << 1) | 1:
                why.append("QEMU exit %d, but the guest reported %d "
                           "failures" % (self.rc, self.result))
            elif self.result:
                why.append("%d tests failed" % self.result)
            if self.result is not None and self.plan != len(self.tests):
                why.append("planned %s tests, ran %d" % (self.plan,
                                                        len(self.tests)))
        bad = sum(1 for ok, _ in self.tests if not ok)
        if bad and not any("tests failed" in w for w in why):
            why.append("%d tests failed" % bad)
        return why

    def summary(self):
        boot = "booted in %.1f s" % self.booted if self.booted is not None \
            else "not booted"
        ran = (self.t1 or time.monotonic()) - self.t0
        what = "killed as planned, " if self.killed == "expected" else ""
        return "%s: role %s, %s%d tests, %s, ran %.1f s" % (
            self.tag, self.role, what, len(self.tests), boot, ran)


# ---- one scenario ------------------------------------------------------

class Scenario:
    def __init__(self, name, args, out):
        self.name, self.kver, self.out = name, args.kver, out
        self.build, self.module = args.build, args.module
        self.scale = args.timeout_scale
        kver, build = args.kver, args.build
        path = os.path.join(HERE, "scenarios", name + ".py")
        spec = importlib.util.spec_from_file_location(
            "gvm_scenario_" + name, path)
        self.mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.mod)
        self.vms = self.mod.VMS
        self.steps = list(getattr(self.mod, "STEPS", [
            start(*[v["name"] for v in self.vms]), wait_exit()]))
        self.mem = getattr(self.mod, "MEM", None) or args.mem
        self.step_timeout = getattr(self.mod, "TIMEOUT", STEP_TIMEOUT)
        self.vmdir = os.path.join(build, "vm", kver)
        self.logdir = os.path.join(build, "vm", "logs", name)
        self.kernel = os.path.join(self.vmdir, "root", "boot",
                                   "vmlinuz-" + kver)
        self.runs = []
        self.by_name = {}
        self.cond = threading.Condition()
        self.hub = None

    # -- helpers the steps use --

    def index(self, name):
        for i, v in enumerate(self.vms):
            if v["name"] == name:
                return i
        raise StepFailed("no VM named %s" % name)

    def current(self, name):
        self.index(name)
        if name not in self.by_name:
            raise StepFailed("%s was never started" % name)
        return self.by_name[name]

    def live(self):
        return [r for r in self.by_name.values() if not r.ended]

    def boot(self, name, role, cmdline):
        spec = self.vms[self.index(name)]
        old = self.by_name.get(name)
        if old and not old.ended:
            raise StepFailed("%s is still running" % old.tag)
        run = Run(self, spec, old.runno + 1 if old else 1,
                  role or spec["role"],
                  spec["cmdline"] if cmdline is None else cmdline)
        run.start()
        self.runs.append(run)
        self.by_name[name] = run

    def wait_for(self, pred, timeout, what, expire_ok=False):
        timeout = (self.step_timeout if timeout is None else timeout) * \
            self.scale
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                if pred():
                    return
                for r in self.runs:
                    why = r.fatal()
                    if why:
                        raise StepFailed("%s: %s" % (r.tag, why))
                left = deadline - time.monotonic()
                if left <= 0:
                    if expire_ok:
                        return
                    raise StepFailed("timed out after %.0f s" % timeout)
                self.cond.wait(min(left, 0.5))

    def hub_command(self, *words):
        cmd = " ".join(str(w) for w in words)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", 0))
            s.settimeout(5)
            s.sendto(cmd.encode(), ("127.0.0.1", self.hub_port))
            reply = s.recv(4096).decode().strip()
        except OSError as e:
            raise StepFailed("hub: %s: %s" % (cmd, e))
        finally:
            s.close()
        if not reply.startswith("ok"):
            raise StepFailed("hub: %s: %s" % (cmd, reply))
        return reply

    # -- setup --

    def start_hub(self):
        # Free ports for the VMs' ends: held together so they differ, and
        # until the hub has its own, which the kernel would otherwise be
        # free to pick among them (it did: a VM then could not bind).
        socks = []
        for _ in self.vms:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        self.vm_ports = [s.getsockname()[1] for s in socks]
        try:
            self.hub = subprocess.Popen(
                [os.path.join(self.build, "vm", "gvm-hub")] +
                [str(p) for p in self.vm_ports], stdout=subprocess.PIPE)
            line = self.hub.stdout.readline().decode().split()
        finally:
            for s in socks:
                s.close()
        if len(line) != 2 or line[0] != "ready":
            raise StepFailed("gvm-hub did not start")
        self.hub_port = int(line[1])

    def stop_hub(self):
        if not self.hub:
            return
        try:
            stats = self.hub_command("stats")
            with open(os.path.join(self.logdir, "hub.log"), "w") as f:
                f.write("# VM index:frames in/out/dropped\n%s\n" % stats)
        except StepFailed:
            pass
        self.hub.kill()
        self.hub.wait()

    # -- the whole scenario --

    def run(self):
        out = self.out
        shutil.rmtree(self.logdir, ignore_errors=True)
        os.makedirs(self.logdir)
        t0 = time.monotonic()
        out.say("scenario %s: kernel %s, VMs %s, %d steps" % (
            self.name, self.kver, " ".join(v["name"] for v in self.vms),
            len(self.steps)))
        failed_step = None
        try:
            self.initrd = build_initramfs(self)
            self.start_hub()
            steps = self.steps
            if not isinstance(steps[-1], wait_exit):
                steps = steps + [wait_exit()]
            for i, step in enumerate(steps, 1):
                try:
                    step.run(self)
                except StepFailed as e:
                    failed_step = "step %d (%s): %s" % (i, step, e)
                    break
        except (OSError, subprocess.SubprocessError, StepFailed) as e:
            failed_step = "setup: %s" % e
        finally:
            for r in self.runs:
                r.kill(why="killed by the runner: scenario " +
                       ("aborted" if failed_step else "over"))
            self.stop_hub()
        total = time.monotonic() - t0

        results = []
        for r in self.runs:
            for ok, desc in r.tests:
                results.append((ok, "%s: %s" % (r.tag, desc)))
            why = r.verdict()
            results.append((not why, r.summary() + (
                ": " + "; ".join(why) if why else "")))
            if why:
                out.say("%s: console in %s" % (r.tag, r.log_path))
        results.append((failed_step is None, "%s: %s" % (
            self.name, failed_step or "%d steps done" % len(self.steps))))
        self.report(results)
        boots = ", ".join("%s %.1f s" % (r.tag.split("/", 1)[1], r.booted)
                          for r in self.runs if r.booted is not None)
        out.say("%s on %s: boot %s; total %.1f s" % (
            self.name, self.kver, boots or "none", total))

    def report(self, results):
        expect = getattr(self.mod, "EXPECT_FAIL", None)
        if expect is None:
            for ok, desc in results:
                self.out.result(ok, desc)
            return
        # A scenario that proves the runner catches a failure: its own
        # results are comments, the one test is that the failure was seen.
        for ok, desc in results:
            self.out.say("%s %s" % ("ok" if ok else "not ok", desc))
        bad = [d for ok, d in results if not ok]
        hit = [d for d in bad if re.search(expect, d)]
        self.out.result(bool(hit), "%s: fails as it must: %s" % (
            self.name, hit[0] if hit else "wanted /%s/, got: %s" % (
                expect, "; ".join(bad) or "no failure")))


# ---- the initramfs -------------------------------------------------------

def _cpio_entry(f, ino, name, mode, data=b"", rdev=(0, 0)):
    name = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name), 0]
    hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
    f.write(hdr + name + b"\0" * (-(len(hdr) + len(name)) % 4))
    f.write(data + b"\0" * (-len(data) % 4))


def write_cpio(stage, path):
    """newc archive of stage, everything owned by root, plus /dev/console
    (init needs it before devtmpfs is mounted; no mknod, no root needed)."""
    ino = iter(range(1, 1 << 31))
    with open(path, "wb") as f:
        _cpio_entry(f, next(ino), "dev", stat.S_IFDIR | 0o755)
        _cpio_entry(f, next(ino), "dev/console", stat.S_IFCHR | 0o600,
                    rdev=(5, 1))
        for dirpath, dirs, files in os.walk(stage):
            dirs.sort()
            for n in sorted(dirs) + sorted(files):
                full = os.path.join(dirpath, n)
                rel = os.path.relpath(full, stage)
                st = os.lstat(full)
                if rel == "dev":
                    continue
                if stat.S_ISLNK(st.st_mode):
                    data = os.readlink(full).encode()
                elif stat.S_ISREG(st.st_mode):
                    with open(full, "rb") as g:
                        data = g.read()
                else:
                    data = b""
                _cpio_entry(f, next(ino), rel, st.st_mode, data)
        _cpio_entry(f, 0, "TRAILER!!!", 0)


def _copy(src, stage, dst, mode=None):
    out = os.path.join(stage, dst.lstrip("/"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copyfile(src, out)
    os.chmod(out, mode if mode is not None else
             stat.S_IMODE(os.stat(src).st_mode))


def _copy_with_libs(binary, stage, dst):
    """A dynamic executable and what ldd says it loads, at the same paths."""
    _copy(binary, stage, dst)
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True,
                         check=True).stdout
    for line in ldd.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            _copy(m.group(1), stage, m.group(1), 0o755)


def kernel_modules(kver, root, names):
    """The modules and what they depend on, in load order, as modprobe
    --show-depends lists them; built-in ones (virtio_pci on 6.12) drop
    out."""
    modprobe = shutil.which("modprobe") or "/sbin/modprobe"
    mods = []
    for m in names:
        res = subprocess.run([modprobe, "-S", kver, "-d", root,
                              "--show-depends", m], capture_output=True,
                             text=True, check=True)
        for line in res.stdout.splitlines():
            w = line.split()
            if w and w[0] == "insmod" and w[1] not in mods:
                mods.append(w[1])
    return mods


def _unpack_module(src, dst):
    if src.endswith(".xz"):
        data = lzma.open(src).read()
    elif src.endswith(".gz"):
        data = gzip.open(src).read()
    elif src.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", src], capture_output=True,
                              check=True).stdout
    else:
        with open(src, "rb") as f:
            data = f.read()
    with open(dst, "wb") as f:
        f.write(data)


def build_initramfs(sc):
    """busybox, the virtio NIC modules, giantvm-kvm.ko, iproute2's ip,
    gvmctl when built, the scenario's files, init and the roles."""
    stage = os.path.join(sc.vmdir, "initramfs", sc.name)
    shutil.rmtree(stage, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "lib", "modules",
              "roles", "tests", "proc", "sys", "tmp", "run", "root", "etc",
              "var", "mnt"):
        os.makedirs(os.path.join(stage, d))
    os.symlink("../run", os.path.join(stage, "var/run"))

    busybox = shutil.which("busybox") or "/bin/busybox"
    _copy(busybox, stage, "/bin/busybox", 0o755)
    applets = subprocess.run([busybox, "--list"], capture_output=True,
                             text=True, check=True).stdout.split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", os.path.join(stage, "bin", a))

    _copy(os.path.join(HERE, "init.sh"), stage, "/init", 0o755)
    _copy(os.path.join(HERE, "gvm.sh"), stage, "/lib/gvm.sh", 0o644)
    # gvm.sh's gvm_netns is the kselftests' own.
    _copy(os.path.join(TOP, "selftests", "kernel", "ksft", "gvm_env.sh"),
          stage, "/lib/gvm_env.sh", 0o644)
    for f in sorted(os.listdir(os.path.join(HERE, "roles"))):
        if f.endswith(".sh"):
            _copy(os.path.join(HERE, "roles", f), stage, "/roles/" + f,
                  0o755)
    _copy(os.path.join(sc.build, "vm", "gvm-exit"), stage, "/bin/gvm-exit",
          0o755)
    _copy(sc.module, stage, "/giantvm-kvm.ko", 0o644)

    order = []
    # The NIC first (and its PCI transport where modular, 6.1), then what
    # the scenario asks for in MODULES.
    for ko in kernel_modules(sc.kver, os.path.join(sc.vmdir, "root"),
                             ["virtio_pci", "virtio_net"] +
                             list(getattr(sc.mod, "MODULES", []))):
        base = re.sub(r"\.ko(\.\w+)?$", ".ko", os.path.basename(ko))
        _unpack_module(ko, os.path.join(stage, "modules", base))
        order.append(base)
    with open(os.path.join(stage, "modules", "order"), "w") as f:
        f.write("".join(m + "\n" for m in order))

    # Busybox's ip has no netns: the real one, before busybox on PATH.
    ip = shutil.which("ip", path="/usr/sbin:/sbin:/usr/bin:/bin")
    _copy_with_libs(ip, stage, "/sbin/ip")

    gvmctl = os.path.join(sc.build, "gvmctl", "gvmctl-static")
    if os.path.exists(gvmctl):
        _copy(gvmctl, stage, "/usr/sbin/gvmctl", 0o755)

    # Installed programs, e.g. a package's: at the same paths, with their
    # libraries (after the static gvmctl, which one of them may replace).
    for f in getattr(sc.mod, "HOST_BINARIES", []):
        if not os.path.exists(f):
            raise StepFailed("missing host binary %s" % f)
        _copy_with_libs(f, stage, f)
    for f in getattr(sc.mod, "FILES", []):
        src = f if os.path.isabs(f) else os.path.join(TOP, f)
        if not os.path.exists(src):
            raise StepFailed("missing file %s" % f)
        if os.path.isdir(src):
            # A tree (make kselftest-install's), modes kept.
            shutil.copytree(src, os.path.join(stage, "tests",
                                              os.path.basename(f)))
        else:
            _copy(src, stage, "/tests/" + os.path.basename(f))
    for f in getattr(sc.mod, "OPTIONAL_FILES", []):
        src = f if os.path.isabs(f) else os.path.join(TOP, f)
        if os.path.exists(src):
            _copy(src, stage, "/tests/" + os.path.basename(f))

    with open(os.path.join(stage, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    initrd = stage + ".cpio"
    write_cpio(stage, initrd)
    return initrd


# ---- entry ---------------------------------------------------------------

def scenarios():
    """Every scenario's name: scenarios/NAME.py."""
    return sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "scenarios"))
                  if f.endswith(".py") and not f.startswith("_"))


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kver", help="kernel version, e.g. 6.1.0-56-amd64")
    p.add_argument("--build", default=os.path.join(TOP, "build"),
                   type=os.path.abspath)
    p.add_argument("--module", type=os.path.abspath,
                   help="giantvm-kvm.ko (default: BUILD/vm/KVER/)")
    p.add_argument("--mem", type=int, default=512, help="MiB per VM")
    p.add_argument("--timeout-scale", type=float,
                   default=float(os.environ.get("VM_TIMEOUT_SCALE", "1")))
    p.add_argument("--list", action="store_true")
    p.add_argument("--no-runner-only", action="store_true",
                   help="leave out the runner checks that read no kernel "
                   "output (RUNNER_ONLY): a second kernel's run")
    p.add_argument("scenario", nargs="*")
    a = p.parse_args(argv)

    if a.list:
        print("\n".join(scenarios()))
        return 0
    if not a.kver:
        p.error("--kver is required")
    # By default every scenario but the MANUAL ones (demo), the runner's
    # own checks (EXPECT_FAIL) last.
    if a.scenario:
        names = a.scenario
    else:
        mods = [(n, _peek(n)) for n in scenarios()]
        names = [n for n, m in sorted(
            mods, key=lambda nm: (hasattr(nm[1], "EXPECT_FAIL"), nm[0]))
            if not getattr(m, "MANUAL", False) and
            not (a.no_runner_only and getattr(m, "RUNNER_ONLY", False))]
    a.module = a.module or os.path.join(a.build, "vm", a.kver,
                                        "giantvm-kvm.ko")
    need = [os.path.join(a.build, "vm", a.kver, "root", "boot",
                         "vmlinuz-" + a.kver), a.module,
            os.path.join(a.build, "vm", "gvm-hub"),
            os.path.join(a.build, "vm", "gvm-exit")]
    for n in names:
        if n not in scenarios():
            print("Bail out! no scenario %s (have: %s)" % (
                n, " ".join(scenarios())))
            return 2
    for f in need:
        if not os.path.exists(f):
            print("Bail out! missing %s (make vmtest builds it)" % f)
            return 2

    out = Tap()
    t0 = time.monotonic()
    for n in names:
        try:
            Scenario(n, a, out).run()
        except Exception as e:  # a broken scenario file must not stop the rest
            out.result(False, "%s: runner error: %r" % (n, e))
    out.say("all scenarios on %s: %.1f s" % (a.kver, time.monotonic() - t0))
    out.finish()
    return 1 if out.failed else 0


def _peek(name):
    spec = importlib.util.spec_from_file_location(
        "gvm_peek_" + name, os.path.join(HERE, "scenarios", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
