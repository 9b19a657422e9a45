#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh KVER DIR: make DIR/root/boot/vmlinuz-KVER and
# DIR/root/lib/modules/KVER exist, so every kernel is used the same way.
# A kernel installed on this host (6.12 via linux-headers-6.12-amd64) is
# linked in; any other is fetched with apt-get download and unpacked with
# dpkg-deb -x, never installed (its postinst would touch the host's /boot).
# The result is cached: nothing is fetched when it is already there.
# Checked on every run, because "make -C KDIR M=. clean" (make sparse,
# make clean) deletes every *.ko under the tree, build/ included: then the
# cached .deb is unpacked again.
set -eu
kver=$1
dir=$2
root=$dir/root

unpacked() {
	[ -e "$root/boot/vmlinuz-$kver" ] &&
		[ -e "$root/lib/modules/$kver/modules.dep" ] &&
		[ -n "$(find -L "$root/lib/modules/$kver/kernel/drivers/net" \
			-name 'virtio_net.ko*' 2>/dev/null)" ]
}
unpacked && exit 0

mkdir -p "$root/boot" "$root/lib/modules"
if [ -r "/boot/vmlinuz-$kver" ] && [ -e "/lib/modules/$kver/modules.dep" ] &&
   [ -d "/lib/modules/$kver/kernel" ]; then
	ln -sfn "/boot/vmlinuz-$kver" "$root/boot/vmlinuz-$kver"
	ln -sfn "/lib/modules/$kver" "$root/lib/modules/$kver"
	exit 0
fi

pkg=linux-image-$kver
find_deb() {
	for f in "$dir/${pkg}"_*.deb; do
		[ -e "$f" ] && echo "$f" && return
	done
	true
}
deb=$(find_deb)
if [ -z "$deb" ]; then
	echo "kernel.sh: fetching $pkg" >&2
	# The package lists may be missing or stale on a fresh machine.
	if ! (cd "$dir" && apt-get download -q "$pkg" >&2); then
		[ "$(id -u)" -eq 0 ] || { echo "kernel.sh: cannot fetch $pkg" >&2; exit 1; }
		apt-get update -q >&2
		(cd "$dir" && apt-get download -q "$pkg" >&2)
	fi
	deb=$(find_deb)
fi
# Unpack into a scratch directory first so an interrupted run never
# leaves a half-filled root that looks complete.
rm -rf "$dir/root.tmp"
mkdir -p "$dir/root.tmp"
dpkg-deb -x "$deb" "$dir/root.tmp"
# The package ships no modules.dep (depmod runs in its postinst).
depmod -b "$dir/root.tmp" "$kver"
rm -rf "$root"
mv "$dir/root.tmp" "$root"
unpacked || { echo "kernel.sh: $pkg has no virtio_net module" >&2; exit 1; }
