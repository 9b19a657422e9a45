#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role pkg (scenario pkg, make pkgtest): the module the giantvm-dkms
# package built, as a user meets it: in DKMS's place, indexed by depmod,
# loaded by kmod's modprobe; then the packaged gvmctl@.service, enabled
# with systemctl, is started by systemd at boot and joins domain 5.
#   "check-up"   the other VM up within 10 s; gvmctl status
#   "done"       systemctl stop (the unit's gvmctl leave), an instance
#                without a config fails, modprobe -r; then, in VM a, the
#                packaged kselftests' netlink test
. /lib/gvm.sh

D=5
CONF=/etc/giantvm/pkg.conf
KVER=$(uname -r)

for t in modprobe depmod; do
	ln -sf /usr/bin/kmod /sbin/$t
done
mkdir -p "/lib/modules/$KVER/updates/dkms"
cp /giantvm-kvm.ko "/lib/modules/$KVER/updates/dkms/"
tap_check "depmod" /sbin/depmod -a
tap_check "modprobe giantvm-kvm" /sbin/modprobe giantvm-kvm
tap_check "/dev/giantvm: character device, mode 0660" \
	sh -c '[ -c /dev/giantvm ] && [ "$(stat -c %a /dev/giantvm)" = 660 ]'
tap_check "the module reports version $GVM_VERSION" \
	grep -qx "$GVM_VERSION" /sys/module/giantvm_kvm/version
tap_check "gvmctl --version shows the module's $GVM_VERSION (netlink)" \
	sh -c "gvmctl --version | grep -qx 'giantvm-kvm $GVM_VERSION'"

# systemd (Debian's, from the host) with the packaged unit and the
# targets it is enabled into. This VM's PID 1 is the test's init, so
# systemd is PID 1 of a PID namespace of its own, as in a container;
# systemctl talks to it from inside (it refuses peers it cannot see).
mkdir -p /lib/systemd/system
cp /tests/gvmctl@.service /tests/*.target /lib/systemd/system/
tr -d - </proc/sys/kernel/random/uuid >/etc/machine-id	# not a first boot
gvm_cluster_conf $CONF "# the pkg scenario's two VMs" "domain $D" \
	"node $GVM_INDEX" "heartbeat 500" "timeout 3000" "connect eager"
tap_check "systemctl enable gvmctl@pkg" systemctl enable gvmctl@pkg
# Its console is a file (it writes to /dev/console, not to stderr): the
# bind mount stays in its mount namespace.
: >/tmp/systemd.log
container=giantvm-test unshare --pid --fork --mount-proc sh -c \
	'mount --bind /tmp/systemd.log /dev/console &&
	 exec /lib/systemd/systemd --unit=multi-user.target --show-status=no \
		--log-target=console' >/tmp/systemd.log 2>&1 &
UNSHARE=$!
SD=
i=0
while [ -z "$SD" ] && [ $i -lt 100 ]; do
	read -r SD _ </proc/$UNSHARE/task/$UNSHARE/children 2>/dev/null
	i=$((i + 1))
	sleep 0.1
done
sd() {
	timeout 60 nsenter -t "$SD" -p -m \
		systemctl --no-pager --no-ask-password "$@"
}
# sd_is UNIT PROPERTY VALUE
sd_is() {
	[ "$(sd show -p "$2" --value "$1")" = "$3" ]
}
sd_stopped() {
	sd_is "$1" ActiveState inactive && sd_is "$1" Result success
}
sd_fails() {
	! sd "$@"
}
sd_up() {
	[ "$(sd is-system-running 2>&1)" = running ]
}
# Once its socket is there and the boot's jobs are done.
sd_running() {
	[ -n "$SD" ] && gvm_retry 60 sd_up && return 0
	sed 's/^/systemd: /' /tmp/systemd.log
	return 1
}
tap_check "systemd booted multi-user.target: running" sd_running
tap_check "gvmctl@pkg.service started at boot (enabled): active" \
	sd is-active gvmctl@pkg
tap_check "the domain joined by it" gvmctl status --domain $D
gvm_mark joined

while :; do
	if ! gvm_cmd 300; then
		tap_fail "no command from the runner"
		exit 0
	fi
	case $GVM_CMD in
	check-up)
		tap_check "the other VM up within 10 s" \
			/tests/gvm-check up $D 10000
		gvmctl status --domain $D | sed 's/^/# /'
		;;
	done)
		tap_check "systemctl stop gvmctl@pkg (its gvmctl leave)" \
			sd stop gvmctl@pkg
		tap_check "domain $D gone" \
			sh -c "! gvmctl status --domain $D >/dev/null 2>&1"
		tap_check "gvmctl@pkg.service: inactive, result success" \
			sd_stopped gvmctl@pkg
		tap_check "gvmctl@nosuch.service (no config) fails to start" \
			sd_fails start gvmctl@nosuch
		tap_check "gvmctl@nosuch.service: failed, gvmctl's exit code 1" \
			sd_is gvmctl@nosuch ExecMainStatus 1
		kill -9 "$SD"
		{ wait $UNSHARE; } 2>/dev/null
		tap_check "modprobe -r giantvm-kvm" /sbin/modprobe -r giantvm-kvm
		# giantvm-kselftests as a user runs them: the script loads
		# the module with modprobe and unloads it after.
		if [ "$GVM_INDEX" -eq 0 ]; then
			export GVM_KSFT=/tests/giantvm-kselftests
			tap_ksft giantvm:netlink.sh
			tap_check "the module unloaded after the test" \
				gvm_unloaded
		fi
		exit 0
		;;
	*)
		tap_fail "unknown command: $GVM_CMD"
		;;
	esac
	gvm_mark "$GVM_CMD"
done
