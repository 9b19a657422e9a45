// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster harness: transitions and invariants. See cluster.h.
 */
#include <assert.h>
#include <stdarg.h>

#include "cluster.h"

struct cl_config cl_cfg;
char cl_error[256];

static u32 cl_members[CL_MAX_NODES];
static struct gvm_range cl_scratch[GVM_IVY_SCRATCH_RANGES];
static struct gvm_ivy_stats cl_stat;
static struct cl_state *cl_live;	/* the state being operated on */

struct gvm_ivy_stats *cl_stats(void)
{
	return &cl_stat;
}

static int cl_fail(const char *fmt, ...)
{
	va_list ap;

	if (cl_error[0])
		return -1;	/* keep the first error */
	va_start(ap, fmt);
	vsnprintf(cl_error, sizeof(cl_error), fmt, ap);
	va_end(ap);
	return -1;
}

static void *cl_alloc(size_t bytes)
{
	return calloc(1, bytes);
}

static void cl_free(void *p, size_t bytes)
{
	free(p);
}

static bool cl_knows_dead(const struct cl_node *n, u32 node)
{
	return n->knows_dead & (1ULL << node);
}

static u32 cl_nfailed(const struct cl_state *s)
{
	return __builtin_popcount(s->dead);
}

static void cl_send(struct cl_state *s, u32 src, const struct gvm_msg *m)
{
	struct cl_chan *ch;
	struct cl_msg *c;
	u32 i;

	if (m->dst >= cl_cfg.nodes) {
		cl_fail("node %u sent %s to unknown node %u", src,
			gvm_msg_name(m->type), m->dst);
		return;
	}
	/* Lost on the way: the peer is down, or the transport dropped it. */
	if (s->node[m->dst].crashed || cl_knows_dead(&s->node[src], m->dst))
		return;
	ch = &s->chan[src][m->dst];
	if (ch->len == CL_CHAN_CAP) {
		cl_fail("channel %u->%u overflows", src, m->dst);
		return;
	}
	if (m->nranges > CL_MAX_RANGES) {
		cl_fail("INV with %u ranges", m->nranges);
		return;
	}
	c = &ch->q[ch->len++];
	memset(c, 0, sizeof(*c));
	c->type = m->type;
	c->flags = m->flags;
	c->arg = m->arg;
	c->aux = m->aux;
	c->txid = m->txid;
	c->pfn = m->pfn;
	c->version = m->version;
	c->nranges = m->nranges;
	for (i = 0; i < m->nranges; i++)
		c->ranges[i] = m->ranges[i];
	if ((m->type == GVM_MSG_DATA || m->type == GVM_MSG_GRANT) &&
	    !(m->flags & GVM_F_NODATA)) {
		c->has_page = 1;
		c->value = s->node[src].value[m->pfn];
	}
}

static void cl_add_timer(struct cl_node *n, const struct gvm_ivy_action *a)
{
	struct cl_timer t = { .kind = a->timer, .pfn = a->pfn,
			      .txid = a->txid };
	int i, j;

	/* One timer per kind and page, as the glue keeps them: re-arm. */
	for (i = 0; i < CL_MAX_TIMERS && n->timers[i].kind; i++)
		if (n->timers[i].kind == t.kind && n->timers[i].pfn == t.pfn) {
			memmove(&n->timers[i], &n->timers[i + 1],
				(CL_MAX_TIMERS - i - 1) * sizeof(t));
			memset(&n->timers[CL_MAX_TIMERS - 1], 0, sizeof(t));
			break;
		}
	for (i = 0; i < CL_MAX_TIMERS && n->timers[i].kind; i++)
		;
	if (i == CL_MAX_TIMERS) {
		cl_fail("too many timers");
		return;
	}
	/* Keep slots sorted so equal sets of timers hash alike. */
	for (j = i; j > 0 && memcmp(&n->timers[j - 1], &t, sizeof(t)) > 0; j--)
		n->timers[j] = n->timers[j - 1];
	n->timers[j] = t;
}

static void cl_emit(void *priv, const struct gvm_ivy_action *a)
{
	struct cl_state *s = cl_live;
	u32 i = (u32)(uintptr_t)priv;
	struct cl_node *n = &s->node[i];

	switch (a->type) {
	case GVM_ACT_SEND:
		cl_send(s, i, a->msg);
		break;
	case GVM_ACT_INSTALL:
		n->value[a->pfn] = *(const u8 *)a->data;
		break;
	case GVM_ACT_MAP:
	case GVM_ACT_PROTECT:
		break;
	case GVM_ACT_UNMAP:
		n->value[a->pfn] = CL_POISON;
		break;
	case GVM_ACT_COMPLETE:
		if (n->wait != CL_WAITING || n->op_pfn != a->pfn)
			break;
		if (!a->err) {
			n->wait = CL_READY;
			break;
		}
		if (!s->dead)
			cl_fail("node %u: fault on page %u failed (%d) with no failure",
				i, n->op_pfn, a->err);
		n->failed_ops++;
		n->ops_done++;
		n->wait = CL_IDLE;
		memset(s->stuck, 0, sizeof(s->stuck));
		break;
	case GVM_ACT_TIMER:
		cl_add_timer(n, a);
		break;
	case GVM_ACT_NODE_DEAD:
		if (a->node >= cl_cfg.nodes) {
			cl_fail("node %u: unknown node %u failed", i, a->node);
			break;
		}
		n->knows_dead |= 1ULL << a->node;
		memset(&s->chan[a->node][i], 0, sizeof(s->chan[0][0]));
		break;
	case GVM_ACT_PAGE_LOST:
		if (!s->dead)
			cl_fail("node %u: page %llu lost with no failure", i,
				(unsigned long long)a->pfn);
		break;
	default:
		cl_fail("node %u: unknown action %u", i, a->type);
	}
}

static const struct gvm_ivy_ops cl_ops = {
	.emit = cl_emit,
	.alloc = cl_alloc,
	.free = cl_free,
};

void cl_setup(const struct cl_config *cfg)
{
	u32 i;

	cl_cfg = *cfg;
	if (!cl_cfg.nwaiters)
		cl_cfg.nwaiters = 2 * CL_MAX_NODES;
	if (!cl_cfg.inv_split)
		cl_cfg.inv_split = GVM_IVY_INV_SPLIT;
	for (i = 0; i < CL_MAX_NODES; i++)
		cl_members[i] = i;
}

static void cl_engine_cfg(struct gvm_ivy_cfg *c, u32 self)
{
	memset(c, 0, sizeof(*c));
	c->domain = 1;
	c->region = 1;
	c->self = self;
	c->nmembers = cl_cfg.nodes;
	c->members = cl_members;
	c->id_space = cl_cfg.nodes;
	c->npages = cl_cfg.pages;
	c->initial_owner = cl_cfg.initial_owner;
	c->inv_flat = cl_cfg.inv_flat;
	c->inv_split = cl_cfg.inv_split;
	c->nwaiters = cl_cfg.nwaiters;
	c->rehome_slots = cl_cfg.rehome;
	/* States are packed whole, at fixed addresses. */
	c->chunks_inline = 1;
}

void cl_init(struct cl_state *s)
{
	struct gvm_ivy_cfg c;
	u32 i, p;

	memset(s, 0, sizeof(*s));
	memset(cl_error, 0, sizeof(cl_error));
	cl_live = s;
	for (i = 0; i < cl_cfg.nodes; i++) {
		struct cl_node *n = &s->node[i];

		cl_engine_cfg(&c, i);
		if (gvm_ivy_mem_size(&c) > CL_ENGINE_MEM ||
		    gvm_ivy_init(&n->ivy, &c, n->mem, &cl_ops,
				 (void *)(uintptr_t)i, &cl_stat, cl_scratch)) {
			cl_fail("engine setup failed");
			return;
		}
		for (p = 0; p < CL_MAX_PAGES; p++)
			n->value[p] = i == cl_cfg.initial_owner ? 0 : CL_POISON;
	}
}

/* Nothing in flight: no message to deliver, no failure to learn. */
static bool cl_idle_net(const struct cl_state *s)
{
	u32 i, j;

	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < cl_cfg.nodes; j++)
			if (s->chan[i][j].len && !s->node[j].crashed)
				return false;
	for (i = 0; i < cl_cfg.nodes; i++)
		if (!s->node[i].crashed && (s->dead & ~s->node[i].knows_dead))
			return false;
	return true;
}

/* A short retry timer (RETRY, HOME) is armed somewhere. */
static bool cl_short_timer_armed(const struct cl_state *s)
{
	u32 i, j;

	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < CL_MAX_TIMERS; j++)
			if (!s->node[i].crashed && s->node[i].timers[j].kind &&
			    s->node[i].timers[j].kind != GVM_TIMER_REQUEST)
				return true;
	return false;
}

/*
 * Short retry timers can fire any time. A request timer is long: it fires
 * only while its request is the one in flight, once nothing is in flight
 * and no retry is pending.
 */
static bool cl_timer_enabled(const struct cl_state *s, u32 node,
			     const struct cl_timer *tm)
{
	struct gvm_ivy_page tmp;
	const struct gvm_ivy_page *pg = gvm_ivy_peek(&s->node[node].ivy,
						     tm->pfn, &tmp);

	if (s->node[node].crashed || !tm->kind)
		return false;
	if (tm->kind != GVM_TIMER_REQUEST)
		return true;
	return pg->want && pg->txid == tm->txid && cl_idle_net(s) &&
	       !cl_short_timer_armed(s);
}

/* Every channel has room for @n more messages. */
static bool cl_room(const struct cl_state *s, u32 n)
{
	u32 i, j;

	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < cl_cfg.nodes; j++)
			if (s->chan[i][j].len + n > CL_CHAN_CAP)
				return false;
	return true;
}

int cl_enabled(const struct cl_state *s, struct cl_trans *t)
{
	u32 i, j, w, p;
	int n = 0;

#define ADD(k, x, y) do {						\
		assert(n < CL_MAX_TRANS);				\
		t[n].kind = (k);					\
		t[n].a = (x);						\
		t[n].b = (y);						\
		n++;							\
	} while (0)

	for (i = 0; i < cl_cfg.nodes; i++) {
		const struct cl_node *nd = &s->node[i];

		if (nd->crashed)
			continue;
		if (nd->wait == CL_IDLE && nd->ops_done < cl_cfg.ops)
			for (w = 0; w < (i < cl_cfg.readers ? 1 : 2); w++)
				for (p = 0; p < cl_cfg.pages; p++)
					ADD(CL_T_START, i, w << 4 | p);
		if (nd->wait == CL_READY && nd->refaults < cl_cfg.refaults)
			ADD(CL_T_RETRY, i, 0);
		for (j = 0; j < CL_MAX_TIMERS && nd->timers[j].kind; j++)
			if (cl_timer_enabled(s, i, &nd->timers[j]))
				ADD(CL_T_TIMER, i, j);
	}
	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < cl_cfg.nodes; j++)
			if (i != j && s->chan[i][j].len && !s->node[j].crashed)
				ADD(CL_T_DELIVER, i, j);
	if (cl_nfailed(s) < cl_cfg.crash && cl_nfailed(s) + 1 < cl_cfg.nodes)
		for (i = 0; i < cl_cfg.nodes; i++)
			if (!s->node[i].crashed)
				ADD(CL_T_CRASH, i, 0);
	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < cl_cfg.nodes; j++)
			if (!s->node[i].crashed && (s->dead & 1u << j) &&
			    !cl_knows_dead(&s->node[i], j))
				ADD(CL_T_DOWN, i, j);
	/*
	 * A replay is an ANNOUNCE per page and a REHOME_DONE per failure at
	 * most: only where the (bounded, unlike TCP) channel has room for all
	 * of it.
	 */
	if (cl_cfg.replay && s->dead && !s->replayed)
		for (i = 0; i < cl_cfg.nodes; i++)
			for (j = 0; j < cl_cfg.nodes; j++)
				if (i != j && !s->node[i].crashed &&
				    !s->node[j].crashed &&
				    !(s->dead & ~s->node[i].knows_dead) &&
				    s->chan[i][j].len + cl_cfg.pages +
				    cl_nfailed(s) <= CL_CHAN_CAP)
					ADD(CL_T_REPLAY, i, j);
	/*
	 * A request sent again costs a forward and an answer more on their
	 * way: only where every (bounded, unlike TCP) channel has room.
	 */
	if (s->reasked < cl_cfg.reask && cl_room(s, 3))
		for (i = 0; i < cl_cfg.nodes; i++)
			for (p = 0; p < cl_cfg.pages; p++) {
				struct gvm_ivy_page tmp;
				const struct gvm_ivy_page *pg =
					gvm_ivy_peek(&s->node[i].ivy, p, &tmp);

				if (!s->node[i].crashed && pg->want &&
				    !(pg->flags & GVM_PGF_RETRY))
					ADD(CL_T_ASK, i, p);
			}
	/* A read-ahead costs as much as a request sent again. */
	if (s->aheads < cl_cfg.ahead && cl_room(s, 3))
		for (i = 0; i < cl_cfg.nodes; i++)
			for (p = 0; p < cl_cfg.pages; p++) {
				struct gvm_ivy_page tmp;
				const struct gvm_ivy_page *pg =
					gvm_ivy_peek(&s->node[i].ivy, p, &tmp);

				if (!s->node[i].crashed && !pg->want &&
				    pg->state == GVM_PG_INVALID)
					ADD(CL_T_AHEAD, i, p);
			}
#undef ADD
	return n;
}

static void cl_perform(struct cl_state *s, u32 i)
{
	struct cl_node *n = &s->node[i];
	struct gvm_ivy_page tmp;
	const struct gvm_ivy_page *pg = gvm_ivy_peek(&n->ivy, n->op_pfn, &tmp);

	if (n->op_write) {
		if (pg->state != GVM_PG_EXCLUSIVE) {
			cl_fail("node %u writes page %u in state %s", i,
				n->op_pfn, gvm_page_state_name(pg->state));
			return;
		}
		n->writes++;
		n->value[n->op_pfn] = (i + 1) << 4 | (n->writes & 15);
		s->latest[n->op_pfn] = n->value[n->op_pfn];
	} else if (n->value[n->op_pfn] != s->latest[n->op_pfn]) {
		cl_fail("node %u read %#x from page %u, the last write stored %#x",
			i, n->value[n->op_pfn], n->op_pfn,
			s->latest[n->op_pfn]);
		return;
	}
	n->ops_done++;
	n->wait = CL_IDLE;
	memset(s->stuck, 0, sizeof(s->stuck));
}

static void cl_deliver(struct cl_state *s, u32 src, u32 dst);

static void cl_access(struct cl_state *s, u32 i, bool retry)
{
	struct cl_node *n = &s->node[i];
	int r = gvm_ivy_fault(&n->ivy, n->op_pfn, n->op_write);

	if (r == 0) {
		cl_perform(s, i);
	} else if (r == GVM_IVY_WAIT) {
		n->wait = CL_WAITING;
		if (retry && n->refaults < 0xff)
			n->refaults++;
	} else {
		cl_fail("node %u: fault returned %d", i, r);
	}
}

/*
 * Messages a node sends itself are handled before anything else happens, as
 * the glue does: it drains its loopback queue before dropping the engine's
 * lock.
 */
static void cl_drain_loopback(struct cl_state *s)
{
	bool more = true;
	u32 i;

	while (more && !cl_error[0]) {
		more = false;
		for (i = 0; i < cl_cfg.nodes; i++) {
			if (s->chan[i][i].len && !s->node[i].crashed) {
				cl_deliver(s, i, i);
				more = true;
			}
		}
	}
}

/* Threads whose fault completed and have no refault budget left run now. */
static void cl_run_ready(struct cl_state *s)
{
	u32 i;

	for (i = 0; i < cl_cfg.nodes; i++)
		if (s->node[i].wait == CL_READY &&
		    s->node[i].refaults >= cl_cfg.refaults)
			cl_access(s, i, true);
}

static void cl_deliver(struct cl_state *s, u32 src, u32 dst)
{
	struct cl_chan *ch = &s->chan[src][dst];
	struct cl_msg c = ch->q[0];
	struct gvm_msg m = {
		.type = c.type, .flags = c.flags, .domain = 1, .src = src,
		.dst = dst, .region = 1,
		.arg = c.arg, .aux = c.aux, .txid = c.txid, .pfn = c.pfn,
		.version = c.version, .nranges = c.nranges,
		.ranges = c.nranges ? c.ranges : NULL,
		.page = c.has_page ? &c.value : NULL,
	};
	int r;

	memmove(&ch->q[0], &ch->q[1], (ch->len - 1) * sizeof(ch->q[0]));
	memset(&ch->q[--ch->len], 0, sizeof(ch->q[0]));
	/*
	 * Requests, forwards, NACKs and bounces are what retry loops are made
	 * of; anything else moves the protocol on.
	 */
	if (c.type != GVM_MSG_READ_REQ && c.type != GVM_MSG_WRITE_REQ &&
	    c.type != GVM_MSG_FWD_READ && c.type != GVM_MSG_FWD_WRITE &&
	    c.type != GVM_MSG_NACK && c.type != GVM_MSG_BOUNCE)
		memset(s->stuck, 0, sizeof(s->stuck));
	r = gvm_ivy_recv(&s->node[dst].ivy, &m);
	if (r)
		cl_fail("node %u: %s from %u rejected: %d", dst,
			gvm_msg_name(m.type), src, r);
}

/* Count a firing; true when every enabled timer is past CL_STUCK_MAX. */
static bool cl_stuck(struct cl_state *s, u32 node, const struct cl_timer *tm)
{
	u8 *c = &s->stuck[node][tm->pfn][tm->kind - 1];
	u32 i, j;

	if (*c <= CL_STUCK_MAX)
		(*c)++;
	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < CL_MAX_TIMERS; j++) {
			const struct cl_timer *o = &s->node[i].timers[j];

			if (cl_timer_enabled(s, i, o) &&
			    s->stuck[i][o->pfn][o->kind - 1] <= CL_STUCK_MAX)
				return false;
		}
	return *c > CL_STUCK_MAX;
}

static void cl_crash(struct cl_state *s, u32 x)
{
	struct cl_node *n = &s->node[x];
	u32 i;

	s->dead |= 1u << x;
	n->crashed = 1;
	n->wait = CL_IDLE;
	memset(n->timers, 0, sizeof(n->timers));
	/* Messages to it are lost; its own may still arrive. */
	for (i = 0; i < cl_cfg.nodes; i++)
		memset(&s->chan[i][x], 0, sizeof(s->chan[0][0]));
}

int cl_apply(struct cl_state *s, const struct cl_trans *t)
{
	struct cl_node *n = &s->node[t->a];
	struct cl_timer tm;
	int r;

	cl_live = s;
	switch (t->kind) {
	case CL_T_START:
		n->op_write = t->b >> 4;
		n->op_pfn = t->b & 15;
		cl_access(s, t->a, false);
		break;
	case CL_T_RETRY:
		cl_access(s, t->a, true);
		break;
	case CL_T_DELIVER:
		cl_deliver(s, t->a, t->b);
		break;
	case CL_T_TIMER:
		tm = n->timers[t->b];
		if (tm.kind == GVM_TIMER_REQUEST && !s->dead) {
			cl_fail("node %u: request for page %u timed out with no failure",
				t->a, tm.pfn);
			break;
		}
		/* Judged on the state the timer fired in. */
		if (cl_idle_net(s) && cl_stuck(s, t->a, &tm)) {
			cl_fail("livelock: every timer fired %d times with nothing in flight and no access done",
				CL_STUCK_MAX + 1);
			break;
		}
		memmove(&n->timers[t->b], &n->timers[t->b + 1],
			(CL_MAX_TIMERS - t->b - 1) * sizeof(tm));
		memset(&n->timers[CL_MAX_TIMERS - 1], 0, sizeof(tm));
		r = gvm_ivy_timer(&n->ivy, tm.kind, tm.pfn, tm.txid);
		if (r)
			cl_fail("node %u: timer returned %d", t->a, r);
		break;
	case CL_T_CRASH:
		cl_crash(s, t->a);
		break;
	case CL_T_DOWN:
		memset(s->stuck, 0, sizeof(s->stuck));
		r = gvm_ivy_node_down(&n->ivy, t->b);
		if (r)
			cl_fail("node %u: node_down(%u) returned %d", t->a,
				t->b, r);
		break;
	case CL_T_REPLAY:
		memset(s->stuck, 0, sizeof(s->stuck));
		s->replayed = 1;
		r = gvm_ivy_member_opened(&n->ivy, t->b);
		if (r)
			cl_fail("node %u: member_opened(%u) returned %d",
				t->a, t->b, r);
		break;
	case CL_T_ASK:
		s->reasked++;
		r = gvm_ivy_ask_again(&n->ivy, t->b,
				      gvm_ivy_home(&n->ivy, t->b));
		if (r != 1)
			cl_fail("node %u: ask_again(%u) returned %d", t->a,
				t->b, r);
		break;
	case CL_T_AHEAD:
		s->aheads++;
		r = gvm_ivy_read_ahead(&n->ivy, t->b);
		if (r != GVM_IVY_ASKED)
			cl_fail("node %u: read_ahead(%u) returned %d", t->a,
				t->b, r);
		break;
	default:
		cl_fail("bad transition %u", t->kind);
	}
	cl_drain_loopback(s);
	if (!cl_error[0])
		cl_run_ready(s);
	cl_drain_loopback(s);
	if (cl_error[0])
		return -1;
	return cl_check(s);
}

/* Single writer, and every valid copy holds the last value written. */
int cl_check(const struct cl_state *s)
{
	u32 p, i;

	for (p = 0; p < cl_cfg.pages; p++) {
		int owners = 0, excl = -1, valid = 0;

		for (i = 0; i < cl_cfg.nodes; i++) {
			const struct cl_node *n = &s->node[i];
			struct gvm_ivy_page tmp;
			const struct gvm_ivy_page *pg = gvm_ivy_peek(&n->ivy, p,
								     &tmp);

			if (n->crashed || pg->state == GVM_PG_INVALID)
				continue;
			valid++;
			owners += gvm_ivy_is_owner(pg);
			if (pg->state == GVM_PG_EXCLUSIVE)
				excl = i;
			if (n->value[p] != s->latest[p])
				return cl_fail("node %u holds %#x for page %u (%s), the last write stored %#x",
					       i, n->value[p], p,
					       gvm_page_state_name(pg->state),
					       s->latest[p]);
		}
		if (owners > 1)
			return cl_fail("page %u has %d owners", p, owners);
		if (excl >= 0 && valid > 1)
			return cl_fail("page %u: node %d writes while %d copies are valid",
				       p, excl, valid - 1);
	}
	return 0;
}

bool cl_quiescent(const struct cl_state *s)
{
	struct cl_trans t[CL_MAX_TRANS];

	return cl_enabled(s, t) == 0;
}

/*
 * After two failures a page may have gone to a node that failed while the
 * home that saw it go failed too: the next home points at the node that
 * handed it on. An access finds out: the home forwards, each live node on
 * the way bounces with the node it gave the page to, and the first failed
 * one makes the page lost. True when that walk ends at a failed node.
 */
static bool cl_lost_on_access(const struct cl_state *s, u32 p, u32 at)
{
	struct gvm_ivy_page tmp;
	u32 steps;

	for (steps = 0; steps < cl_cfg.nodes; steps++) {
		if (at >= cl_cfg.nodes)
			return false;
		if (s->node[at].crashed)
			return true;
		at = gvm_ivy_peek(&s->node[at].ivy, p, &tmp)->hint;
	}
	return false;
}

/* No transition left: everything must have settled. */
int cl_check_final(const struct cl_state *s)
{
	u32 p, i, home = 0;

	for (i = 0; i < cl_cfg.nodes; i++) {
		const struct cl_node *n = &s->node[i];

		if (n->crashed)
			continue;
		if (n->wait != CL_IDLE)
			return cl_fail("deadlock: node %u waits for page %u",
				       i, n->op_pfn);
		for (p = 0; p < cl_cfg.pages; p++) {
			struct gvm_ivy_page tmp;
			const struct gvm_ivy_page *pg = gvm_ivy_peek(&n->ivy, p,
								     &tmp);

			if (pg->want || (pg->flags & (GVM_PGF_ROUND |
						      GVM_PGF_RELAY)))
				return cl_fail("node %u page %u not settled: want %u flags %#x",
					       i, p, pg->want, pg->flags);
		}
	}
	for (p = 0; p < cl_cfg.pages; p++) {
		struct gvm_ivy_page htmp, otmp, tmp;
		const struct gvm_ivy_page *hp, *op;
		bool first = true;
		int owner = -1;

		for (i = 0; i < cl_cfg.nodes; i++) {
			u32 h;

			if (s->node[i].crashed)
				continue;
			h = gvm_ivy_home(&s->node[i].ivy, p);
			if (first)
				home = h;
			else if (h != home)
				return cl_fail("nodes disagree on the home of page %u",
					       p);
			first = false;
		}
		for (i = 0; i < cl_cfg.nodes; i++)
			if (!s->node[i].crashed &&
			    gvm_ivy_is_owner(gvm_ivy_peek(&s->node[i].ivy, p,
							  &tmp)))
				owner = i;
		hp = gvm_ivy_peek(&s->node[home].ivy, p, &htmp);
		if ((hp->dir & GVM_DIR_BUSY) || hp->q_head)
			return cl_fail("home %u of page %u still busy (dir %#x)",
				       home, p, hp->dir);
		if (hp->dir & GVM_DIR_LOST) {
			if (owner >= 0)
				return cl_fail("page %u lost at home %u but owned by %d",
					       p, home, owner);
			if (!s->dead)
				return cl_fail("page %u lost with no failure",
					       p);
			continue;
		}
		if (owner < 0 && !cl_lost_on_access(s, p, hp->dir_owner))
			return cl_fail("page %u has no owner and is not lost",
				       p);
		if (owner < 0)
			continue;
		op = gvm_ivy_peek(&s->node[owner].ivy, p, &otmp);
		if (hp->dir_owner != (u32)owner)
			return cl_fail("home %u says page %u is at %u, owner is %d",
				       home, p, hp->dir_owner, owner);
		if (hp->dir_version != op->version)
			return cl_fail("home %u has version %llu of page %u, owner %d has %llu",
				       home, (unsigned long long)hp->dir_version,
				       p, owner, (unsigned long long)op->version);
		for (i = 0; i < cl_cfg.nodes; i++) {
			const struct cl_node *n = &s->node[i];

			if (!n->crashed &&
			    gvm_ivy_peek(&n->ivy, p, &tmp)->state ==
			    GVM_PG_SHARED &&
			    !gvm_copyset_test(&op->cs, &s->node[owner].ivy.cs,
					      i))
				return cl_fail("node %u shares page %u but is not in owner %d's copyset",
					       i, p, owner);
		}
	}
	return 0;
}

void cl_describe(const struct cl_state *s, const struct cl_trans *t,
		 char *buf, size_t len)
{
	const struct cl_msg *c;

	switch (t->kind) {
	case CL_T_START:
		snprintf(buf, len, "node %u %s page %u", t->a,
			 t->b >> 4 ? "writes" : "reads", t->b & 15);
		break;
	case CL_T_RETRY:
		snprintf(buf, len, "node %u retries its access", t->a);
		break;
	case CL_T_DELIVER:
		c = &s->chan[t->a][t->b].q[0];
		snprintf(buf, len, "deliver %u -> %u %s pfn=%llu tx=%llx v%llu arg=%d aux=%d fl=%#x%s",
			 t->a, t->b, gvm_msg_name(c->type),
			 (unsigned long long)c->pfn,
			 (unsigned long long)c->txid,
			 (unsigned long long)c->version, (int)c->arg,
			 (int)c->aux, c->flags, c->nranges ? " +ranges" : "");
		break;
	case CL_T_TIMER:
		snprintf(buf, len, "node %u fires timer %u", t->a, t->b);
		break;
	case CL_T_CRASH:
		snprintf(buf, len, "node %u FAILS", t->a);
		break;
	case CL_T_DOWN:
		snprintf(buf, len, "node %u learns %u failed", t->a, t->b);
		break;
	case CL_T_REPLAY:
		snprintf(buf, len, "node %u replays the failure to %u", t->a,
			 t->b);
		break;
	case CL_T_ASK:
		snprintf(buf, len, "node %u asks again for page %u", t->a,
			 t->b);
		break;
	case CL_T_AHEAD:
		snprintf(buf, len, "node %u reads page %u ahead", t->a, t->b);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void cl_dump(const struct cl_state *s, FILE *f)
{
	u32 i, j, k, p;

	for (i = 0; i < cl_cfg.nodes; i++) {
		const struct cl_node *n = &s->node[i];

		fprintf(f, "  node %u%s wait=%u op=%s%u done=%u\n", i,
			n->crashed ? " (failed)" : "", n->wait,
			n->op_write ? "w" : "r", n->op_pfn, n->ops_done);
		for (p = 0; p < cl_cfg.pages; p++) {
			struct gvm_ivy_page tmp;
			const struct gvm_ivy_page *pg = gvm_ivy_peek(&n->ivy, p,
								     &tmp);

			fprintf(f, "    page %u: %s v%llu val=%#x want=%u flags=%#x dir=%#x dir_owner=%d dir_v=%llu cs=%u\n",
				p, gvm_page_state_name(pg->state),
				(unsigned long long)pg->version, n->value[p],
				pg->want, pg->flags, pg->dir, (int)pg->dir_owner,
				(unsigned long long)pg->dir_version,
				gvm_copyset_count(&pg->cs, &n->ivy.cs));
		}
	}
	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < cl_cfg.nodes; j++)
			for (k = 0; k < s->chan[i][j].len; k++) {
				const struct cl_msg *c = &s->chan[i][j].q[k];

				fprintf(f, "  chan %u->%u: %s pfn=%llu v%llu arg=%u aux=%d\n",
					i, j, gvm_msg_name(c->type),
					(unsigned long long)c->pfn,
					(unsigned long long)c->version, c->arg,
					(int)c->aux);
			}
}

/*
 * Saved states hold only what varies: each node's engine, the used part of
 * its engine memory, its page contents and timers, and the messages in
 * flight. Unpacking rebuilds the fixed layout (at the live address, where
 * the engines' pointers point), zero elsewhere, so pack(unpack(x)) == x.
 */
static size_t cl_mem_used(void)
{
	static struct cl_config cached_for;
	static size_t used;
	struct gvm_ivy_cfg c;

	if (!used || memcmp(&cached_for, &cl_cfg, sizeof(cl_cfg))) {
		cl_engine_cfg(&c, 0);
		used = gvm_ivy_mem_size(&c);
		cached_for = cl_cfg;
	}
	return used;
}

#define CL_NODE_TAIL offsetof(struct cl_node, value)
#define CL_MSG_FIXED offsetof(struct cl_msg, ranges)

size_t cl_pack(const struct cl_state *s, u8 *buf)
{
	size_t mem = cl_mem_used(), off = 0;
	u32 i, j, k;

#define PUT(src, len) do { memcpy(buf + off, (src), (len)); off += (len); } while (0)
	for (i = 0; i < cl_cfg.nodes; i++) {
		const struct cl_node *n = &s->node[i];

		PUT(&n->ivy, sizeof(n->ivy));
		PUT(n->mem, mem);
		PUT(&n->value, sizeof(*n) - CL_NODE_TAIL);
	}
	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < cl_cfg.nodes; j++) {
			const struct cl_chan *ch = &s->chan[i][j];

			buf[off++] = ch->len;
			for (k = 0; k < ch->len; k++) {
				PUT(&ch->q[k], CL_MSG_FIXED);
				PUT(ch->q[k].ranges, ch->q[k].nranges *
				    sizeof(struct gvm_range));
			}
		}
	PUT(s->latest, sizeof(*s) - offsetof(struct cl_state, latest));
#undef PUT
	return off;
}

void cl_unpack(struct cl_state *s, const u8 *buf)
{
	size_t mem = cl_mem_used(), off = 0;
	u32 i, j, k;

	/* No memset: nothing reads past a channel's length or engine memory. */
#define GET(dst, len) do { memcpy((dst), buf + off, (len)); off += (len); } while (0)
	for (i = 0; i < cl_cfg.nodes; i++) {
		struct cl_node *n = &s->node[i];

		GET(&n->ivy, sizeof(n->ivy));
		GET(n->mem, mem);
		GET(&n->value, sizeof(*n) - CL_NODE_TAIL);
	}
	for (i = 0; i < cl_cfg.nodes; i++)
		for (j = 0; j < cl_cfg.nodes; j++) {
			struct cl_chan *ch = &s->chan[i][j];

			ch->len = buf[off++];
			for (k = 0; k < ch->len; k++) {
				GET(&ch->q[k], CL_MSG_FIXED);
				GET(ch->q[k].ranges, ch->q[k].nranges *
				    sizeof(struct gvm_range));
			}
		}
	GET(s->latest, sizeof(*s) - offsetof(struct cl_state, latest));
#undef GET
}

/* 64-bit hash of a packed state. */
u64 cl_hash(const u8 *buf, size_t len)
{
	u64 h0 = 0x9e3779b97f4a7c15ULL ^ len, h1 = 0xc2b2ae3d27d4eb4fULL, w;
	size_t i;

	for (i = 0; i + 16 <= len; i += 16) {
		memcpy(&w, buf + i, 8);
		h0 = (h0 ^ w) * 0xff51afd7ed558ccdULL;
		h0 ^= h0 >> 32;
		memcpy(&w, buf + i + 8, 8);
		h1 = (h1 ^ w) * 0xc4ceb9fe1a85ec53ULL;
		h1 ^= h1 >> 29;
	}
	for (; i < len; i++)
		h1 = (h1 ^ buf[i]) * 0x100000001b3ULL;
	h0 ^= h1 * 0x9e3779b97f4a7c15ULL;
	h0 ^= h0 >> 31;
	h0 *= 0xbf58476d1ce4e5b9ULL;
	return h0 ^ (h0 >> 29);
}
