#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Proof that the model checker can fail: build it against deliberately
# broken copies of the engine and require it to report a violation for
# each. A mutant's last field says who judges it:
#
#   (empty)        the model checker, every configuration (mc --first all)
#   mc CONFIG...   the model checker, those configurations: the one that
#                  finds it in seconds, where the others before it take
#                  minutes to explore
#   unit           the core unit tests: one replays the trace the checker
#                  finds only at the end of its largest two-failure
#                  configuration (minutes), or asserts more than the checker
#                  does (when a page is called lost: too late, too soon)
#   fuzz           the engine fuzzer's committed seeds: the bug needs more
#                  nodes, failures and requests asked again than the checker
#                  can explore (one seed is the input that found it)
#
# A mutant whose edit no longer applies is an error too, so this list keeps
# up with the code.
#
# usage: mutants.sh OUTDIR   (KSFT: where kselftest_harness.h is, for unit)
set -u
out=${1:-build/mc-mutants}
top=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-cc}
KSFT=$(cd "${KSFT:-$top/build/ksft}" 2>/dev/null && pwd)

# name|file|sed expression|what it breaks|judge (consecutive rows with the
# same name are edits of one mutant; the judge is on its first row)
MUTANTS='
skip-invalidation|kernel/ivy/invalidate.c|s/^\t\tivy_drop_copy(ivy, m->pfn);$/\t\t;/|a sharer acks an INV but keeps its copy
lose-ack|kernel/ivy/invalidate.c|s/^\t\tif (!--pg->round.acks)$/\t\tif (--pg->round.acks <= 1)/|the owner hands over one ack early
grant-before-acks|kernel/ivy/invalidate.c|s/^\tif (!pg->round.acks)$/\tif (1)/|the owner grants without waiting for acks
forget-sharer|kernel/ivy/engine.c|s/^\tgvm_copyset_add(\&pg->cs, \&ivy->cs, req);$/\t;/|a read copy is not recorded in the copyset
no-version-bump|kernel/ivy/invalidate.c|s/pfn, txid, pg->version + 1, 0, 0,$/pfn, txid, pg->version, 0, 0,/|a grant does not advance the version
no-home-lock|kernel/ivy/engine.c|s/^\t\tpg->dir .= GVM_DIR_LOCKED;$/\t\t;/|the home lets two writes run at once
accept-stale-data|kernel/ivy/engine.c|s/^\tif (m->version < pg->inv_floor) {$/\tif (0) {/|a read installs data invalidated in flight
lost-page-zero|kernel/ivy/engine.c|s/^\t\t\tivy_send(ivy, GVM_MSG_NACK, wt.requester, pfn, wt.txid,$/\t\t\tivy_send(ivy, GVM_MSG_DATA, wt.requester, pfn, wt.txid,/|a lost page is answered with a (zero) page
forget-failed-write|kernel/ivy/failure.c|/late claim revives it/,/ivy_dir_lost/ s/^\tivy_dir_lost(ivy, m->pfn);$/\tpg->dir \&= ~GVM_DIR_QUERY; ivy_dir_requeue(ivy, m->pfn); ivy_dir_drain(ivy, m->pfn);/|a page handed to a requester that failed is not called lost at once (only a later fault finds it gone)|unit
poll-forever|kernel/ivy/failure.c|/late claim revives it/,/ivy_dir_lost/ s/^\tivy_dir_lost(ivy, m->pfn);$/\tif (m->aux != m->src \&\& gvm_ivy_alive(ivy, m->aux)) { pg->dir \&= ~GVM_DIR_QUERY; ivy_dir_requeue(ivy, m->pfn); pg->dir_owner = m->aux; ivy_dir_drain(ivy, m->pfn); return 0; } ivy_dir_lost(ivy, m->pfn);/|a stale hint is trusted after a failure ...
poll-forever|kernel/ivy/engine.c|/It went to a node that failed since/{n;s/ivy_dir_lost(ivy, m->pfn);/pg->dir = GVM_DIR_RETRY + (pg->dir \& ~GVM_DIR_RETRY); ivy_timer(ivy, GVM_TIMER_HOME, m->pfn, 0);/}|... and the home polls a dead end forever (livelock)
trust-copyset|kernel/ivy/invalidate.c|s/^\tnodata = (pg->flags \& GVM_PGF_HAVE) \&\&$/\tnodata = 1 \&\&/|a write gets no data for being in the copyset, though a superseded read put it there|fuzz
ask-again-old-txid|kernel/ivy/engine.c|/^int gvm_ivy_ask_again/,/^}/ s/^\tivy_request(ivy, pfn);$/\tivy_send(ivy, GVM_MSG_READ_REQ, gvm_ivy_home(ivy, pfn), pfn, pg->txid + 1, 0, 0, 0, 0);/|a request asked again is not the one the requester waits for
abandoned-round-unannounced|kernel/ivy/failure.c|s/^\t\t\t\tmoved = true;$/\t\t\t\t;/|a round abandoned for a failed requester leaves the home with the old version|mc 4n1p-fail2
own-directory-unclaimed|kernel/ivy/failure.c|s/^\t\telse if (moved)$/\t\telse if (0)/|the same where the owner inherited the home: its own directory keeps the old version|mc 4n1p-fail2
claim-moves-forward|kernel/ivy/engine.c|s/^\t\tpg->dir_owner = owner;$/\t\tpg->dir_owner = owner; pg->dir_fwd = owner;/|a claim makes the home forget whom a locked write went to|mc 4n1p-fail2
requeue-keeps-query|kernel/ivy/engine.c|s/^\tpg->dir \&= ~(GVM_DIR_LOCKED . GVM_DIR_QUERY);$/\tpg->dir \&= ~GVM_DIR_LOCKED;/|a write put back in the queue leaves its query pending (the page stays busy)|mc 4n1p-fail2
forward-to-dead-owner|kernel/ivy/engine.c|s/^\t    !gvm_ivy_alive(ivy, pg->dir_owner)) {$/\t    0) {/|requests wait on an owner that failed during a write (livelock)|mc 4n1p-fail2
moot-write-lost|kernel/ivy/failure.c|s/^\t    gvm_ivy_alive(ivy, pg->dir_owner)) {$/\t    0) {/|a write whose requester failed loses a page a claim had put at a live node|unit
overflow-lost-at-once|kernel/ivy/failure.c|s/^\t\tpg->dir = GVM_DIR_UNKNOWN;$/\t\tif (!ivy_rehome_find(ivy, failed)) { ivy_dir_lost(ivy, pfn); return; } pg->dir = GVM_DIR_UNKNOWN;/|a failure beyond the rehoming slots has its pages called lost at once, though their owners live|unit
pending-never-opened|kernel/ivy/failure.c|s/^\(\t*\)ivy_rehome_start_pending(ivy);$/\1;/|a failure beyond the rehoming slots is never waited for (its pages stay unknown)|mc 4n1p-fail2-slot1
rehome-ask-unanswered|kernel/ivy/failure.c|s/GVM_NODE_NONE) == m->src)$/GVM_NODE_NONE) == m->src \&\& 0)/|a new home that asks again for reports gets none|mc 4n1p-fail2-slot1
lazy-inherit-absent|kernel/ivy/failure.c|s/^\t\tif (!(home == failed \&\& takes) \&\&$/\t\tif (1 \&\&/|a new home reads the pages it inherits as they started, not as the failed home left them|mc 3n1p-fail
lazy-owner-loss-absent|kernel/ivy/failure.c|s/^\t\t    !(owner_failed \&\& home == self))$/\t\t    1)/|the home of untouched pages whose initial owner failed does not call them lost (livelock)|mc 3n2p-fail2
lazy-owner-unannounced|kernel/ivy/failure.c|s/^\(\tbool takes = next == self\) .. self == ivy->cfg.initial_owner;$/\1;/|the initial owner does not announce the untouched pages of a failed home (they are called lost)|mc 4n2p-fail
lazy-no-directory|kernel/ivy/engine.c|s/^\t\t\tcfg->initial_owner : GVM_NODE_NONE;$/\t\t\tGVM_NODE_NONE : GVM_NODE_NONE;/|the home of an untouched page does not know its initial owner
'

mkdir -p "$out"
result="$out/result.tap"
n=$(printf '%s\n' "$MUTANTS" | cut -d'|' -f1 | grep -v '^$' | uniq | wc -l)
echo "TAP version 13" | tee "$result"
echo "1..$n" | tee -a "$result"
total=0

ENGINE='kernel/copyset/copyset.c kernel/ivy/wire.c kernel/ivy/engine.c
	kernel/ivy/invalidate.c kernel/ivy/failure.c'

# Build the engine fuzzer on the mutant in $dir and replay its seeds.
fuzz_judge() {
	# shellcheck disable=SC2086 # $ENGINE is a list of files
	if ! (cd "$dir" && clang -std=gnu11 -O1 -w -Iuapi -D_GNU_SOURCE \
		-fsanitize=fuzzer -o fuzz_engine selftests/fuzz/fuzz_engine.c \
		selftests/mc/cluster.c $ENGINE) >"$dir/build.log" 2>&1; then
		echo "not ok $total mutant $name: the fuzzer does not build (see $dir/build.log)"
	elif (cd "$dir" && ./fuzz_engine selftests/fuzz/corpus/engine/*) \
		>"$dir/fuzz.log" 2>&1; then
		echo "not ok $total mutant $name ($what): NOT caught by the fuzz seeds"
	else
		why=$(grep -m1 'VIOLATION' "$dir/fuzz.log" |
		      sed 's/^fuzz_engine: //')
		echo "ok $total mutant $name ($what): caught by a fuzz seed: $why"
	fi
}

# Build the core unit tests on the mutant in $dir and run them.
unit_judge() {
	# shellcheck disable=SC2086 # $ENGINE is a list of files
	if ! (cd "$dir" && $CC -std=gnu11 -O1 -w -Iuapi -I"$KSFT" \
		-D_GNU_SOURCE -o test_ivy selftests/core/test_ivy.c \
		selftests/mc/cluster.c $ENGINE kernel/copyset/selftest.c \
		kernel/ivy/selftest.c) >"$dir/build.log" 2>&1; then
		echo "not ok $total mutant $name: the unit tests do not build (see $dir/build.log)"
	elif (cd "$dir" && ./test_ivy) >"$dir/unit.log" 2>&1; then
		echo "not ok $total mutant $name ($what): NOT caught by the unit tests"
	else
		why=$(grep -m1 '^not ok' "$dir/unit.log" |
		      sed 's/^not ok [0-9]* global\.//')
		echo "ok $total mutant $name ($what): caught by the unit test $why"
	fi
}

# Build and run the model checker (or the other judge) on the mutant in $dir.
judge() {
	case $how in
	fuzz)
		fuzz_judge
		return
		;;
	unit)
		unit_judge
		return
		;;
	esac
	# shellcheck disable=SC2086 # $ENGINE and the configurations are lists
	if ! (cd "$dir" && $CC -std=gnu11 -O2 -w -Iuapi -D_GNU_SOURCE \
		-o mc selftests/mc/mc.c selftests/mc/cluster.c $ENGINE) \
		>"$dir/build.log" 2>&1; then
		echo "not ok $total mutant $name: does not build (see $dir/build.log)"
	elif (cd "$dir" && ./mc --first ${how#mc } ) >"$dir/mc.log" 2>&1; then
		echo "not ok $total mutant $name ($what): NOT caught"
	else
		why=$(grep -m1 '^# VIOLATION' "$dir/mc.log" | sed 's/^# //')
		echo "ok $total mutant $name ($what): caught: $why"
	fi
}

prev=
broken=
{
	printf '%s\n' "$MUTANTS"
	echo 'END|||'
} | while IFS='|' read -r name file expr desc judge_by; do
	[ -n "$name" ] || continue
	if [ "$name" != "$prev" ] && [ -n "$prev" ]; then
		if [ -n "$broken" ]; then
			echo "not ok $total mutant $prev: $broken"
		else
			name=$prev how=$how judge
		fi
		name=$(printf '%s' "$name")
	fi
	[ "$name" = END ] && break
	if [ "$name" != "$prev" ]; then
		total=$((total + 1))
		dir="$out/$name"
		rm -rf "$dir"
		mkdir -p "$dir"
		cp -r "$top/kernel" "$top/uapi" "$top/selftests" "$dir/"
		broken=
		what=$desc
		how=${judge_by:-mc all}
	else
		what="$what $desc"
	fi
	prev=$name
	sed -i "$expr" "$dir/$file"
	if cmp -s "$top/$file" "$dir/$file"; then
		broken="edit no longer applies to $file"
	fi
done | tee -a "$result"
! grep -q '^not ok' "$result"
