// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/giantvm, a misc device, mode 0660 (the package's udev rule gives it
 * to group kvm). Ioctl structs start with their size so they can grow:
 * a caller may pass a larger struct whose extra bytes are zero.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/uaccess.h>
#include <linux/giantvm.h>

#include "device.h"
#include "region.h"

static long gvm_ioc_version(void __user *uarg)
{
	struct gvm_ioc_version v = {
		.size = sizeof(v), .abi = GVM_ABI_VERSION,
		.wire = GVM_WIRE_VERSION, .genl = GVM_GENL_VERSION,
		.max_nodes = GVM_MAX_NODES,
	};
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < sizeof(v))
		return -EINVAL;
	if (usize > sizeof(v)) {
		ret = check_zeroed_user(uarg + sizeof(v), usize - sizeof(v));
		if (ret <= 0)
			return ret ?: -E2BIG;
	}
	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* The struct's size is its first field: the one in @cmd may differ. */
#define GVM_IOC_ANY_SIZE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long gvm_dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	switch (GVM_IOC_ANY_SIZE(cmd)) {
	case GVM_IOC_ANY_SIZE(GVM_IOC_VERSION):
		return gvm_ioc_version((void __user *)arg);
	case GVM_IOC_ANY_SIZE(GVM_IOC_REGION_CREATE):
		return gvm_region_create(current->nsproxy->net_ns,
					 (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations gvm_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = gvm_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice gvm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "giantvm",
	.fops = &gvm_dev_fops,
	.mode = 0660,
};

int gvm_device_init(void)
{
	return misc_register(&gvm_miscdev);
}

void gvm_device_exit(void)
{
	misc_deregister(&gvm_miscdev);
}
