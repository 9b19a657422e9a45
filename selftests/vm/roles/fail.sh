#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role fail: misbehave as gvm.mode= says, so the fail-* scenarios can prove
# that the runner notices each way a VM test can go wrong.
. /lib/gvm.sh

case $GVM_MODE in
test)
	tap_ok "a test that passes"
	tap_fail "a test that fails on purpose"
	;;
panic)
	echo c >/proc/sysrq-trigger
	;;
hang)
	sleep 100000
	;;
silent)
	# Ends the machine without a result.
	poweroff -f
	;;
warn)
	# A warning that quiet keeps off the console: init's dmesg scan.
	echo '<4>WARNING: CPU: 0 PID: 1 at fail.sh (injected)' >/dev/kmsg
	;;
bug)
	# An error the console shows, without a panic: the runner's scan.
	echo '<3>BUG: injected by fail.sh' >/dev/kmsg
	;;
nomark)
	# Ends cleanly, but before the mark the scenario waits for.
	tap_ok "nothing to see"
	;;
esac
