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
