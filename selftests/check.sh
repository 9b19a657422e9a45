#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test, each step's log under build/check/, and a last
# line "N passed, N failed". Steps that print TAP count per test case;
# the others count as one test each. Exits non-zero on any failure.
set -u
B=${B:-build}
LOG=$B/check
MAKE=${MAKE:-make}
mkdir -p "$LOG"
: >"$LOG/summary"
rm -f "$LOG"/*.rc

pass=0
fail=0
skip=0

# Count the TAP results in a log: top-level "ok"/"not ok" lines.
tap_count() {
	p=$(grep -cE '^ok [0-9]+' "$1" | head -n1)
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$1" | head -n1)
	f=$(grep -cE '^not ok [0-9]+' "$1" | head -n1)
	pass=$((pass + p))
	skip=$((skip + s))
	fail=$((fail + f))
	grep -E '^not ok [0-9]+' "$1" | sed "s|^|  $2: |" >>"$LOG/summary"
	# What the harness said about a failure (file.c:line:test: ...), so
	# a CI log that keeps only this summary still explains it.
	[ "$f" -gt 0 ] && grep -E '[a-z_]+\.c:[0-9]+:[A-Za-z_0-9]+:' "$1" |
		head -n 20 | sed "s|^|    $2: |" >>"$LOG/summary"
	return 0
}

# run NAME COMMAND...: run one step, its output to its log, and keep its
# exit status and seconds for count.
run() {
	name=$1
	shift
	start=$(date +%s)
	"$@" >"$LOG/$name.log" 2>&1
	echo "$? $(( $(date +%s) - start ))" >"$LOG/$name.rc"
}

# count NAME tap|one: print and count what run left. Steps that print TAP
# count per test case; the others count as one test each.
count() {
	name=$1
	kind=$2
	rc=1
	secs=0
	[ -f "$LOG/$name.rc" ] && read -r rc secs <"$LOG/$name.rc"
	printf '%-28s ' "$name"
	if [ "$kind" = tap ]; then
		before=$fail
		tap_count "$LOG/$name.log" "$name"
		# A crash after some output is a failure too.
		if [ "$rc" -ne 0 ] && [ $fail -eq $before ]; then
			fail=$((fail + 1))
			echo "  $name: exited $rc" >>"$LOG/summary"
		fi
	elif [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "  $name: failed (exit $rc), see $LOG/$name.log" >>"$LOG/summary"
	fi
	if [ "$rc" -eq 0 ]; then
		echo "ok (${secs}s)"
	else
		echo "FAILED (${secs}s, $LOG/$name.log)"
	fi
}

# step NAME tap|one COMMAND...: run, log, count.
step() {
	name=$1
	kind=$2
	shift 2
	run "$name" "$@"
	count "$name" "$kind"
}

step build-tests one $MAKE -s -j2 unit $B/mc/mc $B/mc/mc-asan gvmctl ktest
for t in $B/test/test_*; do
	step "unit-$(basename "$t")" tap "$t"
done
# The CPU-bound userspace checks on both cores: the two largest
# model-checker configurations on one, everything else on the other.
# Nothing here shares build outputs (the binaries were built above, fuzz
# and mutants build into their own directories).
MC_BIG='4n2p-fail 4n1p-fail2'
lane_big() {
	for c in $MC_BIG; do
		run "model-checker-$c" "$B/mc/mc" "$c"
	done
}
lane_rest() {
	except=
	for c in $MC_BIG; do
		except="$except --except $c"
	done
	# shellcheck disable=SC2086 # one --except per configuration
	run model-checker "$B/mc/mc" all $except
	run model-checker-asan "$B/mc/mc-asan" 2n1p4a 3n1p-relay 2n2p-queue
	run mc-mutants env KSFT="$B/ksft" sh selftests/mc/mutants.sh \
		"$B/mc-mutants"
	run fuzz-build $MAKE -s "$B/fuzz/fuzz_wire" "$B/fuzz/fuzz_engine"
	for t in wire engine; do
		run "fuzz-$t" sh selftests/fuzz/run.sh "$B" $t \
			"${FUZZ_SMOKE_SECONDS:-15}"
	done
	run simulator $MAKE -s sim SIM_ARGS=--check
}
lane_big &
lane_rest
wait
for c in $MC_BIG; do
	count "model-checker-$c" tap
done
count model-checker tap
count model-checker-asan tap
count mc-mutants tap
count fuzz-build one
for t in wire engine; do
	count "fuzz-$t" one
done
count simulator one
# The module builds share kernel/*.o, so they take turns; checkpatch and
# the uapi check only read the sources and run beside them.
lane_kbuild() {
	run module $MAKE -s module
	run module-6.12 $MAKE -s module KVER=6.12
	run sparse $MAKE -s sparse
}
lane_read() {
	run uapi-spec python3 selftests/uapi_check.py .
	run style $MAKE -s style
}
lane_kbuild &
lane_read
wait
count uapi-spec tap
count module one
count module-6.12 one
count sparse one
count style one
# The kernel tests, in VMs: every scenario on Debian's 6.1 and 6.12 kernels.
# For time, the second kernel leaves out the runner checks that read no
# kernel output and does 3 of region's 10 lock xadd runs.
step vmtest-6.1 tap $MAKE -s vmtest KVER=6.1
step vmtest-6.12 tap env GVM_XADD_RUNS=3 $MAKE -s vmtest KVER=6.12 \
	VM_ARGS=--no-runner-only
# The Debian packages: built, linted, installed, booted, purged, upgraded.
step deb one $MAKE -s deb
step lintian one $MAKE -s lintian
step pkgtest tap $MAKE -s pkgtest
# The README's main job, so it stays true.
step demo tap $MAKE -s demo

echo
if [ -s "$LOG/summary" ]; then
	echo "failures:"
	cat "$LOG/summary"
fi
[ $skip -gt 0 ] && echo "($skip of the passed tests were skipped, see the logs)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
