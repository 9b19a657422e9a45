// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol core's own cost, measured: nanoseconds of engine work per
 * transition of a read fault and a write fault (three engines in one
 * process, messages passed through a queue), per copyset operation, and
 * per failure heard of by one member of 10,240.
 * Prints JSON rows for build/bench.json (engine "core").
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "../../kernel/ivy/ivy.h"

#define NODES	3
#define PAGES	(1 << 16)
#define QLEN	64

static struct gvm_ivy ivy[NODES];
static struct gvm_msg queue[QLEN];
static struct gvm_range qranges[QLEN][4];
static unsigned int qhead, qtail;
static u64 calls;
static const u8 page[GVM_PAGE_SIZE];

static void emit(void *priv, const struct gvm_ivy_action *a)
{
	struct gvm_msg *m;

	if (a->type != GVM_ACT_SEND)
		return;
	m = &queue[qtail % QLEN];
	*m = *a->msg;
	if (m->nranges > 4)
		abort();
	if (m->nranges)
		memcpy(qranges[qtail % QLEN], m->ranges,
		       m->nranges * sizeof(*m->ranges));
	m->ranges = qranges[qtail % QLEN];
	if (gvm_wire_payload_len(m) == GVM_PAGE_SIZE)
		m->page = page;
	qtail++;
}

static void *b_alloc(size_t n)
{
	return calloc(1, n);
}

static void b_free(void *p, size_t n)
{
	free(p);
}

/*
 * Pages' state from memory set up beforehand, as the kernel's slab has it
 * ready: the engine's work to set a chunk up is measured, not libc's and
 * the page faults of fresh memory.
 */
static u8 *arena;
static size_t arena_used, arena_size;

static void *b_chunk_alloc(void *priv, size_t n)
{
	void *p = arena + arena_used;

	if (arena_size - arena_used < n)
		abort();
	arena_used += n;
	return p;
}

static void b_chunk_free(void *priv, void *p, size_t n)
{
}

static const struct gvm_ivy_ops ops = {
	.emit = emit, .alloc = b_alloc, .free = b_free,
	.chunk_alloc = b_chunk_alloc, .chunk_free = b_chunk_free,
};

/* The failure row's engine: what it sends is not measured. */
static void quiet(void *priv, const struct gvm_ivy_action *a)
{
}

static const struct gvm_ivy_ops quiet_ops = {
	.emit = quiet, .alloc = b_alloc, .free = b_free,
};

static void drain(void)
{
	while (qhead != qtail) {
		struct gvm_msg *m = &queue[qhead++ % QLEN];

		calls++;
		if (gvm_ivy_recv(&ivy[m->dst], m))
			abort();
	}
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void setup(void)
{
	static u32 members[NODES] = { 0, 1, 2 };
	static struct gvm_range scratch[GVM_IVY_SCRATCH_RANGES];
	struct gvm_ivy_cfg cfg = {
		.domain = 1, .region = 1, .nmembers = NODES,
		.members = members, .id_space = NODES, .npages = PAGES,
		.initial_owner = 0, .inv_flat = GVM_IVY_INV_FLAT,
		.inv_split = GVM_IVY_INV_SPLIT, .nwaiters = 64,
	};
	u32 i;

	for (i = 0; i < NODES; i++) {
		void *mem;

		cfg.self = i;
		mem = malloc(gvm_ivy_mem_size(&cfg));
		if (!mem || gvm_ivy_init(&ivy[i], &cfg, mem, &ops, NULL, NULL,
					 scratch))
			abort();
	}
	arena_size = NODES * (size_t)NODES * ivy[0].slot_chunks *
		     gvm_ivy_chunk_bytes(&ivy[0]);
	arena = malloc(arena_size);
	if (!arena)
		abort();
	memset(arena, 0xa5, arena_size);
}

/*
 * The initial owner of a 4 GiB region shared by 10,240 members hears of
 * members 1 to FAILS failing, one after the other: it takes over no home
 * but announces the pages of each failed home's slot to the next, so a
 * run of failed members lengthens with each. Microseconds per failure.
 */
#define BIG	GVM_MAX_NODES
#define FAILS	2000

static double failure_us(void)
{
	static u32 members[BIG];
	static struct gvm_range scratch[GVM_IVY_SCRATCH_RANGES];
	struct gvm_ivy_cfg cfg = {
		.domain = 1, .region = 2, .self = 0, .nmembers = BIG,
		.members = members, .id_space = BIG, .npages = 1 << 20,
		.initial_owner = 0, .inv_flat = GVM_IVY_INV_FLAT,
		.inv_split = GVM_IVY_INV_SPLIT, .nwaiters = 64,
	};
	struct gvm_ivy big;
	void *mem;
	double t0, t;
	u32 i;

	for (i = 0; i < BIG; i++)
		members[i] = i;
	mem = malloc(gvm_ivy_mem_size(&cfg));
	if (!mem || gvm_ivy_init(&big, &cfg, mem, &quiet_ops, NULL, NULL,
				 scratch))
		abort();
	t0 = now_ns();
	for (i = 1; i <= FAILS; i++)
		if (gvm_ivy_node_down(&big, i))
			abort();
	t = now_ns() - t0;
	/* Each failed home's slot: 103 pages, all still the owner's. */
	if (big.nchunks != FAILS * 4ULL)
		abort();
	gvm_ivy_destroy(&big);
	free(mem);
	return t / FAILS / 1000;
}

static void row(const char *metric, double value, const char *unit,
		bool last)
{
	printf("  {\"engine\": \"core\", \"metric\": \"%s\", \"value\": %.1f, \"unit\": \"%s\"}%s\n",
	       metric, value, unit, last ? "" : ",");
}

int main(void)
{
	struct gvm_cs_ctx ctx = { .id_space = GVM_MAX_NODES, .alloc = b_alloc,
				  .free = b_free };
	struct gvm_copyset cs;
	double t0, rd, wr, add_in, add_sp, fail;
	u64 c0, rd_calls, wr_calls, n;
	u32 p, i;

	setup();

	/* Node 2 reads every page: home p % 3, owner node 0. */
	c0 = calls;
	t0 = now_ns();
	for (p = 0; p < PAGES; p++) {
		calls++;
		if (gvm_ivy_fault(&ivy[2], p, false) != GVM_IVY_WAIT)
			abort();
		drain();
	}
	rd = now_ns() - t0;
	rd_calls = calls - c0;

	/* Node 1 writes every page: node 2's copy is invalidated first. */
	c0 = calls;
	t0 = now_ns();
	for (p = 0; p < PAGES; p++) {
		calls++;
		if (gvm_ivy_fault(&ivy[1], p, true) != GVM_IVY_WAIT)
			abort();
		drain();
	}
	wr = now_ns() - t0;
	wr_calls = calls - c0;

	/* Copysets: six sharers inline, then 64 out of line. */
	n = 0;
	t0 = now_ns();
	for (p = 0; p < 1000000; p++) {
		gvm_copyset_init(&cs);
		for (i = 0; i < GVM_CS_INLINE; i++, n++)
			gvm_copyset_add(&cs, &ctx, (p + i * 977) % GVM_MAX_NODES);
	}
	add_in = (now_ns() - t0) / n;
	n = 0;
	t0 = now_ns();
	for (p = 0; p < 20000; p++) {
		gvm_copyset_init(&cs);
		for (i = 0; i < 64; i++, n++)
			gvm_copyset_add(&cs, &ctx, (p + i * 977) % GVM_MAX_NODES);
		gvm_copyset_clear(&cs, &ctx);
	}
	add_sp = (now_ns() - t0) / n;

	fail = failure_us();

	printf("[\n");
	row("ns_per_read_fault_transition", rd / rd_calls, "ns", false);
	row("ns_per_write_fault_transition", wr / wr_calls, "ns", false);
	row("ns_per_read_fault", rd / PAGES, "ns", false);
	row("ns_per_write_fault", wr / PAGES, "ns", false);
	row("ns_per_copyset_add", add_in, "ns", false);
	row("ns_per_copyset_add_sparse", add_sp, "ns", false);
	row("us_per_failure_10240", fail, "us", false);
	row("page_state_bytes", sizeof(struct gvm_ivy_page), "bytes", false);
	row("copyset_bytes", sizeof(struct gvm_copyset), "bytes", true);
	printf("]\n");
	return 0;
}
