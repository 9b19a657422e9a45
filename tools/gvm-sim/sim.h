/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gvm-sim: a discrete-event simulator running the real Ivy engine
 * (kernel/ivy) on every node of clusters up to 10,240 nodes.
 *
 * Latency model, per message: the sender's CPU spends send_us, the frame
 * leaves when the sender's link is free and takes bytes / bandwidth to
 * serialise, arrives latency_us later, and waits for the receiver's CPU,
 * which spends recv_us on it. CPUs and links are per node and serialise
 * their work, so a node sending to many peers, or receiving many acks, pays
 * for each. Messages a node sends itself cost nothing.
 */
#ifndef _GVM_SIM_H
#define _GVM_SIM_H

#include "../../kernel/ivy/ivy.h"

struct sim_preset {
	const char *name;
	double latency_us;	/* one-way, wire and stack */
	double gbit;		/* link bandwidth, Gbit/s */
	double send_us;		/* CPU per message sent */
	double recv_us;		/* CPU per message received */
};

/* One simulated cluster. */
struct sim {
	u32 nodes;
	u64 npages;
	const struct sim_preset *preset;
	u32 inv_flat, inv_split;

	struct gvm_ivy *ivy;		/* per node */
	void **mem;			/* per node, engine memory */
	u32 *members;
	struct gvm_range *scratch;
	struct gvm_ivy_stats stats;
	double *cpu_free;		/* per node: CPU busy until (us) */
	double *link_free;		/* per node: link busy until (us) */
	bool *down;			/* per node: failed, hears nothing */

	/* event queue: a binary heap ordered by (time, seq) */
	struct sim_event *heap;
	size_t nheap, capheap;
	u64 seq;

	/* the event being handled, for the emit callback */
	u32 cur_node;
	double cur_time;		/* the node's CPU cursor */
	u32 cur_hops;

	/* the fault being measured */
	bool fault_open;
	u32 fault_node;
	u64 fault_pfn;
	double fault_start;
	double fault_done;
	u32 fault_hops;
	int fault_err;

	u64 events;
};

struct sim_event {
	double time;
	u64 seq;
	u32 node;		/* destination */
	u32 hops;		/* one-way messages on the causal chain */
	u8 kind;		/* SIM_EV_* */
	u8 timer;
	u64 pfn, txid;
	struct gvm_msg msg;	/* ranges point into a heap copy */
};

enum { SIM_EV_MSG = 1, SIM_EV_TIMER };

/* Cost of one access, as measured by sim_access(). */
struct sim_fault {
	bool faulted;		/* false: the access hit a valid mapping */
	bool write;
	double latency_us;
	u32 hops;
	u64 msgs;		/* messages between nodes until quiet */
};

int sim_init(struct sim *s, u32 nodes, u64 npages,
	     const struct sim_preset *preset, u32 inv_flat, u32 inv_split);
void sim_destroy(struct sim *s);
int sim_access(struct sim *s, u32 node, u64 pfn, bool write,
	       struct sim_fault *f);

/* What a node's failure cost, as measured by sim_fail(). */
struct sim_failure {
	double settle_us;	/* until the last survivor's work is done */
	u64 msgs;		/* messages between survivors until quiet */
	u64 announces, rehome_done;
};

int sim_fail(struct sim *s, u32 node, struct sim_failure *f);
u64 sim_msgs_sent(const struct sim *s);
u64 sim_copyset_ext_bytes(const struct sim *s);

#endif /* _GVM_SIM_H */
