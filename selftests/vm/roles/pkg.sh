#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role pkg (scenario pkg, make pkgtest): the module the giantvm-dkms
# package built, as a user meets it: in DKMS's place, indexed by depmod,
# loaded by kmod's modprobe; then the packaged gvmctl joins domain 5 with
# the commands of the packaged gvmctl@.service.
#   "check-up"   the other VM up within 10 s; gvmctl status
#   "done"       the unit's ExecStop (gvmctl leave), modprobe -r; then,
#                in VM a, the packaged kselftests' netlink test
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

# What systemd would run for gvmctl@pkg.service (there is no systemd here).
unit_cmd() {
	sed -n "s/^$1=//p" /tests/gvmctl@.service | sed 's/%i/pkg/g'
}
START=$(unit_cmd ExecStart)
STOP=$(unit_cmd ExecStop)
tap_check "gvmctl@.service has one ExecStart and one ExecStop" \
	sh -c "[ $(unit_cmd ExecStart | wc -l) = 1 ] &&
	       [ $(unit_cmd ExecStop | wc -l) = 1 ]"
gvm_cluster_conf $CONF "# the pkg scenario's two VMs" "domain $D" \
	"node $GVM_INDEX" "heartbeat 500" "timeout 3000" "connect eager"
# shellcheck disable=SC2086 # the unit's command line, split into words
tap_check "gvmctl@pkg.service's ExecStart (the packaged gvmctl): $START" \
	$START
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
		# shellcheck disable=SC2086 # as ExecStart
		tap_check "gvmctl@pkg.service's ExecStop: $STOP" $STOP
		tap_check "domain $D gone" \
			sh -c "! gvmctl status --domain $D >/dev/null 2>&1"
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
