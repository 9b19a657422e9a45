/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole kernel boundary of gvmctl: the "giantvm" generic netlink family.
 * Functions return 0 or a negative errno; gvm_nl_error() then says why in
 * words, the kernel's extended ACK message when it sent one.
 */
#ifndef _GVMCTL_NL_H
#define _GVMCTL_NL_H

#include "domain.h"

struct gvm_nl;

/*
 * Connects and resolves the family. On failure prints the one line that
 * explains it (for a missing family: how to load the module) and returns
 * NULL.
 */
struct gvm_nl *gvm_nl_open(void);
void gvm_nl_close(struct gvm_nl *nl);

/*
 * NULL when the loaded module speaks @family_version of the family, the
 * one gvmctl speaks; else, in @buf, why this gvmctl cannot talk to it.
 * (An upgrade replaces gvmctl at once, the running module at its next
 * load.)
 */
const char *gvm_nl_version_mismatch(unsigned int family_version, char *buf,
				    size_t len);
const char *gvm_nl_error(const struct gvm_nl *nl);

int gvm_domain_new(struct gvm_nl *nl, const struct gvm_domain_info *d);
int gvm_domain_del(struct gvm_nl *nl, uint32_t domain);
int gvm_node_add(struct gvm_nl *nl, uint32_t domain,
		 const struct gvm_member *m);

/*
 * Domain @domain, or every domain of this network namespace when @domain
 * is 0, into a malloc()ed array the caller frees.
 */
int gvm_domains_get(struct gvm_nl *nl, uint32_t domain,
		    struct gvm_domain_info **out, size_t *n);
/* Every member of @domain, this node included, likewise. */
int gvm_nodes_get(struct gvm_nl *nl, uint32_t domain,
		  struct gvm_node_info **out, size_t *n);
/*
 * Every region of @domain open on this node, likewise. A kernel without
 * regions refuses the command: -EOPNOTSUPP (or -EINVAL).
 */
int gvm_regions_get(struct gvm_nl *nl, uint32_t domain,
		    struct gvm_region_info **out, size_t *n);

/* The module's version (its package's), into @version. */
int gvm_module_version(struct gvm_nl *nl, char version[GVM_VERSION_MAX]);

/*
 * Subscribes to the "events" group and calls @fn for each event until @fn
 * returns non-zero (which gvm_monitor() returns) or receiving fails.
 */
int gvm_monitor(struct gvm_nl *nl,
		int (*fn)(const struct gvm_event *ev, void *arg), void *arg);

#endif /* _GVMCTL_NL_H */
