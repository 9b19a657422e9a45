// SPDX-License-Identifier: GPL-2.0
/*
 * Region agreement. Every member must open a region with the same size,
 * initial owner and members, and only once (the ioctl's contract). Nothing
 * else would notice if they did not: two nodes that each take themselves
 * for a page's owner write it apart, silently. So a node that opens a
 * region tells every member what it took the region to be (ATTACH with
 * GVM_F_REPLY); each member that has it open checks and answers with its
 * own, which the opener checks in turn.
 *
 * A conflict is reported on both nodes (a REGION_CONFLICT event), and the
 * node that opened last loses: its region goes out of service (every fault
 * fails, nothing is served) and the others go on without it, as if it had
 * failed. So a mistyped size on a new node does not stop the VM already
 * running on the others. It is found within a round trip of that open.
 * Two opens that cross (each node asked before the other's ask reached
 * it) both drop the other on its ask, and both answers come back: the
 * higher node id loses that tie, so exactly one goes out of service.
 *
 * A member that agrees is told, on its first ATTACH, of the failures (and
 * departures) it was not there to hear of, so that it takes up the pages
 * whose directory it inherited.
 */
#include <linux/bitmap.h>

#include "netlink.h"
#include "region.h"

/* To @dst's open @dst_open; 0: the one we know of, if any. */
static void gvm_attach_send(struct gvm_region *r, u32 dst, u32 dst_open,
			    u16 flags)
{
	struct gvm_msg m = {
		.type = GVM_MSG_ATTACH, .flags = flags,
		.domain = r->domain->id, .src = r->ivy.cfg.self, .dst = dst,
		.region = r->id, .pfn = r->npages, .arg = r->owner,
		.aux = r->nmembers, .txid = r->digest, .dst_open = dst_open,
	};

	gvm_region_xmit(r, &m);
}

/* With r->lock held: tell every other member, with @flags. */
static void gvm_attach_tell_all(struct gvm_region *r, u16 flags)
{
	u32 i;

	for (i = 0; i < r->nmembers; i++)
		if (r->members[i] != r->ivy.cfg.self)
			gvm_attach_send(r, r->members[i], 0, flags);
}

/* Is @m for an earlier open of ours? (0: its sender knows of none.) */
static bool gvm_for_other_open(const struct gvm_region *r,
			       const struct gvm_msg *m)
{
	return m->dst_open && m->dst_open != r->open_id;
}

/*
 * Is @m from or for another open of the region than those we know? For
 * an earlier open of ours, or from another open of a member whose ATTACH
 * we have: in flight when the region was closed everywhere and opened
 * again under its id. Their answers must not match our requests. A
 * member that has no ATTACH of ours yet sends none (dst_open 0) and is
 * heard: its frames are current, we may just not have its ATTACH yet.
 */
bool gvm_region_stale(const struct gvm_region *r, const struct gvm_msg *m)
{
	int idx = gvm_region_index(r, m->src);

	if (gvm_for_other_open(r, m))
		return true;
	return idx >= 0 && r->peer_open[idx] &&
	       m->src_open != r->peer_open[idx];
}

/* With r->lock held, just opened: say so to every member. */
void gvm_region_attach(struct gvm_region *r)
{
	gvm_attach_tell_all(r, GVM_F_REPLY);
}

/* Does @m describe another region than ours? Then why, in @why. */
static bool gvm_attach_differs(struct gvm_region *r, const struct gvm_msg *m,
			       char *why, size_t len)
{
	if (m->pfn != r->npages)
		snprintf(why, len, "node %u has %llu pages, this node %llu",
			 m->src, m->pfn, r->npages);
	else if (m->arg != r->owner)
		snprintf(why, len,
			 "node %u has node %u as the initial owner, this node %u",
			 m->src, m->arg, r->owner);
	else if (m->aux != r->nmembers || m->txid != r->digest)
		snprintf(why, len,
			 "node %u has other members (%u, this node %u)",
			 m->src, m->aux, r->nmembers);
	else
		return false;
	return true;
}

/* The other side is wrong: go on without it, as if it had failed. */
static void gvm_attach_drop(struct gvm_region *r, u32 node, const char *why)
{
	pr_warn("giantvm: domain %u region %u: %s: going on without node %u\n",
		r->domain->id, r->id, why, node);
	gvm_notify_region_conflict(r->domain, r->id, node, why);
	if (gvm_ivy_alive(&r->ivy, node)) {
		gvm_ivy_node_down(&r->ivy, node);
		gvm_region_drain(r);
	}
}

/*
 * This side opened last: out of service. Faults fail from now on (those
 * waiting too), every page is unmapped, frames are neither sent nor taken,
 * and the members are told, so that they go on without us.
 */
static void gvm_region_break(struct gvm_region *r, u32 node, const char *why)
{
	unsigned long pfn;

	strscpy(r->conflict, why, sizeof(r->conflict));
	pr_err("giantvm: domain %u region %u: %s: out of service here\n",
	       r->domain->id, r->id, why);
	gvm_notify_region_conflict(r->domain, r->id, node, why);
	gvm_fault_complete(r, GVM_PFN_ALL, -EPROTO);
	for_each_set_bit(pfn, r->valid, r->npages)
		gvm_page_revoke(r, pfn, true);
	gvm_attach_tell_all(r, GVM_F_BROKEN);
}

/* With r->lock held: an ATTACH from @m->src. */
void gvm_region_attach_recv(struct gvm_region *r, const struct gvm_msg *m)
{
	bool ask = m->flags & GVM_F_REPLY;
	char why[GVM_CONFLICT_MAX];
	int idx;

	/* An answer to an earlier open of ours. */
	if (gvm_for_other_open(r, m)) {
		atomic64_inc(&r->st[GVM_RSTAT_STALE]);
		return;
	}
	if (r->conflict[0]) {
		if (ask)
			gvm_attach_send(r, m->src, m->src_open, GVM_F_BROKEN);
		return;
	}
	if (m->flags & GVM_F_BROKEN) {
		/* Said to every member, and in answer to our ATTACH too. */
		if (!gvm_ivy_alive(&r->ivy, m->src))
			return;
		snprintf(why, sizeof(why), "node %u has the region out of service",
			 m->src);
		gvm_attach_drop(r, m->src, why);
		return;
	}
	if (m->flags & GVM_F_REFUSED) {
		snprintf(why, sizeof(why),
			 "node %u has this node as gone from the region (attaching again is not supported)",
			 m->src);
		gvm_region_break(r, m->src, why);
		return;
	}
	if (gvm_attach_differs(r, m, why, sizeof(why))) {
		if (ask) {
			gvm_attach_drop(r, m->src, why);
			gvm_attach_send(r, m->src, m->src_open, 0);
		} else if (gvm_ivy_alive(&r->ivy, m->src) ||
			   r->ivy.cfg.self > m->src) {
			/* An answer: we opened last, or crossed and lost. */
			gvm_region_break(r, m->src, why);
		}
		return;
	}
	/* Same members, so it is one of them. */
	idx = gvm_region_index(r, m->src);
	if (idx < 0)
		return;
	/*
	 * A second open: after it left or failed (the engine has it down)
	 * or after a restart we did not notice. Either way it no longer
	 * holds what we think it holds.
	 */
	if (ask && (!gvm_ivy_alive(&r->ivy, m->src) ||
		    test_bit(idx, r->attached))) {
		snprintf(why, sizeof(why),
			 "node %u opened the region again after it left it or failed",
			 m->src);
		gvm_attach_drop(r, m->src, why);
		gvm_attach_send(r, m->src, m->src_open, GVM_F_REFUSED);
		return;
	}
	if (!test_and_set_bit(idx, r->attached)) {
		/* Its frames from now on; those of other opens are stale. */
		r->peer_open[idx] = m->src_open;
		/* It may have opened after failures it did not hear of. */
		gvm_ivy_member_opened(&r->ivy, m->src);
		gvm_region_ask_again(r, m->src);
	}
	if (ask)
		gvm_attach_send(r, m->src, m->src_open, 0);
}
