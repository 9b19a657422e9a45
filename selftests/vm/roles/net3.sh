#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role net3: ping every peer, then obey the runner:
#   "down ADDR"  ADDR must stop answering (it was killed or cut off)
#   "up ADDR"    ADDR must answer again (restarted or reconnected)
#   "done"       finish
# and print GVM-MARK <verb> after each, so the runner knows when to go on.
. /lib/gvm.sh

answers() {
	ping -c 1 -W 1 "$1" >/dev/null 2>&1
}

# Two lost pings in a row, not one, so a single drop under load is no "down".
silent() {
	! ping -c 2 -w 3 "$1" >/dev/null 2>&1
}

# The peers boot at about the same time as this VM: give them a while.
for p in $GVM_PEERS; do
	tap_check "ping $p" gvm_retry 90 answers "$p"
done
gvm_mark up

while :; do
	if ! gvm_cmd 600; then
		tap_fail "no command from the runner"
		exit 0
	fi
	# shellcheck disable=SC2086
	set -- $GVM_CMD
	case $1 in
	down)
		tap_check "$2 stops answering" gvm_retry 30 silent "$2"
		;;
	up)
		tap_check "$2 answers again" gvm_retry 90 answers "$2"
		;;
	done)
		exit 0
		;;
	*)
		tap_fail "unknown command: $GVM_CMD"
		;;
	esac
	gvm_mark "$1"
done
