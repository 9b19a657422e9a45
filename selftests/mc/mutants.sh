#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Proof that the model checker can fail: build it against deliberately
# broken copies of the engine and require it to report a violation for
# each. A bug that needs more nodes, failures and requests asked again than
# the checker can explore is judged by the engine fuzzer's committed seeds
# instead (one of them is the input that found it): those are named in
# FUZZ_JUDGED. A mutant whose edit no longer applies is an error too, so
# this list keeps up with the code.
#
# usage: mutants.sh OUTDIR
set -u
out=${1:-build/mc-mutants}
top=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-cc}

# name|file|sed expression|what it breaks (consecutive rows with the same
# name are edits of one mutant)
MUTANTS='
skip-invalidation|kernel/ivy/invalidate.c|s/^\t\tivy_drop_copy(ivy, m->pfn);$/\t\t;/|a sharer acks an INV but keeps its copy
lose-ack|kernel/ivy/invalidate.c|s/^\t\tif (!--pg->round.acks)$/\t\tif (--pg->round.acks <= 1)/|the owner hands over one ack early
grant-before-acks|kernel/ivy/invalidate.c|s/^\tif (!pg->round.acks)$/\tif (1)/|the owner grants without waiting for acks
forget-sharer|kernel/ivy/engine.c|s/^\tgvm_copyset_add(\&pg->cs, \&ivy->cs, req);$/\t;/|a read copy is not recorded in the copyset
no-version-bump|kernel/ivy/invalidate.c|s/pfn, txid, pg->version + 1, 0, 0,$/pfn, txid, pg->version, 0, 0,/|a grant does not advance the version
no-home-lock|kernel/ivy/engine.c|s/^\t\tpg->dir .= GVM_DIR_LOCKED;$/\t\t;/|the home lets two writes run at once
accept-stale-data|kernel/ivy/engine.c|s/^\tif (m->version < pg->inv_floor) {$/\tif (0) {/|a read installs data invalidated in flight
lost-page-zero|kernel/ivy/engine.c|s/^\t\t\tivy_send(ivy, GVM_MSG_NACK, wt.requester, pfn, wt.txid,$/\t\t\tivy_send(ivy, GVM_MSG_DATA, wt.requester, pfn, wt.txid,/|a lost page is answered with a (zero) page
forget-failed-write|kernel/ivy/failure.c|/late claim revives it/,/ivy_dir_lost/ s/^\tivy_dir_lost(ivy, m->pfn);$/\tpg->dir \&= ~GVM_DIR_QUERY; ivy_dir_requeue(ivy, m->pfn); ivy_dir_drain(ivy, m->pfn);/|a write whose owner failed is retried at the dead owner
poll-forever|kernel/ivy/failure.c|/late claim revives it/,/ivy_dir_lost/ s/^\tivy_dir_lost(ivy, m->pfn);$/\tif (m->aux != m->src \&\& gvm_ivy_alive(ivy, m->aux)) { pg->dir \&= ~GVM_DIR_QUERY; ivy_dir_requeue(ivy, m->pfn); pg->dir_owner = m->aux; ivy_dir_drain(ivy, m->pfn); return 0; } ivy_dir_lost(ivy, m->pfn);/|a stale hint is trusted after a failure ...
poll-forever|kernel/ivy/engine.c|/It went to a node that failed since/{n;s/ivy_dir_lost(ivy, m->pfn);/pg->dir = GVM_DIR_RETRY + (pg->dir \& ~GVM_DIR_RETRY); ivy_timer(ivy, GVM_TIMER_HOME, m->pfn, 0);/}|... and the home polls a dead end forever (livelock)
trust-copyset|kernel/ivy/invalidate.c|s/^\tnodata = (pg->flags \& GVM_PGF_HAVE) \&\&$/\tnodata = 1 \&\&/|a write gets no data for being in the copyset, though a superseded read put it there
ask-again-old-txid|kernel/ivy/engine.c|/^int gvm_ivy_ask_again/,/^}/ s/^\tivy_request(ivy, pfn);$/\tivy_send(ivy, GVM_MSG_READ_REQ, gvm_ivy_home(ivy, pfn), pfn, pg->txid + 1, 0, 0, 0, 0);/|a request asked again is not the one the requester waits for
'

# Found by the fuzzer with 4 nodes, a failure and three requests asked again.
FUZZ_JUDGED='trust-copyset'

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

# Build and run the model checker (or the fuzz seeds) on the mutant in $dir.
judge() {
	case " $FUZZ_JUDGED " in
	*" $name "*)
		fuzz_judge
		return
		;;
	esac
	# shellcheck disable=SC2086 # $ENGINE is a list of files
	if ! (cd "$dir" && $CC -std=gnu11 -O2 -w -Iuapi -D_GNU_SOURCE \
		-o mc selftests/mc/mc.c selftests/mc/cluster.c $ENGINE) \
		>"$dir/build.log" 2>&1; then
		echo "not ok $total mutant $name: does not build (see $dir/build.log)"
	elif (cd "$dir" && ./mc --first all) >"$dir/mc.log" 2>&1; then
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
} | while IFS='|' read -r name file expr desc; do
	[ -n "$name" ] || continue
	if [ "$name" != "$prev" ] && [ -n "$prev" ]; then
		if [ -n "$broken" ]; then
			echo "not ok $total mutant $prev: $broken"
		else
			name=$prev judge
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
