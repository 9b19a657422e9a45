#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh BUILD: a 6.1 kernel with the kernel's own checkers
# (KASAN, lockdep, kmemleak, debug objects; selftests/vm/debug.config),
# built from Debian's linux-source-6.1 in BUILD/dbgk/linux-6.1 and laid
# out as kernel.sh lays out Debian's: BUILD/vm/KREL/root/{boot,lib/modules}.
# Prints KREL. The first build takes about 45 minutes on two cores;
# later ones only rebuild what changed (a changed debug.config: the
# configuration is merged again).
set -eu
build=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
top=$(dirname "$(dirname "$here")")
src=/usr/src/linux-source-6.1.tar.xz
dir=$build/dbgk
tree=$dir/linux-6.1

sh "$top/tools/deps.sh" flex bison bc libelf-dev libssl-dev >&2
[ -r "$src" ] || { echo "debug-kernel: no $src" >&2; exit 1; }
mkdir -p "$dir"
if [ ! -e "$tree/Makefile" ]; then
	rm -rf "$dir/linux-source-6.1" "$tree"
	echo "debug-kernel: unpacking $src" >&2
	tar -xf "$src" -C "$dir"
	mv "$dir/linux-source-6.1" "$tree"
fi

cd "$tree"
if ! cmp -s "$here/debug.config" "$dir/debug.config.merged" ||
   [ ! -e .config ]; then
	{ make -s x86_64_defconfig &&
	  scripts/kconfig/merge_config.sh -m .config "$here/debug.config" &&
	  make -s olddefconfig; } >"$dir/config.log" 2>&1 ||
		{ cat "$dir/config.log" >&2; exit 1; }
	# merge_config only warns when an option did not take.
	grep '^CONFIG_.*=' "$here/debug.config" | while read -r want; do
		grep -qx "$want" .config ||
			{ echo "debug-kernel: $want did not take" >&2; exit 1; }
	done
	cp "$here/debug.config" "$dir/debug.config.merged"
fi
echo "debug-kernel: building in $tree (log: $dir/build.log)" >&2
make -j"$(nproc)" bzImage modules >"$dir/build.log" 2>&1 ||
	{ tail -n 30 "$dir/build.log" >&2; exit 1; }

krel=$(make -s kernelrelease)
root=$build/vm/$krel/root
rm -rf "$root.tmp"
mkdir -p "$root.tmp/boot"
make -s modules_install INSTALL_MOD_PATH="$root.tmp" INSTALL_MOD_STRIP=1 >&2
cp arch/x86/boot/bzImage "$root.tmp/boot/vmlinuz-$krel"
rm -rf "$root"
mv "$root.tmp" "$root"
echo "$krel"
