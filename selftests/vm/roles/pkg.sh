#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role pkg (scenario pkg, make pkgtest): the module the giantvm-dkms
# package built, as a user meets it: in DKMS's place, indexed by depmod,
# loaded by kmod's modprobe; then the packaged gvmctl joins domain 5.
#   "check-up"   the other VM up within 10 s; gvmctl status
#   "done"       gvmctl leave, modprobe -r
. /lib/gvm.sh

D=5
CONF=/run/cluster.conf
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

gvm_cluster_conf $CONF "# the pkg scenario's two VMs" "domain $D" \
	"node $GVM_INDEX" "heartbeat 500" "timeout 3000" "connect eager"
tap_check "gvmctl join --config (the packaged gvmctl)" \
	gvmctl join --config $CONF
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
		tap_check "gvmctl leave" gvmctl leave --domain $D
		tap_check "modprobe -r giantvm-kvm" /sbin/modprobe -r giantvm-kvm
		exit 0
		;;
	*)
		tap_fail "unknown command: $GVM_CMD"
		;;
	esac
	gvm_mark "$GVM_CMD"
done
