// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's entry points, local faults, the home directory, and the
 * transfer of copies and ownership. See ivy.h for the protocol.
 */
#include "internal.h"

/* ---- emitting actions ------------------------------------------------- */

void ivy_send_msg(struct gvm_ivy *ivy, struct gvm_msg *m)
{
	struct gvm_ivy_action a = { .type = GVM_ACT_SEND, .msg = m };

	m->domain = ivy->cfg.domain;
	m->src = ivy->cfg.self;
	m->region = ivy->cfg.region;
	if (m->dst != ivy->cfg.self && ivy->stats)
		ivy->stats->sent[m->type]++;
	ivy_emit(ivy, &a);
}

void ivy_send(struct gvm_ivy *ivy, u8 type, u32 dst, u64 pfn, u64 txid,
	      u64 version, u32 arg, u32 aux, u16 flags)
{
	struct gvm_msg m = {
		.type = type, .flags = flags, .dst = dst, .arg = arg,
		.aux = aux, .txid = txid, .pfn = pfn, .version = version,
	};

	ivy_send_msg(ivy, &m);
}

void ivy_act(struct gvm_ivy *ivy, u8 type, u64 pfn)
{
	struct gvm_ivy_action a = { .type = type, .pfn = pfn };

	ivy_emit(ivy, &a);
}

void ivy_map(struct gvm_ivy *ivy, u64 pfn, bool write)
{
	struct gvm_ivy_action a = { .type = GVM_ACT_MAP, .pfn = pfn,
				    .write = write };

	ivy_emit(ivy, &a);
}

void ivy_complete(struct gvm_ivy *ivy, u64 pfn, int err)
{
	struct gvm_ivy_action a = { .type = GVM_ACT_COMPLETE, .pfn = pfn,
				    .err = err };

	if (err && ivy->stats)
		ivy->stats->fault_failures++;
	ivy_emit(ivy, &a);
}

void ivy_timer(struct gvm_ivy *ivy, enum gvm_timer timer, u64 pfn, u64 txid)
{
	struct gvm_ivy_action a = { .type = GVM_ACT_TIMER, .timer = timer,
				    .pfn = pfn, .txid = txid };

	ivy_emit(ivy, &a);
}

/* ---- membership ------------------------------------------------------- */

bool gvm_ivy_alive(const struct gvm_ivy *ivy, u32 node)
{
	return node < ivy->cfg.id_space &&
	       ivy_bit_test(ivy->alive, node);
}

/* Index of @node in the member list, or GVM_NODE_NONE. */
u32 ivy_member_index(const struct gvm_ivy *ivy, u32 node)
{
	u32 lo = 0, hi = ivy->cfg.nmembers;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (ivy->cfg.members[mid] == node)
			return mid;
		if (ivy->cfg.members[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return GVM_NODE_NONE;
}

u32 ivy_walk_home(const struct gvm_ivy *ivy, struct ivy_home_walk *w,
		  u32 slot)
{
	u32 n = ivy->cfg.nmembers;
	u32 k;

	if (slot < w->end)
		return w->home;
	/* Each member is looked at no more than twice over a whole walk. */
	for (k = slot; k < slot + n; k++) {
		u32 id = ivy->cfg.members[k % n];

		if (id == w->also_alive || gvm_ivy_alive(ivy, id)) {
			w->home = id;
			w->end = k + 1;
			return id;
		}
	}
	w->home = ivy->cfg.self;	/* unreachable: self is alive */
	w->end = slot + 1;
	return w->home;
}

/* The home of slot @i, as seen with @also_alive alive: one step of a walk. */
u32 ivy_succ_with(const struct gvm_ivy *ivy, u32 i, u32 also_alive)
{
	struct ivy_home_walk w = { .also_alive = also_alive };

	return ivy_walk_home(ivy, &w, i);
}

u32 gvm_ivy_home(const struct gvm_ivy *ivy, u64 pfn)
{
	return ivy_succ_with(ivy, pfn % ivy->cfg.nmembers, GVM_NODE_NONE);
}

/* ---- setup ------------------------------------------------------------ */

int gvm_ivy_cfg_check(const struct gvm_ivy_cfg *cfg)
{
	bool self = false, owner = false;
	u32 i;

	if (!cfg->members || !cfg->nmembers || !cfg->npages ||
	    !cfg->id_space || cfg->id_space > GVM_MAX_NODES ||
	    cfg->nmembers > cfg->id_space || !cfg->nwaiters ||
	    cfg->nwaiters > U16_MAX ||
	    !cfg->inv_split || cfg->inv_split > 256 ||
	    cfg->rehome_slots > GVM_IVY_MAX_REHOME)
		return -EINVAL;
	if (cfg->npages > (SIZE_MAX / 4) / sizeof(struct gvm_ivy_page))
		return -E2BIG;
	for (i = 0; i < cfg->nmembers; i++) {
		if (cfg->members[i] >= cfg->id_space ||
		    (i && cfg->members[i] <= cfg->members[i - 1]))
			return -EINVAL;
		self |= cfg->members[i] == cfg->self;
		owner |= cfg->members[i] == cfg->initial_owner;
	}
	return self && owner ? 0 : -EINVAL;
}

struct ivy_layout {
	size_t chunks, alive, waiters, rehome, pending, chunk_mem, total;
	u32 chunk_shift, slot_chunks;
};

static void ivy_layout(const struct gvm_ivy_cfg *cfg, struct ivy_layout *l)
{
	size_t rehome_words = DIV_ROUND_UP(cfg->nmembers, 64);
	u64 slot_pages = DIV_ROUND_UP(cfg->npages, cfg->nmembers);
	size_t nchunks;

	/* Small regions (the model checker's): no bigger than a slot. */
	l->chunk_shift = 0;
	while (l->chunk_shift < GVM_IVY_CHUNK_SHIFT &&
	       (1ULL << l->chunk_shift) < slot_pages)
		l->chunk_shift++;
	l->slot_chunks = DIV_ROUND_UP(slot_pages, 1ULL << l->chunk_shift);
	nchunks = (size_t)cfg->nmembers * l->slot_chunks;
	l->chunks = 0;
	l->alive = l->chunks + nchunks * sizeof(struct gvm_ivy_page *);
	l->waiters = l->alive + DIV_ROUND_UP(cfg->id_space, 64) * sizeof(u64);
	l->rehome = l->waiters + cfg->nwaiters * sizeof(struct gvm_ivy_waiter);
	l->pending = l->rehome +
		     GVM_IVY_MAX_REHOME * rehome_words * sizeof(u64);
	l->chunk_mem = l->pending + rehome_words * sizeof(u64);
	l->total = l->chunk_mem;
	if (cfg->chunks_inline)
		l->total += (nchunks << l->chunk_shift) *
			    sizeof(struct gvm_ivy_page);
}

size_t gvm_ivy_mem_size(const struct gvm_ivy_cfg *cfg)
{
	struct ivy_layout l;

	ivy_layout(cfg, &l);
	return l.total;
}

int gvm_ivy_init(struct gvm_ivy *ivy, const struct gvm_ivy_cfg *cfg,
		 void *mem, const struct gvm_ivy_ops *ops, void *priv,
		 struct gvm_ivy_stats *stats, struct gvm_range *scratch)
{
	struct ivy_layout l;
	u8 *base = mem;
	u32 i;
	int ret;

	/* A relay counts nodes in u16; clearing it clears the whole union. */
	BUILD_BUG_ON(GVM_MAX_NODES > (u16)~0U);
	BUILD_BUG_ON(sizeof(struct gvm_ivy_round) >
		     sizeof(struct gvm_ivy_relay));
	BUILD_BUG_ON(GVM_IVY_CHUNK * sizeof(struct gvm_ivy_page) >
		     GVM_PAGE_SIZE);
	ret = gvm_ivy_cfg_check(cfg);
	if (ret)
		return ret;
	ivy_layout(cfg, &l);
	memset(ivy, 0, sizeof(*ivy));
	memset(mem, 0, l.total);
	ivy->cfg = *cfg;
	ivy->ops = ops;
	ivy->priv = priv;
	ivy->stats = stats;
	ivy->scratch = scratch;
	ivy->chunks = (struct gvm_ivy_page **)(base + l.chunks);
	ivy->chunk_shift = l.chunk_shift;
	ivy->slot_chunks = l.slot_chunks;
	if (cfg->chunks_inline)
		ivy->chunk_mem = base + l.chunk_mem;
	ivy->alive = (u64 *)(base + l.alive);
	ivy->waiters = (struct gvm_ivy_waiter *)(base + l.waiters);
	ivy->rehome_pending = (u64 *)(base + l.pending);
	if (!cfg->rehome_slots)
		ivy->cfg.rehome_slots = GVM_IVY_MAX_REHOME;
	ivy->cs.id_space = cfg->id_space;
	ivy->cs.alloc = ops->alloc;
	ivy->cs.free = ops->free;
	ivy->next_txid = 1;

	for (i = 0; i < cfg->nmembers; i++)
		ivy_bit_set(ivy->alive, cfg->members[i]);
	ivy->nalive = cfg->nmembers;
	for (i = 0; i < cfg->nwaiters; i++)
		ivy->waiters[i].next = i + 1 < cfg->nwaiters ? i + 2 : 0;
	ivy->free_waiter = 1;
	for (i = 0; i < GVM_IVY_MAX_REHOME; i++) {
		ivy->rehome[i].failed = GVM_NODE_NONE;
		ivy->rehome[i].reported = (u64 *)(base + l.rehome) +
					  i * DIV_ROUND_UP(cfg->nmembers, 64);
	}
	return 0;
}

/* How every page starts: the initial owner owns it, its home knows. */
static void ivy_pristine(const struct gvm_ivy *ivy, u64 pfn,
			 struct gvm_ivy_page *pg)
{
	const struct gvm_ivy_cfg *cfg = &ivy->cfg;

	memset(pg, 0, sizeof(*pg));
	pg->hint = cfg->initial_owner;
	/*
	 * The slot's first home: a chunk of a slot inherited after a
	 * failure, or whose home lost the initial owner, was made present
	 * then (ivy_learn_down()).
	 */
	pg->dir_owner = cfg->members[pfn % cfg->nmembers] == cfg->self ?
			cfg->initial_owner : GVM_NODE_NONE;
	/* Untouched pages are zero at the initial owner only. */
	if (cfg->self == cfg->initial_owner)
		pg->state = GVM_PG_EXCLUSIVE;
}

size_t gvm_ivy_chunk_bytes(const struct gvm_ivy *ivy)
{
	return ivy_chunk_pages(ivy) * sizeof(struct gvm_ivy_page);
}

static struct gvm_ivy_page *ivy_chunk_alloc(struct gvm_ivy *ivy, u64 c)
{
	size_t bytes = gvm_ivy_chunk_bytes(ivy);

	if (ivy->chunk_mem)
		return (struct gvm_ivy_page *)(ivy->chunk_mem + c * bytes);
	if (ivy->ops->chunk_alloc)
		return ivy->ops->chunk_alloc(ivy->priv, bytes);
	return ivy->ops->alloc(bytes);
}

static void ivy_chunk_free(struct gvm_ivy *ivy, struct gvm_ivy_page *pages)
{
	size_t bytes = gvm_ivy_chunk_bytes(ivy);

	if (ivy->chunk_mem)
		return;
	if (ivy->ops->chunk_free)
		ivy->ops->chunk_free(ivy->priv, pages, bytes);
	else
		ivy->ops->free(pages, bytes);
}

/* Make @pfn's chunk present, its pages as they started. */
int ivy_materialize(struct gvm_ivy *ivy, u64 pfn)
{
	u32 off, i;
	u64 c = ivy_chunk_of(ivy, pfn, &off);
	u64 first = pfn - (u64)off * ivy->cfg.nmembers;
	struct gvm_ivy_page *pages;

	if (ivy->chunks[c])
		return 0;
	pages = ivy_chunk_alloc(ivy, c);
	if (!pages)
		return -ENOMEM;
	/*
	 * Its pages share their slot, so they start alike. The last chunk of
	 * a slot may run past the region: unused.
	 */
	ivy_pristine(ivy, first, &pages[0]);
	for (i = 1; i < ivy_chunk_pages(ivy); i++)
		pages[i] = pages[0];
	ivy->chunks[c] = pages;
	ivy->nchunks++;
	return 0;
}

/*
 * @pfn's state to read: in its chunk, or in @tmp as it started when the
 * chunk is not there.
 */
const struct gvm_ivy_page *gvm_ivy_peek(const struct gvm_ivy *ivy, u64 pfn,
				       struct gvm_ivy_page *tmp)
{
	u32 off;
	u64 c = ivy_chunk_of(ivy, pfn, &off);

	if (ivy->chunks[c])
		return &ivy->chunks[c][off];
	ivy_pristine(ivy, pfn, tmp);
	return tmp;
}

void gvm_ivy_destroy(struct gvm_ivy *ivy)
{
	u64 c, total = (u64)ivy->cfg.nmembers * ivy->slot_chunks;
	u32 i;

	for (c = 0; c < total; c++) {
		struct gvm_ivy_page *pages = ivy->chunks[c];

		if (!pages)
			continue;
		for (i = 0; i < ivy_chunk_pages(ivy); i++)
			gvm_copyset_clear(&pages[i].cs, &ivy->cs);
		ivy_chunk_free(ivy, pages);
		ivy->chunks[c] = NULL;
	}
	ivy->nchunks = 0;
}

const char *gvm_page_state_name(unsigned int state)
{
	static const char * const names[] = {
		"invalid", "shared", "owned", "exclusive",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

/* ---- requester -------------------------------------------------------- */

/*
 * Send (or send again) the local request for @pfn with a fresh txid. A write
 * from a read copy says which version it holds: the owner may then grant
 * without the data if that is still its version. Being in the owner's
 * copyset is not enough: a superseded read request may have put us there
 * with DATA we dropped.
 */
void ivy_request(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);
	bool have = pg->want == GVM_WANT_WRITE && pg->state == GVM_PG_SHARED;

	pg->txid = ivy_new_txid(ivy);
	pg->flags &= ~GVM_PGF_RETRY;
	ivy_send(ivy, pg->want == GVM_WANT_WRITE ? GVM_MSG_WRITE_REQ :
		 GVM_MSG_READ_REQ, gvm_ivy_home(ivy, pfn), pfn, pg->txid,
		 have ? pg->version : 0, 0, 0, have ? GVM_F_HAVE : 0);
	ivy_timer(ivy, GVM_TIMER_REQUEST, pfn, pg->txid);
}

static void ivy_request_done(struct gvm_ivy *ivy, u64 pfn, int err)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	pg->want = GVM_WANT_NONE;
	pg->txid = 0;
	pg->inv_floor = 0;
	pg->flags &= ~GVM_PGF_RETRY;
	ivy_complete(ivy, pfn, err);
}

/* Ask for @pfn unless the copy will do or is asked for; *@asked counts. */
static int ivy_want(struct gvm_ivy *ivy, u64 pfn, bool write, u64 *asked)
{
	struct gvm_ivy_page *pg;

	if (pfn >= ivy->cfg.npages)
		return -EINVAL;
	if (ivy_materialize(ivy, pfn))
		return -ENOMEM;
	pg = ivy_page(ivy, pfn);
	if (write ? pg->state == GVM_PG_EXCLUSIVE : pg->state != GVM_PG_INVALID)
		return 0;
	/*
	 * One request per page: later faults wait for it and fault again,
	 * so a write behind a pending read upgrades once the read is done.
	 */
	if (pg->want)
		return GVM_IVY_WAIT;
	pg->want = write ? GVM_WANT_WRITE : GVM_WANT_READ;
	pg->inv_floor = 0;
	if (asked)
		(*asked)++;
	ivy_request(ivy, pfn);
	return GVM_IVY_ASKED;
}

int gvm_ivy_fault(struct gvm_ivy *ivy, u64 pfn, bool write)
{
	u64 *asked = NULL;
	int ret;

	if (ivy->stats)
		asked = write ? &ivy->stats->write_faults :
				&ivy->stats->read_faults;
	ret = ivy_want(ivy, pfn, write, asked);
	return ret == GVM_IVY_ASKED ? GVM_IVY_WAIT : ret;
}

/*
 * A read copy of @pfn that no fault waits for yet (read-ahead): its answer
 * completes nobody, and a fault that comes meanwhile waits for it.
 */
int gvm_ivy_read_ahead(struct gvm_ivy *ivy, u64 pfn)
{
	return ivy_want(ivy, pfn, false,
			ivy->stats ? &ivy->stats->read_ahead : NULL);
}

/*
 * @home has just opened the region: a request it got before was dropped
 * there unread. Ask again now rather than when the request times out.
 * 1 when asked again, 0 when nothing was waiting on @home.
 */
int gvm_ivy_ask_again(struct gvm_ivy *ivy, u64 pfn, u32 home)
{
	struct gvm_ivy_page *pg;

	if (pfn >= ivy->cfg.npages)
		return -EINVAL;
	pg = ivy_page_if(ivy, pfn);
	if (!pg)
		return 0;	/* as at start: nothing asked */
	if (!pg->want || (pg->flags & GVM_PGF_RETRY) ||
	    gvm_ivy_home(ivy, pfn) != home)
		return 0;
	if (ivy->stats)
		ivy->stats->retries++;
	ivy_request(ivy, pfn);
	return 1;
}

static int ivy_recv_nack(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);

	if (!pg->want || m->txid != pg->txid)
		return -ESTALE;
	if (m->arg == EAGAIN) {
		pg->flags |= GVM_PGF_RETRY;
		ivy_timer(ivy, GVM_TIMER_RETRY, m->pfn, pg->txid);
		return 0;
	}
	ivy_request_done(ivy, m->pfn, -(int)m->arg);
	return 0;
}

/* A read copy. Data older than an invalidation seen meanwhile is refused. */
static int ivy_recv_data(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	struct gvm_ivy_action a = { .type = GVM_ACT_INSTALL, .pfn = m->pfn,
				    .data = m->page };

	if (pg->want != GVM_WANT_READ || m->txid != pg->txid)
		return -ESTALE;
	if (!m->page)
		return -EPROTO;
	if (m->version < pg->inv_floor) {
		if (ivy->stats)
			ivy->stats->retries++;
		ivy_request(ivy, m->pfn);
		return 0;
	}
	ivy_emit(ivy, &a);
	pg->state = GVM_PG_SHARED;
	pg->version = m->version;
	pg->hint = m->src;
	ivy_map(ivy, m->pfn, false);
	ivy_request_done(ivy, m->pfn, 0);
	return 0;
}

/*
 * Ownership arrives. It is the page's only token, so it is taken even when
 * the local request that asked for it was abandoned: dropping it would lose
 * the page.
 */
static int ivy_recv_grant(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	struct gvm_ivy_action a = { .type = GVM_ACT_INSTALL, .pfn = m->pfn,
				    .data = m->page };

	if (gvm_ivy_is_owner(pg))
		return -EPROTO;
	if (m->flags & GVM_F_NODATA) {
		/* Only a holder of the current copy is spared the data. */
		if (pg->state != GVM_PG_SHARED || pg->version + 1 != m->version)
			return -EPROTO;
	} else {
		if (!m->page)
			return -EPROTO;
		ivy_emit(ivy, &a);
	}
	pg->state = GVM_PG_EXCLUSIVE;
	pg->version = m->version;
	pg->hint = ivy->cfg.self;
	ivy_map(ivy, m->pfn, true);
	if (pg->want)
		ivy_request_done(ivy, m->pfn, 0);
	ivy_send(ivy, GVM_MSG_CONFIRM, gvm_ivy_home(ivy, m->pfn), m->pfn,
		 m->txid, pg->version, 0, 0, 0);
	return 0;
}

/* The local copy goes: invalid, unmapped. */
void ivy_drop_copy(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	pg->state = GVM_PG_INVALID;
	ivy_act(ivy, GVM_ACT_UNMAP, pfn);
}

/* ---- owner ------------------------------------------------------------ */

static int ivy_recv_fwd(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	bool write = m->type == GVM_MSG_FWD_WRITE;
	u32 req = m->arg;

	if (!ivy_is_member(ivy, req))
		return -EPROTO;
	/* Never hand a page to a failed node: the home will ask us. */
	if (!gvm_ivy_alive(ivy, req))
		return -ESTALE;
	/*
	 * Only after a failure can a home forward to a node that no longer
	 * owns the page (or owns it mid-round): send it back with a hint.
	 */
	if (!gvm_ivy_is_owner(pg) || (pg->flags & GVM_PGF_ROUND)) {
		ivy_send(ivy, GVM_MSG_BOUNCE, m->src, m->pfn, m->txid, 0, req,
			 gvm_ivy_is_owner(pg) ? ivy->cfg.self : pg->hint,
			 write ? GVM_F_WRITE : 0);
		return 0;
	}
	if (write) {
		ivy_round_start(ivy, m->pfn, req, m->txid,
				(m->flags & GVM_F_HAVE) &&
				m->version == pg->version);
		return 0;
	}
	if (req == ivy->cfg.self)
		return 0;	/* asked before it became the owner */
	if (pg->state == GVM_PG_EXCLUSIVE) {
		pg->state = GVM_PG_OWNED;
		ivy_act(ivy, GVM_ACT_PROTECT, m->pfn);
	}
	gvm_copyset_add(&pg->cs, &ivy->cs, req);
	ivy_send(ivy, GVM_MSG_DATA, req, m->pfn, m->txid, pg->version, 0, 0, 0);
	return 0;
}

/* ---- home ------------------------------------------------------------- */

static u32 ivy_waiter_get(struct gvm_ivy *ivy)
{
	u32 w = ivy->free_waiter;

	if (w) {
		ivy->free_waiter = ivy->waiters[w - 1].next;
		ivy->waiters[w - 1].next = 0;
	}
	return w;
}

static void ivy_waiter_put(struct gvm_ivy *ivy, u32 w)
{
	memset(&ivy->waiters[w - 1], 0, sizeof(ivy->waiters[0]));
	ivy->waiters[w - 1].next = ivy->free_waiter;
	ivy->free_waiter = w;
}

/* Copy request @rq into waiter @wt, keeping its place in the queue. */
static void ivy_waiter_set(struct gvm_ivy_waiter *wt,
			   const struct gvm_ivy_waiter *rq)
{
	u32 next = wt->next;

	*wt = *rq;
	wt->next = next;
}

/*
 * Queue request @rq; a requester has one request per page, so a newer one
 * replaces its older one in place, and an older one put back in front
 * (@front) gives way to a newer one already queued. False when full.
 */
static bool ivy_dir_enqueue(struct gvm_ivy *ivy, u64 pfn,
			    const struct gvm_ivy_waiter *rq, bool front)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);
	struct gvm_ivy_waiter *wt;
	u32 w;

	for (w = pg->q_head; w; w = ivy->waiters[w - 1].next) {
		wt = &ivy->waiters[w - 1];
		if (wt->requester == rq->requester) {
			if (!front)
				ivy_waiter_set(wt, rq);
			return true;
		}
	}
	w = ivy_waiter_get(ivy);
	if (!w)
		return false;
	wt = &ivy->waiters[w - 1];
	ivy_waiter_set(wt, rq);
	if (!pg->q_head) {
		pg->q_head = w;
		pg->q_tail = w;
	} else if (front) {
		wt->next = pg->q_head;
		pg->q_head = w;
	} else {
		ivy->waiters[pg->q_tail - 1].next = w;
		pg->q_tail = w;
	}
	return true;
}

/* Drop the requests of a failed node from the queue. */
void ivy_dir_forget(struct gvm_ivy *ivy, u64 pfn, u32 requester)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);
	u32 w = pg->q_head, prev = 0, next;

	while (w) {
		next = ivy->waiters[w - 1].next;
		if (ivy->waiters[w - 1].requester == requester) {
			if (prev)
				ivy->waiters[prev - 1].next = next;
			else
				pg->q_head = next;
			if (pg->q_tail == w)
				pg->q_tail = prev;
			ivy_waiter_put(ivy, w);
		} else {
			prev = w;
		}
		w = next;
	}
}

static void ivy_dir_dispatch(struct gvm_ivy *ivy, u64 pfn,
			     const struct gvm_ivy_waiter *rq)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	if (rq->write) {
		pg->dir |= GVM_DIR_LOCKED;
		pg->dir_req = rq->requester;
		pg->dir_txid = rq->txid;
		pg->dir_fwd = pg->dir_owner;
	}
	ivy_send(ivy, rq->write ? GVM_MSG_FWD_WRITE : GVM_MSG_FWD_READ,
		 pg->dir_owner, pfn, rq->txid, rq->have ? rq->version : 0,
		 rq->requester, 0, rq->have ? GVM_F_HAVE : 0);
}

/* Serve waiting requests in order until one takes the lock. */
void ivy_dir_drain(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	/*
	 * The owner failed while a transaction held the page, which has
	 * ended since without finding it elsewhere.
	 */
	if (!(pg->dir & (GVM_DIR_BUSY | GVM_DIR_LOST)) &&
	    pg->dir_owner != GVM_NODE_NONE &&
	    !gvm_ivy_alive(ivy, pg->dir_owner)) {
		ivy_dir_lost(ivy, pfn);
		return;
	}

	while (pg->q_head && !(pg->dir & GVM_DIR_BUSY)) {
		u32 w = pg->q_head;
		struct gvm_ivy_waiter wt = ivy->waiters[w - 1];

		pg->q_head = wt.next;
		if (!pg->q_head)
			pg->q_tail = 0;
		ivy_waiter_put(ivy, w);
		if (pg->dir & GVM_DIR_LOST)
			ivy_send(ivy, GVM_MSG_NACK, wt.requester, pfn, wt.txid,
				 0, EHOSTDOWN, 0, 0);
		else
			ivy_dir_dispatch(ivy, pfn, &wt);
	}
}

/* The owner failed with the only valid copy: fail every fault, loudly. */
void ivy_dir_lost(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	if ((pg->dir & GVM_DIR_LOCKED) && gvm_ivy_alive(ivy, pg->dir_req))
		ivy_send(ivy, GVM_MSG_NACK, pg->dir_req, pfn, pg->dir_txid, 0,
			 EHOSTDOWN, 0, 0);
	pg->dir = GVM_DIR_LOST;
	pg->dir_owner = GVM_NODE_NONE;
	ivy_dir_txn_clear(pg);
	if (ivy->stats)
		ivy->stats->pages_lost++;
	ivy_act(ivy, GVM_ACT_PAGE_LOST, pfn);
	ivy_dir_drain(ivy, pfn);
}

/*
 * @owner holds the page at @version (a CONFIRM or an ANNOUNCE). Versions
 * grow with every change of writer, so the highest claim is the newest and
 * claims may arrive in any order after a failure. Non-homes record claims
 * too: one sent by a node that already knows the home failed is how the
 * next home learns about a transfer it did not see.
 */
void ivy_dir_claim(struct gvm_ivy *ivy, u64 pfn, u32 owner, u64 version,
		   bool ends_txn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	if (ends_txn) {
		pg->dir &= ~(GVM_DIR_LOCKED | GVM_DIR_QUERY);
		ivy_dir_txn_clear(pg);
	}
	if (pg->dir_owner == GVM_NODE_NONE ||
	    (pg->dir & (GVM_DIR_LOST | GVM_DIR_UNKNOWN)) ||
	    version >= pg->dir_version) {
		pg->dir_owner = owner;
		pg->dir_version = version;
		pg->dir &= ~(GVM_DIR_LOST | GVM_DIR_UNKNOWN);
	} else if (ivy->stats) {
		ivy->stats->stale++;
	}
	if (gvm_ivy_home(ivy, pfn) == ivy->cfg.self)
		ivy_dir_drain(ivy, pfn);
}

static int ivy_recv_request(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	struct gvm_ivy_waiter rq = {
		.requester = m->src, .txid = m->txid,
		.write = m->type == GVM_MSG_WRITE_REQ,
		.have = !!(m->flags & GVM_F_HAVE), .version = m->version,
	};

	/* The requester knows of a failure we have not heard of yet. */
	if (gvm_ivy_home(ivy, m->pfn) != ivy->cfg.self) {
		ivy_send(ivy, GVM_MSG_NACK, m->src, m->pfn, m->txid, 0, EAGAIN,
			 0, 0);
		return 0;
	}
	if (pg->dir & GVM_DIR_LOST) {
		ivy_send(ivy, GVM_MSG_NACK, m->src, m->pfn, m->txid, 0,
			 EHOSTDOWN, 0, 0);
		return 0;
	}
	if (!(pg->dir & GVM_DIR_BUSY) && !pg->q_head) {
		ivy_dir_dispatch(ivy, m->pfn, &rq);
		return 0;
	}
	if (!ivy_dir_enqueue(ivy, m->pfn, &rq, false))
		ivy_send(ivy, GVM_MSG_NACK, m->src, m->pfn, m->txid, 0, EAGAIN,
			 0, 0);
	return 0;
}

static int ivy_recv_confirm(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	bool ends = (pg->dir & GVM_DIR_LOCKED) && pg->dir_txid == m->txid &&
		    pg->dir_req == m->src;

	ivy_dir_claim(ivy, m->pfn, m->src, m->version, ends);
	return 0;
}

/*
 * A request goes back to the head of the queue (NACKed if it is full), as
 * a plain one: whether its requester holds a copy is forgotten, so the
 * owner sends the data. Only failures and busy owners send requests back.
 */
static void ivy_dir_push_front(struct gvm_ivy *ivy, u64 pfn, u32 req,
			       u64 txid, bool write)
{
	struct gvm_ivy_waiter rq = { .requester = req, .txid = txid,
				     .write = write };

	if (gvm_ivy_alive(ivy, req) && !ivy_dir_enqueue(ivy, pfn, &rq, true))
		ivy_send(ivy, GVM_MSG_NACK, req, pfn, txid, 0, EAGAIN, 0, 0);
}

/*
 * Unlock and put the locked write back at the head of the queue; a query
 * about it goes unanswered.
 */
void ivy_dir_requeue(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);
	u32 req = pg->dir_req;
	u64 txid = pg->dir_txid;

	if (!(pg->dir & GVM_DIR_LOCKED))
		return;
	pg->dir &= ~(GVM_DIR_LOCKED | GVM_DIR_QUERY);
	ivy_dir_txn_clear(pg);
	ivy_dir_push_front(ivy, pfn, req, txid, true);
}

/*
 * A forward came back unserved (only after a failure, or from an owner
 * busy with a round): queue it first again and find the owner.
 */
static int ivy_recv_bounce(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	bool write = m->flags & GVM_F_WRITE;
	u32 req = m->arg, hint = m->aux;

	if (gvm_ivy_home(ivy, m->pfn) != ivy->cfg.self)
		return -ESTALE;
	if (write) {
		if (!(pg->dir & GVM_DIR_LOCKED) || pg->dir_txid != m->txid ||
		    pg->dir_req != req)
			return -ESTALE;
		ivy_dir_requeue(ivy, m->pfn);
	} else {
		ivy_dir_push_front(ivy, m->pfn, req, m->txid, false);
	}
	if ((pg->dir & GVM_DIR_LOST) ||
	    (pg->dir & GVM_DIR_BUSY & ~GVM_DIR_RETRY) ||
	    m->src != pg->dir_owner) {
		/* Our pointer moved on meanwhile: try it. */
		ivy_dir_drain(ivy, m->pfn);
	} else if (hint == m->src || hint == GVM_NODE_NONE) {
		/* The owner is mid-round, or a CONFIRM is on its way. */
		if (!(pg->dir & GVM_DIR_RETRY)) {
			pg->dir |= GVM_DIR_RETRY;
			ivy_timer(ivy, GVM_TIMER_HOME, m->pfn, 0);
		}
	} else if (!gvm_ivy_alive(ivy, hint)) {
		/* It went to a node that failed since: lost, loudly. */
		ivy_dir_lost(ivy, m->pfn);
	} else {
		/* Follow the page the way it went. */
		pg->dir_owner = hint;
		ivy_dir_drain(ivy, m->pfn);
	}
	return 0;
}

/* ---- entry points ----------------------------------------------------- */

static bool ivy_msg_has_page(u8 type)
{
	return type != GVM_MSG_REHOME_DONE && type != GVM_MSG_DETACH &&
	       type != GVM_MSG_SYNC && type != GVM_MSG_SYNC_ACK;
}

int gvm_ivy_recv(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	int ret;

	if (m->type == 0 || m->type > GVM_MSG_MAX ||
	    m->domain != ivy->cfg.domain || m->dst != ivy->cfg.self ||
	    m->region != ivy->cfg.region ||
	    (ivy_msg_has_page(m->type) && m->pfn >= ivy->cfg.npages))
		return -EINVAL;
	if (!ivy_is_member(ivy, m->src))
		return -EPROTO;
	/* Frames from a failed node are dropped by the transport; be sure. */
	if (!gvm_ivy_alive(ivy, m->src)) {
		ret = -ESTALE;
		goto out;
	}
	/*
	 * Without memory for the page's state the message is dropped, as one
	 * lost with a link (the module's allocation does not fail).
	 */
	if (ivy_msg_has_page(m->type) && ivy_materialize(ivy, m->pfn))
		return -ENOMEM;
	if (ivy->stats)
		ivy->stats->received[m->type]++;

	switch (m->type) {
	case GVM_MSG_READ_REQ:
	case GVM_MSG_WRITE_REQ:
		ret = ivy_recv_request(ivy, m);
		break;
	case GVM_MSG_FWD_READ:
	case GVM_MSG_FWD_WRITE:
		ret = ivy_recv_fwd(ivy, m);
		break;
	case GVM_MSG_DATA:
		ret = ivy_recv_data(ivy, m);
		break;
	case GVM_MSG_GRANT:
		ret = ivy_recv_grant(ivy, m);
		break;
	case GVM_MSG_CONFIRM:
		ret = ivy_recv_confirm(ivy, m);
		break;
	case GVM_MSG_INV:
		ret = ivy_recv_inv(ivy, m);
		break;
	case GVM_MSG_INV_ACK:
		ret = ivy_recv_inv_ack(ivy, m);
		break;
	case GVM_MSG_NACK:
		ret = ivy_recv_nack(ivy, m);
		break;
	case GVM_MSG_BOUNCE:
		ret = ivy_recv_bounce(ivy, m);
		break;
	case GVM_MSG_QUERY:
		ret = ivy_recv_query(ivy, m);
		break;
	case GVM_MSG_ANNOUNCE:
		ret = ivy_recv_announce(ivy, m);
		break;
	case GVM_MSG_REHOME_DONE:
		ret = ivy_recv_rehome_done(ivy, m);
		break;
	case GVM_MSG_HANDOFF:
		/*
		 * The sender is detaching: take its page over the ordinary
		 * way, as a write fault of ours that nobody waits for.
		 */
		ret = gvm_ivy_fault(ivy, m->pfn, true);
		if (ret == GVM_IVY_WAIT)
			ret = 0;
		break;
	case GVM_MSG_DETACH:
		/*
		 * It handed off what it owned first, so this is a failure
		 * that loses nothing: homes move, copysets forget it.
		 */
		ret = gvm_ivy_node_down(ivy, m->src);
		break;
	default:
		ret = -EINVAL;
	}
out:
	if (ivy->stats) {
		if (ret == -ESTALE)
			ivy->stats->stale++;
		else if (ret == -EPROTO)
			ivy->stats->protocol_errors++;
	}
	/* A stale message is normal traffic, not an error of the caller. */
	return ret == -ESTALE ? 0 : ret;
}

int gvm_ivy_timer(struct gvm_ivy *ivy, enum gvm_timer timer, u64 pfn,
		  u64 txid)
{
	struct gvm_ivy_page *pg;

	if (pfn >= ivy->cfg.npages ||
	    (timer != GVM_TIMER_RETRY && timer != GVM_TIMER_HOME &&
	     timer != GVM_TIMER_REQUEST))
		return -EINVAL;
	/* Timers are armed for pages that changed: a stale one, if any. */
	pg = ivy_page_if(ivy, pfn);
	if (!pg)
		return 0;
	switch (timer) {
	case GVM_TIMER_RETRY:
		if (pg->want && (pg->flags & GVM_PGF_RETRY) &&
		    pg->txid == txid) {
			if (ivy->stats)
				ivy->stats->retries++;
			ivy_request(ivy, pfn);
		}
		break;
	case GVM_TIMER_REQUEST:
		if (pg->want && !(pg->flags & GVM_PGF_RETRY) &&
		    pg->txid == txid) {
			if (ivy->stats)
				ivy->stats->timeouts++;
			ivy_request(ivy, pfn);
		}
		break;
	case GVM_TIMER_HOME:
		if (pg->dir & GVM_DIR_RETRY) {
			pg->dir &= ~GVM_DIR_RETRY;
			ivy_dir_drain(ivy, pfn);
		}
		break;
	}
	return 0;
}
