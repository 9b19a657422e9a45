# SPDX-License-Identifier: GPL-2.0
#
# /lib/gvm.sh: helpers for the role scripts (busybox sh). Roles source it,
# and so does the host's make pkgtest for its TAP (with its own GVM_TAP).
# TAP counters live in files, not variables, because init and the role
# (a child process) both report tests and must share the numbering.

GVM_TAP=${GVM_TAP:-/run/gvm}

# Busybox's sh runs its own applets before anything on PATH, and its ip
# knows no netns: call iproute2's, shipped as /sbin/ip.
ip() {
	/sbin/ip "$@"
}

gvm_tap_init() {
	echo 0 >"$GVM_TAP/n"
	echo 0 >"$GVM_TAP/failed"
}

_gvm_tap() {
	n=$(($(cat "$GVM_TAP/n") + 1))
	echo $n >"$GVM_TAP/n"
	echo "$1 $n - $2"
}

# tap_ok DESC / tap_fail DESC / tap_skip DESC REASON
tap_ok() {
	_gvm_tap ok "$1"
}

tap_fail() {
	echo $(($(cat "$GVM_TAP/failed") + 1)) >"$GVM_TAP/failed"
	_gvm_tap "not ok" "$1"
}

tap_skip() {
	_gvm_tap ok "$1 # SKIP $2"
}

# tap_check DESC CMD...: one test, passed when CMD succeeds; CMD's output
# is shown as TAP diagnostics only when it fails.
tap_check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		[ -n "$out" ] && echo "$out" | sed 's/^/# /'
	fi
	return 0
}

# gvm_mark WORD: tell the runner this VM reached a point of the scenario.
gvm_mark() {
	echo "GVM-MARK $1"
}

# gvm_retry SECONDS CMD...: run CMD until it succeeds or time runs out.
gvm_retry() {
	end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.5
	done
}

# gvm_cmd [SECONDS]: wait for the next "GVM-CMD ..." line the runner
# writes to the console; the rest of the line lands in $GVM_CMD. Fails on
# timeout (default 300 s).
gvm_cmd() {
	end=$(($(date +%s) + ${1:-300}))
	while :; do
		left=$((end - $(date +%s)))
		[ $left -gt 0 ] || return 1
		# busybox's read has -t.
		# shellcheck disable=SC3045
		IFS= read -r -t $left line || return 1
		line=$(echo "$line" | tr -d '\r')
		case $line in
		"GVM-CMD "*)
			# shellcheck disable=SC2034 # for the caller
			GVM_CMD=${line#GVM-CMD }
			return 0
			;;
		esac
	done
}

# ksft_run COLLECTION:TEST FILE: the installed kselftests' runner
# ($GVM_KSFT: /tests/kselftest, make kselftest-install's, unless a role
# names another) on TEST, its output in FILE.
# Appended: the runner's tests append to its stdout (runner.sh), so the
# runner's own lines would be written over theirs in a file opened
# without O_APPEND.
ksft_run() {
	: >"$2"
	"${GVM_KSFT:-/tests/kselftest}/run_kselftest.sh" -t "$1" >>"$2" 2>&1
}

# tap_ksft COLLECTION:TEST: one of the installed kselftests
# (ksft_run's), run as a user runs it, by
# the kernel's run_kselftest.sh. Each of the test's own results is one of
# ours ("TEST: test"), its other lines diagnostics, then the runner's
# verdict on the whole (the script's exit status: setup, the module's
# unload). A test that dies before reporting its whole plan fails too.
tap_ksft() {
	name=${1#*:}
	all=/run/gvm/$name.out
	ksft_run "$1" "$all"
	verdict=$(grep -E '^(not )?ok 1 selftests: ' "$all")
	plan=0
	seen=0
	run=
	# The test's own TAP is in the runner's, one "# " in.
	sed -n 's/^# //p' "$all" >"$all.test"
	while IFS= read -r line; do
		case $line in
		"1.."*)
			plan=${line#1..}
			;;
		"#  RUN "*)
			# The harness names a skipped test only here.
			run=${line#"#  RUN"}
			run=$(echo ${run% ...})
			echo "# $line"
			;;
		"ok "*"# SKIP"*)
			desc=${line#ok * }
			case $desc in
			"# SKIP"*)
				tap_skip "$name: $run" "${desc#"# SKIP "}"
				;;
			*)
				tap_skip "$name: ${desc%% # SKIP*}" \
					"${desc#* # SKIP }"
				;;
			esac
			seen=$((seen + 1))
			;;
		"ok "*)
			tap_ok "$name: ${line#ok * }"
			seen=$((seen + 1))
			;;
		"not ok "*)
			tap_fail "$name: ${line#not ok * }"
			seen=$((seen + 1))
			;;
		*)
			echo "# $line"
			;;
		esac
	done <"$all.test"
	[ "$seen" -lt "$plan" ] &&
		tap_fail "$name: reported $seen of $plan tests"
	case $verdict in
	"ok "*)
		tap_ok "run_kselftest.sh -t $1${verdict##*"$name"}"
		;;
	*)
		tap_fail "run_kselftest.sh -t $1: ${verdict:-no verdict}"
		;;
	esac
	return 0
}

# gvm_cluster_conf FILE DIRECTIVE...: a cluster.conf for the VMs on the
# hub, member i at 10.0.0.(i+1):7000, after the given directive lines.
gvm_cluster_conf() {
	file=$1
	shift
	mkdir -p "$(dirname "$file")"
	{
		for line in "$@"; do
			echo "$line"
		done
		i=0
		while [ $i -lt "$GVM_COUNT" ]; do
			echo "member $i 10.0.0.$((i + 1)):7000"
			i=$((i + 1))
		done
	} >"$file"
}

# gvm_wait_line FILE PATTERN SECS: until a line of FILE matches PATTERN.
gvm_wait_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

# gvm_counter_start DOMAIN NODES INCS: gvm-counter in the background, fed
# lines through fd 3 (a FIFO), its answers in /run/counter.
gvm_counter_start() {
	mkfifo /run/ctl
	/tests/gvm-counter "$@" </run/ctl >/run/counter 2>&1 &
	exec 3>/run/ctl
	gvm_wait_line /run/counter '^attached' 10
}

# gvm_install_module: /giantvm-kvm.ko where modprobe finds it, as DKMS
# installs it (extra/), and busybox as modprobe (the kernel calls it too).
gvm_install_module() {
	dir=/lib/modules/$(uname -r)/extra
	mkdir -p "$dir" && cp /giantvm-kvm.ko "$dir/" && depmod &&
	ln -sf /bin/busybox /sbin/modprobe
}

# gvm_unloaded: giantvm-kvm is not loaded (a kselftest's script unloads
# the module it loaded).
gvm_unloaded() {
	! grep -q '^giantvm_kvm ' /proc/modules
}

# gvm_netns N: namespaces gvmns0..N-1 at 10.1.0.1..N on bridge gvmbr, each
# through gvmveth<i> (cut one with "ip link set gvmveth<i> down"), as the
# kselftests' scripts make them (selftests/kernel/ksft/gvm_env.sh).
gvm_netns() {
	. /lib/gvm_env.sh
	gvm_env_netns "$1"
}
