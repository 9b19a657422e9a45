#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role load: insmod giantvm-kvm.ko selftest=1 and rmmod it, GVM_ROUNDS
# times (gvm.rounds=, default 20). Every other round leaves domains
# configured with connections in every stage (refused, unanswered, refused
# at the handshake) for rmmod to tear down; a leak or a WARN on the way
# fails the run (panic_on_warn). Repeating catches what one load hides:
# leaks, state left behind by exit, double registration.
. /lib/gvm.sh

domains() {
	# Peer 1 reaches our own listener (HELLO to the wrong node), peer 2
	# no one (refused), peer 3 an address nobody answers (SYN unanswered).
	gvmctl join --domain 3 --node 0 --listen 0.0.0.0:7300 \
		--peer 1=127.0.0.2:7300 --peer 2=127.0.0.1:7301 \
		--peer 3=10.0.0.99:7300 --heartbeat 100 --timeout 1000 &&
	gvmctl join --domain 4 --node 5 --listen 127.0.0.1:7400 \
		--peer 6=127.0.0.1:7300 --connect lazy &&
	sleep 0.3 &&
	[ "$(gvmctl status -j | grep -c '"heartbeat_ms"')" -eq 2 ]
}

load_once() {
	dmesg -c >/dev/null
	insmod /giantvm-kvm.ko selftest=1 || return 1
	if ! dmesg | grep -q 'giantvm: self-tests passed'; then
		dmesg | grep giantvm
		# Unload anyway, so the next round starts clean.
		rmmod giantvm_kvm
		return 1
	fi
	if [ "$1" = with ] && ! domains; then
		rmmod giantvm_kvm
		return 1
	fi
	rmmod giantvm_kvm || return 1
	# Unloaded means gone, not half-gone.
	! grep -q '^giantvm_kvm ' /proc/modules
}

i=1
while [ $i -le "${GVM_ROUNDS:-20}" ]; do
	if [ $((i % 2)) -eq 0 ] && command -v gvmctl >/dev/null; then
		tap_check "load $i: with domains configured, rmmod" \
			load_once with
	else
		tap_check "load $i: insmod selftest=1, self-tests passed, rmmod" \
			load_once
	fi
	i=$((i + 1))
done
