// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidation rounds. The owner invalidates every sharer before handing a
 * page to a writer. Up to inv_flat targets get an INV each; beyond that the
 * targets are cut into chunks, and the first node of each chunk relays the
 * INV to the rest of its chunk the same way. Every node acks its sender
 * once, after its own subtree acked, so the owner receives one ack per
 * child instead of one per sharer and the depth grows with log(sharers).
 *
 * Chunks shrink geometrically (the first child gets inv_split/256 of the
 * targets, the next that share of the rest, ...): the first child starts
 * relaying while the sender is still sending, the shape of an optimal
 * broadcast when sending costs CPU time as well as latency.
 */
#include "internal.h"

/* A position in an array of ranges. */
struct inv_cursor {
	const struct gvm_range *r;
	u32 n, i, off;
};

static bool inv_cur_peek(const struct inv_cursor *c, u32 *id)
{
	if (c->i >= c->n)
		return false;
	*id = c->r[c->i].first + c->off;
	return true;
}

static bool inv_cur_next(struct inv_cursor *c, u32 *id)
{
	if (!inv_cur_peek(c, id))
		return false;
	if (++c->off == c->r[c->i].count) {
		c->i++;
		c->off = 0;
	}
	return true;
}

static bool inv_target(const struct gvm_ivy *ivy, u32 id, u32 ex1, u32 ex2)
{
	return id != ex1 && id != ex2 && gvm_ivy_alive(ivy, id);
}

static u32 inv_count(const struct gvm_ivy *ivy, const struct gvm_range *r,
		     u32 n, u32 ex1, u32 ex2)
{
	struct inv_cursor c = { .r = r, .n = n };
	u32 id, total = 0;

	while (inv_cur_next(&c, &id))
		total += inv_target(ivy, id, ex1, ex2);
	return total;
}

/*
 * Send the INVs of one round covering @r minus @ex1, @ex2 and failed nodes.
 * Returns how many INVs went out (the acks to wait for); *covered is the
 * number of live targets, *lo / *hi the span of their ids.
 */
static u32 inv_fanout(struct gvm_ivy *ivy, u64 pfn, u64 round, u64 version,
		      const struct gvm_range *r, u32 n, u32 ex1, u32 ex2,
		      u32 *covered, u32 *lo, u32 *hi)
{
	struct gvm_range *out = ivy->scratch + GVM_INV_MAX_RANGES;
	struct inv_cursor c = { .r = r, .n = n };
	u32 total = inv_count(ivy, r, n, ex1, ex2);
	u32 remaining = total, sent = 0, id;
	struct gvm_msg m = {
		.type = GVM_MSG_INV, .pfn = pfn, .txid = round,
		.version = version, .ranges = out,
	};

	*covered = total;
	*lo = GVM_NODE_NONE;
	*hi = 0;
	while (remaining && inv_cur_next(&c, &id)) {
		u32 chunk, taken;

		if (!inv_target(ivy, id, ex1, ex2))
			continue;
		*lo = min(*lo, id);
		*hi = max(*hi, id);
		m.dst = id;
		m.nranges = 0;
		/* @id itself was consumed by the loop condition. */
		taken = 1;
		chunk = total <= ivy->cfg.inv_flat ? 1 :
			max_t(u32, 1, DIV_ROUND_UP(remaining *
						   ivy->cfg.inv_split, 256));
		/*
		 * The child relays to the rest of its chunk: failed nodes stay
		 * inside the ranges (the child skips them too), the excluded
		 * ones split them, and a full payload ends the chunk early.
		 */
		while (taken < chunk && inv_cur_peek(&c, &id)) {
			if (id != ex1 && id != ex2) {
				struct gvm_range *last = out + m.nranges - 1;

				if (m.nranges && last->first + last->count == id) {
					last->count++;
				} else if (m.nranges < GVM_INV_MAX_RANGES) {
					out[m.nranges].first = id;
					out[m.nranges].count = 1;
					m.nranges++;
				} else {
					break;	/* the next chunk starts here */
				}
				if (gvm_ivy_alive(ivy, id)) {
					taken++;
					*hi = max(*hi, id);
				}
			}
			inv_cur_next(&c, &id);
		}
		/* Failed nodes at the end of the chunk need no relay. */
		while (m.nranges) {
			struct gvm_range *last = &out[m.nranges - 1];
			u32 end = last->first + last->count - 1;

			if (gvm_ivy_alive(ivy, end))
				break;
			if (!--last->count)
				m.nranges--;
		}
		ivy_send_msg(ivy, &m);
		remaining -= taken;
		sent++;
	}
	return sent;
}

/* ---- owner ------------------------------------------------------------ */

static void ivy_round_send(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);
	struct gvm_range *in = ivy->scratch;
	struct gvm_cs_iter it = { 0 };
	u32 n = 0, covered, lo, hi;

	while (n < GVM_INV_MAX_RANGES &&
	       gvm_copyset_next_range(&pg->cs, &ivy->cs, &it, &in[n]))
		n++;
	pg->round.id = ivy_new_txid(ivy);
	pg->round.acks = inv_fanout(ivy, pfn, pg->round.id, pg->version, in,
				    n, ivy->cfg.self, pg->round.req, &covered,
				    &lo, &hi);
	if (!pg->round.acks)
		ivy_round_finish(ivy, pfn);
}

static void ivy_relay_clear(struct gvm_ivy_page *pg)
{
	pg->flags &= ~GVM_PGF_RELAY;
	memset(&pg->relay, 0, sizeof(pg->relay));
}

/*
 * A write for @req (maybe ourselves): invalidate, then hand over. @have:
 * @req said it holds our version of the page.
 */
void ivy_round_start(struct gvm_ivy *ivy, u64 pfn, u32 req, u64 txid,
		     bool have)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	/*
	 * A relay left from an abandoned round of an older version (ours is
	 * newer than any live round's): its acks would be stale anyway.
	 */
	ivy_relay_clear(pg);
	pg->flags |= GVM_PGF_ROUND | (have ? GVM_PGF_HAVE : 0);
	pg->round.req = req;
	pg->round.txid = txid;
	if (ivy->stats)
		ivy->stats->rounds++;
	ivy_round_send(ivy, pfn);
}

/*
 * A node failed mid-round: its subtree may never ack. Start over without
 * it; nodes already invalid ack again. Some of the copyset is now stale,
 * so the requester cannot be trusted to hold the data.
 */
void ivy_round_restart(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	pg->flags |= GVM_PGF_INEXACT;
	if (ivy->stats)
		ivy->stats->round_restarts++;
	ivy_round_send(ivy, pfn);
}

static void ivy_round_clear(struct gvm_ivy_page *pg)
{
	pg->flags &= ~(GVM_PGF_ROUND | GVM_PGF_HAVE);
	memset(&pg->relay, 0, sizeof(pg->relay));	/* all of the union */
}

/*
 * The requester failed: keep the page, read-only. Some sharers may already
 * have dropped their copies, and a read that saw this round's INV refuses
 * data of this version: the version moves on so it can be served again.
 */
void ivy_round_abort(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	ivy_round_clear(pg);
	pg->flags |= GVM_PGF_INEXACT;
	pg->version++;
}

void ivy_round_finish(struct gvm_ivy *ivy, u64 pfn)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);
	u32 req = pg->round.req;
	u64 txid = pg->round.txid;
	bool nodata;

	nodata = (pg->flags & GVM_PGF_HAVE) &&
		 !(pg->flags & GVM_PGF_INEXACT) &&
		 gvm_copyset_exact(&pg->cs) &&
		 gvm_copyset_test(&pg->cs, &ivy->cs, req);
	ivy_round_clear(pg);
	pg->flags &= ~GVM_PGF_INEXACT;
	gvm_copyset_clear(&pg->cs, &ivy->cs);

	if (req == ivy->cfg.self) {
		pg->state = GVM_PG_EXCLUSIVE;
		pg->version++;
		pg->hint = req;
		ivy_map(ivy, pfn, true);
		if (pg->want) {
			pg->want = GVM_WANT_NONE;
			pg->txid = 0;
			pg->inv_floor = 0;
			pg->flags &= ~GVM_PGF_RETRY;
			ivy_complete(ivy, pfn, 0);
		}
		ivy_send(ivy, GVM_MSG_CONFIRM, gvm_ivy_home(ivy, pfn), pfn,
			 txid, pg->version, 0, 0, 0);
		return;
	}
	/* The page's contents go out with the GRANT before the copy drops. */
	ivy_send(ivy, GVM_MSG_GRANT, req, pfn, txid, pg->version + 1, 0, 0,
		 nodata ? GVM_F_NODATA : 0);
	pg->hint = req;
	ivy_drop_copy(ivy, pfn);
}

/* ---- sharers and relays ----------------------------------------------- */

/* @failed may sit in our subtree: tell the parent, who tells the owner. */
void ivy_relay_fail(struct gvm_ivy *ivy, u64 pfn, u32 failed)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	if (!(pg->flags & GVM_PGF_RELAY))
		return;
	if (pg->relay.parent != failed &&
	    (failed < pg->relay.lo || failed > pg->relay.hi))
		return;
	if (pg->relay.parent != failed)
		ivy_send(ivy, GVM_MSG_INV_ACK, pg->relay.parent, pfn,
			 pg->relay.id, 0, pg->relay.count, failed,
			 GVM_F_FAILED);
	ivy_relay_clear(pg);
}

/*
 * An INV of an older round than the one we relay: from an earlier owner
 * (lower version), or an abandoned round of the same owner (its rounds
 * are numbered in order; the owner's id is in the top bits).
 */
static bool ivy_inv_older(const struct gvm_ivy_page *pg,
			  const struct gvm_msg *m)
{
	if (!(pg->flags & GVM_PGF_RELAY))
		return false;
	if (m->version != pg->relay.version)
		return m->version < pg->relay.version;
	return (m->txid >> IVY_TXID_SHIFT) == (pg->relay.id >> IVY_TXID_SHIFT) &&
	       m->txid < pg->relay.id;
}

int ivy_recv_inv(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	u32 covered = 1, sub, lo, hi, acks;
	bool stale;

	/* Keep relaying the newer round; the older one is over. */
	if (ivy_inv_older(pg, m)) {
		ivy_send(ivy, GVM_MSG_INV_ACK, m->src, m->pfn, m->txid, 0, 1,
			 0, 0);
		return -ESTALE;
	}

	/* An owner is never a target of a live round: its copy is newer. */
	if (gvm_ivy_is_owner(pg) && pg->version <= m->version)
		return -EPROTO;
	/*
	 * A copy newer than the round means the round is over: every copy it
	 * targeted was invalidated before that newer version could exist.
	 */
	stale = pg->state != GVM_PG_INVALID && pg->version > m->version;
	if (pg->state == GVM_PG_SHARED && !stale) {
		ivy_drop_copy(ivy, m->pfn);
		if (ivy->stats)
			ivy->stats->invalidations++;
	}
	/* A read in flight may bring data this round is destroying. */
	if (pg->want)
		pg->inv_floor = max(pg->inv_floor, m->version + 1);

	if (m->nranges && !stale) {
		acks = inv_fanout(ivy, m->pfn, m->txid, m->version, m->ranges,
				  m->nranges, ivy->cfg.self, GVM_NODE_NONE,
				  &sub, &lo, &hi);
		covered += sub;
		if (acks) {
			/* A newer round replaces an abandoned one. */
			pg->flags |= GVM_PGF_RELAY;
			pg->relay.id = m->txid;
			pg->relay.version = m->version;
			pg->relay.parent = m->src;
			pg->relay.acks = acks;
			pg->relay.count = min(covered, ivy->cfg.id_space);
			pg->relay.lo = lo;
			pg->relay.hi = hi;
			return 0;
		}
	}
	ivy_send(ivy, GVM_MSG_INV_ACK, m->src, m->pfn, m->txid, 0,
		 min(covered, ivy->cfg.id_space), 0, 0);
	return stale ? -ESTALE : 0;
}

int ivy_recv_inv_ack(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	bool relay, round;
	int ret;

	if (m->flags & GVM_F_FAILED && m->aux != GVM_NODE_NONE) {
		if (!ivy_is_member(ivy, m->aux))
			return -EPROTO;
		/* The failure is news to us: handle it first. */
		ret = ivy_learn_down(ivy, m->aux);
		if (ret)
			return ret;
	}
	relay = (pg->flags & GVM_PGF_RELAY) && pg->relay.id == m->txid;
	round = (pg->flags & GVM_PGF_ROUND) && pg->round.id == m->txid;

	if (m->flags & GVM_F_FAILED) {
		if (relay) {
			ivy_send(ivy, GVM_MSG_INV_ACK, pg->relay.parent, m->pfn,
				 pg->relay.id, 0, pg->relay.count, m->aux,
				 GVM_F_FAILED);
			ivy_relay_clear(pg);
		} else if (round) {
			ivy_round_restart(ivy, m->pfn);
		} else {
			return -ESTALE;
		}
		return 0;
	}
	if (relay) {
		if (!--pg->relay.acks) {
			ivy_send(ivy, GVM_MSG_INV_ACK, pg->relay.parent, m->pfn,
				 pg->relay.id, 0, pg->relay.count, 0, 0);
			ivy_relay_clear(pg);
		}
		return 0;
	}
	if (round) {
		if (!--pg->round.acks)
			ivy_round_finish(ivy, m->pfn);
		return 0;
	}
	return -ESTALE;
}
