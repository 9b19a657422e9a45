# SPDX-License-Identifier: GPL-2.0
#
# gvm_env.sh: what the giantvm kselftests need around them, sourced by
# each test's script (and by the VM runner's roles, for gvm_env_netns).
# POSIX sh; busybox's will do. A test that cannot run here exits 4, which
# kselftest reports as SKIP, and says why.
#
#   gvm_env_start [NODES]  root, the module (modprobe'd if not loaded and
#                          unloaded again at exit), NODES namespaces
#                          gvmns0.. at 10.1.0.1.. on bridge gvmbr (or one
#                          namespace of its own, gvmksft, with only lo)
#   gvm_env_run PROG...    PROG in that namespace (NODES 0), or here
#
# Everything it made goes at exit, and a failure to unload the module
# (a leak, a reference left behind) fails the test.

ksft_skip=4
GVM_ENV_LOADED=
GVM_ENV_NODES=
GVM_ENV_OWN=
GVM_ENV_PID=

# Busybox's sh runs its own applets before anything on PATH, and its ip
# knows no netns: iproute2's, where Debian puts it.
gvm_env_ip() {
	if [ -x /sbin/ip ] && [ ! -L /sbin/ip ]; then
		/sbin/ip "$@"
	elif [ -x /usr/sbin/ip ]; then
		/usr/sbin/ip "$@"
	else
		ip "$@"
	fi
}

gvm_env_skip() {
	echo "# SKIP: $1"
	exit $ksft_skip
}

gvm_env_fail() {
	echo "# $1" >&2
	exit 1
}

# gvm_env_netns N: namespaces gvmns0..N-1 at 10.1.0.1..N/24 on bridge
# gvmbr, each through gvmveth<i> (cut one with "ip link set gvmveth<i>
# down"). They are left in place: gvm_env_netns_del removes them.
gvm_env_netns() {
	gvm_env_ip link add gvmbr type bridge &&
		gvm_env_ip link set gvmbr up || return 1
	i=0
	while [ $i -lt "$1" ]; do
		gvm_env_ip netns add gvmns$i &&
		gvm_env_ip link add gvmveth$i type veth peer name eth0 \
			netns gvmns$i &&
		gvm_env_ip link set gvmveth$i master gvmbr up &&
		gvm_env_ip -n gvmns$i addr add 10.1.0.$((i + 1))/24 dev eth0 &&
		gvm_env_ip -n gvmns$i link set eth0 up &&
		gvm_env_ip -n gvmns$i link set lo up || return 1
		i=$((i + 1))
	done
	gvm_env_ip netns exec gvmns0 ping -c 1 -W 2 10.1.0.$1 >/dev/null
}

gvm_env_netns_del() {
	i=0
	while [ $i -lt "$1" ]; do
		gvm_env_ip netns del gvmns$i 2>/dev/null
		i=$((i + 1))
	done
	gvm_env_ip link del gvmbr 2>/dev/null
	return 0
}

gvm_env_exit() {
	rc=$?
	if [ -n "$GVM_ENV_OWN" ]; then
		gvm_env_ip netns del gvmksft 2>/dev/null
	elif [ -n "$GVM_ENV_NODES" ]; then
		gvm_env_netns_del "$GVM_ENV_NODES"
	fi
	if [ -n "$GVM_ENV_LOADED" ] && ! gvm_env_unload; then
		echo "# rmmod giantvm_kvm failed after the test" >&2
		[ $rc -eq 0 ] && rc=1
	fi
	exit $rc
}

# A namespace goes in the background after "ip netns del": give its
# domains a few seconds to go before calling the module stuck.
gvm_env_unload() {
	n=0
	until rmmod giantvm_kvm 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 10 ] || { rmmod giantvm_kvm; return 1; }
		sleep 0.5
	done
}

gvm_env_start() {
	nodes=${1:-0}
	[ "$(id -u)" = 0 ] || gvm_env_skip "must be run as root"
	gvm_env_ip netns list >/dev/null 2>&1 ||
		gvm_env_skip "needs iproute2's ip with netns"
	if [ ! -d /sys/module/giantvm_kvm ]; then
		# Not installed is a reason to skip; not loading is a failure.
		[ -n "$(find "/lib/modules/$(uname -r)" -name 'giantvm-kvm.ko*' \
			2>/dev/null)" ] ||
			gvm_env_skip "no giantvm-kvm module for $(uname -r) (apt install giantvm-dkms)"
		modprobe giantvm-kvm || gvm_env_fail "modprobe giantvm-kvm failed"
		GVM_ENV_LOADED=1
	fi
	trap gvm_env_exit EXIT
	# The test first, then the shell: the trap runs once wait returns.
	trap 'kill $GVM_ENV_PID 2>/dev/null; exit 130' INT TERM
	if [ "$nodes" -eq 0 ]; then
		[ -e /run/netns/gvmksft ] &&
			gvm_env_fail "namespace gvmksft exists: a run still going, or left behind (ip netns del gvmksft)"
		GVM_ENV_OWN=1
		gvm_env_ip netns add gvmksft &&
			gvm_env_ip -n gvmksft link set lo up ||
			gvm_env_fail "cannot make namespace gvmksft"
		return 0
	fi
	[ -e /run/netns/gvmns0 ] || [ -e /sys/class/net/gvmbr ] &&
		gvm_env_fail "gvmns0 or gvmbr exists: a run still going, or left behind (ip netns del gvmnsN; ip link del gvmbr)"
	GVM_ENV_NODES=$nodes
	gvm_env_netns "$nodes" ||
		gvm_env_fail "cannot make $nodes namespaces on a bridge (veth, bridge modules?)"
}

gvm_env_run() {
	if [ -n "$GVM_ENV_OWN" ]; then
		gvm_env_ip netns exec gvmksft "$@" &
	else
		"$@" &
	fi
	GVM_ENV_PID=$!
	wait $GVM_ENV_PID
}
