// SPDX-License-Identifier: GPL-2.0
/*
 * Engine unit tests: each message type and transition on a small cluster
 * (selftests/mc/cluster.c) driven step by step, the message counts of the
 * fault paths, failures, and bad input.
 */
#include <stdarg.h>
#include "kselftest_harness.h"
#include "../mc/cluster.h"
#include "../../kernel/ivy/internal.h"

static struct cl_state S;

static void *malloc_for_selftest(size_t bytes)
{
	return malloc(bytes);
}

static void free_for_selftest(void *p, size_t bytes)
{
	free(p);
}

static void setup_cl(const struct cl_config *c)
{
	cl_setup(c);
	cl_init(&S);
	memset(cl_stats(), 0, sizeof(*cl_stats()));
}

static void setup(u32 nodes, u32 pages, u32 inv_flat, u32 inv_split,
		  u32 nwaiters)
{
	struct cl_config c = {
		.nodes = nodes, .pages = pages, .ops = 100,
		.inv_flat = inv_flat, .inv_split = inv_split,
		.nwaiters = nwaiters, .crash = 1,
	};

	setup_cl(&c);
}

static int apply(u8 kind, u8 a, u8 b)
{
	struct cl_trans t = { kind, a, b };

	return cl_apply(&S, &t);
}

/* Deliver messages (lowest channel first) until none is left. */
static int run(void)
{
	u32 i, j, n = 0;
	bool more = true;

	while (more) {
		more = false;
		for (i = 0; i < cl_cfg.nodes && !more; i++)
			for (j = 0; j < cl_cfg.nodes && !more; j++)
				if (S.chan[i][j].len && !S.node[j].crashed) {
					if (apply(CL_T_DELIVER, i, j))
						return -1;
					more = true;
					n++;
				}
	}
	return n;
}

static int access_page(u32 node, bool write, u32 pfn)
{
	if (apply(CL_T_START, node, (write << 4) | pfn))
		return -1;
	return run();
}

/* A few at once in one check: each call has its own copy for a while. */
static const struct gvm_ivy_page *pg(u32 node, u32 pfn)
{
	static struct gvm_ivy_page tmp[8];
	static unsigned int next;

	return gvm_ivy_peek(&S.node[node].ivy, pfn, &tmp[next++ % 8]);
}

static u64 sent(u8 type)
{
	return cl_stats()->sent[type];
}

static u64 sent_total(void)
{
	u64 n = 0;
	int t;

	for (t = 1; t <= GVM_MSG_MAX; t++)
		n += sent(t);
	return n;
}

static int inject(u32 dst, struct gvm_msg m)
{
	m.domain = 1;
	m.dst = dst;
	m.region = 1;
	return gvm_ivy_recv(&S.node[dst].ivy, &m);
}

/* Home of page p is node p % n; node 0 owns every page at start. */

TEST(read_fault_takes_three_messages)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(2, false, 1));
	EXPECT_EQ(1, sent(GVM_MSG_READ_REQ));
	EXPECT_EQ(1, sent(GVM_MSG_FWD_READ));
	EXPECT_EQ(1, sent(GVM_MSG_DATA));
	EXPECT_EQ(3, sent_total());
	EXPECT_EQ(GVM_PG_SHARED, pg(2, 1)->state);
	EXPECT_EQ(GVM_PG_OWNED, pg(0, 1)->state);
	EXPECT_TRUE(gvm_copyset_test(&pg(0, 1)->cs, &S.node[0].ivy.cs, 2));
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);
	EXPECT_EQ(1, S.node[2].ops_done);
	EXPECT_STREQ("", cl_error);
}

/* Read-ahead: asked once, waited for by nobody, joined by a fault. */
TEST(read_ahead_asks_once_and_a_fault_joins_it)
{
	struct gvm_ivy *ivy;

	setup(3, 2, 8, 0, 8);
	ivy = &S.node[2].ivy;
	EXPECT_EQ(GVM_IVY_ASKED, gvm_ivy_read_ahead(ivy, 1));
	EXPECT_EQ(GVM_IVY_WAIT, gvm_ivy_read_ahead(ivy, 1));	/* in flight */
	EXPECT_EQ(-EINVAL, gvm_ivy_read_ahead(ivy, 2));
	EXPECT_EQ(1, sent(GVM_MSG_READ_REQ));
	/* A fault on it meanwhile waits for that answer, asks nothing. */
	ASSERT_LE(0, access_page(2, false, 1));
	EXPECT_EQ(3, sent_total());
	EXPECT_EQ(1, S.node[2].ops_done);
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);
	EXPECT_EQ(1, cl_stats()->read_ahead);
	EXPECT_EQ(0, cl_stats()->read_faults);
	EXPECT_EQ(0, gvm_ivy_read_ahead(ivy, 1));		/* here */
	EXPECT_STREQ("", cl_error);
}

/* A copy read ahead is a sharer's copy like any: a write takes it. */
TEST(read_ahead_copy_is_invalidated_by_a_write)
{
	setup(3, 2, 8, 0, 8);
	EXPECT_EQ(GVM_IVY_ASKED, gvm_ivy_read_ahead(&S.node[2].ivy, 1));
	ASSERT_LE(0, run());
	EXPECT_EQ(GVM_PG_SHARED, pg(2, 1)->state);
	EXPECT_EQ(0, S.node[2].ops_done);
	EXPECT_TRUE(gvm_copyset_test(&pg(0, 1)->cs, &S.node[0].ivy.cs, 2));
	ASSERT_LE(0, access_page(1, true, 1));
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 1)->state);
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(1, 1)->state);
	ASSERT_LE(0, access_page(2, false, 1));
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);
	EXPECT_STREQ("", cl_error);
}

TEST(read_fault_home_is_owner_takes_two)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(1, false, 0));
	EXPECT_EQ(2, sent_total());
	EXPECT_EQ(0, sent(GVM_MSG_FWD_READ));	/* loopback, not sent */
	EXPECT_EQ(GVM_PG_SHARED, pg(1, 0)->state);
}

TEST(write_fault_moves_ownership)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(2, true, 1));
	EXPECT_EQ(1, sent(GVM_MSG_WRITE_REQ));
	EXPECT_EQ(1, sent(GVM_MSG_FWD_WRITE));
	EXPECT_EQ(1, sent(GVM_MSG_GRANT));
	EXPECT_EQ(1, sent(GVM_MSG_CONFIRM));
	EXPECT_EQ(4, sent_total());
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(2, 1)->state);
	EXPECT_EQ(1, pg(2, 1)->version);
	EXPECT_EQ(GVM_PG_INVALID, pg(0, 1)->state);
	EXPECT_EQ(2, pg(1, 1)->dir_owner);
	EXPECT_EQ(1, pg(1, 1)->dir_version);
	EXPECT_EQ(0, pg(1, 1)->dir & GVM_DIR_LOCKED);
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);
}

TEST(upgrade_of_current_copy_sends_no_data)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(2, false, 1));
	ASSERT_EQ(0, apply(CL_T_START, 2, 0x10 | 1));
	EXPECT_EQ(GVM_F_HAVE, S.chan[2][1].q[0].flags);
	EXPECT_EQ(0, S.chan[2][1].q[0].version);
	ASSERT_EQ(0, apply(CL_T_DELIVER, 2, 1));	/* WRITE_REQ */
	EXPECT_EQ(GVM_F_HAVE, S.chan[1][0].q[0].flags);
	ASSERT_EQ(0, apply(CL_T_DELIVER, 1, 0));	/* FWD_WRITE */
	ASSERT_EQ(1, S.chan[0][2].len);
	EXPECT_EQ(GVM_MSG_GRANT, S.chan[0][2].q[0].type);
	EXPECT_EQ(GVM_F_NODATA, S.chan[0][2].q[0].flags);
	EXPECT_EQ(0, S.chan[0][2].q[0].has_page);
	ASSERT_LE(0, run());
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(2, 1)->state);
	EXPECT_EQ(2, S.node[2].ops_done);
}

/*
 * A read request the requester gave up on is still served: the owner
 * counts it a sharer, but it dropped the DATA. Its write must get the page.
 */
TEST(sharer_by_a_superseded_read_still_gets_the_data)
{
	struct gvm_msg m = { .type = GVM_MSG_FWD_READ, .src = 1, .arg = 2,
			     .pfn = 1, .txid = 99 };

	setup(3, 2, 8, 0, 8);
	ASSERT_EQ(0, inject(0, m));
	ASSERT_LE(0, run());				/* DATA dropped */
	EXPECT_EQ(1, cl_stats()->stale);
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 1)->state);
	EXPECT_TRUE(gvm_copyset_test(&pg(0, 1)->cs, &S.node[0].ivy.cs, 2));
	ASSERT_EQ(0, apply(CL_T_START, 2, 0x10 | 1));
	EXPECT_EQ(0, S.chan[2][1].q[0].flags);		/* no copy held */
	ASSERT_LE(0, run());
	EXPECT_STREQ("", cl_error);
	EXPECT_EQ(0, cl_stats()->protocol_errors);
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(2, 1)->state);
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);
	EXPECT_EQ(1, S.node[2].ops_done);
}

/* A copy of another version than the owner's does not spare the data. */
TEST(copy_of_an_older_version_still_gets_the_data)
{
	struct gvm_msg m = { .type = GVM_MSG_FWD_WRITE, .src = 1, .arg = 2,
			     .pfn = 1, .txid = 99, .flags = GVM_F_HAVE,
			     .version = 7 };

	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(2, false, 1));
	ASSERT_EQ(0, inject(0, m));
	ASSERT_EQ(1, S.chan[0][2].len);
	EXPECT_EQ(GVM_MSG_GRANT, S.chan[0][2].q[0].type);
	EXPECT_EQ(0, S.chan[0][2].q[0].flags);
	EXPECT_EQ(1, S.chan[0][2].q[0].has_page);
}

TEST(owner_write_invalidates_sharers_in_parallel)
{
	setup(3, 1, 8, 0, 8);
	ASSERT_LE(0, access_page(1, false, 0));
	ASSERT_LE(0, access_page(2, false, 0));
	memset(cl_stats(), 0, sizeof(*cl_stats()));
	ASSERT_EQ(0, apply(CL_T_START, 0, 0x10));
	/* Both INVs are out before any ack comes back. */
	EXPECT_EQ(1, S.chan[0][1].len);
	EXPECT_EQ(1, S.chan[0][2].len);
	EXPECT_EQ(GVM_MSG_INV, S.chan[0][1].q[0].type);
	ASSERT_LE(0, run());
	EXPECT_EQ(2, sent(GVM_MSG_INV));
	EXPECT_EQ(2, sent(GVM_MSG_INV_ACK));
	EXPECT_EQ(4, sent_total());
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(0, 0)->state);
	EXPECT_EQ(GVM_PG_INVALID, pg(1, 0)->state);
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 0)->state);
	EXPECT_EQ(CL_POISON, S.node[1].value[0]);
	EXPECT_TRUE(gvm_copyset_empty(&pg(0, 0)->cs));
}

TEST(invalidation_through_relays)
{
	u32 i;

	setup(4, 1, 0, 128, 8);
	for (i = 1; i < 4; i++)
		ASSERT_LE(0, access_page(i, false, 0));
	memset(cl_stats(), 0, sizeof(*cl_stats()));
	ASSERT_EQ(0, apply(CL_T_START, 0, 0x10));
	/* Chunks of 2 and 1: node 1 relays to node 2, node 3 directly. */
	ASSERT_EQ(1, S.chan[0][1].len);
	EXPECT_EQ(1, S.chan[0][1].q[0].nranges);
	EXPECT_EQ(2, S.chan[0][1].q[0].ranges[0].first);
	EXPECT_EQ(1, S.chan[0][1].q[0].ranges[0].count);
	EXPECT_EQ(1, S.chan[0][3].len);
	EXPECT_EQ(0, S.chan[0][3].q[0].nranges);
	EXPECT_EQ(0, S.chan[0][2].len);
	ASSERT_LE(0, run());
	EXPECT_EQ(3, sent(GVM_MSG_INV));
	EXPECT_EQ(3, sent(GVM_MSG_INV_ACK));
	for (i = 1; i < 4; i++)
		EXPECT_EQ(GVM_PG_INVALID, pg(i, 0)->state);
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(0, 0)->state);
	EXPECT_EQ(0, pg(1, 0)->flags & GVM_PGF_RELAY);
}

TEST(full_home_queue_nacks_and_requester_retries)
{
	setup(3, 1, 8, 0, 1);
	ASSERT_EQ(0, apply(CL_T_START, 1, 0x10));
	ASSERT_EQ(0, apply(CL_T_DELIVER, 1, 0));	/* locks, GRANT out */
	ASSERT_TRUE(pg(0, 0)->dir & GVM_DIR_LOCKED);
	ASSERT_EQ(0, apply(CL_T_START, 2, 0x10));
	ASSERT_EQ(0, apply(CL_T_DELIVER, 2, 0));	/* queued */
	ASSERT_NE(0, pg(0, 0)->q_head);
	ASSERT_EQ(0, apply(CL_T_START, 0, 0x00));	/* queue full: NACK */
	EXPECT_EQ(GVM_TIMER_RETRY, S.node[0].timers[0].kind);
	EXPECT_TRUE(pg(0, 0)->flags & GVM_PGF_RETRY);
	ASSERT_LE(0, run());
	ASSERT_EQ(0, apply(CL_T_TIMER, 0, 0));
	ASSERT_LE(0, run());
	EXPECT_EQ(1, S.node[0].ops_done);
	EXPECT_EQ(1, S.node[1].ops_done);
	EXPECT_EQ(1, S.node[2].ops_done);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

TEST(forward_to_non_owner_bounces)
{
	struct gvm_msg m = { .type = GVM_MSG_FWD_READ, .src = 0, .arg = 2,
			     .txid = 99 };

	setup(3, 1, 8, 0, 8);
	ASSERT_EQ(0, inject(1, m));
	ASSERT_EQ(1, S.chan[1][0].len);
	EXPECT_EQ(GVM_MSG_BOUNCE, S.chan[1][0].q[0].type);
	EXPECT_EQ(2, S.chan[1][0].q[0].arg);
	EXPECT_EQ(0, S.chan[1][0].q[0].aux);	/* probable owner */
	/* Node 1 is not where the home points: it forwards there again. */
	ASSERT_EQ(0, apply(CL_T_DELIVER, 1, 0));
	EXPECT_EQ(0, pg(0, 0)->dir & GVM_DIR_RETRY);
	ASSERT_EQ(1, S.chan[0][2].len);
	EXPECT_EQ(GVM_MSG_DATA, S.chan[0][2].q[0].type);
	ASSERT_EQ(0, apply(CL_T_DELIVER, 0, 2));
	/* Node 2 never asked: the data is stale and ignored. */
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 0)->state);
	EXPECT_EQ(1, cl_stats()->stale);
}

TEST(bounce_from_busy_owner_retries_later)
{
	struct gvm_msg m = { .type = GVM_MSG_BOUNCE, .src = 0, .arg = 2,
			     .aux = 0, .txid = 99 };

	setup(3, 1, 8, 0, 8);
	/* The owner (node 0, also the home) says it is mid-round. */
	ASSERT_EQ(0, inject(0, m));
	EXPECT_TRUE(pg(0, 0)->dir & GVM_DIR_RETRY);
	ASSERT_EQ(GVM_TIMER_HOME, S.node[0].timers[0].kind);
	EXPECT_NE(0, pg(0, 0)->q_head);
	ASSERT_EQ(0, apply(CL_T_TIMER, 0, 0));
	EXPECT_EQ(0, pg(0, 0)->q_head);
	ASSERT_EQ(1, S.chan[0][2].len);
	EXPECT_EQ(GVM_MSG_DATA, S.chan[0][2].q[0].type);
}

TEST(bounce_toward_failed_node_loses_page)
{
	/* Node 1, where the home points, says it went to node 2. */
	struct gvm_msg m = { .type = GVM_MSG_BOUNCE, .src = 1, .arg = 0,
			     .aux = 2, .txid = 99 };

	setup(3, 1, 8, 0, 8);
	ASSERT_LE(0, access_page(1, true, 0));		/* node 1 owns it */
	ASSERT_EQ(1, pg(0, 0)->dir_owner);
	ASSERT_EQ(0, gvm_ivy_node_down(&S.node[0].ivy, 2));
	ASSERT_EQ(0, inject(0, m));
	EXPECT_TRUE(pg(0, 0)->dir & GVM_DIR_LOST);
	/* The bounced request is answered, loudly. */
	ASSERT_EQ(1, S.chan[0][0].len);
	EXPECT_EQ(GVM_MSG_NACK, S.chan[0][0].q[0].type);
	EXPECT_EQ(EHOSTDOWN, S.chan[0][0].q[0].arg);
}

TEST(stale_bounce_is_ignored)
{
	struct gvm_msg m = { .type = GVM_MSG_BOUNCE, .src = 1, .arg = 2,
			     .aux = 1, .txid = 99, .flags = GVM_F_WRITE };

	setup(3, 1, 8, 0, 8);
	ASSERT_EQ(0, inject(0, m));			/* no such lock */
	EXPECT_EQ(0, pg(0, 0)->dir);
	EXPECT_EQ(0, pg(0, 0)->q_head);
	EXPECT_EQ(1, cl_stats()->stale);
}

TEST(stale_messages_are_ignored)
{
	struct gvm_msg m = { .type = GVM_MSG_INV_ACK, .src = 1, .arg = 1,
			     .txid = 12345 };
	static u8 page[GVM_PAGE_SIZE];

	setup(3, 1, 8, 0, 8);
	EXPECT_EQ(0, inject(0, m));
	m.type = GVM_MSG_NACK;
	m.arg = EAGAIN;
	EXPECT_EQ(0, inject(2, m));
	m.type = GVM_MSG_DATA;
	m.arg = 0;
	m.page = page;
	EXPECT_EQ(0, inject(2, m));
	EXPECT_EQ(3, cl_stats()->stale);
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 0)->state);
	EXPECT_EQ(0, S.node[2].timers[0].kind);
}

TEST(protocol_violations_are_refused)
{
	struct gvm_msg m = { .type = GVM_MSG_GRANT, .src = 1, .txid = 7,
			     .version = 1 };
	static u8 page[GVM_PAGE_SIZE];

	setup(3, 1, 8, 0, 8);
	m.page = page;
	EXPECT_EQ(-EPROTO, inject(0, m));		/* 0 owns it already */
	m.page = NULL;
	m.flags = GVM_F_NODATA;
	EXPECT_EQ(-EPROTO, inject(2, m));		/* 2 holds no copy */
	m.flags = 0;
	EXPECT_EQ(-EPROTO, inject(2, m));		/* GRANT without page */
	m.type = GVM_MSG_INV;
	m.version = 5;
	EXPECT_EQ(-EPROTO, inject(0, m));		/* owner at v0 < 5 */
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(0, 0)->state);
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 0)->state);
	EXPECT_EQ(4, cl_stats()->protocol_errors);
}

TEST(bad_messages_are_refused)
{
	struct gvm_msg m = { .type = GVM_MSG_READ_REQ, .src = 1, .txid = 7 };
	struct gvm_msg bad;

	setup(3, 2, 8, 0, 8);
	bad = m;
	bad.pfn = 2;
	EXPECT_EQ(-EINVAL, inject(0, bad));		/* outside region */
	bad = m;
	bad.type = 0;
	EXPECT_EQ(-EINVAL, inject(0, bad));
	bad = m;
	bad.type = GVM_MSG_MAX + 1;
	EXPECT_EQ(-EINVAL, inject(0, bad));
	bad = m;
	bad.domain = 2;
	EXPECT_EQ(-EINVAL, gvm_ivy_recv(&S.node[0].ivy, &bad));
	bad = m;
	bad.src = 3;					/* not a member */
	EXPECT_EQ(-EPROTO, inject(0, bad));
	m.dst = 1;
	m.domain = 1;
	m.region = 1;
	EXPECT_EQ(-EINVAL, gvm_ivy_recv(&S.node[0].ivy, &m));	/* not ours */
	m.type = GVM_MSG_FWD_READ;
	m.arg = 3;
	EXPECT_EQ(-EPROTO, inject(0, m));		/* requester unknown */
	EXPECT_EQ(0, S.chan[0][1].len);
	EXPECT_EQ(0, S.chan[0][0].len);
}

TEST(bad_calls_are_refused)
{
	setup(3, 2, 8, 0, 8);
	EXPECT_EQ(-EINVAL, gvm_ivy_fault(&S.node[1].ivy, 2, false));
	EXPECT_EQ(-EINVAL, gvm_ivy_timer(&S.node[1].ivy, GVM_TIMER_RETRY, 2, 1));
	EXPECT_EQ(-EINVAL, gvm_ivy_timer(&S.node[1].ivy, 0, 0, 1));
	EXPECT_EQ(-EINVAL, gvm_ivy_node_down(&S.node[1].ivy, 1));	/* self */
	EXPECT_EQ(-EINVAL, gvm_ivy_node_down(&S.node[1].ivy, 3));
	EXPECT_EQ(0, gvm_ivy_node_down(&S.node[1].ivy, 2));
	EXPECT_EQ(0, gvm_ivy_node_down(&S.node[1].ivy, 2));	/* once */
	EXPECT_FALSE(gvm_ivy_alive(&S.node[1].ivy, 2));
}

TEST(config_is_validated)
{
	u32 members[] = { 0, 2, 5 }, unsorted[] = { 2, 0, 5 };
	struct gvm_ivy_cfg ok = {
		.self = 2, .nmembers = 3, .members = members, .id_space = 8,
		.npages = 4, .initial_owner = 5, .inv_flat = 8,
		.inv_split = 72, .nwaiters = 4,
	}, c;

	EXPECT_EQ(0, gvm_ivy_cfg_check(&ok));
	c = ok; c.self = 1;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.initial_owner = 3;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.members = unsorted;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.id_space = 5;				/* member 5 too big */
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.id_space = GVM_MAX_NODES + 1;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.nwaiters = 0;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.nwaiters = 65536;			/* queues count in u16 */
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.nwaiters = 65535;
	EXPECT_EQ(0, gvm_ivy_cfg_check(&c));
	c = ok; c.inv_split = 0;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.inv_split = 257;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.npages = 0;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.npages = ~0ULL;
	EXPECT_EQ(-E2BIG, gvm_ivy_cfg_check(&c));
	c = ok; c.members = NULL;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.rehome_slots = GVM_IVY_MAX_REHOME + 1;
	EXPECT_EQ(-EINVAL, gvm_ivy_cfg_check(&c));
	c = ok; c.rehome_slots = GVM_IVY_MAX_REHOME;
	EXPECT_EQ(0, gvm_ivy_cfg_check(&c));
}

TEST(owner_failure_fails_faults_never_zeros)
{
	setup(3, 1, 8, 0, 8);
	ASSERT_LE(0, access_page(1, true, 0));		/* node 1 owns it */
	ASSERT_EQ(0, apply(CL_T_CRASH, 1, 0));
	ASSERT_EQ(0, apply(CL_T_DOWN, 0, 1));
	ASSERT_EQ(0, apply(CL_T_DOWN, 2, 1));
	ASSERT_LE(0, run());
	EXPECT_TRUE(pg(0, 0)->dir & GVM_DIR_LOST);
	ASSERT_LE(0, access_page(2, false, 0));
	EXPECT_EQ(1, S.node[2].failed_ops);
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 0)->state);
	EXPECT_EQ(1, sent(GVM_MSG_NACK));
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

/*
 * A node keeps state for the pages it used, is asked about, or takes over
 * as home after a failure; untouched pages are read as they started, and
 * those of a failed initial owner are still lost, never zero.
 */
TEST(state_is_kept_for_pages_in_use)
{
	u32 i;

	/* 3 nodes, 4 pages: slot 0 = pages 0, 3 (one chunk), 1, 2. */
	setup(3, 4, 8, 0, 8);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, S.node[i].ivy.nchunks);
	ASSERT_LE(0, access_page(2, false, 1));		/* home 1, owner 0 */
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1, S.node[i].ivy.nchunks) TH_LOG("node %u", i);
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(0, 2)->state);	/* as it started */
	EXPECT_EQ(0, pg(2, 2)->dir_owner);

	ASSERT_EQ(0, apply(CL_T_CRASH, 0, 0));
	ASSERT_EQ(0, apply(CL_T_DOWN, 1, 0));
	ASSERT_EQ(0, apply(CL_T_DOWN, 2, 0));
	ASSERT_LE(0, run());
	/* Node 1 inherits slot 0; node 2's own slot lost its owner. */
	EXPECT_EQ(2, S.node[1].ivy.nchunks);
	EXPECT_EQ(2, S.node[2].ivy.nchunks);
	EXPECT_TRUE(pg(2, 2)->dir & GVM_DIR_LOST);
	EXPECT_TRUE(pg(1, 3)->dir & GVM_DIR_LOST);
	ASSERT_LE(0, access_page(1, false, 2));
	ASSERT_LE(0, access_page(2, true, 3));
	EXPECT_EQ(1, S.node[1].failed_ops);
	EXPECT_EQ(1, S.node[2].failed_ops);
	EXPECT_EQ(GVM_PG_INVALID, pg(2, 3)->state);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

TEST(home_failure_moves_the_directory)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(2, true, 1));		/* home 1, owner 2 */
	ASSERT_EQ(0, apply(CL_T_CRASH, 1, 0));
	ASSERT_EQ(0, apply(CL_T_DOWN, 0, 1));
	ASSERT_EQ(0, apply(CL_T_DOWN, 2, 1));
	ASSERT_LE(0, run());
	EXPECT_EQ(1, sent(GVM_MSG_REHOME_DONE));
	EXPECT_EQ(2, gvm_ivy_home(&S.node[0].ivy, 1));
	EXPECT_EQ(2, pg(2, 1)->dir_owner);
	ASSERT_LE(0, access_page(0, false, 1));
	EXPECT_EQ(0, S.node[0].failed_ops);
	EXPECT_EQ(S.latest[1], S.node[0].value[1]);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

TEST(announced_owner_survives_home_failure)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(0, true, 1));		/* home 1, owner 0 */
	ASSERT_EQ(0, apply(CL_T_CRASH, 1, 0));
	ASSERT_EQ(0, apply(CL_T_DOWN, 0, 1));		/* 0 announces to 2 */
	ASSERT_EQ(2, S.chan[0][2].len);
	EXPECT_EQ(GVM_MSG_ANNOUNCE, S.chan[0][2].q[0].type);
	EXPECT_EQ(GVM_MSG_REHOME_DONE, S.chan[0][2].q[1].type);
	ASSERT_EQ(0, apply(CL_T_DOWN, 2, 1));
	ASSERT_LE(0, run());
	EXPECT_EQ(0, pg(2, 1)->dir_owner);
	EXPECT_EQ(0, pg(2, 1)->dir & (GVM_DIR_UNKNOWN | GVM_DIR_LOST));
	ASSERT_LE(0, access_page(2, true, 1));
	EXPECT_EQ(0, S.node[2].failed_ops);
}

/*
 * Node 2 opens the region only after node 1 failed, so it heard neither
 * the failure nor node 0's claims on the pages it inherits (dropped here):
 * node 0 replays them when node 2 opens, and node 2 serves its new pages.
 */
TEST(member_opening_after_a_failure_inherits_its_pages)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(0, true, 1));		/* home 1, owner 0 */
	ASSERT_EQ(0, apply(CL_T_CRASH, 1, 0));
	ASSERT_EQ(0, apply(CL_T_DOWN, 0, 1));
	ASSERT_EQ(2, S.chan[0][2].len);
	S.chan[0][2].len = 0;				/* not open yet */
	EXPECT_TRUE(gvm_ivy_alive(&S.node[2].ivy, 1));

	EXPECT_EQ(-EINVAL, gvm_ivy_member_opened(&S.node[0].ivy, 0));
	EXPECT_EQ(-EINVAL, gvm_ivy_member_opened(&S.node[0].ivy, 1));
	ASSERT_EQ(0, gvm_ivy_member_opened(&S.node[0].ivy, 2));
	ASSERT_EQ(2, S.chan[0][2].len);
	EXPECT_EQ(GVM_MSG_ANNOUNCE, S.chan[0][2].q[0].type);
	EXPECT_EQ(1, S.chan[0][2].q[0].pfn);
	EXPECT_EQ(GVM_MSG_REHOME_DONE, S.chan[0][2].q[1].type);
	EXPECT_EQ(1, S.chan[0][2].q[1].arg);
	ASSERT_LE(0, run());
	EXPECT_FALSE(gvm_ivy_alive(&S.node[2].ivy, 1));
	EXPECT_EQ(0, pg(2, 1)->dir_owner);
	EXPECT_EQ(0, pg(2, 1)->dir & (GVM_DIR_UNKNOWN | GVM_DIR_LOST));
	ASSERT_LE(0, access_page(2, false, 1));
	EXPECT_EQ(0, S.node[2].failed_ops);
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);

	/* With nobody failed, opening sends nothing. */
	setup(3, 2, 8, 0, 8);
	ASSERT_EQ(0, gvm_ivy_member_opened(&S.node[0].ivy, 2));
	EXPECT_EQ(0, S.chan[0][2].len);
}

/*
 * A request reaches a home that has not opened the region yet and is
 * dropped there unread; once the home opens, the requester asks again at
 * once instead of waiting for the request to time out.
 */
TEST(request_to_a_home_not_open_yet_is_asked_again)
{
	setup(3, 2, 8, 0, 8);
	ASSERT_EQ(0, apply(CL_T_START, 2, 1));		/* read, home 1 */
	ASSERT_EQ(1, S.chan[2][1].len);
	EXPECT_EQ(GVM_MSG_READ_REQ, S.chan[2][1].q[0].type);
	S.chan[2][1].len = 0;				/* not open yet */

	/* Nothing waits on node 0 as a home, nor on page 0. */
	EXPECT_EQ(0, gvm_ivy_ask_again(&S.node[2].ivy, 1, 0));
	EXPECT_EQ(0, gvm_ivy_ask_again(&S.node[2].ivy, 0, 1));
	EXPECT_EQ(-EINVAL, gvm_ivy_ask_again(&S.node[2].ivy, 2, 1));
	EXPECT_EQ(0, S.chan[2][1].len);

	ASSERT_EQ(1, gvm_ivy_ask_again(&S.node[2].ivy, 1, 1));
	EXPECT_EQ(1, cl_stats()->retries);
	ASSERT_EQ(1, S.chan[2][1].len);
	EXPECT_EQ(pg(2, 1)->txid, S.chan[2][1].q[0].txid);
	ASSERT_LE(0, run());
	EXPECT_EQ(GVM_PG_SHARED, pg(2, 1)->state);
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);
	EXPECT_EQ(1, S.node[2].ops_done);
	/* Served: nothing is asked again. */
	EXPECT_EQ(0, gvm_ivy_ask_again(&S.node[2].ivy, 1, 1));
	EXPECT_STREQ("", cl_error);
}

TEST(requester_failure_is_settled_by_query)
{
	setup(3, 1, 8, 0, 8);
	ASSERT_LE(0, access_page(1, false, 0));		/* 0 owns, 1 shares */
	ASSERT_EQ(0, apply(CL_T_START, 2, 0x10));
	ASSERT_EQ(0, apply(CL_T_DELIVER, 2, 0));	/* locked, INV to 1 */
	ASSERT_TRUE(pg(0, 0)->flags & GVM_PGF_ROUND);
	ASSERT_EQ(0, apply(CL_T_CRASH, 2, 0));
	ASSERT_EQ(0, apply(CL_T_DOWN, 0, 2));		/* abort, QUERY self */
	EXPECT_EQ(0, pg(0, 0)->flags & GVM_PGF_ROUND);
	ASSERT_EQ(0, apply(CL_T_DOWN, 1, 2));
	ASSERT_LE(0, run());
	EXPECT_EQ(GVM_PG_OWNED, pg(0, 0)->state);	/* kept the page */
	EXPECT_EQ(0, pg(0, 0)->dir & (GVM_DIR_LOCKED | GVM_DIR_QUERY));
	ASSERT_LE(0, access_page(1, true, 0));
	EXPECT_EQ(0, S.node[1].failed_ops);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

TEST(page_handed_to_failed_node_is_lost_loudly)
{
	setup(3, 1, 8, 0, 8);
	ASSERT_EQ(0, apply(CL_T_START, 1, 0x10));
	ASSERT_EQ(0, apply(CL_T_DELIVER, 1, 0));	/* GRANT on its way */
	ASSERT_EQ(0, apply(CL_T_CRASH, 1, 0));		/* ... and lost */
	ASSERT_EQ(0, apply(CL_T_DOWN, 0, 1));
	ASSERT_EQ(0, apply(CL_T_DOWN, 2, 1));
	ASSERT_LE(0, run());
	EXPECT_TRUE(pg(0, 0)->dir & GVM_DIR_LOST);
	ASSERT_LE(0, access_page(2, false, 0));
	EXPECT_EQ(1, S.node[2].failed_ops);
	ASSERT_LE(0, access_page(0, true, 0));
	EXPECT_EQ(1, S.node[0].failed_ops);
}

/* ---- two failures: counterexamples the model checker found ------------ */

/*
 * Replay a run of page 0 written as words: "S1r" node 1 reads (S2w: writes),
 * "D20" deliver the head of channel 2 -> 0, "C0" node 0 fails, "K13" node
 * 1 learns that 3 failed. The words come in strings, then NULL. 0, or -1
 * (a delivery from an empty channel: the run went another way).
 */
static int replay_word(const char *w)
{
	u8 a = w[1] - '0', b = w[2] - '0';

	switch (w[0]) {
	case 'S':
		return apply(CL_T_START, a, w[2] == 'w' ? 0x10 : 0) ? -1 : 0;
	case 'D':
		return !S.chan[a][b].len || apply(CL_T_DELIVER, a, b) ? -1 : 0;
	case 'C':
		return apply(CL_T_CRASH, a, 0) ? -1 : 0;
	case 'K':
		return apply(CL_T_DOWN, a, b) ? -1 : 0;
	}
	return -1;
}

static int replay(const char *words, ...)
{
	va_list ap;
	int ret = 0;

	va_start(ap, words);
	for (; words && !ret; words = va_arg(ap, const char *)) {
		const char *w = words;

		while (w && !ret) {
			ret = replay_word(w);
			w = strchr(w, ' ');
			if (w)
				w++;
		}
	}
	va_end(ap);
	return ret;
}

/*
 * Node 3's write is forwarded to the owner 3 itself gets the page from (v1
 * at 3 by an earlier write), and 2's write to 3 after it; the home (0) and
 * 2 fail. 3 announces v1 to the next home (1), then learns 2 failed and
 * abandons the round for it, which moves the version to v2: the next home
 * must learn that too.
 */
TEST(abandoned_round_moves_the_version_the_next_home_knows)
{
	setup(4, 1, 8, 0, 8);
	ASSERT_EQ(0, replay("S0r S1r S2w S3w D10 D30 C2 K12 D01 D01 D10 D10",
			    "D03 D20 D30 D03 D03 D31 D31 C0 K10 K30 D13 D13",
			    "D31 D31", NULL)) TH_LOG("%s", cl_error);
	ASSERT_LE(0, run());
	EXPECT_TRUE(gvm_ivy_is_owner(pg(3, 0)));
	EXPECT_EQ(3, pg(1, 0)->dir_owner);
	EXPECT_EQ(pg(3, 0)->version, pg(1, 0)->dir_version);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

/* The same, where the owner is the next home itself (1). */
TEST(abandoned_round_moves_the_version_in_our_own_directory)
{
	setup(4, 1, 8, 0, 8);
	ASSERT_EQ(0, replay("S0r S1w S2r S3w D10 D01 D10 D20 D01 D12 D30 D01",
			    "D12 C0 C3 K10 K13 D21 K20 D21 K23 D21", NULL))
		TH_LOG("%s", cl_error);
	ASSERT_LE(0, run());
	EXPECT_TRUE(gvm_ivy_is_owner(pg(1, 0)));
	EXPECT_EQ(pg(1, 0)->version, pg(1, 0)->dir_version);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

/*
 * The next home (1) forwards 3's write to 2, which announced the page; a
 * CONFIRM from 3 (its earlier write, served by the failed home) then puts
 * the page at 3, and 2 fails: the write it was sent to 2 for must not hold
 * the page locked for good.
 */
TEST(write_sent_to_a_node_that_failed_after_a_claim_is_settled)
{
	setup(4, 1, 8, 0, 8);
	ASSERT_EQ(0, replay("S0r S1r S2w S3w D20 D02 D10 D20 D02 D21 D30 D02",
			    "D21 C0 K10 K20 D12 D21 D21 C2 K30 D23 D31 D31",
			    "D31 K12 D13", NULL)) TH_LOG("%s", cl_error);
	ASSERT_LE(0, run());
	EXPECT_EQ(0, pg(1, 0)->dir & GVM_DIR_BUSY);
	EXPECT_EQ(3, pg(1, 0)->dir_owner);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

/*
 * Both ends of a write at the next home fail in turn; the one asked about
 * it (2) had sent it back already: that bounce ends the query too.
 */
TEST(bounce_of_a_write_ends_the_query_about_it)
{
	setup(4, 1, 8, 0, 8);
	ASSERT_EQ(0, replay("S0r S1r S2w S3w D20 D02 D10 D20 D02 D21 D30 D02",
			    "D21 C0 K10 K20 D12 D21 D21 K30 D23 D31 D12 D31",
			    "D31 C3 K13 D12 D21 D21 D21", NULL))
		TH_LOG("%s", cl_error);
	ASSERT_LE(0, run());
	EXPECT_EQ(0, pg(1, 0)->dir & GVM_DIR_BUSY);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

/*
 * The page reached 3 (its CONFIRM came in while a write held the page at
 * the next home), then 3 failed: once the write is over, the page is lost,
 * loudly, rather than forwarded to 3 forever.
 */
TEST(owner_that_failed_during_a_write_is_lost_after_it)
{
	u8 failed;

	setup(4, 1, 8, 0, 8);
	ASSERT_EQ(0, replay("S1r S2w S3w D20 D02 D10 D20 D02 D30 D02 C0 K10",
			    "D21 D21 K20 D12 D21 D12 D21 K30 D23 D31 D12 D21",
			    "D31 D31 C3 K13 D12 D21 D21 D21", NULL))
		TH_LOG("%s", cl_error);
	ASSERT_LE(0, run());
	EXPECT_TRUE(pg(1, 0)->dir & GVM_DIR_LOST);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
	failed = S.node[2].failed_ops;
	ASSERT_LE(0, access_page(2, false, 0));
	EXPECT_EQ(failed + 1, S.node[2].failed_ops);
}

/*
 * A write from 2 at the next home (1) went to 3, the owner the failed home
 * had recorded; node 3's CONFIRM of an earlier write (served by the failed
 * home) then put the page at 3 in 1's directory, after which 2 fails. The
 * write is moot, as if bounced: the page is at a live node, not lost, and
 * the next write (1's own) gets it from there.
 */
TEST(claim_at_a_live_node_makes_a_write_whose_requester_failed_moot)
{
	setup(4, 1, 8, 0, 8);
	ASSERT_EQ(0, replay("S1w S2w S3w D20 S0r D02 D20 D02 D20 D30 D02 D10",
			    "D20 C0 K10 K20 D21 D12 D21 D23 C2 K30 D31 D31",
			    "K12 D13", NULL)) TH_LOG("%s", cl_error);
	/* 2's write gave way to 1's own, which went to 3. */
	EXPECT_EQ(GVM_DIR_LOCKED, pg(1, 0)->dir);
	EXPECT_EQ(1, pg(1, 0)->dir_req);
	EXPECT_EQ(3, pg(1, 0)->dir_fwd);
	ASSERT_LE(0, run());
	EXPECT_TRUE(gvm_ivy_is_owner(pg(1, 0)));
	EXPECT_EQ(0, S.node[1].failed_ops);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

/*
 * Node 2 inherits from both failed homes with room to wait for one: 1's
 * barrier takes the slot, 0's waits. The page homed at 0 that survivor 3
 * owns is not called lost meanwhile (2's read of it waits and is served);
 * 3's report on 0 came while there was no room, so 2 asks for it again
 * once the slot frees, and the page only node 0 held is lost then.
 */
TEST(failure_beyond_the_rehome_slots_waits_for_one)
{
	struct cl_config c = {
		.nodes = 4, .pages = 2, .ops = 100, .inv_flat = 8,
		.crash = 2, .rehome = 1,
	};

	setup_cl(&c);
	ASSERT_LE(0, access_page(3, true, 0));		/* home 0, owner 3 */
	ASSERT_EQ(0, replay("C0 C1 K21 K20 S20 K30 K31", NULL))
		TH_LOG("%s", cl_error);
	EXPECT_EQ(1, S.node[2].ivy.rehome[0].failed);
	EXPECT_TRUE(pg(2, 0)->dir & GVM_DIR_UNKNOWN);
	EXPECT_EQ(0, pg(2, 0)->dir & GVM_DIR_LOST);
	/* 3 announces page 0, reports on 0 (no room: dropped), then on 1. */
	ASSERT_EQ(0, replay("D32 D32", NULL)) TH_LOG("%s", cl_error);
	EXPECT_EQ(3, pg(2, 0)->dir_owner);
	ASSERT_EQ(0, replay("D32", NULL)) TH_LOG("%s", cl_error);
	EXPECT_EQ(0, S.node[2].ivy.rehome[0].failed);
	/* 2's read went to 3 when it claimed the page, then the question. */
	ASSERT_EQ(2, S.chan[2][3].len);
	EXPECT_EQ(GVM_MSG_FWD_READ, S.chan[2][3].q[0].type);
	EXPECT_EQ(GVM_MSG_REHOME_DONE, S.chan[2][3].q[1].type);
	EXPECT_EQ(GVM_F_REPLY, S.chan[2][3].q[1].flags);
	EXPECT_EQ(0, S.chan[2][3].q[1].arg);
	EXPECT_TRUE(pg(2, 1)->dir & GVM_DIR_LOST);
	ASSERT_LE(0, run());
	EXPECT_EQ(GVM_NODE_NONE, S.node[2].ivy.rehome[0].failed);
	EXPECT_EQ(0, S.node[2].failed_ops);
	EXPECT_EQ(S.latest[0], S.node[2].value[0]);
	ASSERT_LE(0, access_page(3, false, 1));
	EXPECT_EQ(1, S.node[3].failed_ops);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
}

TEST(detach_hands_pages_off_and_loses_none)
{
	struct gvm_msg m = { .type = GVM_MSG_HANDOFF, .src = 1 };
	u32 n;

	setup(3, 2, 8, 0, 8);
	ASSERT_LE(0, access_page(2, false, 0));		/* a copy at 2 */
	ASSERT_LE(0, access_page(1, true, 0));		/* 1 owns both */
	ASSERT_LE(0, access_page(1, true, 1));
	/* Page 0 to its home 0; 1 is page 1's home: to the next member. */
	m.pfn = 0;
	ASSERT_EQ(0, inject(0, m));
	m.pfn = 1;
	ASSERT_EQ(0, inject(2, m));
	ASSERT_LE(0, run());
	EXPECT_EQ(GVM_PG_INVALID, pg(1, 0)->state);
	EXPECT_EQ(GVM_PG_INVALID, pg(1, 1)->state);
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(0, 0)->state);
	EXPECT_EQ(GVM_PG_EXCLUSIVE, pg(2, 1)->state);
	EXPECT_EQ(S.latest[0], S.node[0].value[0]);
	EXPECT_EQ(S.latest[1], S.node[2].value[1]);

	/* It goes: the others take DETACH as a failure that loses nothing. */
	ASSERT_EQ(0, apply(CL_T_CRASH, 1, 0));
	m = (struct gvm_msg){ .type = GVM_MSG_DETACH, .src = 1 };
	for (n = 0; n < 3; n += 2)
		ASSERT_EQ(0, inject(n, m));
	ASSERT_LE(0, run());
	EXPECT_EQ(0, cl_stats()->pages_lost);
	EXPECT_EQ(2, gvm_ivy_home(&S.node[0].ivy, 1));
	ASSERT_LE(0, access_page(2, false, 0));
	ASSERT_LE(0, access_page(0, true, 1));
	EXPECT_EQ(0, S.node[0].failed_ops + S.node[2].failed_ops);
	EXPECT_EQ(S.latest[0], S.node[2].value[0]);
	EXPECT_EQ(0, cl_check_final(&S)) TH_LOG("%s", cl_error);
	/* A DETACH claiming to come from the receiver itself is refused. */
	m.src = 0;
	EXPECT_EQ(-EINVAL, inject(0, m));
}

/* ---- one engine among many members ---------------------------------- */

#define MANY		40
#define MANY_PAGES	4000	/* 100 pages a slot: four chunks */

static u32 many_members[MANY];
static u32 many_to[MANY * 2];	/* ANNOUNCEs by destination id */
static u64 many_pages[MANY];	/* ANNOUNCEs by slot (pfn % MANY) */
static u32 many_done[MANY * 2];	/* REHOME_DONEs by destination id */

static void many_emit(void *priv, const struct gvm_ivy_action *a)
{
	if (a->type != GVM_ACT_SEND)
		return;
	if (a->msg->type == GVM_MSG_ANNOUNCE) {
		many_to[a->msg->dst]++;
		many_pages[a->msg->pfn % MANY]++;
	} else if (a->msg->type == GVM_MSG_REHOME_DONE) {
		many_done[a->msg->dst]++;
	}
}

static const struct gvm_ivy_ops many_ops = {
	.emit = many_emit, .alloc = malloc_for_selftest,
	.free = free_for_selftest,
};

/* Member i is node 2i + 1; @self is a member index. */
static void *many_setup(struct gvm_ivy *ivy, u32 self)
{
	static struct gvm_range scratch[GVM_IVY_SCRATCH_RANGES];
	struct gvm_ivy_cfg cfg = {
		.domain = 1, .region = 1, .nmembers = MANY,
		.members = many_members, .id_space = 2 * MANY,
		.npages = MANY_PAGES, .inv_flat = GVM_IVY_INV_FLAT,
		.inv_split = GVM_IVY_INV_SPLIT, .nwaiters = 8,
	};
	void *mem;
	u32 i;

	for (i = 0; i < MANY; i++)
		many_members[i] = 2 * i + 1;
	cfg.self = many_members[self];
	cfg.initial_owner = many_members[0];
	mem = malloc(gvm_ivy_mem_size(&cfg));
	if (mem && gvm_ivy_init(ivy, &cfg, mem, &many_ops, NULL, NULL,
				scratch)) {
		free(mem);
		mem = NULL;
	}
	memset(many_to, 0, sizeof(many_to));
	memset(many_pages, 0, sizeof(many_pages));
	memset(many_done, 0, sizeof(many_done));
	return mem;
}

/* Slot @i's home, one member at a time. */
static u32 home_of_slot(const struct gvm_ivy *ivy, u32 i, u32 also_alive)
{
	u32 k;

	for (k = 0; k < MANY; k++) {
		u32 id = many_members[(i + k) % MANY];

		if (id == also_alive || gvm_ivy_alive(ivy, id))
			return id;
	}
	return GVM_NODE_NONE;
}

TEST(homes_walked_in_one_pass_are_each_slots_home)
{
	struct gvm_ivy ivy;
	void *mem = many_setup(&ivy, 7);
	u32 round, i, dead[] = { 0, 1, 2, 5, 6, 20, 21, 22, 23, 36, 37, 38, 39 };

	ASSERT_NE(NULL, mem);
	for (i = 0; i < ARRAY_SIZE(dead); i++)
		ASSERT_EQ(0, gvm_ivy_node_down(&ivy, many_members[dead[i]]));
	/*
	 * Runs of failed members, one wrapping round the end; slots walked
	 * whole, every third, and from the middle; with no member counted
	 * alive, with a failed one at the end of a run, and with one inside.
	 */
	for (round = 0; round < 9; round++) {
		u32 also = round % 3 == 0 ? GVM_NODE_NONE :
			   round % 3 == 1 ? many_members[39] : many_members[21];
		u32 step = round / 3 == 1 ? 3 : 1, from = round / 3 == 2 ? 17 : 0;
		struct ivy_home_walk w = { .also_alive = also };

		for (i = from; i < MANY; i += step)
			EXPECT_EQ(home_of_slot(&ivy, i, also),
				  ivy_walk_home(&ivy, &w, i))
				TH_LOG("round %u slot %u", round, i);
	}
	gvm_ivy_destroy(&ivy);
	free(mem);
}

TEST(failures_in_a_row_announce_each_slot_to_its_next_home)
{
	struct gvm_ivy ivy;
	void *mem = many_setup(&ivy, 0);	/* the initial owner */
	struct gvm_ivy_page tmp;
	u32 i;

	ASSERT_NE(NULL, mem);
	/* Members 10, 11, 12 fail in turn: their slots move on each time. */
	ASSERT_EQ(0, gvm_ivy_node_down(&ivy, many_members[10]));
	EXPECT_EQ(100, many_to[many_members[11]]);
	EXPECT_EQ(100, many_pages[10]);
	EXPECT_EQ(4, ivy.nchunks);
	ASSERT_EQ(0, gvm_ivy_node_down(&ivy, many_members[11]));
	ASSERT_EQ(0, gvm_ivy_node_down(&ivy, many_members[12]));
	EXPECT_EQ(100, many_to[many_members[11]]);
	EXPECT_EQ(200, many_to[many_members[12]]);
	EXPECT_EQ(300, many_to[many_members[13]]);
	/* Slot 10's pages each time, 11's twice, 12's once. */
	EXPECT_EQ(300, many_pages[10]);
	EXPECT_EQ(200, many_pages[11]);
	EXPECT_EQ(100, many_pages[12]);
	EXPECT_EQ(12, ivy.nchunks);
	/* Each failure: one REHOME_DONE per failed member whose home it was. */
	EXPECT_EQ(1, many_done[many_members[11]]);
	EXPECT_EQ(2, many_done[many_members[12]]);
	EXPECT_EQ(3, many_done[many_members[13]]);

	/* The last member fails: its slot wraps round to us, the new home. */
	ASSERT_EQ(0, gvm_ivy_node_down(&ivy, many_members[MANY - 1]));
	EXPECT_EQ(0, many_pages[MANY - 1]);
	EXPECT_EQ(0, many_done[many_members[0]]);
	for (i = 0; i < 100; i++)
		EXPECT_EQ(many_members[0],
			  gvm_ivy_peek(&ivy, MANY - 1 + i * MANY,
				       &tmp)->dir_owner);
	gvm_ivy_destroy(&ivy);
	free(mem);
}

TEST(in_kernel_selftest)
{
	static const struct gvm_ivy_ops mem = {
		.alloc = malloc_for_selftest, .free = free_for_selftest,
	};

	EXPECT_EQ(0, gvm_ivy_selftest(&mem));
}

TEST_HARNESS_MAIN
