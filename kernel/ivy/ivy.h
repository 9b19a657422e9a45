/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Ivy coherence engine of one node for one region, written sans-IO:
 * every entry point takes an event (a local fault, a received message, a
 * timer, a node failure) and reports what to do through ops->emit() as a
 * sequence of actions (send a message, install a page, map, unmap, complete
 * a fault, arm a timer). It never sleeps, locks, or touches a socket; the
 * caller serialises calls on one engine and performs the actions in order.
 *
 * Protocol (DESIGN.md §2): single writer / many readers, write-invalidate.
 * Each page has a fixed home, home(pfn) = first live member at or after slot
 * pfn % nmembers, which keeps the owner pointer and serialises ownership
 * changes: a write request locks the page at its home until the new owner
 * confirms. Reads are forwarded without locking. The owner keeps the
 * copyset; on a write it invalidates the sharers in parallel, through a tree
 * of relays when there are many, collects one aggregated ack per child, and
 * hands page and ownership to the writer with the version bumped; without
 * the page when the writer said it holds the owner's version of it and the
 * copyset, exact, agrees.
 *
 * Failures: a node that fails takes the pages it owned with it. Faults on
 * them fail with -EHOSTDOWN; no page is ever replaced by zeros. Pages whose
 * home failed move to the next live member, which rebuilds its directory
 * from the owners' announcements.
 */
#ifndef _GVM_IVY_H
#define _GVM_IVY_H

#include "../gvm_compat.h"
#include "../copyset/copyset.h"
#include "wire.h"

enum gvm_page_state {
	GVM_PG_INVALID = 0,
	GVM_PG_SHARED,		/* read-only copy */
	GVM_PG_OWNED,		/* owner, read-only, copies may exist */
	GVM_PG_EXCLUSIVE,	/* owner, writable, no copies */
};

enum gvm_want {
	GVM_WANT_NONE = 0,
	GVM_WANT_READ,
	GVM_WANT_WRITE,
};

/* Home directory flags (struct gvm_ivy_page.dir). */
#define GVM_DIR_LOCKED		0x01	/* a write transaction holds the page */
#define GVM_DIR_QUERY		0x02	/* asked a node how a transaction ended */
/* Inherited after a failure, owner not known yet; dir_owner = failed home. */
#define GVM_DIR_UNKNOWN		0x04
#define GVM_DIR_LOST		0x08	/* the owner failed: faults fail */
#define GVM_DIR_RETRY		0x10	/* retry timer armed */
#define GVM_DIR_BUSY (GVM_DIR_LOCKED | GVM_DIR_QUERY | GVM_DIR_UNKNOWN | \
		      GVM_DIR_RETRY)

/* Page flags (struct gvm_ivy_page.flags). */
#define GVM_PGF_ROUND		0x01	/* owner: invalidation round running */
#define GVM_PGF_RELAY		0x02	/* relaying someone's invalidation */
/* Owner: some sharers may already be invalid, so grants must carry data. */
#define GVM_PGF_INEXACT		0x04
#define GVM_PGF_RETRY		0x08	/* requester: retry timer armed */
/* Owner, in a round: the requester holds the copy of this version. */
#define GVM_PGF_HAVE		0x10

/*
 * Per-page state at one node. Fields are grouped by the role the node plays
 * for the page; a node may play several at once (requester and home, say).
 */
struct gvm_ivy_page {
	u8 state;		/* enum gvm_page_state */
	u8 want;		/* enum gvm_want: local request in flight */
	u8 dir;			/* GVM_DIR_* (home) */
	u8 flags;		/* GVM_PGF_* */
	u32 hint;		/* probable owner, or GVM_NODE_NONE */
	u64 version;		/* version of the local copy */
	u64 txid;		/* requester: request in flight */
	/* requester: data below this version was invalidated in flight */
	u64 inv_floor;
	struct gvm_copyset cs;	/* owner: who holds copies */

	/* home: the directory entry */
	u32 dir_owner;		/* owner, GVM_NODE_NONE when not known */
	u32 dir_req;		/* locked: the requester */
	u64 dir_txid;		/* locked: its transaction */
	u64 dir_version;	/* version the owner last reported */
	/*
	 * locked: whom the request went to, the owner then; a claim may
	 * move dir_owner on before it is answered.
	 */
	u32 dir_fwd;
	u16 q_head, q_tail;	/* waiting requests (waiter index + 1) */

	/*
	 * owner: the invalidation round for a write (GVM_PGF_ROUND), or relay:
	 * someone's round passing through us (GVM_PGF_RELAY). Never both: only
	 * a round older than our copy can be relayed once we own the page, so
	 * a round starting drops such a relay.
	 */
	union {
		struct gvm_ivy_round {
			u64 id;
			u64 txid;	/* the requester's transaction */
			u32 req;	/* the requester */
			u32 acks;	/* acks outstanding */
		} round;
		struct gvm_ivy_relay {
			u64 id;
			u64 version;	/* version the round invalidates */
			u32 parent;
			u16 acks;	/* acks outstanding, <= GVM_MAX_NODES */
			u16 count;	/* nodes its INV covered */
			u32 lo, hi;	/* span of its subtree's ids */
		} relay;
	};
};

/* A request waiting at a home for the page to become free. */
struct gvm_ivy_waiter {
	u32 next;		/* waiter index + 1, 0 ends the queue */
	u32 requester;
	u64 txid;
	u64 version;		/* have: the version of the requester's copy */
	u8 write;
	u8 have;		/* a write whose requester holds a copy */
	u16 reserved;
	u32 reserved2;
};

/*
 * A new home waits for every survivor to report it has announced the pages
 * of a failed home it owns. A failure beyond the slots waits in a bitmap
 * (struct gvm_ivy.rehome_pending) for one to free, then asks again.
 */
struct gvm_ivy_rehome {
	u32 failed;		/* the failed home, GVM_NODE_NONE = free slot */
	u32 missing;		/* survivors not yet reported */
	u64 *reported;		/* bitmap by member index */
};

#define GVM_IVY_MAX_REHOME	4

/*
 * Timers the engine asks for; one per (kind, page) is enough, an older
 * txid is simply ignored when it fires.
 */
enum gvm_timer {
	GVM_TIMER_RETRY = 1,	/* requester: home said EAGAIN, ask again soon */
	GVM_TIMER_HOME,		/* home: dispatch waiting requests again */
	/*
	 * requester: no answer for long (the domain's request timeout); the
	 * request or its forward may have died with a node: ask again.
	 */
	GVM_TIMER_REQUEST,
};

enum gvm_act {
	/* send msg; DATA and GRANT without NODATA carry the local page */
	GVM_ACT_SEND = 1,
	GVM_ACT_INSTALL,	/* copy data into the local page */
	GVM_ACT_MAP,		/* the local copy is valid (write: writable) */
	GVM_ACT_PROTECT,	/* revoke write access, keep read */
	GVM_ACT_UNMAP,		/* revoke all access: the copy is invalid */
	GVM_ACT_COMPLETE,	/* wake faults waiting on pfn with err */
	GVM_ACT_TIMER,		/* call gvm_ivy_timer(timer, pfn, txid) later */
	GVM_ACT_NODE_DEAD,	/* node has failed: drop its frames */
	GVM_ACT_PAGE_LOST,	/* pfn's owner failed (home's view) */
};

struct gvm_ivy_action {
	u8 type;		/* enum gvm_act */
	u8 write;		/* MAP */
	u8 timer;		/* TIMER: enum gvm_timer */
	s32 err;		/* COMPLETE: 0 or -errno */
	u32 node;		/* NODE_DEAD */
	u64 pfn;
	u64 txid;		/* TIMER */
	const struct gvm_msg *msg;	/* SEND */
	const void *data;		/* INSTALL: GVM_PAGE_SIZE bytes */
};

struct gvm_ivy_ops {
	void (*emit)(void *priv, const struct gvm_ivy_action *a);
	/* Copysets' and, without chunk_alloc, chunks' memory; may fail. */
	void *(*alloc)(size_t bytes);
	void (*free)(void *p, size_t bytes);
	/* Optional: pages' state (chunks), zeroed or not; may fail. */
	void *(*chunk_alloc)(void *priv, size_t bytes);
	void (*chunk_free)(void *priv, void *p, size_t bytes);
};

struct gvm_ivy_stats {
	u64 read_faults, write_faults;	/* faults that sent a request */
	u64 read_ahead;			/* read copies asked for ahead */
	u64 sent[__GVM_MSG_MAX];	/* messages to other nodes, by type */
	u64 received[__GVM_MSG_MAX];
	u64 invalidations;		/* local copies dropped by INV */
	u64 rounds, round_restarts;
	u64 retries;			/* requests sent again */
	u64 timeouts;			/* requests that timed out */
	u64 stale;			/* messages ignored as stale */
	u64 protocol_errors;		/* messages that broke the protocol */
	u64 fault_failures;		/* faults completed with an error */
	u64 pages_lost;
};

struct gvm_ivy_cfg {
	u32 domain;
	u32 region;
	u32 self;
	u32 nmembers;
	const u32 *members;	/* ascending node ids; must outlive engine */
	u32 id_space;		/* node ids are below it, <= GVM_MAX_NODES */
	u64 npages;
	u32 initial_owner;	/* owns every page at start */
	u32 inv_flat;		/* up to this many targets: direct INVs */
	u32 inv_split;		/* tree: first child's share, 1/256ths */
	u32 nwaiters;		/* home request queue capacity, <= U16_MAX */
	/* Rehoming barriers open at once, <= GVM_IVY_MAX_REHOME; 0: all. */
	u32 rehome_slots;
	/*
	 * 1: the chunks' memory is part of the engine's block (the model
	 * checker copies whole states); they are still used only once
	 * needed, as with memory from ops.
	 */
	u32 chunks_inline;
};

#define GVM_IVY_INV_FLAT	8
#define GVM_IVY_INV_SPLIT	72

/*
 * A page's state lives in a chunk: up to GVM_IVY_CHUNK pages of one home
 * slot (pfn % nmembers), a power of two (no division to find a page) that
 * fits in 4 KiB. A chunk is allocated when one of its pages first leaves
 * the state every page starts in, so a member keeps state for the pages
 * it uses, serves as home, or inherited after a failure, not for the
 * whole region. The pages of a chunk that is not there are all as they
 * started: gvm_ivy_peek() shows them.
 */
#define GVM_IVY_CHUNK_SHIFT	5
#define GVM_IVY_CHUNK		(1U << GVM_IVY_CHUNK_SHIFT)

/*
 * The engine: everything it owns lives in one block of gvm_ivy_mem_size()
 * bytes, and its chunks, so the model checker can copy and hash whole
 * states (with cfg.chunks_inline). Scratch space and statistics live
 * outside it.
 */
struct gvm_ivy {
	struct gvm_ivy_cfg cfg;
	const struct gvm_ivy_ops *ops;
	void *priv;
	struct gvm_ivy_stats *stats;
	struct gvm_range *scratch;	/* GVM_IVY_SCRATCH_RANGES, caller's */
	struct gvm_cs_ctx cs;
	struct gvm_ivy_page **chunks;	/* by slot, then pfn / nmembers */
	u8 *chunk_mem;			/* cfg.chunks_inline: their places */
	u32 chunk_shift;		/* a chunk holds 1 << chunk_shift pages */
	u32 slot_chunks;		/* chunks a slot's pages need */
	u64 nchunks;			/* chunks allocated */
	u64 *alive;			/* bitmap by node id */
	struct gvm_ivy_waiter *waiters;
	u32 free_waiter;		/* index + 1 */
	u32 nalive;
	u64 next_txid;
	struct gvm_ivy_rehome rehome[GVM_IVY_MAX_REHOME];
	u64 *rehome_pending;		/* bitmap by member index */
};

#define GVM_IVY_WAIT	1	/* gvm_ivy_fault(): wait for COMPLETE */
#define GVM_IVY_ASKED	2	/* gvm_ivy_read_ahead(): asked just now */

int gvm_ivy_cfg_check(const struct gvm_ivy_cfg *cfg);
size_t gvm_ivy_mem_size(const struct gvm_ivy_cfg *cfg);
int gvm_ivy_init(struct gvm_ivy *ivy, const struct gvm_ivy_cfg *cfg,
		 void *mem, const struct gvm_ivy_ops *ops, void *priv,
		 struct gvm_ivy_stats *stats, struct gvm_range *scratch);
void gvm_ivy_destroy(struct gvm_ivy *ivy);

int gvm_ivy_fault(struct gvm_ivy *ivy, u64 pfn, bool write);
int gvm_ivy_read_ahead(struct gvm_ivy *ivy, u64 pfn);
int gvm_ivy_ask_again(struct gvm_ivy *ivy, u64 pfn, u32 home);
int gvm_ivy_recv(struct gvm_ivy *ivy, const struct gvm_msg *m);
int gvm_ivy_timer(struct gvm_ivy *ivy, enum gvm_timer timer, u64 pfn,
		  u64 txid);
int gvm_ivy_node_down(struct gvm_ivy *ivy, u32 node);
int gvm_ivy_member_opened(struct gvm_ivy *ivy, u32 node);

u32 gvm_ivy_home(const struct gvm_ivy *ivy, u64 pfn);
const struct gvm_ivy_page *gvm_ivy_peek(const struct gvm_ivy *ivy, u64 pfn,
				       struct gvm_ivy_page *tmp);
size_t gvm_ivy_chunk_bytes(const struct gvm_ivy *ivy);
bool gvm_ivy_alive(const struct gvm_ivy *ivy, u32 node);

static inline bool gvm_ivy_is_owner(const struct gvm_ivy_page *pg)
{
	return pg->state >= GVM_PG_OWNED;
}

const char *gvm_page_state_name(unsigned int state);
int gvm_ivy_selftest(const struct gvm_ivy_ops *mem);

/* Scratch the caller lends the engine: two INV payloads' worth of ranges. */
#define GVM_IVY_SCRATCH_RANGES	(2 * GVM_INV_MAX_RANGES)

#endif /* _GVM_IVY_H */
