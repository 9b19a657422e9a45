#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# cluster_netns.sh: three nodes, one per namespace (test_cluster_netns):
# all up, a link cut and restored, a node leaving.
cd "$(dirname "$0")" || exit 1
. ./gvm_env.sh
gvm_env_start 3
gvm_env_run ./test_cluster_netns
