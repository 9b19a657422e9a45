/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "giantvm" generic netlink family: the control plane (commands in
 * uapi/linux/giantvm.h) and the "events" multicast group.
 */
#ifndef _GVM_NETLINK_H
#define _GVM_NETLINK_H

#include "domain.h"

int gvm_netlink_init(void);
void gvm_netlink_exit(void);

void gvm_notify_domain(struct gvm_domain *d, u8 cmd);
void gvm_notify_node(struct gvm_domain *d, u32 node, u8 cmd,
		     const char *reason);
void gvm_notify_handshake(struct gvm_domain *d, u32 node, u8 reason,
			  const char *text);
void gvm_notify_fault(struct gvm_domain *d, u32 region, u64 pfn, int err,
		      const char *reason);
void gvm_notify_region_conflict(struct gvm_domain *d, u32 region, u32 node,
				const char *reason);
void gvm_notify_page_lost(struct gvm_domain *d, u32 region, u64 pfn);

#endif /* _GVM_NETLINK_H */
