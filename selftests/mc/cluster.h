/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A whole cluster of real engines in one flat state: per-node engine memory
 * and page contents, one FIFO channel per ordered pair of nodes (TCP-like),
 * armed timers, and each node's sequence of accesses. The model checker
 * copies and hashes these states and tries every enabled transition; the
 * fuzzers pick transitions from their input; unit tests drive it by hand.
 *
 * Page contents are one byte: each write stores a value unique to the write,
 * so a read of anything but the latest value is caught.
 *
 * A state is only ever operated on at one address (the engines hold
 * pointers into it): copy a saved state into the live one before use.
 */
#ifndef _GVM_CLUSTER_H
#define _GVM_CLUSTER_H

#include "../../kernel/ivy/ivy.h"

/* At most 8: the failed nodes are a u8 bitmap. */
#define CL_MAX_NODES	4
#define CL_MAX_PAGES	4
/*
 * TCP has no such bound; a channel that overflows is a failure. Requests
 * sent again (reask) multiply what is on its way: 8 was too few for the
 * fuzzer's four nodes and pages, 16 for two failures, each announced and
 * replayed, on top.
 */
#define CL_CHAN_CAP	32
#define CL_MAX_RANGES	4
/* One per kind and page, as the glue keeps them: read-ahead arms many. */
#define CL_MAX_TIMERS	(GVM_TIMER_REQUEST * CL_MAX_PAGES)
#define CL_ENGINE_MEM	1024
#define CL_POISON	0xee	/* contents of an invalidated local copy */


struct cl_msg {
	u8 type;
	u8 flags;
	u8 nranges;
	u8 value;		/* DATA/GRANT payload */
	u8 has_page;
	u8 pad[3];
	u32 arg, aux;
	u64 txid, pfn, version;
	struct gvm_range ranges[CL_MAX_RANGES];
};

struct cl_chan {
	u32 len;
	u32 pad;
	struct cl_msg q[CL_CHAN_CAP];
};

struct cl_timer {
	u8 kind;		/* enum gvm_timer, 0 = free */
	u8 pfn;
	u8 pad[6];
	u64 txid;
};

enum cl_wait {
	CL_IDLE = 0,
	CL_WAITING,		/* fault sent, waiting for COMPLETE */
	CL_READY,		/* completed: retry the access */
};

struct cl_node {
	struct gvm_ivy ivy;
	u8 mem[CL_ENGINE_MEM];
	u8 value[CL_MAX_PAGES];	/* local page contents */
	u8 ops_done;		/* accesses finished (ok or failed) */
	u8 wait;		/* enum cl_wait */
	u8 op_write, op_pfn;	/* the access in progress */
	u8 writes;		/* writes done: makes values unique */
	u8 failed_ops;
	u8 crashed;
	u8 refaults;		/* accesses that lost their page before use */
	u64 knows_dead;		/* bitmap: failures this node has learned */
	struct cl_timer timers[CL_MAX_TIMERS];
};

struct cl_state {
	struct cl_node node[CL_MAX_NODES];
	struct cl_chan chan[CL_MAX_NODES][CL_MAX_NODES];
	u8 latest[CL_MAX_PAGES];	/* value of the last write, per page */
	u8 dead;			/* bitmap: the nodes that failed */
	u8 ops_total;
	u8 replayed;			/* a CL_T_REPLAY happened */
	u8 reasked;			/* CL_T_ASKs so far */
	u8 aheads;			/* CL_T_AHEADs so far */
	u8 pad[3];
	/* timer firings with nothing in flight since the last access done */
	u8 stuck[CL_MAX_NODES][CL_MAX_PAGES][GVM_TIMER_REQUEST];
};

struct cl_config {
	u32 nodes, pages, ops;
	u32 crash;			/* how many nodes may fail (one stays) */
	u32 inv_flat, inv_split;
	u32 initial_owner;
	u32 nwaiters;
	/*
	 * A completed fault is retried as a separate step (so the page can be
	 * taken away before the access runs) this many times per node; after
	 * that the access runs as soon as its fault completes, as a thread
	 * does in practice. Unbounded, two writers can pass a page back and
	 * forth forever.
	 */
	u32 refaults;
	/*
	 * After the failure, one node may replay it to another once, as to a
	 * member that opened late (gvm_ivy_member_opened()); the other may
	 * know of it already.
	 */
	u32 replay;
	/*
	 * A node may ask again for a page it waits for (gvm_ivy_ask_again(),
	 * as when the page's home opens late) this many times, anywhere: a
	 * request sent again while the first may still be on its way.
	 */
	u32 reask;
	/*
	 * A node may ask for a read copy that no access of its waits for
	 * (gvm_ivy_read_ahead()) this many times, anywhere; an access may
	 * then find it, or wait for it.
	 */
	u32 ahead;
	/*
	 * Nodes 0 .. readers - 1 only read (they are still homes, owners,
	 * sharers, and fail): fewer states where their writes add nothing.
	 */
	u32 readers;
	/*
	 * Rehoming barriers a node keeps open at once (0: the engine's
	 * default): with one, a second failure to inherit waits for the slot.
	 */
	u32 rehome;
};

enum cl_kind {
	CL_T_START = 1,		/* node a starts access: write b>>4, pfn b&15 */
	CL_T_RETRY,		/* node a retries its completed access */
	CL_T_DELIVER,		/* head of channel a -> b */
	CL_T_TIMER,		/* node a fires timer slot b */
	CL_T_CRASH,		/* node a fails */
	CL_T_DOWN,		/* node a learns that b failed */
	CL_T_REPLAY,		/* node a replays the failure to node b */
	CL_T_ASK,		/* node a asks again for page b */
	CL_T_AHEAD,		/* node a reads page b ahead */
};

struct cl_trans {
	u8 kind, a, b;
};

#define CL_MAX_TRANS	160

/*
 * A livelock: with nothing in flight and no progress (an access done, a
 * failure learned, a message other than the requests, forwards, NACKs and
 * bounces retry loops are made of), every enabled timer has fired more
 * than this many times (one not yet given its turn could still help).
 */
#define CL_STUCK_MAX	3

/* Set once by cl_setup(); the cluster's fixed configuration. */
extern struct cl_config cl_cfg;
extern char cl_error[256];

void cl_setup(const struct cl_config *cfg);
void cl_init(struct cl_state *s);
int cl_enabled(const struct cl_state *s, struct cl_trans *t);
int cl_apply(struct cl_state *s, const struct cl_trans *t);
int cl_check(const struct cl_state *s);
int cl_check_final(const struct cl_state *s);
bool cl_quiescent(const struct cl_state *s);
void cl_describe(const struct cl_state *s, const struct cl_trans *t,
		 char *buf, size_t len);
void cl_dump(const struct cl_state *s, FILE *f);
u64 cl_hash(const u8 *buf, size_t len);
size_t cl_pack(const struct cl_state *s, u8 *buf);
void cl_unpack(struct cl_state *s, const u8 *buf);

/* Upper bound of cl_pack()'s output. */
#define CL_PACK_MAX	sizeof(struct cl_state)
struct gvm_ivy_stats *cl_stats(void);

#endif /* _GVM_CLUSTER_H */
