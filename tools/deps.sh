#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the build and the tests need. Idempotent:
# when everything is present it only asks dpkg, and it refreshes the package
# lists only when something must be installed. Arguments: more packages
# (what a target outside make check needs, e.g. a kernel build's).
set -eu

PKGS="
build-essential
clang
libclang-rt-14-dev
llvm
linux-headers-amd64
linux-headers-6.12-amd64
linux-source-6.1
sparse
xz-utils
python3
python3-yaml
pkg-config
libnl-3-dev
libnl-genl-3-dev
qemu-system-x86
busybox-static
cpio
kmod
iproute2
debhelper
dh-dkms
dkms
bash-completion
lintian
apt-utils
autopkgtest
openssl
systemd
$*
"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
