// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the protocol engine: a whole cluster of real engines
 * (selftests/mc/cluster.c) with the model checker's invariants checked after
 * every step. Where the model checker explores every interleaving of a few
 * small configurations, this explores long random interleavings of all of
 * them, guided by coverage.
 *
 * Input: CFG_BYTES bytes choose the configuration, then each byte picks one
 * of the enabled transitions. When the input ends, the cluster runs to the
 * end (see finish_pick()), which must come within FINISH_STEPS and leave a
 * settled state. Any violation is reported with the whole trace and aborts.
 */
#include "../mc/cluster.h"

#define CFG_BYTES	8
#define FINISH_STEPS	10000
/* Input bytes used at most; the rest of a longer input is ignored. */
#define INPUT_STEPS	8192
#define LOG_STEPS	(INPUT_STEPS + FINISH_STEPS)
/* A trace shows its first and last steps: how it began, how it ended. */
#define TRACE_HEAD	300
#define TRACE_TAIL	60

/* The engines keep pointers into the state: it lives here and only here. */
static struct cl_state live;
static struct cl_config cfg;
static struct cl_trans steps[LOG_STEPS];
/* Room beyond CL_MAX_TRANS, so an overflow is reported, not suffered. */
static struct cl_trans en[2 * CL_MAX_TRANS + 16];

/*
 * After the input, transitions are chosen by a fixed-seed generator: still
 * deterministic (the same input always runs the same way), but fair. Always
 * taking the first enabled transition is not: cl_enabled() lists a node's
 * timers before any delivery, so a requester whose home answers EAGAIN
 * (queue full, page locked) loops on its retry timer, its request and the
 * NACK, and the CONFIRM on a later channel that would unlock the page is
 * never delivered: a livelock of the scheduler, not of the protocol.
 * A random choice starves nothing for FINISH_STEPS steps unless the
 * cluster really cannot settle.
 */
static u64 finish_rng;

static u32 finish_pick(int n)
{
	u64 z = (finish_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)((z ^ (z >> 31)) % (u64)n);
}

static void pick_config(const u8 *d, struct cl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->nodes = 2 + d[0] % (CL_MAX_NODES - 1);
	c->pages = 1 + d[1] % CL_MAX_PAGES;
	c->ops = 1 + d[2] % 4;
	c->crash = (d[3] & 1) + ((d[3] >> 3) & 1);
	c->ahead = (d[3] >> 1) & 3;
	c->refaults = d[4] & 1;
	c->replay = (d[4] >> 1) & 1;
	c->reask = (d[4] >> 2) & 3;
	c->inv_flat = d[5] % 9;
	c->inv_split = 1 + d[6];
	c->nwaiters = 1 + d[7] % 8;
	/* One rehoming slot: a second failure to inherit waits for it. */
	c->rehome = (d[7] >> 3) & 1;
	c->initial_owner = 0;
}

static void print_config(void)
{
	fprintf(stderr,
		"config: nodes=%u pages=%u ops=%u crash=%u refaults=%u replay=%u reask=%u ahead=%u inv_flat=%u inv_split=%u nwaiters=%u rehome=%u initial_owner=%u\n",
		cfg.nodes, cfg.pages, cfg.ops, cfg.crash, cfg.refaults,
		cfg.replay, cfg.reask, cfg.ahead, cfg.inv_flat, cfg.inv_split,
		cfg.nwaiters, cfg.rehome, cfg.initial_owner);
}

/*
 * Run the @n logged steps again from the initial state, printing the first
 * and the last ones. The cluster is deterministic, so this reproduces
 * the failing run; describing each step before it is applied (a delivery
 * is described by the message at the head of its channel) would cost every
 * run, so it is done only here, when the process is about to abort.
 */
static void print_trace(size_t n)
{
	char buf[200];
	size_t i;

	fprintf(stderr, "trace (%zu steps):\n", n);
	cl_setup(&cfg);
	cl_init(&live);
	for (i = 0; i < n; i++) {
		if (i == TRACE_HEAD && i + TRACE_TAIL < n)
			fprintf(stderr, "  ...\n");
		if (i < TRACE_HEAD || i + TRACE_TAIL >= n) {
			cl_describe(&live, &steps[i], buf, sizeof(buf));
			fprintf(stderr, "  %5zu. [%u %u %u] %s\n", i + 1,
				steps[i].kind, steps[i].a, steps[i].b, buf);
		}
		if (cl_apply(&live, &steps[i]) && i + 1 < n) {
			fprintf(stderr, "  (replay diverged: %s)\n", cl_error);
			return;
		}
	}
}

static void violation(const char *what, size_t n)
{
	char err[sizeof(cl_error)];

	/* The replay clears cl_error: keep the first report. */
	memcpy(err, cl_error, sizeof(err));
	err[sizeof(err) - 1] = 0;
	fprintf(stderr, "fuzz_engine: VIOLATION: %s%s\n", what, err);
	print_config();
	fprintf(stderr, "state:\n");
	cl_dump(&live, stderr);
	print_trace(n);
	fprintf(stderr, "fuzz_engine: VIOLATION: %s%s\n", what, err);
	abort();
}

static int choices(size_t done)
{
	int n = cl_enabled(&live, en);

	if (n > CL_MAX_TRANS) {
		fprintf(stderr,
			"fuzz_engine: cl_enabled() returned %d transitions, CL_MAX_TRANS is %d\n",
			n, CL_MAX_TRANS);
		cl_error[0] = 0;
		violation("harness: too many enabled transitions ", done);
	}
	return n;
}

static void step(const struct cl_trans *t, size_t *done)
{
	steps[(*done)++] = *t;
	if (cl_apply(&live, t))
		violation("", *done);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	size_t i, done = 0;
	u32 k;
	int n;

	if (size < CFG_BYTES)
		return 0;
	pick_config(data, &cfg);
	data += CFG_BYTES;
	size -= CFG_BYTES;
	if (size > INPUT_STEPS)
		size = INPUT_STEPS;

	finish_rng = 0;
	cl_setup(&cfg);
	cl_init(&live);
	if (cl_error[0])
		violation("setup: ", 0);

	for (i = 0; i < size; i++) {
		n = choices(done);
		if (!n)
			break;
		step(&en[data[i] % n], &done);
	}
	for (k = 0;; k++) {
		n = choices(done);
		if (!n)
			break;
		if (k == FINISH_STEPS) {
			snprintf(cl_error, sizeof(cl_error),
				 "no end %u steps after the input (livelock?)",
				 FINISH_STEPS);
			violation("", done);
		}
		step(&en[finish_pick(n)], &done);
	}
	if (cl_check_final(&live))
		violation("final state: ", done);

	/* Copysets may have allocated: give it back, or LSan reports it. */
	for (k = 0; k < cfg.nodes; k++)
		gvm_ivy_destroy(&live.node[k].ivy);
	return 0;
}
