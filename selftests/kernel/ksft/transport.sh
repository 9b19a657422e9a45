#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# transport.sh: the peer transport (test_transport): handshakes good and
# bad, heartbeats, frames in another node's name, LEAVE, in a namespace
# of its own.
cd "$(dirname "$0")" || exit 1
. ./gvm_env.sh
gvm_env_start 0
gvm_env_run ./test_transport
