// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the wire codec and the engine, run by the module when
 * loaded with selftest=1 and by the userspace unit tests. Three engines
 * exchange real frames (every message is encoded and decoded on its way)
 * through an in-memory queue while one page is written, read, invalidated
 * and lost with its owner.
 */
#include "ivy.h"

#define ST_NODES	3
#define ST_PAGES	2
#define ST_QUEUE	64

#define CHECK(c) do {							\
		if (!(c)) {						\
			gvm_pr_err("ivy selftest: %s:%d: %s\n",		\
				   __FILE__, __LINE__, #c);		\
			goto err;					\
		}							\
	} while (0)

struct st_msg {
	struct gvm_msg m;
	struct gvm_range ranges[4];
};

struct st_node {
	struct gvm_ivy ivy;
	void *mem;
	u8 page[ST_PAGES][GVM_PAGE_SIZE];
	int completions, last_err;
};

struct st_cluster {
	struct st_node node[ST_NODES];
	struct st_msg q[ST_QUEUE];
	u32 head, tail;
	u32 members[ST_NODES];
	int errors;
	struct gvm_range scratch[GVM_IVY_SCRATCH_RANGES];
	u8 frame[GVM_WIRE_MAX_FRAME];
	struct gvm_ivy_stats stats;
	struct gvm_ivy_page tmp;	/* st_page() */
};

static struct st_cluster *st;

static void st_emit(void *priv, const struct gvm_ivy_action *a)
{
	struct st_node *n = priv;
	struct st_msg *q;

	switch (a->type) {
	case GVM_ACT_SEND:
		if (st->tail - st->head == ST_QUEUE ||
		    a->msg->nranges > ARRAY_SIZE(q->ranges)) {
			st->errors++;
			return;
		}
		q = &st->q[st->tail++ % ST_QUEUE];
		q->m = *a->msg;
		if (a->msg->nranges)
			memcpy(q->ranges, a->msg->ranges,
			       a->msg->nranges * sizeof(q->ranges[0]));
		q->m.ranges = q->ranges;
		if (gvm_wire_payload_len(a->msg) == GVM_PAGE_SIZE)
			q->m.page = n->page[a->msg->pfn];
		break;
	case GVM_ACT_INSTALL:
		memcpy(n->page[a->pfn], a->data, GVM_PAGE_SIZE);
		break;
	case GVM_ACT_COMPLETE:
		n->completions++;
		n->last_err = a->err;
		break;
	default:
		break;
	}
}

/* Deliver everything queued, each message through the codec. */
static int st_run(void)
{
	struct gvm_wire_limits lim = {
		.domain = 7, .id_space = ST_NODES, .region = 3,
		.npages = ST_PAGES,
	};
	struct gvm_msg m;
	int len;

	while (st->head != st->tail) {
		struct st_msg *q = &st->q[st->head++ % ST_QUEUE];

		len = gvm_wire_encode(&q->m, st->frame, sizeof(st->frame));
		if (len < 0)
			return len;
		lim.self = q->m.dst;
		if (gvm_wire_decode(st->frame, len, &lim, &m) != GVM_WIRE_OK)
			return -EPROTO;
		if (gvm_ivy_recv(&st->node[m.dst].ivy, &m))
			return -EPROTO;
	}
	return st->errors ? -ENOSPC : 0;
}

static const struct gvm_ivy_ops *st_mem;

static void *st_alloc(size_t bytes)
{
	return st_mem->alloc(bytes);
}

static void st_free(void *p, size_t bytes)
{
	st_mem->free(p, bytes);
}

static const struct gvm_ivy_ops st_ops = {
	.emit = st_emit, .alloc = st_alloc, .free = st_free,
};

static int st_fault(u32 node, u64 pfn, bool write)
{
	int r = gvm_ivy_fault(&st->node[node].ivy, pfn, write);

	if (r == GVM_IVY_WAIT)
		r = st_run();
	return r;
}

static const struct gvm_ivy_page *st_page(u32 node, u64 pfn)
{
	return gvm_ivy_peek(&st->node[node].ivy, pfn, &st->tmp);
}

static int st_state(u32 node, u64 pfn)
{
	return st_page(node, pfn)->state;
}

static int ivy_selftest_cluster(void)
{
	struct gvm_ivy_cfg cfg = {
		.domain = 7, .region = 3, .nmembers = ST_NODES,
		.id_space = ST_NODES, .npages = ST_PAGES, .initial_owner = 0,
		.inv_flat = GVM_IVY_INV_FLAT, .inv_split = GVM_IVY_INV_SPLIT,
		.nwaiters = 8,
	};
	u32 i;

	cfg.members = st->members;
	for (i = 0; i < ST_NODES; i++)
		st->members[i] = i;
	for (i = 0; i < ST_NODES; i++) {
		cfg.self = i;
		st->node[i].mem = st_mem->alloc(gvm_ivy_mem_size(&cfg));
		CHECK(st->node[i].mem);
		CHECK(!gvm_ivy_init(&st->node[i].ivy, &cfg, st->node[i].mem,
				    &st_ops, &st->node[i], &st->stats,
				    st->scratch));
		/* State comes with use, not with the region. */
		CHECK(st->node[i].ivy.nchunks == 0);
	}

	/* Node 1 writes page 0: ownership and data move from node 0. */
	CHECK(!st_fault(1, 0, true));
	CHECK(st_state(1, 0) == GVM_PG_EXCLUSIVE && st_state(0, 0) == GVM_PG_INVALID);
	CHECK(st_page(1, 0)->version == 1);
	CHECK(st->node[1].ivy.nchunks == 1 && st->node[2].ivy.nchunks == 0);
	CHECK(gvm_ivy_fault(&st->node[1].ivy, 0, true) == 0);
	memset(st->node[1].page[0], 0x5a, GVM_PAGE_SIZE);

	/* Node 2 reads it: a shared copy of node 1's data. */
	CHECK(!st_fault(2, 0, false));
	CHECK(st_state(2, 0) == GVM_PG_SHARED && st_state(1, 0) == GVM_PG_OWNED);
	CHECK(st->node[2].page[0][100] == 0x5a);

	/* Node 0 writes: node 2's copy is invalidated, data reaches node 0. */
	CHECK(!st_fault(0, 0, true));
	CHECK(st_state(0, 0) == GVM_PG_EXCLUSIVE);
	CHECK(st_state(1, 0) == GVM_PG_INVALID && st_state(2, 0) == GVM_PG_INVALID);
	CHECK(st->node[0].page[0][4095] == 0x5a);
	CHECK(st_page(0, 0)->version == 2);

	/* Node 1 takes page 1 and fails: node 2's fault fails, no zeros. */
	CHECK(!st_fault(1, 1, true));
	CHECK(!gvm_ivy_node_down(&st->node[0].ivy, 1));
	CHECK(!gvm_ivy_node_down(&st->node[2].ivy, 1));
	CHECK(!st_run());
	st->node[2].completions = 0;
	CHECK(!st_fault(2, 1, false));
	CHECK(st->node[2].completions == 1);
	CHECK(st->node[2].last_err == -EHOSTDOWN);
	CHECK(st_state(2, 1) == GVM_PG_INVALID);
	/* Page 0 lives on at node 0. */
	CHECK(!st_fault(2, 0, false));
	CHECK(st->node[2].page[0][0] == 0x5a);

	/* Bad input is refused, not acted on. */
	CHECK(gvm_ivy_fault(&st->node[0].ivy, ST_PAGES, false) == -EINVAL);
	CHECK(gvm_ivy_node_down(&st->node[0].ivy, 0) == -EINVAL);
	CHECK(gvm_ivy_node_down(&st->node[0].ivy, ST_NODES) == -EINVAL);
	return 0;
err:
	return -EINVAL;
}

static int wire_selftest(void)
{
	struct gvm_wire_limits lim = {
		.domain = 1, .self = 2, .id_space = 16, .region = 1,
		.npages = 8,
	};
	struct gvm_msg m = {
		.type = GVM_MSG_FWD_WRITE, .domain = 1, .src = 1, .dst = 2,
		.region = 1, .arg = 3, .txid = 42, .pfn = 7,
	}, d;
	struct gvm_wire_hdr *h = (struct gvm_wire_hdr *)st->frame;
	int len;

	len = gvm_wire_encode(&m, st->frame, sizeof(st->frame));
	CHECK(len == sizeof(*h));
	CHECK(gvm_wire_decode(st->frame, len, &lim, &d) == GVM_WIRE_OK);
	CHECK(d.type == m.type && d.arg == 3 && d.txid == 42 && d.pfn == 7);
	CHECK(gvm_wire_decode(st->frame, len - 1, &lim, &d) == GVM_WIRE_ETRUNC);
	h->pfn = cpu_to_le64(8);
	CHECK(gvm_wire_decode(st->frame, len, &lim, &d) == GVM_WIRE_EPAGE);
	h->pfn = cpu_to_le64(7);
	h->magic = 0;
	CHECK(gvm_wire_decode(st->frame, len, &lim, &d) == GVM_WIRE_EMAGIC);
	return 0;
err:
	return -EINVAL;
}

int gvm_ivy_selftest(const struct gvm_ivy_ops *mem)
{
	int ret = -ENOMEM;
	u32 i;

	st_mem = mem;
	st = mem->alloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	ret = wire_selftest();
	if (!ret)
		ret = ivy_selftest_cluster();
	for (i = 0; i < ST_NODES; i++) {
		if (!st->node[i].mem)
			continue;
		gvm_ivy_destroy(&st->node[i].ivy);
		mem->free(st->node[i].mem,
			  gvm_ivy_mem_size(&st->node[i].ivy.cfg));
	}
	mem->free(st, sizeof(*st));
	st = NULL;
	return ret;
}
