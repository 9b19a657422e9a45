/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Regions: memory shared by the members of a domain, one Ivy engine
 * (kernel/ivy) per region and node. region.c is the glue between the
 * engine and the rest: it runs the engine under the region's mutex, turns
 * its actions into frames, page copies, unmaps, timers and wake-ups, and
 * feeds it frames, timers and member failures. region_map.c is the memory
 * side: the region's own inode (its page cache holds this node's copies),
 * mmap, and the fault handlers. region_attach.c checks that the members
 * agree on what the region is.
 *
 * Locks, outermost first: mmap_lock or the namespace's mutex (creation
 * and netlink), the region's mutex, the domain's mutex (taken to send),
 * then a page's folio lock (taken to unmap it). The fault handlers never
 * hold a folio lock while they wait for the mutex.
 */
#ifndef _GVM_REGION_H
#define _GVM_REGION_H

#include <linux/fs.h>
#include <linux/refcount.h>
#include <linux/wait.h>
#include "domain.h"
#include "ivy/ivy.h"

#define GVM_NTIMERS	3	/* enum gvm_timer, from 1 */
#define GVM_CONFLICT_MAX	128	/* why a region is out of service */

/* A fault waiting for the engine to complete its page. */
struct gvm_fault_wait {
	struct list_head node;		/* in region->waits */
	/*
	 * Its own, so an answer wakes only the faults waiting for that page:
	 * a read-ahead window's answers would each wake every waiting task.
	 */
	wait_queue_head_t wq;
	u64 pfn;
	int err;
	bool done;
};

/* A message the engine sent to its own node, waiting for delivery. */
struct gvm_selfmsg {
	struct list_head node;		/* in region->selfq */
	size_t len;			/* of this allocation */
	struct gvm_msg m;
	u8 data[];			/* its ranges, then its page */
};

/* One engine timer; one per kind and page. */
struct gvm_rtimer {
	struct list_head node;		/* in region->tq[kind - 1] */
	u64 pfn;
	u64 txid;
	unsigned long expires;		/* jiffies */
	u8 kind;			/* enum gvm_timer */
};

/*
 * A fault that waited without the mmap lock failed: its retry (by the same
 * task, within GVM_FAIL_KEEP) fails at once rather than fetch the page
 * again. One per task that failed, however many fail at once (every vCPU
 * of a VM whose memory was on a failed node); older ones are dropped.
 */
struct gvm_fault_fail {
	struct list_head node;
	const struct task_struct *task;	/* compared, never followed */
	u64 pfn;
	unsigned long at;		/* jiffies */
	int err;
};

#define GVM_FAIL_KEEP	HZ

struct gvm_region {
	struct gvm_domain *domain;	/* kept by domain->nregions */
	struct net *net;		/* held: the domain outlives us */
	u32 id;
	u32 owner;			/* at start */
	u64 npages;
	refcount_t ref;			/* the file's, and frames in delivery */
	struct inode *inode;		/* its page cache: this node's copies */

	struct mutex lock;		/* the engine and everything below */
	bool dying;
	bool leaving;			/* handing its pages off to detach */
	u32 detaching;			/* a DETACH being received, or NONE */
	unsigned int kicks;		/* frames received while leaving */
	u64 sync_txid;			/* leaving: the SYNC we wait on */
	unsigned long *synced;		/* leaving: SYNC_ACKs, by member */
	struct gvm_ivy ivy;
	struct gvm_ivy_stats ivy_stats;
	void *ivy_mem;
	size_t ivy_mem_size;
	size_t mem_big;			/* engine and bitmaps, accounted */
	atomic64_t chunk_bytes;		/* the engine's pages' state, too */
	struct gvm_range *scratch;
	u32 *members;			/* ascending, at creation */
	u32 nmembers;
	u64 digest;			/* gvm_members_digest() of members */
	unsigned long *attached;	/* by member: its ATTACH came */
	u32 open_id;			/* this open's, on every frame */
	u32 *peer_open;			/* by member: its open's, 0 unknown */
	char conflict[GVM_CONFLICT_MAX];	/* "": in service */
	/*
	 * What the fault handlers may map, one bit per page: set when the
	 * engine says the copy is valid (writable), cleared, under the
	 * page's folio lock and with the page unmapped, when it is not.
	 */
	unsigned long *valid;
	unsigned long *writable;
	/*
	 * When each page asked for was asked for (pfn -> xa value): its
	 * answer counts the latency. Fetched: answered with nobody waiting
	 * (the fault did not wait: KVM's first try), so the fault that then
	 * finds the page is not counted as served here.
	 */
	struct xarray asked;
	unsigned long *fetched;
	struct list_head waits;		/* struct gvm_fault_wait */
	struct list_head fails;		/* struct gvm_fault_fail, oldest first */
	atomic_t nfails;		/* read without the lock */
	struct list_head selfq;		/* struct gvm_selfmsg */
	wait_queue_head_t wq;		/* a detaching node waits for kicks */
	struct xarray timers;		/* pfn << 2 | kind -> gvm_rtimer */
	struct list_head tq[GVM_NTIMERS];	/* by expiry, per kind */
	unsigned long timer_at;		/* when timer_work runs next */
	struct delayed_work timer_work;
	struct work_struct down_work;
	struct xarray doomed;		/* failed members to tell; d->lock */

	/*
	 * Read-ahead (region_ahead.c), under the lock; ra_next and ra_mark
	 * are read, and ra_next written, without it too (only a hint).
	 */
	u64 ra_next;			/* the page a stream reads next */
	u64 ra_mark;			/* its fault asks the next window */
	u64 ra_end;			/* the page after the last window */
	u32 ra_size;			/* pages in the last window */

	atomic64_t pages;		/* allocated on this node */
	atomic64_t st[__GVM_RSTAT_MAX];	/* the glue's share of the counters */
	atomic64_t lat[GVM_LAT_BUCKETS];
};

/* region.c */
int gvm_region_init(void);
void gvm_region_exit(void);
long gvm_region_create(struct net *net, void __user *uarg);
void gvm_region_release(struct gvm_region *r);
struct gvm_region *gvm_region_get(struct gvm_domain *d, u32 id);
struct gvm_region *gvm_region_next(struct gvm_domain *d, unsigned long *id);
void gvm_region_put(struct gvm_region *r);
void gvm_region_recv(struct gvm_region *r, const struct gvm_msg *m);
void gvm_regions_peer_failed(struct gvm_domain *d, u32 node);
int gvm_region_acquire(struct gvm_region *r, u64 pfn, bool write,
		       bool *asked);
bool gvm_region_answered(struct gvm_region *r, u64 pfn, bool write);

/* gvm_region_acquire() did not wait: the page is asked for. */
static inline bool gvm_acquire_asked(int err)
{
	return err == -EAGAIN || err == -EALREADY;
}

void gvm_region_fail_keep(struct gvm_region *r, u64 pfn, int err);
int gvm_region_fail_take(struct gvm_region *r, u64 pfn);
void gvm_region_stats(struct gvm_region *r, u64 *st, u64 *lat,
		      char *conflict);
void gvm_region_unlock(struct gvm_region *r);
/* For region_attach.c, with r->lock held. */
#define GVM_PFN_ALL	U64_MAX
void gvm_fault_complete(struct gvm_region *r, u64 pfn, int err);
void gvm_region_xmit(struct gvm_region *r, const struct gvm_msg *em);
void gvm_region_drain(struct gvm_region *r);
int gvm_region_index(const struct gvm_region *r, u32 node);
void gvm_region_ask_again(struct gvm_region *r, u32 node);

/* region_attach.c */
void gvm_region_attach(struct gvm_region *r);
void gvm_region_attach_recv(struct gvm_region *r, const struct gvm_msg *m);
bool gvm_region_stale(const struct gvm_region *r, const struct gvm_msg *m);

/* region_ahead.c */
void gvm_region_read_ahead(struct gvm_region *r, u64 pfn, bool asked,
			   unsigned long vm_flags);

/* region_map.c */
int gvm_region_init(void);
void gvm_region_exit(void);
int gvm_map_init(void);
void gvm_map_exit(void);
struct file *gvm_map_file(struct gvm_region *r);
struct folio *gvm_page_get(struct gvm_region *r, u64 pfn, bool create);
void gvm_page_revoke(struct gvm_region *r, u64 pfn, bool all);
int gvm_page_install(struct gvm_region *r, u64 pfn, const void *data);

#endif /* _GVM_REGION_H */
