// SPDX-License-Identifier: GPL-2.0
/*
 * Regions: creation through /dev/giantvm, the engine's glue, teardown.
 *
 * Every node of a region runs one engine for it, under the region's mutex.
 * The engine's actions are carried out in order as it emits them: frames go
 * to the domain's transport, pages are copied into and out of the region's
 * page cache, access is revoked by unmapping, faults are woken, timers are
 * armed. Frames arrive from the transport's receive work, timers from a
 * delayed work, member failures from a work the transport kicks.
 */
#include <linux/bitmap.h>
#include <linux/bsearch.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/random.h>
#include <linux/sched/clock.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "netlink.h"
#include "region.h"
#include "transport.h"

/* How long the engine's timers run, by kind. */
#define GVM_RETRY_MS	2	/* a home's queue was full: ask again */
#define GVM_HOME_MS	2	/* a home dispatches its queue again */

/* ---- the engine's actions --------------------------------------------- */

static void *gvm_ivy_alloc(size_t bytes)
{
	return kzalloc(bytes, GFP_KERNEL | __GFP_NOWARN);
}

static void gvm_ivy_free(void *p, size_t bytes)
{
	kfree(p);
}

/*
 * Whole chunks (GVM_IVY_CHUNK pages' state, 3.5 KiB) come from a cache of
 * their own: kmalloc would round them up to 4 KiB. The smaller chunks of
 * small regions come from kmalloc.
 */
#define GVM_CHUNK_BYTES	(GVM_IVY_CHUNK * sizeof(struct gvm_ivy_page))

static struct kmem_cache *gvm_chunk_cache;

/* What a chunk of @bytes holds of the slab. */
static size_t gvm_chunk_cost(size_t bytes)
{
	return bytes == GVM_CHUNK_BYTES ? kmem_cache_size(gvm_chunk_cache) :
					  kmalloc_size_roundup(bytes);
}

/*
 * The state of a chunk of pages, counted in the domain's memory. It does
 * not fail: the engine asks when a page is first used or a message about
 * it arrives (a message it could not read would be lost), and all chunks
 * together take under 3% of the region's size, about what its state took
 * allocated whole at open.
 */
static void *gvm_ivy_chunk_alloc(void *priv, size_t bytes)
{
	struct gvm_region *r = priv;
	size_t cost = gvm_chunk_cost(bytes);

	atomic64_add(cost, &r->chunk_bytes);
	if (bytes != GVM_CHUNK_BYTES)
		return gvm_alloc(r->domain, bytes, GFP_KERNEL | __GFP_NOFAIL);
	gvm_mem_count(r->domain, cost);
	return kmem_cache_alloc(gvm_chunk_cache, GFP_KERNEL | __GFP_NOFAIL);
}

static void gvm_ivy_chunk_free(void *priv, void *p, size_t bytes)
{
	struct gvm_region *r = priv;
	size_t cost = gvm_chunk_cost(bytes);

	atomic64_sub(cost, &r->chunk_bytes);
	if (bytes != GVM_CHUNK_BYTES) {
		gvm_free(r->domain, p, bytes);
		return;
	}
	gvm_mem_count(r->domain, -(s64)cost);
	kmem_cache_free(gvm_chunk_cache, p);
}

int gvm_region_init(void)
{
	gvm_chunk_cache = kmem_cache_create("giantvm_chunk", GVM_CHUNK_BYTES,
					    0, 0, NULL);
	return gvm_chunk_cache ? 0 : -ENOMEM;
}

/* After the last region: each held the module. */
void gvm_region_exit(void)
{
	kmem_cache_destroy(gvm_chunk_cache);
}

/*
 * Every holder of r->lock lets go here: frames the engine sent under it
 * go out now (gvm_push()).
 */
void gvm_region_unlock(struct gvm_region *r)
{
	mutex_unlock(&r->lock);
	gvm_push(r->domain);
}

/*
 * Fault times come from local_clock(), not ktime_get(): buckets of
 * microseconds need no clocksource read, which is an HPET access where the
 * TSC is not trusted (as under TCG). Across CPUs it may step back a little.
 */
static void gvm_lat_add(struct gvm_region *r, u64 start)
{
	s64 ns = local_clock() - start;
	u64 us = ns > 0 ? div_u64(ns, NSEC_PER_USEC) : 0;

	atomic64_inc(&r->lat[gvm_lat_bucket(us)]);
}

/*
 * With r->lock held: end the waits on @pfn (on every page: GVM_PFN_ALL).
 * The answer to a fault's request: its latency counted, from the ask. A
 * page nobody waited for (its fault did not wait: KVM's first try) is
 * marked fetched, so that the fault which comes for it is not counted
 * as served here.
 */
void gvm_fault_complete(struct gvm_region *r, u64 pfn, int err)
{
	struct gvm_fault_wait *w;
	bool waited = false;
	void *asked = NULL;

	if (pfn == GVM_PFN_ALL)
		xa_destroy(&r->asked);
	else
		asked = xa_erase(&r->asked, pfn);
	list_for_each_entry(w, &r->waits, node)
		if (pfn == GVM_PFN_ALL || w->pfn == pfn) {
			w->err = err;
			WRITE_ONCE(w->done, true);
			/* It is gone only after taking r->lock, which we hold. */
			wake_up(&w->wq);
			waited = true;
		}
	if (asked && !err) {
		gvm_lat_add(r, xa_to_value(asked));
		if (!waited)
			set_bit(pfn, r->fetched);
	}
}

static unsigned long gvm_timer_delay(struct gvm_region *r, u8 kind)
{
	switch (kind) {
	case GVM_TIMER_RETRY:
		return msecs_to_jiffies(GVM_RETRY_MS);
	case GVM_TIMER_HOME:
		return msecs_to_jiffies(GVM_HOME_MS);
	default:
		return msecs_to_jiffies(r->domain->timeout_ms);
	}
}

/* One timer per kind and page: arming it again replaces it. */
static void gvm_timer_arm(struct gvm_region *r, u8 kind, u64 pfn, u64 txid)
{
	unsigned long key = (unsigned long)pfn << 2 | kind;
	struct gvm_rtimer *t;

	if (r->dying || kind < 1 || kind > GVM_NTIMERS)
		return;
	t = xa_load(&r->timers, key);
	if (t) {
		list_del(&t->node);
	} else {
		t = gvm_alloc(r->domain, sizeof(*t),
			      GFP_KERNEL | __GFP_ZERO);
		if (!t || xa_insert(&r->timers, key, t, GFP_KERNEL)) {
			gvm_free(r->domain, t, sizeof(*t));
			/* The fault's own bound still ends its wait. */
			pr_warn_ratelimited("giantvm: region %u: no memory for a timer\n",
					    r->id);
			return;
		}
		t->pfn = pfn;
		t->kind = kind;
	}
	t->txid = txid;
	t->expires = jiffies + gvm_timer_delay(r, kind);
	list_add_tail(&t->node, &r->tq[kind - 1]);
	if (!delayed_work_pending(&r->timer_work) ||
	    time_before(t->expires, r->timer_at)) {
		r->timer_at = t->expires;
		mod_delayed_work(gvm_wq, &r->timer_work,
				 t->expires - jiffies);
	}
}

static void gvm_timer_work(struct work_struct *work)
{
	struct gvm_region *r = container_of(to_delayed_work(work),
					    struct gvm_region, timer_work);
	unsigned long now = jiffies, next = 0;
	struct gvm_rtimer *t;
	bool more = false;
	int k;

	mutex_lock(&r->lock);
	for (k = 0; k < GVM_NTIMERS && !r->dying; k++) {
		while ((t = list_first_entry_or_null(&r->tq[k],
						     struct gvm_rtimer,
						     node)) &&
		       !time_before(now, t->expires)) {
			u64 pfn = t->pfn, txid = t->txid;

			list_del(&t->node);
			xa_erase(&r->timers, (unsigned long)pfn << 2 | (k + 1));
			gvm_free(r->domain, t, sizeof(*t));
			/* May arm timers of any kind again. */
			gvm_ivy_timer(&r->ivy, k + 1, pfn, txid);
			gvm_region_drain(r);
		}
	}
	for (k = 0; k < GVM_NTIMERS && !r->dying; k++) {
		t = list_first_entry_or_null(&r->tq[k], struct gvm_rtimer,
					     node);
		if (t && (!more || time_before(t->expires, next))) {
			next = t->expires;
			more = true;
		}
	}
	if (more) {
		r->timer_at = next;
		mod_delayed_work(gvm_wq, &r->timer_work,
				 time_after(next, now) ? next - now : 0);
	}
	gvm_region_unlock(r);
}

/*
 * A message the engine sends itself (a home that is also the owner, say)
 * is delivered like any other, after the call that sent it: queued here,
 * drained by gvm_region_drain(). A copy, with its ranges and page.
 */
static void gvm_region_to_self(struct gvm_region *r, const struct gvm_msg *m)
{
	size_t rl = m->nranges * sizeof(*m->ranges);
	size_t pl = m->page ? GVM_PAGE_SIZE : 0;
	size_t len = sizeof(struct gvm_selfmsg) + rl + pl;
	struct gvm_selfmsg *s = gvm_alloc(r->domain, len,
					  GFP_KERNEL | __GFP_ZERO);

	if (!s) {
		/* Lost like a frame to a failed link: the engine asks again. */
		pr_warn_ratelimited("giantvm: region %u: no memory for a message\n",
				    r->id);
		return;
	}
	s->len = len;
	s->m = *m;
	if (rl) {
		s->m.ranges = (struct gvm_range *)s->data;
		memcpy(s->m.ranges, m->ranges, rl);
	}
	if (pl) {
		memcpy(s->data + rl, m->page, pl);
		s->m.page = s->data + rl;
	}
	list_add_tail(&s->node, &r->selfq);
}

/* With r->lock held, after each call into the engine. */
void gvm_region_drain(struct gvm_region *r)
{
	struct gvm_selfmsg *s;

	while ((s = list_first_entry_or_null(&r->selfq, struct gvm_selfmsg,
					     node))) {
		list_del(&s->node);
		if (!r->dying)
			gvm_ivy_recv(&r->ivy, &s->m);
		gvm_free(r->domain, s, s->len);
	}
}

/*
 * A frame for the engine; a page-carrying one takes the local copy. Out of
 * service, only ATTACH goes (to say so).
 */
void gvm_region_xmit(struct gvm_region *r, const struct gvm_msg *em)
{
	struct gvm_domain *d = r->domain;
	struct gvm_msg m = *em;
	struct folio *folio = NULL;
	void *kaddr = NULL;
	int ret;

	if (r->conflict[0] && m.type != GVM_MSG_ATTACH)
		return;
	m.src_open = r->open_id;
	if (!m.dst_open) {
		int idx = gvm_region_index(r, m.dst);

		m.dst_open = idx >= 0 ? r->peer_open[idx] : 0;
	}
	if ((m.type == GVM_MSG_DATA || m.type == GVM_MSG_GRANT) &&
	    !(m.flags & GVM_F_NODATA) && m.dst != d->self) {
		/* Nobody may write the page while its contents go out. */
		if (test_bit(m.pfn, r->writable))
			gvm_page_revoke(r, m.pfn, false);
		folio = gvm_page_get(r, m.pfn, false);
		if (folio)
			kaddr = kmap_local_folio(folio, 0);
		/* Never touched here, at its owner: zero, truly. */
		m.page = kaddr ?: page_address(ZERO_PAGE(0));
		atomic64_inc(&r->st[GVM_RSTAT_PAGES_OUT]);
	}
	if (m.dst == d->self) {
		/* Our own page: the engine installs nothing from it. */
		gvm_region_to_self(r, &m);
		return;
	}
	mutex_lock(&d->lock);
	ret = gvm_send(d, &m);
	mutex_unlock(&d->lock);
	if (kaddr)
		kunmap_local(kaddr);
	if (folio)
		folio_put(folio);
	/* Lost with its member; the engine asks again or fails the fault. */
	if (ret)
		pr_debug("giantvm: region %u: %s to node %u not sent (%d)\n",
			 r->id, gvm_msg_name(m.type), m.dst, ret);
}

static void gvm_region_emit(void *priv, const struct gvm_ivy_action *a)
{
	struct gvm_region *r = priv;

	switch (a->type) {
	case GVM_ACT_SEND:
		gvm_region_xmit(r, a->msg);
		break;
	case GVM_ACT_INSTALL:
		/* The fault that asked allocated the page: this cannot fail. */
		if (gvm_page_install(r, a->pfn, a->data))
			pr_err_ratelimited("giantvm: region %u: page %llu not installed\n",
					   r->id, a->pfn);
		else
			atomic64_inc(&r->st[GVM_RSTAT_PAGES_IN]);
		break;
	case GVM_ACT_MAP:
		if (r->conflict[0])
			break;
		set_bit(a->pfn, r->valid);
		if (a->write)
			set_bit(a->pfn, r->writable);
		break;
	case GVM_ACT_PROTECT:
		gvm_page_revoke(r, a->pfn, false);
		break;
	case GVM_ACT_UNMAP:
		gvm_page_revoke(r, a->pfn, true);
		break;
	case GVM_ACT_COMPLETE:
		gvm_fault_complete(r, a->pfn, a->err);
		break;
	case GVM_ACT_TIMER:
		gvm_timer_arm(r, a->timer, a->pfn, a->txid);
		break;
	case GVM_ACT_NODE_DEAD:
		if (a->node == r->detaching)
			pr_info("giantvm: domain %u region %u: node %u detached, its pages handed off\n",
				r->domain->id, r->id, a->node);
		else
			pr_info("giantvm: domain %u region %u: node %u failed\n",
				r->domain->id, r->id, a->node);
		break;
	case GVM_ACT_PAGE_LOST:
		gvm_notify_page_lost(r->domain, r->id, a->pfn);
		break;
	}
}

static const struct gvm_ivy_ops gvm_region_ivy_ops = {
	.emit = gvm_region_emit,
	.alloc = gvm_ivy_alloc,
	.free = gvm_ivy_free,
	.chunk_alloc = gvm_ivy_chunk_alloc,
	.chunk_free = gvm_ivy_chunk_free,
};

/* ---- faults ----------------------------------------------------------- */

static const char *gvm_fault_reason(int err)
{
	switch (err) {
	case -EHOSTDOWN:
		return "the page's owner failed";
	case -ETIMEDOUT:
		return "no answer in time";
	case -EINTR:
		return "the task was killed";
	case -EPROTO:
		return "the region is out of service: it conflicts with another member's";
	default:
		return "the fault failed";
	}
}

/* With r->lock held: the engine's request in flight for @pfn, if any. */
static u8 gvm_region_want(struct gvm_region *r, u64 pfn)
{
	struct gvm_ivy_page tmp;

	return gvm_ivy_peek(&r->ivy, pfn, &tmp)->want;
}

/*
 * With r->lock held: when the engine's copy of @pfn is valid (writable),
 * open the page's bits to the fault handlers.
 */
static bool gvm_region_open_bits(struct gvm_region *r, u64 pfn, bool write)
{
	struct gvm_ivy_page tmp;
	u8 state = gvm_ivy_peek(&r->ivy, pfn, &tmp)->state;

	if (write ? state != GVM_PG_EXCLUSIVE : state == GVM_PG_INVALID)
		return false;
	set_bit(pfn, r->valid);
	if (state == GVM_PG_EXCLUSIVE)
		set_bit(pfn, r->writable);
	return true;
}

/*
 * After gvm_region_acquire() asked, without waiting: true when the answer
 * is in already (counted by gvm_fault_complete()), the bits open.
 */
bool gvm_region_answered(struct gvm_region *r, u64 pfn, bool write)
{
	bool ok;

	mutex_lock(&r->lock);
	ok = !r->conflict[0] && gvm_region_open_bits(r, pfn, write);
	/* This is the fault that asked: not one to come. */
	if (ok)
		clear_bit(pfn, r->fetched);
	gvm_region_unlock(r);
	return ok;
}

/*
 * Make the engine's copy of @pfn valid (writable), waiting for the network
 * if needed, and open the page's bits to the fault handlers. Waits are
 * killable and bounded; 0 or -errno (the fault then gets SIGBUS). With
 * @asked, a fault in two steps: the first (*@asked false) does not wait but
 * returns -EAGAIN once it asked for the page (-EALREADY: it had been asked
 * for already), *@asked true; the second, with it, waits for the answer,
 * if it is not in yet. A fault that asked is counted (latency, not
 * local) by its answer, whoever waits for it.
 */
int gvm_region_acquire(struct gvm_region *r, u64 pfn, bool write,
		       bool *asked)
{
	unsigned long limit = msecs_to_jiffies(2 * r->domain->timeout_ms +
					       1000);
	struct gvm_fault_wait w = { .pfn = pfn };
	bool wait = !asked || *asked;
	bool waited = asked && *asked;
	long left;
	int ret;

	init_waitqueue_head(&w.wq);
	mutex_lock(&r->lock);
	for (;;) {
		bool asking = !gvm_region_want(r, pfn);

		if (r->conflict[0]) {
			ret = -EPROTO;
			break;
		}
		if (gvm_region_open_bits(r, pfn, write)) {
			ret = 0;
			break;
		}
		w.done = false;
		w.err = 0;
		list_add(&w.node, &r->waits);
		/*
		 * The engine's copy will not do, so it asks: the answer
		 * (perhaps the engine's own, at once) is timed from now.
		 * Without memory for the time, only the timing is lost.
		 */
		if (asking) {
			xa_store(&r->asked, pfn, xa_mk_value(local_clock()),
				 GFP_KERNEL);
			clear_bit(pfn, r->fetched);
		} else if (!write && !xa_load(&r->asked, pfn) &&
			   gvm_region_want(r, pfn) == GVM_WANT_READ) {
			/*
			 * Asked for by read-ahead, not by a fault: this one
			 * waits for that answer and counts as its asker.
			 */
			xa_store(&r->asked, pfn, xa_mk_value(local_clock()),
				 GFP_KERNEL);
			atomic64_inc(&r->st[GVM_RSTAT_READ_FAULTS]);
		}
		ret = gvm_ivy_fault(&r->ivy, pfn, write);
		gvm_region_drain(r);
		if (asking && ret <= 0)
			xa_erase(&r->asked, pfn);
		if (ret < 0) {
			list_del(&w.node);
			break;
		}
		waited = true;
		left = 1;
		if (ret == GVM_IVY_WAIT && !w.done && !wait) {
			list_del(&w.node);
			*asked = true;
			ret = asking ? -EAGAIN : -EALREADY;
			break;
		}
		if (ret == GVM_IVY_WAIT && !w.done) {
			gvm_region_unlock(r);
			left = wait_event_killable_timeout(w.wq,
							   READ_ONCE(w.done),
							   limit);
			mutex_lock(&r->lock);
		}
		list_del(&w.node);
		if (ret == GVM_IVY_WAIT && !w.done) {
			ret = left < 0 ? -EINTR : -ETIMEDOUT;
			break;
		}
		ret = w.err;
		if (ret)
			break;
	}
	if (!ret && !waited && !test_and_clear_bit(pfn, r->fetched))
		atomic64_inc(&r->st[GVM_RSTAT_LOCAL_FAULTS]);
	if (ret && !gvm_acquire_asked(ret)) {
		pr_warn_ratelimited("giantvm: domain %u region %u: fault on page %llu failed: %s (%d)\n",
				    r->domain->id, r->id, pfn,
				    gvm_fault_reason(ret), ret);
		atomic64_inc(&r->st[GVM_RSTAT_FAULT_FAILS]);
		gvm_notify_fault(r->domain, r->id, pfn, -ret,
				 gvm_fault_reason(ret));
	}
	gvm_region_unlock(r);
	return ret;
}

/*
 * With r->lock held: @node opened the region. Faults waiting on pages it is
 * the home of asked it while nobody there could answer; they ask again.
 */
void gvm_region_ask_again(struct gvm_region *r, u32 node)
{
	struct gvm_fault_wait *w, *prev;

	list_for_each_entry(w, &r->waits, node) {
		bool seen = false;

		/* Several tasks may wait on one page: it is asked once. */
		list_for_each_entry(prev, &r->waits, node) {
			if (prev == w)
				break;
			if (prev->pfn == w->pfn) {
				seen = true;
				break;
			}
		}
		if (!seen)
			gvm_ivy_ask_again(&r->ivy, w->pfn, node);
	}
	gvm_region_drain(r);
}

static void gvm_region_fail_free(struct gvm_region *r,
				 struct gvm_fault_fail *f)
{
	list_del(&f->node);
	atomic_dec(&r->nfails);
	gvm_free(r->domain, f, sizeof(*f));
}

/*
 * With r->lock held: failures kept too long go (their retry never came: a
 * signal's), and the failure kept for the current task's fault on @pfn.
 */
static struct gvm_fault_fail *gvm_region_fail_find(struct gvm_region *r,
						   u64 pfn)
{
	struct gvm_fault_fail *f, *tmp;

	list_for_each_entry_safe(f, tmp, &r->fails, node) {
		if (!time_before(jiffies, f->at + GVM_FAIL_KEEP))
			gvm_region_fail_free(r, f);
		else if (f->task == current && f->pfn == pfn)
			return f;
	}
	return NULL;
}

/*
 * Keep a failure of the current task's fault for its retry. Without
 * memory for it, the retry waits again, bounded as any fault is.
 */
void gvm_region_fail_keep(struct gvm_region *r, u64 pfn, int err)
{
	struct gvm_fault_fail *f = gvm_alloc(r->domain, sizeof(*f),
					     GFP_KERNEL);
	struct gvm_fault_fail *old;

	mutex_lock(&r->lock);
	/* One per task and page: a failure no retry took goes. */
	old = gvm_region_fail_find(r, pfn);
	if (old)
		gvm_region_fail_free(r, old);
	if (f) {
		f->task = current;
		f->pfn = pfn;
		f->at = jiffies;
		f->err = err;
		list_add_tail(&f->node, &r->fails);
		atomic_inc(&r->nfails);
	}
	gvm_region_unlock(r);
}

/*
 * The failure kept for the current task's fault on @pfn, or 0. Most faults
 * learn that there is none without taking the mutex once more: a failure
 * is kept until its retry takes it (or the first look GVM_FAIL_KEEP on).
 */
int gvm_region_fail_take(struct gvm_region *r, u64 pfn)
{
	struct gvm_fault_fail *f;
	int err = 0;

	if (!atomic_read(&r->nfails))
		return 0;
	mutex_lock(&r->lock);
	f = gvm_region_fail_find(r, pfn);
	if (f) {
		err = f->err;
		gvm_region_fail_free(r, f);
	}
	gvm_region_unlock(r);
	return err;
}

/* ---- frames and failures ---------------------------------------------- */

static int gvm_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* @node's index in the region's sorted member list, or -1. */
int gvm_region_index(const struct gvm_region *r, u32 node)
{
	const u32 *m = bsearch(&node, r->members, r->nmembers, sizeof(u32),
			       gvm_u32_cmp);

	return m ? m - r->members : -1;
}

/*
 * A detaching node asks us to take @pfn over. We do unless we are leaving
 * too (it then asks someone else); the page the data lands in is allocated
 * first, since an engine INSTALL has nowhere to fail to.
 */
static bool gvm_region_take(struct gvm_region *r, u64 pfn)
{
	struct folio *folio;

	if (r->leaving || pfn >= r->npages)
		return false;
	folio = gvm_page_get(r, pfn, true);
	if (IS_ERR(folio)) {
		pr_warn_ratelimited("giantvm: region %u: no memory to take page %llu over\n",
				    r->id, pfn);
		return false;
	}
	folio_put(folio);
	return true;
}

/*
 * The barrier of a detaching node: SYNC comes after all its earlier frames
 * on the same stream, so answering it says they are all handled here (the
 * GRANT of a page it handed us, above all). A SYNC_ACK counts for ours.
 */
static void gvm_region_sync(struct gvm_region *r, const struct gvm_msg *m)
{
	struct gvm_msg ack = {
		.type = GVM_MSG_SYNC_ACK, .domain = m->domain,
		.src = r->ivy.cfg.self, .dst = m->src, .region = r->id,
		.txid = m->txid,
	};
	int idx;

	if (m->type == GVM_MSG_SYNC) {
		gvm_region_xmit(r, &ack);
		return;
	}
	idx = gvm_region_index(r, m->src);
	if (r->synced && idx >= 0 && m->txid == r->sync_txid)
		set_bit(idx, r->synced);
}

/* From the transport's receive work, without d->lock. */
void gvm_region_recv(struct gvm_region *r, const struct gvm_msg *m)
{
	mutex_lock(&r->lock);
	if (r->dying)
		goto out;
	if (m->type == GVM_MSG_ATTACH) {
		gvm_region_attach_recv(r, m);
		goto out;
	}
	if (gvm_region_stale(r, m)) {
		atomic64_inc(&r->st[GVM_RSTAT_STALE]);
		goto out;
	}
	if (r->conflict[0] ||
	    (m->type == GVM_MSG_HANDOFF && !gvm_region_take(r, m->pfn)))
		goto out;
	if (m->type == GVM_MSG_SYNC || m->type == GVM_MSG_SYNC_ACK) {
		gvm_region_sync(r, m);
		goto kick;
	}
	if (m->type == GVM_MSG_DETACH)
		r->detaching = m->src;
	if (gvm_ivy_recv(&r->ivy, m) == -EINVAL)
		atomic64_inc(&r->st[GVM_RSTAT_PROTOCOL_ERRORS]);
	r->detaching = GVM_NODE_NONE;
	gvm_region_drain(r);
kick:
	if (r->leaving) {
		r->kicks++;
		wake_up_all(&r->wq);
	}
out:
	gvm_region_unlock(r);
}

/* With d->lock held: the region, with a reference, or NULL. */
struct gvm_region *gvm_region_get(struct gvm_domain *d, u32 id)
{
	struct gvm_region *r = xa_load(&d->regions, id);

	if (r)
		refcount_inc(&r->ref);
	return r;
}

/* With d->lock held: the first region at or after *@id, with a reference. */
struct gvm_region *gvm_region_next(struct gvm_domain *d, unsigned long *id)
{
	struct gvm_region *r = xa_find(&d->regions, id, ULONG_MAX, XA_PRESENT);

	if (r)
		refcount_inc(&r->ref);
	return r;
}

/* The release path keeps the first reference and waits for the others. */
void gvm_region_put(struct gvm_region *r)
{
	refcount_dec(&r->ref);
	wake_up_var(&r->ref);
}

static bool gvm_region_member(const struct gvm_region *r, u32 node)
{
	return gvm_region_index(r, node) >= 0;
}

/*
 * With d->lock held: @node failed, left, or its stream broke with frames
 * in flight. Each region it belongs to takes it as failed, from a work
 * (the engine's mutex ranks above d->lock).
 */
void gvm_regions_peer_failed(struct gvm_domain *d, u32 node)
{
	struct gvm_region *r;
	unsigned long id;

	lockdep_assert_held(&d->lock);
	xa_for_each(&d->regions, id, r) {
		if (node == d->self || !gvm_region_member(r, node))
			continue;
		if (xa_store(&r->doomed, node, xa_mk_value(1), GFP_KERNEL))
			continue;	/* xa_err: told again on its next event */
		queue_work(gvm_wq, &r->down_work);
	}
}

static void gvm_region_down_work(struct work_struct *work)
{
	struct gvm_region *r = container_of(work, struct gvm_region,
					    down_work);
	struct gvm_domain *d = r->domain;

	for (;;) {
		unsigned long node = 0;
		void *e;

		mutex_lock(&d->lock);
		e = xa_find(&r->doomed, &node, ULONG_MAX, XA_PRESENT);
		if (e)
			xa_erase(&r->doomed, node);
		mutex_unlock(&d->lock);
		if (!e)
			return;
		mutex_lock(&r->lock);
		if (!r->dying && gvm_ivy_alive(&r->ivy, node)) {
			gvm_ivy_node_down(&r->ivy, node);
			gvm_region_drain(r);
		}
		gvm_region_unlock(r);
	}
}

/* ---- counters --------------------------------------------------------- */

/* @conflict: GVM_CONFLICT_MAX bytes, "" while the region is in service. */
void gvm_region_stats(struct gvm_region *r, u64 *st, u64 *lat,
		      char *conflict)
{
	const struct gvm_ivy_stats *s = &r->ivy_stats;
	int i;

	for (i = 0; i < __GVM_RSTAT_MAX; i++)
		st[i] = atomic64_read(&r->st[i]);
	for (i = 0; i < GVM_LAT_BUCKETS; i++)
		lat[i] = atomic64_read(&r->lat[i]);
	mutex_lock(&r->lock);
	st[GVM_RSTAT_READ_FAULTS] += s->read_faults;
	st[GVM_RSTAT_READ_AHEAD] = s->read_ahead;
	st[GVM_RSTAT_WRITE_FAULTS] = s->write_faults;
	st[GVM_RSTAT_INV_SENT] = s->sent[GVM_MSG_INV];
	st[GVM_RSTAT_INV_RECEIVED] = s->invalidations;
	st[GVM_RSTAT_RETRIES] = s->retries;
	st[GVM_RSTAT_TIMEOUTS] = s->timeouts;
	st[GVM_RSTAT_PAGES_LOST] = s->pages_lost;
	st[GVM_RSTAT_STALE] += s->stale;
	st[GVM_RSTAT_PROTOCOL_ERRORS] += s->protocol_errors;
	st[GVM_RSTAT_TAKEOVERS] += s->received[GVM_MSG_HANDOFF];
	strscpy(conflict, r->conflict, GVM_CONFLICT_MAX);
	gvm_region_unlock(r);
}

/* ---- creation and teardown -------------------------------------------- */

/* Engine memory and everything else that may be big, or fail. */
static int gvm_region_alloc(struct gvm_region *r, struct gvm_ivy_cfg *cfg)
{
	struct gvm_domain *d = r->domain;
	size_t words = BITS_TO_LONGS(r->npages);
	int ret;

	ret = gvm_ivy_cfg_check(cfg);
	if (ret)
		return ret;
	r->ivy_mem_size = gvm_ivy_mem_size(cfg);
	r->ivy_mem = __vmalloc(r->ivy_mem_size,
			       GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	r->valid = kvcalloc(words, sizeof(long), GFP_KERNEL | __GFP_NOWARN);
	r->writable = kvcalloc(words, sizeof(long), GFP_KERNEL | __GFP_NOWARN);
	r->fetched = kvcalloc(words, sizeof(long), GFP_KERNEL | __GFP_NOWARN);
	r->scratch = gvm_alloc(d, GVM_IVY_SCRATCH_RANGES *
			       sizeof(*r->scratch), GFP_KERNEL | __GFP_ZERO);
	r->attached = bitmap_zalloc(r->nmembers, GFP_KERNEL);
	r->peer_open = gvm_alloc(d, r->nmembers * sizeof(u32),
				 GFP_KERNEL | __GFP_ZERO);
	if (!r->ivy_mem || !r->valid || !r->writable || !r->fetched ||
	    !r->scratch || !r->attached || !r->peer_open)
		return -ENOMEM;
	do
		r->open_id = get_random_u32();
	while (!r->open_id);
	r->mem_big = r->ivy_mem_size + 3 * words * sizeof(long);
	atomic64_add(r->mem_big, &d->mem_bytes);
	return gvm_ivy_init(&r->ivy, cfg, r->ivy_mem, &gvm_region_ivy_ops, r,
			    &r->ivy_stats, r->scratch);
}

static void gvm_region_free(struct gvm_region *r)
{
	struct gvm_domain *d = r->domain;
	struct gvm_fault_fail *f, *tmp;
	struct gvm_rtimer *t;
	unsigned long key;

	r->dying = true;
	list_for_each_entry_safe(f, tmp, &r->fails, node)
		gvm_region_fail_free(r, f);
	gvm_region_drain(r);	/* frees what is queued */
	if (r->ivy.chunks)
		gvm_ivy_destroy(&r->ivy);
	xa_for_each(&r->timers, key, t)
		gvm_free(d, t, sizeof(*t));
	xa_destroy(&r->timers);
	xa_destroy(&r->doomed);
	atomic64_sub(r->mem_big, &d->mem_bytes);
	vfree(r->ivy_mem);
	kvfree(r->valid);
	kvfree(r->writable);
	kvfree(r->fetched);
	xa_destroy(&r->asked);
	bitmap_free(r->attached);
	gvm_free(d, r->peer_open, r->nmembers * sizeof(u32));
	gvm_free(d, r->scratch, GVM_IVY_SCRATCH_RANGES * sizeof(*r->scratch));
	gvm_free(d, r->members, r->nmembers * sizeof(u32));
	if (r->inode)
		iput(r->inode);
	gvm_free(d, r, sizeof(*r));
}

/* ---- detaching --------------------------------------------------------- */

/* Pages handed off at once; each waits for its taker's write fault. */
#define GVM_HANDOFF_WINDOW	256
/* Takers tried per page before it is given up as lost. */
#define GVM_HANDOFF_TRIES	3
/*
 * Pages looked at per hold of r->lock to fill a window: a large region of
 * which we hold few pages is not scanned whole while frames wait.
 */
#define GVM_HANDOFF_SCAN	1024

struct gvm_handoff {
	u64 pfn[GVM_HANDOFF_WINDOW];
	u8 tries[GVM_HANDOFF_WINDOW];	/* rounds: deadlines passed */
	bool asked[GVM_HANDOFF_WINDOW];	/* in this round */
	u32 taker[GVM_HANDOFF_WINDOW];	/* whom we asked */
	unsigned long *refused;		/* takers that did not answer */
	u64 moved, lost;
};

/* With r->lock held: does this node still hold @pfn's ownership? */
static bool gvm_region_holds(struct gvm_region *r, u64 pfn)
{
	struct gvm_ivy_page tmp;
	const struct gvm_ivy_page *pg = gvm_ivy_peek(&r->ivy, pfn, &tmp);

	/* A request in flight may still make us the owner: wait for it. */
	return gvm_ivy_is_owner(pg) || pg->want;
}

/*
 * Who takes @pfn: the member that becomes its home when we are gone, or,
 * when that one did not answer, the next live member. NONE: nobody left.
 */
static u32 gvm_region_taker(struct gvm_region *r, struct gvm_handoff *h,
			    u64 pfn)
{
	u32 n = r->nmembers, slot = pfn % n, i;

	for (i = 0; i < n; i++) {
		u32 idx = (slot + i) % n, id = r->members[idx];

		if (id != r->ivy.cfg.self && gvm_ivy_alive(&r->ivy, id) &&
		    !test_bit(idx, h->refused))
			return id;
	}
	return GVM_NODE_NONE;
}

/*
 * With r->lock held: ask a taker for each page of the window still ours
 * and not asked yet; @again, after a deadline, starts a new round. The
 * number of pages still ours.
 */
static unsigned int gvm_handoff_send(struct gvm_region *r,
				     struct gvm_handoff *h, unsigned int n,
				     bool again)
{
	unsigned int i, pending = 0;

	/* Taken out of service meanwhile: the members went on without us. */
	if (r->conflict[0])
		return 0;
	for (i = 0; i < n; i++) {
		struct gvm_msg m = {
			.type = GVM_MSG_HANDOFF, .domain = r->domain->id,
			.src = r->ivy.cfg.self, .region = r->id,
			.pfn = h->pfn[i],
		};

		if (h->tries[i] > GVM_HANDOFF_TRIES ||
		    !gvm_region_holds(r, m.pfn))
			continue;
		if (again) {
			h->asked[i] = false;
			if (h->tries[i]++ == GVM_HANDOFF_TRIES)
				continue;		/* given up */
		}
		pending++;
		/*
		 * The taker asked left meanwhile (it was leaving too, or gone
		 * before we heard): ask the next one now, not at the deadline.
		 */
		if (h->asked[i] && !gvm_ivy_alive(&r->ivy, h->taker[i]))
			h->asked[i] = false;
		/* A request of ours in flight: wait for it first. */
		if (h->asked[i] || gvm_region_want(r, m.pfn))
			continue;
		m.dst = gvm_region_taker(r, h, m.pfn);
		if (m.dst == GVM_NODE_NONE) {
			h->tries[i] = GVM_HANDOFF_TRIES + 1;	/* nobody left */
			pending--;
			continue;
		}
		gvm_region_xmit(r, &m);
		h->asked[i] = true;
		h->taker[i] = m.dst;
	}
	return pending;
}

/*
 * With r->lock held: takers that did not take their pages in time. The
 * one asked, not whoever would be asked now: members may have gone since.
 */
static void gvm_handoff_refuse(struct gvm_region *r, struct gvm_handoff *h,
			       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int idx;

		if (!h->asked[i] || !gvm_region_holds(r, h->pfn[i]))
			continue;
		idx = gvm_region_index(r, h->taker[i]);
		if (idx >= 0)
			set_bit(idx, h->refused);
	}
}

/*
 * Hand one window of pages off, waiting (bounded) for the takers' write
 * faults; a taker that did not take its pages in time is not asked again.
 */
static void gvm_handoff_window(struct gvm_region *r, struct gvm_handoff *h,
			       unsigned int n)
{
	unsigned long limit = msecs_to_jiffies(2 * r->domain->timeout_ms +
					       1000);
	unsigned long deadline = jiffies + limit;
	unsigned int i, seen;
	bool again = false;

	for (;;) {
		mutex_lock(&r->lock);
		if (!gvm_handoff_send(r, h, n, again)) {
			gvm_region_unlock(r);
			break;
		}
		again = time_after(jiffies, deadline);
		if (again) {
			gvm_handoff_refuse(r, h, n);
			deadline = jiffies + limit;
		}
		seen = r->kicks;
		gvm_region_unlock(r);
		if (!again)
			wait_event_timeout(r->wq, READ_ONCE(r->kicks) != seen,
					   HZ / 10);
	}
	mutex_lock(&r->lock);
	for (i = 0; i < n; i++) {
		if (!gvm_region_holds(r, h->pfn[i])) {
			h->moved++;
		} else {
			h->lost++;
			gvm_notify_page_lost(r->domain, r->id, h->pfn[i]);
		}
	}
	gvm_region_unlock(r);
}

/* With r->lock held: have all live members answered our SYNC? */
static bool gvm_region_synced(struct gvm_region *r)
{
	u32 i;

	for (i = 0; i < r->nmembers; i++)
		if (r->members[i] != r->ivy.cfg.self &&
		    gvm_ivy_alive(&r->ivy, r->members[i]) &&
		    !test_bit(i, r->synced))
			return false;
	return true;
}

/*
 * Before DETACH: every live member has handled every frame we sent it.
 * Otherwise a taker told of our departure by a third node (which it takes
 * as our failure) could drop the GRANT of a page we handed it, still in
 * our stream. Bounded like a request; a member that does not answer is
 * failing anyway.
 */
static void gvm_region_barrier(struct gvm_region *r)
{
	unsigned long deadline = jiffies +
		msecs_to_jiffies(2 * r->domain->timeout_ms + 1000);
	unsigned int seen;
	u32 i;

	r->synced = bitmap_zalloc(r->nmembers, GFP_KERNEL);
	if (!r->synced)
		return;
	mutex_lock(&r->lock);
	r->sync_txid = get_random_u64() | 1;
	for (i = 0; i < r->nmembers; i++) {
		struct gvm_msg m = {
			.type = GVM_MSG_SYNC, .domain = r->domain->id,
			.src = r->ivy.cfg.self, .dst = r->members[i],
			.region = r->id, .txid = r->sync_txid,
		};

		if (m.dst != m.src && gvm_ivy_alive(&r->ivy, m.dst))
			gvm_region_xmit(r, &m);
	}
	while (!gvm_region_synced(r) && !r->conflict[0] &&
	       time_before(jiffies, deadline)) {
		seen = r->kicks;
		gvm_region_unlock(r);
		wait_event_timeout(r->wq, READ_ONCE(r->kicks) != seen,
				   HZ / 10);
		mutex_lock(&r->lock);
	}
	if (!gvm_region_synced(r) && !r->conflict[0])
		pr_warn("giantvm: domain %u region %u: a member did not answer before we detached\n",
			r->domain->id, r->id);
	bitmap_free(r->synced);
	r->synced = NULL;
	gvm_region_unlock(r);
}

/*
 * Detach: every page this node owns goes, with its data, to the member
 * that becomes its home (or the next live one), through the protocol's
 * own write fault at the taker. Then a SYNC barrier, and DETACH tells
 * every member we are gone owning nothing. Only when no member can take a
 * page is it lost, loudly.
 */
static void gvm_region_handoff(struct gvm_region *r)
{
	struct gvm_domain *d = r->domain;
	unsigned long start = jiffies;
	struct gvm_handoff *h;
	unsigned int n = 0;
	u64 pfn = 0;
	u32 i;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (h)
		h->refused = bitmap_zalloc(r->nmembers, GFP_KERNEL);
	mutex_lock(&r->lock);
	r->leaving = true;
	for (i = 0; i < r->nmembers; i++)
		if (r->members[i] != r->ivy.cfg.self &&
		    gvm_ivy_alive(&r->ivy, r->members[i]))
			break;
	/* Out of service, the members already went on without us. */
	if (r->conflict[0])
		i = r->nmembers;
	gvm_region_unlock(r);
	/* The last member: the region ends here, there is no one to tell. */
	if (i == r->nmembers)
		goto out_free;
	if (!h || !h->refused) {
		pr_err("giantvm: domain %u region %u: no memory to hand pages off\n",
		       d->id, r->id);
		goto out;
	}
	while (pfn < r->npages) {
		u64 end = min_t(u64, r->npages, pfn + GVM_HANDOFF_SCAN);

		mutex_lock(&r->lock);
		for (; pfn < end && n < GVM_HANDOFF_WINDOW; pfn++) {
			if (gvm_region_holds(r, pfn)) {
				h->pfn[n] = pfn;
				h->asked[n] = false;
				h->tries[n++] = 0;
			}
		}
		gvm_region_unlock(r);
		/* A page taken from us meanwhile is skipped there. */
		if (n && (n == GVM_HANDOFF_WINDOW || pfn == r->npages)) {
			gvm_handoff_window(r, h, n);
			n = 0;
		}
		cond_resched();
	}
	if (h->lost)
		pr_warn("giantvm: domain %u region %u: %llu pages lost: no member took them\n",
			d->id, r->id, h->lost);
	if (h->moved)
		pr_info("giantvm: domain %u region %u: %llu pages handed off in %u ms\n",
			d->id, r->id, h->moved,
			jiffies_to_msecs(jiffies - start));
	gvm_region_barrier(r);
out:
	mutex_lock(&r->lock);
	for (i = 0; i < r->nmembers; i++) {
		struct gvm_msg m = {
			.type = GVM_MSG_DETACH, .domain = d->id,
			.src = r->ivy.cfg.self, .dst = r->members[i],
			.region = r->id,
		};

		if (m.dst != m.src && gvm_ivy_alive(&r->ivy, m.dst))
			gvm_region_xmit(r, &m);
	}
	gvm_region_unlock(r);
out_free:
	if (h)
		bitmap_free(h->refused);
	kfree(h);
}

/* The last mapping and descriptor are gone: leave and free. */
void gvm_region_release(struct gvm_region *r)
{
	struct gvm_domain *d = r->domain;
	struct net *net = r->net;

	gvm_region_handoff(r);
	mutex_lock(&r->lock);
	r->dying = true;
	gvm_region_unlock(r);
	mutex_lock(&d->lock);
	xa_erase(&d->regions, r->id);
	atomic_inc(&gvm_net(d->net)->generation);
	mutex_unlock(&d->lock);
	/* Frames in delivery hold a reference; no new ones find us. */
	wait_var_event(&r->ref, refcount_read(&r->ref) == 1);
	cancel_delayed_work_sync(&r->timer_work);
	cancel_work_sync(&r->down_work);
	gvm_region_free(r);
	mutex_lock(&d->lock);
	d->nregions--;
	mutex_unlock(&d->lock);
	put_net(net);
}

static int gvm_region_args(void __user *uarg, struct gvm_region_create *rc)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < sizeof(*rc))
		return -EINVAL;
	if (usize > sizeof(*rc)) {
		ret = check_zeroed_user(uarg + sizeof(*rc), usize - sizeof(*rc));
		if (ret <= 0)
			return ret ?: -E2BIG;
	}
	if (copy_from_user(rc, uarg, sizeof(*rc)))
		return -EFAULT;
	if (rc->flags || rc->reserved || !rc->region || !rc->domain ||
	    !rc->bytes || rc->bytes % GVM_PAGE_SIZE)
		return -EINVAL;
	if (rc->owner != GVM_NODE_NONE && rc->owner >= GVM_MAX_NODES)
		return -EINVAL;
	return 0;
}

/* With d->lock held: the members, ascending, and the initial owner. */
static int gvm_region_members(struct gvm_region *r, u32 owner)
{
	struct gvm_domain *d = r->domain;
	struct gvm_peer *p;
	unsigned long id;
	u32 n = 0;

	r->members = gvm_alloc(d, d->nmembers * sizeof(u32),
			       GFP_KERNEL | __GFP_ZERO);
	if (!r->members)
		return -ENOMEM;
	r->nmembers = d->nmembers;
	xa_for_each(&d->peers, id, p)
		if (n < r->nmembers)
			r->members[n++] = id;
	/* The xarray walks in order; sort anyway, the engine insists. */
	sort(r->members, n, sizeof(u32), gvm_u32_cmp, NULL);
	r->owner = owner == GVM_NODE_NONE ? r->members[0] : owner;
	if (!gvm_region_member(r, r->owner))
		return -EINVAL;
	r->digest = gvm_members_digest(r->members, r->nmembers);
	return 0;
}

static struct gvm_region *gvm_region_new(struct gvm_domain *d, u64 npages)
{
	struct gvm_region *r = gvm_alloc(d, sizeof(*r),
					 GFP_KERNEL | __GFP_ZERO);
	int k;

	if (!r)
		return NULL;
	r->domain = d;
	r->npages = npages;
	r->detaching = GVM_NODE_NONE;
	refcount_set(&r->ref, 1);
	mutex_init(&r->lock);
	INIT_LIST_HEAD(&r->waits);
	INIT_LIST_HEAD(&r->selfq);
	INIT_LIST_HEAD(&r->fails);
	init_waitqueue_head(&r->wq);
	xa_init(&r->timers);
	xa_init(&r->asked);
	xa_init(&r->doomed);
	r->ra_next = U64_MAX;
	r->ra_mark = U64_MAX;
	for (k = 0; k < GVM_NTIMERS; k++)
		INIT_LIST_HEAD(&r->tq[k]);
	INIT_DELAYED_WORK(&r->timer_work, gvm_timer_work);
	INIT_WORK(&r->down_work, gvm_region_down_work);
	return r;
}

/*
 * GVM_IOC_REGION_CREATE: a new region of the caller's domain, as a file
 * descriptor. Members already failed count as failed from the start.
 */
long gvm_region_create(struct net *net, void __user *uarg)
{
	struct gvm_net *gn = gvm_net(net);
	struct gvm_region_create rc;
	struct gvm_ivy_cfg cfg = {
		.id_space = GVM_MAX_NODES, .inv_flat = GVM_IVY_INV_FLAT,
		.inv_split = GVM_IVY_INV_SPLIT,
	};
	struct gvm_region *r;
	struct gvm_domain *d;
	struct gvm_peer *p;
	struct file *file;
	unsigned long id;
	int fd, ret;

	ret = gvm_region_args(uarg, &rc);
	if (ret)
		return ret;
	/* gn->lock keeps the domain while we build. */
	mutex_lock(&gn->lock);
	d = gvm_domain_find(gn, rc.domain);
	ret = -ENOENT;
	if (!d)
		goto err_unlock;
	ret = -ENOMEM;
	r = gvm_region_new(d, rc.bytes / GVM_PAGE_SIZE);
	if (!r)
		goto err_unlock;
	r->id = rc.region;
	mutex_lock(&d->lock);
	ret = d->dying ? -ENOENT : xa_load(&d->regions, r->id) ? -EEXIST :
	      gvm_region_members(r, rc.owner);
	mutex_unlock(&d->lock);
	if (ret)
		goto err_free;

	cfg.domain = d->id;
	cfg.region = r->id;
	cfg.self = d->self;
	cfg.members = r->members;
	cfg.nmembers = r->nmembers;
	cfg.npages = r->npages;
	cfg.initial_owner = r->owner;
	cfg.nwaiters = clamp_t(u32, 4 * r->nmembers, 64, 4096);
	ret = gvm_region_alloc(r, &cfg);
	if (ret)
		goto err_free;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}
	file = gvm_map_file(r);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_fd;
	}

	/*
	 * Frames find the region once it is inserted: they wait for r->lock
	 * until our ATTACH is out, so that it comes before any answer of
	 * ours on each stream (a member takes a second ATTACH asking for an
	 * answer as a second open).
	 */
	mutex_lock(&r->lock);
	mutex_lock(&d->lock);
	ret = d->dying ? -ENOENT : xa_insert(&d->regions, r->id, r,
					     GFP_KERNEL);
	if (ret) {
		mutex_unlock(&d->lock);
		gvm_region_unlock(r);
		goto err_file;
	}
	d->nregions++;
	atomic_inc(&gn->generation);
	r->net = get_net(net);
	xa_for_each(&d->peers, id, p)
		if (p->state == GVM_NODE_DOWN || p->state == GVM_NODE_LEFT)
			gvm_regions_peer_failed(d, id);
	mutex_unlock(&d->lock);
	gvm_region_attach(r);
	gvm_region_unlock(r);
	mutex_unlock(&gn->lock);
	fd_install(fd, file);
	return fd;

err_file:
	/* Not yet a region anyone knows: take it back from the file. */
	file->private_data = NULL;
	fput(file);
err_fd:
	put_unused_fd(fd);
err_free:
	gvm_region_free(r);
err_unlock:
	mutex_unlock(&gn->lock);
	/* xa_insert() says EBUSY for an id taken meanwhile. */
	return ret == -EBUSY ? -EEXIST : ret;
}
