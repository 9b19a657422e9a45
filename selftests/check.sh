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

# step NAME tap|one COMMAND...: run, log, count.
step() {
	name=$1
	kind=$2
	shift 2
	start=$(date +%s)
	printf '%-28s ' "$name"
	"$@" >"$LOG/$name.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$kind" = tap ]; then
		before=$fail
		tap_count "$LOG/$name.log" "$name"
		# A crash after some output is a failure too.
		if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
			fail=$((fail + 1))
			echo "  $name: exited $rc" >>"$LOG/summary"
		fi
	elif [ $rc -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "  $name: failed (exit $rc), see $LOG/$name.log" >>"$LOG/summary"
	fi
	if [ $rc -eq 0 ]; then
		echo "ok (${secs}s)"
	else
		echo "FAILED (${secs}s, $LOG/$name.log)"
	fi
}

step build-tests one $MAKE -s unit $B/mc/mc $B/mc/mc-asan gvmctl ktest
for t in $B/test/test_*; do
	step "unit-$(basename "$t")" tap "$t"
done
step model-checker tap $B/mc/mc all
step model-checker-asan tap $B/mc/mc-asan 2n1p4a 3n1p-relay 2n2p-queue
step mc-mutants tap sh selftests/mc/mutants.sh $B/mc-mutants
if [ -f selftests/fuzz/run.sh ]; then
	step fuzz-build one $MAKE -s $B/fuzz/fuzz_wire $B/fuzz/fuzz_engine
	for t in wire engine; do
		step "fuzz-$t" one sh selftests/fuzz/run.sh $B $t \
			"${FUZZ_SMOKE_SECONDS:-15}"
	done
fi
if [ -d tools/gvm-sim ]; then
	step simulator one $MAKE -s sim SIM_ARGS=--check
fi
step uapi-spec tap python3 selftests/uapi_check.py .
step module one $MAKE -s module
step module-6.12 one $MAKE -s module KVER=6.12
step sparse one $MAKE -s sparse
step style one $MAKE -s style
# The kernel tests, in VMs: every scenario on Debian's 6.1 and 6.12 kernels.
step vmtest-6.1 tap $MAKE -s vmtest KVER=6.1
step vmtest-6.12 tap $MAKE -s vmtest KVER=6.12
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
