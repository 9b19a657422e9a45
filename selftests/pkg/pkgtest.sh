#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make pkgtest: the Debian packages the way a user gets them, on this
# machine (root; it installs and purges packages, and leaves none behind).
# With the 6.1 and 6.12 headers installed (make deps): the README's
# Install commands take giantvm-dkms and gvmctl by name from REPO (and
# giantvm-kselftests), DKMS builds the module for both kernels; the module
# it built for 6.1 is booted in two VMs (modprobe, /dev/giantvm, a 2-node
# gvmctl join with the packaged gvmctl, then the packaged kselftests'
# netlink test); purge removes everything; a second install works; an
# upgrade to a next release (a scratch copy with a newer changelog entry)
# rebuilds for both kernels and drops the old; autopkgtest runs
# debian/tests on the installed packages. TAP on stdout.
#   selftests/pkg/pkgtest.sh BUILD REPO   (REPO: what make repo made)
set -u
B=$(realpath "${1:-build}")
REPO=${2:-/srv/giantvm}
T=$B/pkgtest
LIST=/etc/apt/sources.list.d/giantvm.list
MAKE=${MAKE:-make}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
version=$(dpkg-parsechangelog -S Version)
next="$version+pkgtest1"
export DEBIAN_FRONTEND=noninteractive

# The VMs' TAP helpers (tap_ok, tap_fail, tap_check), counting in $T/tap.
GVM_TAP=$T/tap
mkdir -p "$GVM_TAP"
. selftests/vm/gvm.sh
gvm_tap_init
tests() {
	cat "$GVM_TAP/n"
}
# The newest installed headers of a kernel series.
headers() {
	ls -1d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null | sort -V |
		tail -n1 | sed 's|.*/linux-headers-||'
}
k61=$(headers 6.1)
k612=$(headers 6.12)
if [ -z "$k61" ] || [ -z "$k612" ]; then
	echo "Bail out! need linux-headers for 6.1 and 6.12 (make deps)"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "Bail out! pkgtest installs packages: run it as root"
	exit 1
fi
echo "# giantvm $version; kernels $k61 and $k612"

purge() {
	apt-get purge -y -q giantvm-dkms gvmctl giantvm-kselftests
}
# dkms_installed VERSION KERNEL: DKMS built and installed it there.
dkms_installed() {
	dkms status -m giantvm -v "$1" -k "$2" | grep -q ': installed'
}
modinfo_version() {
	[ "$(modinfo -k "$2" -F version giantvm-kvm)" = "$1" ]
}
# Nothing of any version left: sources, DKMS tree, modules, files.
all_gone() {
	! ls -d /usr/src/giantvm-* 2>/dev/null &&
	! [ -e /var/lib/dkms/giantvm ] &&
	! find /lib/modules -name 'giantvm-kvm.ko*' | grep . &&
	! [ -e /usr/sbin/gvmctl ] &&
	! [ -e /lib/systemd/system/gvmctl@.service ] &&
	! ls /lib/udev/rules.d/*giantvm* 2>/dev/null &&
	! [ -e /usr/lib/giantvm-kselftests ] &&
	! dpkg-query -W -f='${db:Status-Abbrev}\n' giantvm-dkms gvmctl \
		giantvm-kselftests 2>/dev/null | grep -v '^un'
}
KSFT=/usr/lib/giantvm-kselftests
# The packaged kselftests list every test, in the order of
# make kselftest-install's list, and their programs find every library.
ksft_listed() {
	"$KSFT/run_kselftest.sh" --list >"$T/ksft.list" &&
		printf 'giantvm:%s.sh\n' netlink transport cluster_netns \
			auth_netns region kvm_region | diff - "$T/ksft.list"
}
ksft_version() {
	tap_check "giantvm-kselftests $1 installed" \
		sh -c "dpkg-query -W giantvm-kselftests | grep -q '	$1\$'"
}
ksft_linked() {
	for f in "$KSFT"/giantvm/test_*; do
		ldd "$f" >"$T/ldd" || return 1
		! grep -q 'not found' "$T/ldd" || return 1
	done
}
# An instance of the template, as "systemctl enable gvmctl@lab" makes one:
# systemd's own checks (its commands exist), and not a word (an unknown
# directive is only a warning).
unit_ok() {
	mkdir -p "$T/units" &&
	ln -sf /lib/systemd/system/gvmctl@.service \
		"$T/units/gvmctl@lab.service" &&
	out=$(systemd-analyze verify --man=no "$T/units/gvmctl@lab.service" \
		2>&1) &&
	[ -z "$out" ] || { echo "$out" | sed 's/^/# /'; return 1; }
}
# Seconds DKMS took to build VERSION for KERNEL: its make.log is written
# from the build's start (the date on its second line) to its end.
build_secs() {
	log=/var/lib/dkms/giantvm/$1/$2/x86_64/log/make.log
	t0=$(date -d "$(sed -n 2p "$log")" +%s 2>/dev/null) &&
		echo $(($(stat -c %Y "$log") - t0))
}
# The packages of one version, installed by name, built for both kernels.
check_installed() {
	for k in "$k61" "$k612"; do
		tap_check "dkms status: giantvm/$1 installed for $k" \
			dkms_installed "$1" "$k"
		tap_check "modinfo -k $k giantvm-kvm: version $1" \
			modinfo_version "$1" "$k"
		echo "# DKMS built giantvm/$1 for $k in $(build_secs "$1" "$k") s"
	done
	tap_check "giantvm-dkms and gvmctl $1 installed" \
		sh -c "dpkg-query -W giantvm-dkms gvmctl | grep -c '	$1\$' |
		       grep -qx 2"
}

mkdir -p "$T"
# A run that stopped half-way left them behind.
purge >/dev/null 2>&1
rm -f "$LIST"

# ---- install: exactly README's Install commands --------------------------
tap_check "make repo: $REPO has giantvm-dkms, gvmctl and giantvm-kselftests" \
	sh -c "grep -qx 'Package: giantvm-dkms' $REPO/Packages &&
	       grep -qx 'Package: gvmctl' $REPO/Packages &&
	       grep -qx 'Package: giantvm-kselftests' $REPO/Packages"
tap_check "apt source for $REPO" \
	sh -c "echo 'deb [trusted=yes] file:$REPO ./' >$LIST"
tap_check "apt-get update" apt-get update -q
tap_check "apt-get install -y giantvm-dkms gvmctl (by name)" \
	apt-get install -y -q giantvm-dkms gvmctl
check_installed "$version"
tap_check "dkms.conf carries version $version" \
	grep -qx "PACKAGE_VERSION=\"$version\"" \
	"/usr/src/giantvm-$version/dkms.conf"
tap_check "udev rule: /dev/giantvm 0660 group kvm" \
	grep -q 'KERNEL=="giantvm", GROUP="kvm", MODE="0660"' \
	/lib/udev/rules.d/60-giantvm-dkms.rules
tap_check "gvmctl --version: $version" \
	sh -c "gvmctl --version | grep -q '^gvmctl $version '"
tap_check "gvmctl(8) installed" test -s /usr/share/man/man8/gvmctl.8.gz
tap_check "bash completion for gvmctl" \
	bash -c '. /usr/share/bash-completion/completions/gvmctl &&
		 complete -p gvmctl'
tap_check "gvmctl@.service: systemd-analyze verify gvmctl@lab.service, silent" \
	unit_ok
tap_check "apt-get install -y giantvm-kselftests (by name)" \
	apt-get install -y -q giantvm-kselftests
ksft_version "$version"
tap_check "$KSFT/run_kselftest.sh --list: the six giantvm tests" ksft_listed
tap_check "the packaged kselftests' programs: every library found" ksft_linked

# ---- the module DKMS built, in VMs -------------------------------------
# What DKMS installed for 6.1 (decompressed if it compressed it).
ko=$(find "/lib/modules/$k61/updates" -name 'giantvm-kvm.ko*' | head -n1)
case $ko in
*.xz) xz -dc "$ko" >"$T/giantvm-kvm.ko" ;;
*.zst) zstd -qdc "$ko" >"$T/giantvm-kvm.ko" ;;
*) cp "$ko" "$T/giantvm-kvm.ko" ;;
esac
$MAKE -s --no-print-directory vmtest KVER="$k61" SCENARIO=pkg \
	VM_MODULE="$T/giantvm-kvm.ko" PKG_VERSION="$version" \
	>"$T/vm.log" 2>&1
rc=$?
vm_n=$(tests)
# Its results, numbered on in ours.
while IFS= read -r line; do
	case $line in
	"ok "*) tap_ok "vm: ${line#ok [0-9]* - }" ;;
	"not ok "*) tap_fail "vm: ${line#not ok [0-9]* - }" ;;
	esac
done <"$T/vm.log"
if [ $rc -ne 0 ] || [ "$(tests)" -eq "$vm_n" ]; then
	tap_fail "vm: the pkg scenario ran (exit $rc, $T/vm.log)"
	tail -n 30 "$T/vm.log" | sed 's/^/# /'
fi

# ---- purge, and install again ----------------------------------------------
tap_check "apt-get purge -y giantvm-dkms gvmctl giantvm-kselftests" purge
tap_check "purge left nothing (sources, DKMS tree, modules, gvmctl, its unit, udev rule, kselftests)" \
	all_gone
tap_check "second apt-get install after purge" \
	apt-get install -y -q giantvm-dkms gvmctl giantvm-kselftests
check_installed "$version"
ksft_version "$version"

# ---- upgrade to a next release -----------------------------------------
tap_check "next release $next built" sh tools/deb/build.sh "$T/deb-next" "$next"
tap_check "repo holds $version and $next" \
	sh tools/deb/repo.sh "$REPO" "$B/deb" "$T/deb-next"
tap_check "apt-get update" apt-get update -q
tap_check "apt-get install -y giantvm-dkms gvmctl giantvm-kselftests upgrades to $next" \
	apt-get install -y -q giantvm-dkms gvmctl giantvm-kselftests
check_installed "$next"
ksft_version "$next"
tap_check "the old version left DKMS and /usr/src" \
	sh -c "! dkms status -m giantvm -v $version | grep . &&
	       ! [ -e /usr/src/giantvm-$version ]"

# ---- Debian's own tooling: autopkgtest on the installed packages --------
# Both tests of debian/tests/control ran and passed (none skipped).
autopkgtest_passes() {
	autopkgtest --no-built-binaries "$top" -- null >"$T/autopkgtest.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] &&
		[ "$(sed -n '/@@@ summary/,$p' "$T/autopkgtest.log" |
		     grep -cE '^(command1|gvmctl) +PASS')" -eq 2 ]
}
tap_check "autopkgtest: debian/tests on this machine, dkms and gvmctl" \
	autopkgtest_passes
sed -n '/@@@ summary/,$p' "$T/autopkgtest.log" | sed 's/^/# /'

# ---- leave the machine as it was ---------------------------------------
tap_check "final apt-get purge" purge
tap_check "nothing left after the final purge" all_gone
rm -f "$LIST"
# The repo as make repo left it: this version only.
sh tools/deb/repo.sh "$REPO" "$B/deb" >/dev/null

n=$(tests)
failed=$(cat "$GVM_TAP/failed")
echo "1..$n"
echo "pkgtest: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
