#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Entry point for a fresh Debian 12 machine: make sure make itself is there,
# then hand over to the Makefile (whose deps target installs the rest).
#   sh tools/bootstrap.sh demo     the main job
#   sh tools/bootstrap.sh check    every test
set -eu
cd "$(dirname "$0")/.."
if ! command -v make >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bootstrap: make is missing; run as root to install it" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends make
fi
make deps
exec make "$@"
