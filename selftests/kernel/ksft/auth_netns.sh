#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# auth_netns.sh: domains with a pre-shared key between namespaces
# (test_auth_netns): the same key up, another or none refused, a frame
# changed on its way refused.
cd "$(dirname "$0")" || exit 1
. ./gvm_env.sh
gvm_env_start 2
gvm_env_run ./test_auth_netns
