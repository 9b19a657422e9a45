#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make deb: giantvm's source package and every binary package, unsigned,
# built from a copy of the tree in OUT (dpkg-buildpackage writes next to
# the source directory, and a build must not touch the tree):
#   tools/deb/build.sh OUT            the version in debian/changelog
#   tools/deb/build.sh OUT VERSION    as VERSION, a newer changelog entry in
#                                     the copy: the upgrade test's next release
set -eu
out=$1
next=${2:-}
top=$(cd "$(dirname "$0")/../.." && pwd)

rm -rf "$out"
mkdir -p "$out/src"
# What git knows of, as it is in the work tree (uncommitted edits too);
# outside git (an unpacked source package), every file but build/.
files() {
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files --cached --others --exclude-standard
	else
		(cd "$top" && find . -path ./build -prune -o -type f -print)
	fi
}
files | (cd "$top" && while read -r f; do [ -e "$f" ] && echo "$f"; done |
	tar -cf - -T -) | tar -xf - -C "$out/src"
if [ -n "$next" ]; then
	cl="$out/src/debian/changelog"
	maint=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$cl" | head -n1)
	{
		printf 'giantvm (%s) unstable; urgency=medium\n\n' "$next"
		printf '  * Test build of a next release.\n\n'
		printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
		cat "$cl"
	} >"$cl.new"
	mv "$cl.new" "$cl"
fi
version=$(dpkg-parsechangelog -l "$out/src/debian/changelog" -S Version)
mv "$out/src" "$out/giantvm-$version"
start=$(date +%s)
if ! (cd "$out/giantvm-$version" && dpkg-buildpackage -us -uc) \
	>"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed, see $out/build.log" >&2
	exit 1
fi
echo "deb: giantvm $version in $(($(date +%s) - start)) s:"
(cd "$out" && ls -1 ./*.deb ./*.dsc ./*.changes | sed 's|^\./|  |')
