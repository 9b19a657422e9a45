#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of every test VM. Brings the machine up, runs the role named on
# the kernel command line (gvm.role=) as a child, so that a role that exits
# or crashes cannot kill PID 1 and panic the kernel, then prints the TAP
# plan and ends QEMU through isa-debug-exit with the number of failures.
# The runner (selftests/vm/vmtest.py) reads everything from the console.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# What udev makes on any system: the kselftest runner writes to /dev/stdout.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /run/gvm

# Every gvm.KEY=VALUE on the command line becomes GVM_KEY=VALUE (dots and
# dashes as underscores); commas in a value become spaces, for lists.
for arg in $(cat /proc/cmdline); do
	case $arg in
	gvm.*=*)
		key=${arg%%=*}
		key=$(echo "${key#gvm.}" | tr 'a-z.-' 'A-Z__')
		val=$(echo "${arg#*=}" | tr ',' ' ')
		export "GVM_$key=$val"
		;;
	esac
done
: "${GVM_NAME:=vm}" "${GVM_ROLE:=none}" "${GVM_INDEX:=0}" "${GVM_COUNT:=1}"
: "${GVM_RUN:=1}"
export GVM_ADDR="10.0.0.$((GVM_INDEX + 1))"
GVM_PEERS=
i=0
while [ $i -lt "$GVM_COUNT" ]; do
	[ $i -ne "$GVM_INDEX" ] && GVM_PEERS="$GVM_PEERS 10.0.0.$((i + 1))"
	i=$((i + 1))
done
export GVM_PEERS="${GVM_PEERS# }"
hostname "$GVM_NAME"

. /lib/gvm.sh
gvm_tap_init

# The virtio transport and NIC, in dependency order (see vmtest.py).
while read -r ko; do
	insmod "/modules/$ko" || echo "# init: insmod $ko failed"
done </modules/order

ip link set lo up
i=0
while ! ip link show eth0 >/dev/null 2>&1 && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
ip link set eth0 up
ip addr add "$GVM_ADDR/24" dev eth0
# The host writes commands into the console: keep them off the output.
stty -F /dev/console -echo 2>/dev/null

# kmemleak (make vmtest-debug) reports only what the test leaks: what boot
# left unreferenced is not ours.
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak

echo "GVM-BOOTED $GVM_NAME role=$GVM_ROLE addr=$GVM_ADDR run=$GVM_RUN"

if [ -f "/roles/$GVM_ROLE.sh" ]; then
	sh "/roles/$GVM_ROLE.sh" </dev/console
	rc=$?
	[ $rc -eq 0 ] || tap_fail "role $GVM_ROLE exited with status $rc"
else
	tap_fail "no role $GVM_ROLE"
fi

# A kernel with kmemleak (make vmtest-debug): what is still allocated and
# no longer referenced, the module unloaded by now. It passes over what is
# younger than 5 s: wait that out for the role's last steps.
if [ -w /sys/kernel/debug/kmemleak ]; then
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [ -z "$leaks" ]; then
		tap_ok "kmemleak: no leak"
	else
		tap_fail "kmemleak: no leak"
		echo "$leaks" | head -n 60 | sed 's/^/# /'
	fi
fi

# quiet hides KERN_WARNING and below from the console: scan the log too.
bad=$(dmesg | grep -E -e 'BUG:|WARNING:|Oops|general protection fault' \
	-e 'Call Trace:|Kernel panic|UBSAN:|KASAN:' \
	-e 'kmemleak: [0-9]+ new suspected')
if [ -z "$bad" ]; then
	tap_ok "kernel log clean"
else
	tap_fail "kernel log clean"
	echo "$bad" | sed 's/^/# /'
fi

n=$(cat /run/gvm/n)
failed=$(cat /run/gvm/failed)
echo "1..$n"
echo "GVM-RESULT $failed"
gvm-exit "$failed"
# Only reached without the debug-exit device; the runner sees no result.
poweroff -f
