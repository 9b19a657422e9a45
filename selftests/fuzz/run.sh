#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run one libFuzzer target for a fixed time. From the top of the tree,
#
#   sh selftests/fuzz/THIS_SCRIPT BUILD_DIR TARGET SECONDS
#
# runs BUILD_DIR/fuzz/fuzz_TARGET on the working corpus
# BUILD_DIR/fuzz/corpus-TARGET, seeded from the committed
# selftests/fuzz/corpus/TARGET (copied: libFuzzer writes new inputs into its
# first corpus directory, and the committed seeds must stay as they are).
# Crash reproducers go to BUILD_DIR/fuzz/artifacts-TARGET/, the full log to
# BUILD_DIR/fuzz/TARGET.log. Prints one summary line; exits non-zero on a
# crash, sanitizer report, timeout, leak or any new artifact.
set -u
ME=${0##*/}

if [ $# -ne 3 ]; then
	echo "usage: sh $0 BUILD_DIR TARGET SECONDS" >&2
	exit 2
fi
B=$1
T=$2
SECS=$3
case $SECS in
''|*[!0-9]*)
	echo "$ME: SECONDS must be a number, not '$SECS'" >&2
	exit 2
	;;
esac

HERE=$(dirname "$0")
BIN=$B/fuzz/fuzz_$T
SEEDS=$HERE/corpus/$T
CORPUS=$B/fuzz/corpus-$T
ART=$B/fuzz/artifacts-$T
LOG=$B/fuzz/$T.log

if [ ! -x "$BIN" ]; then
	echo "$ME: no fuzz target $BIN; build it with 'make $BIN'" >&2
	exit 2
fi

# A wire frame is at most 64 + 4096 bytes, after 8 bytes of limits; an
# engine run needs a few hundred choices at most.
case $T in
wire)	MAXLEN=4200 ;;
engine)	MAXLEN=1024 ;;
*)	MAXLEN=4200 ;;
esac

mkdir -p "$CORPUS" "$ART" || exit 2
if [ -d "$SEEDS" ]; then
	for f in "$SEEDS"/*; do
		[ -f "$f" ] && cp "$f" "$CORPUS/"
	done
else
	echo "$ME: no seed corpus $SEEDS, starting empty" >&2
fi

list_artifacts() {
	for f in "$ART"/*; do
		[ -e "$f" ] && echo "${f##*/}"
	done
}

# Artifacts already there are earlier runs' findings: only new ones count.
before=$(list_artifacts)

start=$(date +%s)
"$BIN" -max_total_time="$SECS" -print_final_stats=1 -max_len="$MAXLEN" \
	-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$ART/" \
	"$CORPUS" >"$LOG" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))

new=$(list_artifacts | while read -r f; do
	printf '%s\n' "$before" | grep -Fqx -- "$f" || echo "$f"
done)
nart=0
[ -n "$new" ] && nart=$(printf '%s\n' "$new" | wc -l)

# "Done 1234 runs in 60 second(s)"; coverage from the last status line.
runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$LOG" |
       tail -n 1)
done_secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$LOG" |
	    tail -n 1)
[ -z "$runs" ] && runs=$(sed -n \
	's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$LOG" |
	tail -n 1)
[ -n "$done_secs" ] && secs=$done_secs
cov=$(sed -n 's/^#[0-9].* cov: \([0-9]*\) .*/\1/p' "$LOG" | tail -n 1)

reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|deadly signal|ALARM: working on the last Unit|VIOLATION|invariant failed|WARNING at ' "$LOG")

crashes=$nart
if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then
	[ "$crashes" -eq 0 ] && crashes=1
fi

echo "fuzz $T: ${runs:-?} runs in $secs s, coverage ${cov:-?}, $crashes crashes"
if [ "$crashes" -ne 0 ]; then
	echo "fuzz $T: libFuzzer exited $rc; log $LOG; last lines:" >&2
	tail -n 60 "$LOG" >&2
	if [ -n "$new" ]; then
		echo "fuzz $T: new artifacts (replay: $BIN FILE):" >&2
		printf '%s\n' "$new" | sed "s|^|  $ART/|" >&2
	fi
	exit 1
fi
exit 0
