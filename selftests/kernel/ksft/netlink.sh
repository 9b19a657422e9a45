#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# netlink.sh: the control plane (test_netlink): /dev/giantvm, the genl
# family, every command with each bad input, events, in a namespace of
# its own.
cd "$(dirname "$0")" || exit 1
. ./gvm_env.sh
gvm_env_start 0
gvm_env_run ./test_netlink
