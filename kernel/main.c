// SPDX-License-Identifier: GPL-2.0
/*
 * giantvm-kvm: distributed shared memory for KVM guests.
 *
 * The table of contents of the module: each subsystem's init in order,
 * unwound in reverse. Loaded with selftest=1, it refuses to load unless the
 * protocol core's self-tests pass.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "auth.h"
#include "copyset/copyset.h"
#include "device.h"
#include "domain.h"
#include "ivy/ivy.h"
#include "netlink.h"
#include "region.h"

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the protocol core's self-tests at load time");

static void *gvm_selftest_alloc(size_t bytes)
{
	return kvzalloc(bytes, GFP_KERNEL);
}

static void gvm_selftest_free(void *p, size_t bytes)
{
	kvfree(p);
}

static int __init gvm_selftests(void)
{
	static const struct gvm_ivy_ops mem = {
		.alloc = gvm_selftest_alloc,
		.free = gvm_selftest_free,
	};
	int ret;

	ret = gvm_copyset_selftest(gvm_selftest_alloc, gvm_selftest_free);
	if (!ret)
		ret = gvm_ivy_selftest(&mem);
	if (!ret)
		ret = gvm_auth_selftest();
	if (ret) {
		pr_err("giantvm: self-tests failed (%d)\n", ret);
		return -ENOTRECOVERABLE;
	}
	pr_info("giantvm: self-tests passed\n");
	return 0;
}

static int __init gvm_mod_init(void)
{
	int ret;

	if (selftest) {
		ret = gvm_selftests();
		if (ret)
			return ret;
	}
	ret = gvm_domain_init();
	if (ret)
		goto err_domain;
	ret = gvm_region_init();
	if (ret)
		goto err_region;
	ret = gvm_map_init();
	if (ret)
		goto err_map;
	ret = gvm_netlink_init();
	if (ret)
		goto err_netlink;
	ret = gvm_device_init();
	if (ret)
		goto err_device;
	pr_info("giantvm %s loaded\n", GVM_VERSION);
	return 0;

err_device:
	gvm_netlink_exit();
err_netlink:
	gvm_map_exit();
err_map:
	gvm_region_exit();
err_region:
	gvm_domain_exit();
err_domain:
	return ret;
}

/* No new commands first, then every domain of every namespace goes. */
static void __exit gvm_mod_exit(void)
{
	gvm_device_exit();
	gvm_netlink_exit();
	gvm_map_exit();		/* no region is left: each held the module */
	gvm_region_exit();
	gvm_domain_exit();
	pr_info("giantvm unloaded\n");
}

module_init(gvm_mod_init);
module_exit(gvm_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("giantvm: distributed shared memory for KVM guests");
MODULE_AUTHOR("giantvm developers");
MODULE_VERSION(GVM_VERSION);
MODULE_ALIAS_GENL_FAMILY(GVM_GENL_NAME);
