// SPDX-License-Identifier: GPL-2.0
/*
 * Node failure. Membership tells the engine a node failed (or a message
 * naming the failure arrives first); every role the node played is then
 * settled page by page:
 *
 *  - home: a write the failed node was part of (as requester, or as the
 *    owner it went to) is resolved by asking the other party (QUERY), or
 *    put back in the queue when a claim has put the page at a live node
 *    since; a page whose owner failed is LOST, and faults on it fail with
 *    -EHOSTDOWN instead of returning zeros;
 *  - new home: pages whose home failed move to the next live member, which
 *    learns their owners from ANNOUNCEs and waits until every survivor has
 *    sent REHOME_DONE before calling an unclaimed page lost (a failure
 *    beyond its barrier slots waits for one, then asks every survivor
 *    again: the answers it dropped meanwhile);
 *  - owner: a round for the failed requester is abandoned (and the
 *    version it moved announced to the home), a round that may include the
 *    failed node is restarted;
 *  - relay: a subtree that may include the failed node reports it up;
 *  - requester: requests in flight are sent again to the (new) home.
 *
 * A claim that arrives after a page was declared lost (a GRANT that was in
 * flight between survivors) brings it back: see ivy_dir_claim().
 */
#include "internal.h"

/* ---- rehoming barriers ------------------------------------------------ */

static struct gvm_ivy_rehome *ivy_rehome_find(struct gvm_ivy *ivy, u32 failed)
{
	u32 i;

	for (i = 0; i < ivy->cfg.rehome_slots; i++)
		if (ivy->rehome[i].failed == failed)
			return &ivy->rehome[i];
	return NULL;
}

static struct gvm_ivy_rehome *ivy_rehome_new(struct gvm_ivy *ivy, u32 failed)
{
	struct gvm_ivy_rehome *rh = ivy_rehome_find(ivy, GVM_NODE_NONE);
	u32 i;

	if (!rh)
		return NULL;
	rh->failed = failed;
	rh->missing = 0;
	for (i = 0; i < ivy->cfg.nmembers; i++) {
		u32 id = ivy->cfg.members[i];

		if (id != ivy->cfg.self && gvm_ivy_alive(ivy, id))
			rh->missing++;
		else
			ivy_bit_set(rh->reported, i);
	}
	return rh;
}

/* Every survivor has announced: what nobody claimed is lost. */
static void ivy_rehome_complete(struct gvm_ivy *ivy, struct gvm_ivy_rehome *rh)
{
	u64 c, total = (u64)ivy->cfg.nmembers * ivy->slot_chunks, pfn;
	u32 off;

	/* Inherited pages were made present (a chunk not there is not). */
	for (c = 0; c < total; c++) {
		ivy_for_each_chunk_page(ivy, c, off, pfn) {
			struct gvm_ivy_page *pg = &ivy->chunks[c][off];

			if ((pg->dir & GVM_DIR_UNKNOWN) &&
			    pg->dir_owner == rh->failed)
				ivy_dir_lost(ivy, pfn);
		}
	}
	memset(rh->reported, 0,
	       DIV_ROUND_UP(ivy->cfg.nmembers, 64) * sizeof(u64));
	rh->failed = GVM_NODE_NONE;
	rh->missing = 0;
}

/*
 * Open the barriers that waited for a slot. The reports sent meanwhile
 * were dropped: ask every survivor for its report again (it answers after
 * the announcements it sent before, on the same stream).
 */
static void ivy_rehome_start_pending(struct gvm_ivy *ivy)
{
	u32 n = ivy->cfg.nmembers, i, j;

	for (i = 0; i < n; i++) {
		u32 failed = ivy->cfg.members[i];
		struct gvm_ivy_rehome *rh;

		if (!ivy_bit_test(ivy->rehome_pending, i))
			continue;
		rh = ivy_rehome_new(ivy, failed);
		if (!rh)
			return;
		ivy_bit_clear(ivy->rehome_pending, i);
		if (!rh->missing) {
			ivy_rehome_complete(ivy, rh);
			continue;
		}
		for (j = 0; j < n; j++) {
			u32 id = ivy->cfg.members[j];

			if (id != ivy->cfg.self && gvm_ivy_alive(ivy, id))
				ivy_send(ivy, GVM_MSG_REHOME_DONE, id, 0, 0, 0,
					 failed, 0, GVM_F_REPLY);
		}
	}
}

static void ivy_rehome_mark(struct gvm_ivy *ivy, struct gvm_ivy_rehome *rh,
			    u32 node)
{
	u32 i = ivy_member_index(ivy, node);

	if (i == GVM_NODE_NONE || ivy_bit_test(rh->reported, i))
		return;
	ivy_bit_set(rh->reported, i);
	if (!--rh->missing) {
		ivy_rehome_complete(ivy, rh);
		ivy_rehome_start_pending(ivy);
	}
}

/* ---- per page --------------------------------------------------------- */

/* We are and stay the home of @pfn; @failed took part in it. */
static void ivy_home_node_down(struct gvm_ivy *ivy, u64 pfn, u32 failed)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);
	u32 ask;

	ivy_dir_forget(ivy, pfn, failed);
	if (!(pg->dir & (GVM_DIR_LOCKED | GVM_DIR_QUERY))) {
		if (pg->dir_owner == failed &&
		    !(pg->dir & (GVM_DIR_LOST | GVM_DIR_UNKNOWN)))
			ivy_dir_lost(ivy, pfn);
		return;
	}
	/* A write in progress: between its requester and whom it went to. */
	if (failed != pg->dir_req && failed != pg->dir_fwd)
		return;
	if (pg->dir_owner != pg->dir_fwd &&
	    gvm_ivy_alive(ivy, pg->dir_owner)) {
		/*
		 * A claim (after an earlier home failed) put the page at a
		 * live node since: the transaction is moot, as if bounced.
		 */
		ivy_dir_requeue(ivy, pfn);
		ivy_dir_drain(ivy, pfn);
		return;
	}
	/* The party we asked failed too, or both were the one that did. */
	if ((pg->dir & GVM_DIR_QUERY) || pg->dir_req == pg->dir_fwd) {
		ivy_dir_lost(ivy, pfn);
		return;
	}
	if (pg->dir_req == failed)
		ask = pg->dir_fwd;	/* did it hand the page over? */
	else
		ask = pg->dir_req;	/* did the page reach it? */
	pg->dir |= GVM_DIR_QUERY;
	ivy_send(ivy, GVM_MSG_QUERY, ask, pfn, pg->dir_txid, 0, failed, 0, 0);
}

/* @failed was the home of @pfn; we are the next one. */
static void ivy_home_inherit(struct gvm_ivy *ivy, u64 pfn, u32 failed)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	pg->dir = 0;
	ivy_dir_txn_clear(pg);
	if (gvm_ivy_is_owner(pg)) {
		pg->dir_owner = ivy->cfg.self;
		pg->dir_version = pg->version;
	} else if (pg->dir_owner != GVM_NODE_NONE) {
		/* A claim reached us before the failure did. */
		if (!gvm_ivy_alive(ivy, pg->dir_owner))
			ivy_dir_lost(ivy, pfn);
	} else {
		pg->dir = GVM_DIR_UNKNOWN;
		pg->dir_owner = failed;
	}
}

/* @pfn's home was @old_home with @failed alive, is @new_home now. */
static void ivy_page_node_down(struct gvm_ivy *ivy, u64 pfn, u32 failed,
			       u32 old_home, u32 new_home)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, pfn);

	/*
	 * Owner first: an abandoned round moves the version the home records.
	 * A home that failed hears nothing of it, and one that inherited the
	 * page since knows only the version announced to it then: the new
	 * version goes to the home as it goes to a new home (to our own
	 * directory at once, when that is us).
	 */
	if (gvm_ivy_is_owner(pg)) {
		bool moved = false;

		if (pg->flags & GVM_PGF_ROUND) {
			if (pg->round.req == failed) {
				ivy_round_abort(ivy, pfn);
				moved = true;
			} else if (gvm_copyset_test(&pg->cs, &ivy->cs, failed)) {
				ivy_round_restart(ivy, pfn);
			}
		}
		if ((old_home == failed || moved) && new_home != ivy->cfg.self)
			ivy_send(ivy, GVM_MSG_ANNOUNCE, new_home, pfn, 0,
				 pg->version, 0, GVM_NODE_NONE, 0);
		else if (moved)
			ivy_dir_claim(ivy, pfn, ivy->cfg.self, pg->version,
				      false);
	}
	if (old_home == ivy->cfg.self)
		ivy_home_node_down(ivy, pfn, failed);
	else if (old_home == failed && new_home == ivy->cfg.self)
		ivy_home_inherit(ivy, pfn, failed);
	ivy_relay_fail(ivy, pfn, failed);
	if (pg->want) {
		/* Whoever was to answer may be gone: ask again. */
		if (ivy->stats)
			ivy->stats->retries++;
		ivy_request(ivy, pfn);
	}
}

/*
 * Before @failed goes, with it still alive: make present the chunks whose
 * pages its failure changes here, as they are now. Those of the slots it
 * is home of when we inherit them, or own their untouched pages (to
 * announce them), and ours when it is the initial owner (the untouched
 * pages were its).
 */
static int ivy_down_materialize(struct gvm_ivy *ivy, u32 failed)
{
	u32 n = ivy->cfg.nmembers, self = ivy->cfg.self, slot;
	u32 next = ivy_succ_with(ivy, (ivy_member_index(ivy, failed) + 1) % n,
				 GVM_NODE_NONE);
	bool owner_failed = failed == ivy->cfg.initial_owner;
	bool takes = next == self || self == ivy->cfg.initial_owner;
	struct ivy_home_walk w = { .also_alive = GVM_NODE_NONE };
	u64 pfn;
	int ret;

	for (slot = 0; slot < n && slot < ivy->cfg.npages; slot++) {
		u32 home = ivy_walk_home(ivy, &w, slot);

		if (!(home == failed && takes) &&
		    !(owner_failed && home == self))
			continue;
		for (pfn = slot; pfn < ivy->cfg.npages;
		     pfn += (u64)ivy_chunk_pages(ivy) * n) {
			ret = ivy_materialize(ivy, pfn);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Every page whose state is here, slot by slot, with its homes. */
static void ivy_pages_node_down(struct gvm_ivy *ivy, u32 failed)
{
	struct ivy_home_walk old = { .also_alive = failed };
	struct ivy_home_walk now = { .also_alive = GVM_NODE_NONE };
	u32 n = ivy->cfg.nmembers, slot, off;
	u64 c, pfn;

	for (slot = 0; slot < n; slot++) {
		u32 old_home = ivy_walk_home(ivy, &old, slot);
		u32 new_home = ivy_walk_home(ivy, &now, slot);

		for (c = (u64)slot * ivy->slot_chunks;
		     c < (u64)(slot + 1) * ivy->slot_chunks; c++)
			ivy_for_each_chunk_page(ivy, c, off, pfn)
				ivy_page_node_down(ivy, pfn, failed, old_home,
						   new_home);
	}
}

int ivy_learn_down(struct gvm_ivy *ivy, u32 failed)
{
	struct gvm_ivy_action a = { .type = GVM_ACT_NODE_DEAD, .node = failed };
	struct ivy_home_walk old = { .also_alive = failed };
	struct ivy_home_walk now = { .also_alive = GVM_NODE_NONE };
	u32 fi = ivy_member_index(ivy, failed), i;
	int ret;

	if (failed == ivy->cfg.self || fi == GVM_NODE_NONE ||
	    !gvm_ivy_alive(ivy, failed))
		return 0;
	/* Without memory, nothing changed: the failure can be told again. */
	ret = ivy_down_materialize(ivy, failed);
	if (ret)
		return ret;
	ivy_bit_clear(ivy->alive, failed);
	ivy->nalive--;
	ivy_emit(ivy, &a);

	/* The failed home's pages all move to the next live member. */
	if (ivy_succ_with(ivy, fi, GVM_NODE_NONE) == ivy->cfg.self &&
	    !ivy_rehome_new(ivy, failed))
		ivy_bit_set(ivy->rehome_pending, fi);
	ivy_pages_node_down(ivy, failed);

	/*
	 * Tell the new home we have announced everything it inherits: the
	 * failed node's pages, and those it had inherited from earlier
	 * failures.
	 */
	for (i = 0; i < ivy->cfg.nmembers; i++) {
		u32 id = ivy->cfg.members[i], succ;

		if (gvm_ivy_alive(ivy, id) ||
		    ivy_walk_home(ivy, &old, i) != failed)
			continue;
		succ = ivy_walk_home(ivy, &now, i);
		if (succ != ivy->cfg.self)
			ivy_send(ivy, GVM_MSG_REHOME_DONE, succ, 0, 0, 0, id,
				 0, 0);
	}

	/* The failed node will not report to barriers still open. */
	for (i = 0; i < ivy->cfg.rehome_slots; i++) {
		struct gvm_ivy_rehome *open = &ivy->rehome[i];

		if (open->failed == GVM_NODE_NONE)
			continue;
		if (!open->missing)
			ivy_rehome_complete(ivy, open);
		else
			ivy_rehome_mark(ivy, open, failed);
	}
	ivy_rehome_start_pending(ivy);
	return 0;
}

int gvm_ivy_node_down(struct gvm_ivy *ivy, u32 node)
{
	if (node == ivy->cfg.self || !ivy_is_member(ivy, node))
		return -EINVAL;
	return ivy_learn_down(ivy, node);
}

/*
 * @node opened the region only now: the failures it was not there to hear
 * of are replayed to it as the others heard them. First our claims on the
 * pages whose directory it inherited, then a REHOME_DONE per failed
 * member, which also tells it of the failure (a claim may come first:
 * ivy_home_inherit() keeps it).
 */
int gvm_ivy_member_opened(struct gvm_ivy *ivy, u32 node)
{
	struct ivy_home_walk w = { .also_alive = GVM_NODE_NONE };
	u32 n = ivy->cfg.nmembers, i;
	u64 pfn;

	if (node == ivy->cfg.self || !ivy_is_member(ivy, node) ||
	    !gvm_ivy_alive(ivy, node))
		return -EINVAL;
	if (ivy->nalive == n)
		return 0;
	for (i = 0; i < n && i < ivy->cfg.npages; i++) {
		/* The slots it was not the first home of, it inherited. */
		if (ivy->cfg.members[i] == node ||
		    ivy_walk_home(ivy, &w, i) != node)
			continue;
		for (pfn = i; pfn < ivy->cfg.npages; pfn += n) {
			struct gvm_ivy_page tmp;
			const struct gvm_ivy_page *pg;

			pg = gvm_ivy_peek(ivy, pfn, &tmp);
			if (gvm_ivy_is_owner(pg))
				ivy_send(ivy, GVM_MSG_ANNOUNCE, node, pfn, 0,
					 pg->version, 0, GVM_NODE_NONE, 0);
		}
	}
	for (i = 0; i < n; i++)
		if (ivy->cfg.members[i] != ivy->cfg.self &&
		    !gvm_ivy_alive(ivy, ivy->cfg.members[i]))
			ivy_send(ivy, GVM_MSG_REHOME_DONE, node, 0, 0, 0,
				 ivy->cfg.members[i], 0, 0);
	return 0;
}

/* ---- messages --------------------------------------------------------- */

/* The home asks how a transaction with a failed party ended. */
int ivy_recv_query(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	int ret;

	if (!ivy_is_member(ivy, m->arg))
		return -EPROTO;
	if (m->arg == ivy->cfg.self)
		return -ESTALE;
	ret = ivy_learn_down(ivy, m->arg);
	if (ret)
		return ret;
	if (gvm_ivy_is_owner(pg))
		ivy_send(ivy, GVM_MSG_ANNOUNCE, m->src, m->pfn, m->txid,
			 pg->version, 0, GVM_NODE_NONE, 0);
	else
		ivy_send(ivy, GVM_MSG_ANNOUNCE, m->src, m->pfn, m->txid, 0, 0,
			 pg->hint, GVM_F_DISOWN);
	return 0;
}

int ivy_recv_announce(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_page *pg = ivy_page(ivy, m->pfn);
	bool ends = (pg->dir & GVM_DIR_QUERY) && m->txid &&
		    pg->dir_txid == m->txid;

	if (!(m->flags & GVM_F_DISOWN)) {
		ivy_dir_claim(ivy, m->pfn, m->src, m->version, ends);
		return 0;
	}
	if (!ends)
		return -ESTALE;
	/*
	 * The survivor of the transaction does not have the page: it was
	 * with the failed party, or on its way to it. Its hint is no better
	 * than a guess, so the page is lost (a late claim revives it).
	 */
	ivy_dir_lost(ivy, m->pfn);
	return 0;
}

int ivy_recv_rehome_done(struct gvm_ivy *ivy, const struct gvm_msg *m)
{
	struct gvm_ivy_rehome *rh;
	int ret;

	if (!ivy_is_member(ivy, m->arg) || m->arg == ivy->cfg.self)
		return -EPROTO;
	ret = ivy_learn_down(ivy, m->arg);
	if (ret)
		return ret;
	if (m->flags & GVM_F_REPLY) {
		/*
		 * The failed node's next home opened its barrier late. Answer
		 * if it is the next home we announced to; if a node between
		 * is alive to us, we report when we learn it failed.
		 */
		if (ivy_succ_with(ivy, ivy_member_index(ivy, m->arg),
				  GVM_NODE_NONE) == m->src)
			ivy_send(ivy, GVM_MSG_REHOME_DONE, m->src, 0, 0, 0,
				 m->arg, 0, 0);
		return 0;
	}
	rh = ivy_rehome_find(ivy, m->arg);
	if (!rh)
		return -ESTALE;
	ivy_rehome_mark(ivy, rh, m->src);
	return 0;
}
