// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated cluster: one engine per node, the event queue, and the
 * latency model of sim.h.
 */
#include <stdlib.h>
#include "sim.h"

static const u8 zero_page[GVM_PAGE_SIZE];

/* ---- event heap ------------------------------------------------------- */

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static int ev_push(struct sim *s, struct sim_event *e)
{
	size_t i;

	if (s->nheap == s->capheap) {
		size_t cap = s->capheap ? 2 * s->capheap : 1024;
		struct sim_event *h = realloc(s->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->capheap = cap;
	}
	e->seq = s->seq++;
	for (i = s->nheap++; i; i = (i - 1) / 2) {
		if (!ev_before(e, &s->heap[(i - 1) / 2]))
			break;
		s->heap[i] = s->heap[(i - 1) / 2];
	}
	s->heap[i] = *e;
	return 0;
}

static void ev_pop(struct sim *s, struct sim_event *out)
{
	struct sim_event last = s->heap[--s->nheap];
	size_t i = 0, c;

	*out = s->heap[0];
	while ((c = 2 * i + 1) < s->nheap) {
		if (c + 1 < s->nheap && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	s->heap[i] = last;
}

/* ---- the engines' actions --------------------------------------------- */

static int sim_errors;

static void sim_send(struct sim *s, const struct gvm_msg *m)
{
	const struct sim_preset *p = s->preset;
	struct sim_event e = {
		.kind = SIM_EV_MSG, .node = m->dst, .msg = *m,
		.hops = s->cur_hops,
	};
	size_t bytes;

	e.msg.ranges = NULL;	/* the engine's scratch is reused */
	if (m->nranges) {
		e.msg.ranges = malloc(m->nranges * sizeof(*m->ranges));
		if (!e.msg.ranges) {
			sim_errors++;
			return;
		}
		memcpy(e.msg.ranges, m->ranges, m->nranges * sizeof(*m->ranges));
	}
	bytes = sizeof(struct gvm_wire_hdr) + gvm_wire_payload_len(m);
	if (bytes > sizeof(struct gvm_wire_hdr) && !m->nranges)
		e.msg.page = zero_page;
	if (m->dst == s->cur_node) {
		e.time = s->cur_time;		/* loopback: free */
	} else {
		double depart;

		s->cur_time += p->send_us;
		depart = s->cur_time > s->link_free[s->cur_node] ?
			 s->cur_time : s->link_free[s->cur_node];
		s->link_free[s->cur_node] = depart + bytes * 8 / (p->gbit * 1e3);
		e.time = s->link_free[s->cur_node] + p->latency_us;
		e.hops++;
	}
	if (ev_push(s, &e))
		sim_errors++;
}

static void sim_emit(void *priv, const struct gvm_ivy_action *a)
{
	struct sim *s = priv;
	struct sim_event e = { .kind = SIM_EV_TIMER };

	switch (a->type) {
	case GVM_ACT_SEND:
		sim_send(s, a->msg);
		break;
	case GVM_ACT_COMPLETE:
		if (s->fault_open && s->cur_node == s->fault_node &&
		    a->pfn == s->fault_pfn) {
			s->fault_open = false;
			s->fault_done = s->cur_time;
			s->fault_hops = s->cur_hops;
			s->fault_err = a->err;
		}
		break;
	case GVM_ACT_TIMER:
		/* Request timeouts only matter when nodes fail: not here. */
		if (a->timer == GVM_TIMER_REQUEST)
			break;
		e.node = s->cur_node;
		e.time = s->cur_time + 20;
		e.timer = a->timer;
		e.pfn = a->pfn;
		e.txid = a->txid;
		e.hops = s->cur_hops;
		if (ev_push(s, &e))
			sim_errors++;
		break;
	default:
		break;
	}
}

static void *sim_alloc(size_t bytes)
{
	return calloc(1, bytes);
}

static void sim_free(void *p, size_t bytes)
{
	free(p);
}

static const struct gvm_ivy_ops sim_ops = {
	.emit = sim_emit, .alloc = sim_alloc, .free = sim_free,
};

/* ---- the cluster ------------------------------------------------------ */

int sim_init(struct sim *s, u32 nodes, u64 npages,
	     const struct sim_preset *preset, u32 inv_flat, u32 inv_split)
{
	struct gvm_ivy_cfg cfg = {
		.domain = 1, .region = 1, .nmembers = nodes,
		.id_space = nodes, .npages = npages, .initial_owner = 0,
		.inv_flat = inv_flat, .inv_split = inv_split, .nwaiters = 64,
	};
	u32 i;

	memset(s, 0, sizeof(*s));
	s->nodes = nodes;
	s->npages = npages;
	s->preset = preset;
	s->ivy = calloc(nodes, sizeof(*s->ivy));
	s->mem = calloc(nodes, sizeof(*s->mem));
	s->members = calloc(nodes, sizeof(*s->members));
	s->scratch = calloc(GVM_IVY_SCRATCH_RANGES, sizeof(*s->scratch));
	s->cpu_free = calloc(nodes, sizeof(double));
	s->link_free = calloc(nodes, sizeof(double));
	s->down = calloc(nodes, sizeof(bool));
	if (!s->ivy || !s->mem || !s->members || !s->scratch ||
	    !s->cpu_free || !s->link_free || !s->down)
		return -ENOMEM;
	for (i = 0; i < nodes; i++)
		s->members[i] = i;
	cfg.members = s->members;
	for (i = 0; i < nodes; i++) {
		cfg.self = i;
		s->mem[i] = malloc(gvm_ivy_mem_size(&cfg));
		if (!s->mem[i])
			return -ENOMEM;
		if (gvm_ivy_init(&s->ivy[i], &cfg, s->mem[i], &sim_ops, s,
				 &s->stats, s->scratch))
			return -EINVAL;
	}
	return 0;
}

void sim_destroy(struct sim *s)
{
	u32 i;

	for (i = 0; s->mem && i < s->nodes; i++) {
		if (s->mem[i])
			gvm_ivy_destroy(&s->ivy[i]);
		free(s->mem[i]);
	}
	while (s->nheap)
		free(s->heap[--s->nheap].msg.ranges);
	free(s->heap);
	free(s->ivy);
	free(s->mem);
	free(s->members);
	free(s->scratch);
	free(s->cpu_free);
	free(s->link_free);
	free(s->down);
	memset(s, 0, sizeof(*s));
}

u64 sim_msgs_sent(const struct sim *s)
{
	u64 n = 0;
	int t;

	for (t = 1; t <= GVM_MSG_MAX; t++)
		n += s->stats.sent[t];
	return n;
}

u64 sim_copyset_ext_bytes(const struct sim *s)
{
	u64 n = 0;
	u32 i;

	for (i = 0; i < s->nodes; i++)
		n += s->ivy[i].cs.ext_bytes;
	return n;
}

/* Handle events until the cluster is quiet. */
static int sim_run(struct sim *s)
{
	struct sim_event e;
	double start;
	int ret = 0;

	while (s->nheap && !ret) {
		ev_pop(s, &e);
		if (s->down[e.node]) {
			free(e.msg.ranges);
			continue;
		}
		start = e.time > s->cpu_free[e.node] ? e.time :
			s->cpu_free[e.node];
		if (e.kind == SIM_EV_MSG && e.msg.src != e.node)
			start += s->preset->recv_us;
		s->cur_node = e.node;
		s->cur_time = start;
		s->cur_hops = e.hops;
		if (e.kind == SIM_EV_MSG)
			ret = gvm_ivy_recv(&s->ivy[e.node], &e.msg);
		else
			ret = gvm_ivy_timer(&s->ivy[e.node], e.timer, e.pfn,
					    e.txid);
		s->cpu_free[e.node] = s->cur_time;
		free(e.msg.ranges);
		s->events++;
	}
	return ret ? ret : (sim_errors ? -ENOMEM : 0);
}

/* When the cluster is quiet: every node's CPU and link are free. */
static double sim_quiet_time(const struct sim *s)
{
	double now = 0;
	u32 i;

	for (i = 0; i < s->nodes; i++) {
		if (s->cpu_free[i] > now)
			now = s->cpu_free[i];
		if (s->link_free[i] > now)
			now = s->link_free[i];
	}
	return now;
}

/*
 * @node fails on a quiet cluster: every survivor hears of it at once (as
 * from membership) and the cluster runs until quiet again.
 */
int sim_fail(struct sim *s, u32 node, struct sim_failure *f)
{
	double now = sim_quiet_time(s);
	u64 before = sim_msgs_sent(s);
	u64 ann = s->stats.sent[GVM_MSG_ANNOUNCE];
	u64 done = s->stats.sent[GVM_MSG_REHOME_DONE];
	u32 i;
	int r;

	memset(f, 0, sizeof(*f));
	s->down[node] = true;
	for (i = 0; i < s->nodes; i++) {
		if (s->down[i])
			continue;
		s->cur_node = i;
		s->cur_time = now;
		s->cur_hops = 0;
		r = gvm_ivy_node_down(&s->ivy[i], node);
		if (r)
			return r;
		s->cpu_free[i] = s->cur_time;
	}
	r = sim_run(s);
	if (r)
		return r;
	f->settle_us = sim_quiet_time(s) - now;
	f->msgs = sim_msgs_sent(s) - before;
	f->announces = s->stats.sent[GVM_MSG_ANNOUNCE] - ann;
	f->rehome_done = s->stats.sent[GVM_MSG_REHOME_DONE] - done;
	return 0;
}

/* One access by @node, run to quiescence; *f says what it cost. */
int sim_access(struct sim *s, u32 node, u64 pfn, bool write,
	       struct sim_fault *f)
{
	/* Accesses run one at a time, on a quiet cluster. */
	double now = sim_quiet_time(s);
	u64 before = sim_msgs_sent(s);
	int r;

	memset(f, 0, sizeof(*f));
	f->write = write;
	s->cur_node = node;
	s->cur_time = now;
	s->cur_hops = 0;
	s->fault_open = true;
	s->fault_node = node;
	s->fault_pfn = pfn;
	s->fault_start = now;
	s->fault_err = 0;
	r = gvm_ivy_fault(&s->ivy[node], pfn, write);
	if (r < 0)
		return r;
	s->cpu_free[node] = s->cur_time;
	if (r == 0) {
		s->fault_open = false;
		return 0;
	}
	r = sim_run(s);
	if (r)
		return r;
	if (s->fault_open || s->fault_err)
		return s->fault_err ? s->fault_err : -EDEADLK;
	f->faulted = true;
	f->latency_us = s->fault_done - s->fault_start;
	f->hops = s->fault_hops;
	f->msgs = sim_msgs_sent(s) - before;
	/* The access itself now hits. */
	return gvm_ivy_fault(&s->ivy[node], pfn, write) ? -EPROTO : 0;
}
