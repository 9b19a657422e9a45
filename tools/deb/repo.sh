#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make repo: a flat apt repository in REPO holding the packages of each
# DEBDIR (several versions side by side), with its Packages index and a
# Release file, for a "deb [trusted=yes] file:REPO ./" source:
#   tools/deb/repo.sh REPO DEBDIR...
set -eu
repo=$1
shift
umask 022
rm -rf "$repo"
mkdir -p "$repo"
for d; do
	cp "$d"/*.deb "$repo/"
done
cd "$repo"
dpkg-scanpackages --multiversion . >Packages 2>/dev/null
gzip -9nkf Packages
apt-ftparchive release . >Release
echo "repo: $(grep -c '^Package:' Packages) packages in $(pwd)"
# apt fetches file: sources as _apt: a repository it cannot read fails
# apt-get update with "Permission denied" on its lists.
if id _apt >/dev/null 2>&1 &&
	! runuser -u _apt -- test -r "$(pwd)/Packages" 2>/dev/null; then
	echo "repo: warning: apt's _apt user cannot read $(pwd);" \
		"make repo REPO=/srv/giantvm puts it where apt can" >&2
fi
