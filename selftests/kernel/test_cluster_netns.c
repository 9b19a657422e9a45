// SPDX-License-Identifier: GPL-2.0
/*
 * A three-node cluster in one kernel: each node in its own network
 * namespace (gvmns0..2, 10.1.0.1..3 on a bridge, set up by the role script
 * with ip(8)), one domain per namespace, eager connections. Every node must
 * see every other up within 5 s; a node whose link is cut is seen down, with
 * an event, within its timeout; back up once the link returns; and when it
 * deletes its domain the others see it as left, not failed.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gvm_harness.h"
#include "gvm_ns.h"

#define NODES		3
#define DOMAIN		5
#define PORT		7000
#define HEARTBEAT_MS	200
#define TIMEOUT_MS	1000
#define DOWN_LIMIT_MS	(TIMEOUT_MS + 500)

static const struct gvm_ns_cfg cfg = {
	.nodes = NODES, .domain = DOMAIN, .port = PORT,
	.heartbeat_ms = HEARTBEAT_MS, .timeout_ms = TIMEOUT_MS,
};

/* A netlink socket (and an event socket) inside each namespace. */
FIXTURE(cluster) {
	struct gvm_nl g[NODES], ev[NODES];
};

/* The first @cmd event about @who on @ev within @limit_ms. */
static bool got_event(struct gvm_nl *ev, uint8_t cmd, int who, long limit_ms)
{
	long end = gvm_deadline(limit_ms);
	struct gvm_entry e;

	while (!gvm_nl_event_by(ev, end, &e))
		if (e.cmd == cmd && e.node == (uint32_t)who)
			return true;
	return false;
}

FIXTURE_SETUP(cluster)
{
	int i;

	for (i = 0; i < NODES; i++) {
		ASSERT_EQ(0, gvm_enter_ns(i)) TH_LOG("no namespace gvmns%d", i);
		ASSERT_EQ(0, gvm_nl_open(&self->g[i]));
		ASSERT_EQ(0, gvm_nl_open(&self->ev[i]));
		ASSERT_EQ(0, gvm_nl_subscribe(&self->ev[i]));
	}
	ASSERT_EQ(0, gvm_leave_ns());
}

FIXTURE_TEARDOWN(cluster)
{
	int i;

	for (i = 0; i < NODES; i++) {
		gvm_domain_del(&self->g[i], DOMAIN);
		gvm_nl_close(&self->g[i]);
		gvm_nl_close(&self->ev[i]);
	}
	gvm_link_set(2, true);
}

TEST_F(cluster, up_down_back_and_left)
{
	long ms;
	int i, j;

	for (i = 0; i < NODES; i++)
		ASSERT_EQ(0, gvm_ns_join(&self->g[i], i, &cfg))
			TH_LOG("node %d: %s", i, self->g[i].extack);

	/* Everyone sees everyone up within 5 s. */
	for (j = 0; j < NODES; j++) {
		ms = gvm_wait_state(self->g, &cfg, 7 & ~(1u << j), j, GVM_NODE_UP, 5000);
		ASSERT_LE(0, ms) TH_LOG("node %d not seen up", j);
		gvm_report("node %d seen up by the others in %ld ms\n", j,
			   ms);
	}

	/* Node 2's link is cut: the others see it down, with an event. */
	ASSERT_EQ(0, gvm_link_set(2, false));
	/*
	 * Within the timeout (typically 950-990 ms here); the slack covers
	 * polling and a TCG guest starved by a busy host.
	 */
	ms = gvm_wait_state(self->g, &cfg, 3, 2, GVM_NODE_DOWN, DOWN_LIMIT_MS);
	ASSERT_LE(0, ms) TH_LOG("node 2 not seen down within %ld ms of the cut",
				gvm_ms(DOWN_LIMIT_MS));
	gvm_report("node 2 seen down %ld ms after the cut (timeout %ld ms)\n",
		   ms, gvm_ms(TIMEOUT_MS));
	EXPECT_TRUE(got_event(&self->ev[0], GVM_CMD_NODE_DOWN, 2, 1000));
	EXPECT_TRUE(got_event(&self->ev[1], GVM_CMD_NODE_DOWN, 2, 1000));

	/* The link returns: up again. */
	ASSERT_EQ(0, gvm_link_set(2, true));
	ms = gvm_wait_state(self->g, &cfg, 3, 2, GVM_NODE_UP, 15000);
	ASSERT_LE(0, ms) TH_LOG("node 2 not seen up again");
	gvm_report("node 2 up again %ld ms after the link returned\n", ms);
	EXPECT_TRUE(got_event(&self->ev[0], GVM_CMD_NODE_UP, 2, 1000));

	/*
	 * Node 2 leaves: left, not down. LEAVE goes on the connections that
	 * are up at node 2, so first node 2 sees the others up too (they may
	 * see it up a little earlier, on their own connections to it).
	 */
	for (j = 0; j < 2; j++)
		ASSERT_LE(0, gvm_wait_state(self->g, &cfg, 4, j, GVM_NODE_UP,
					    5000))
			TH_LOG("node 2 does not see node %d up again", j);
	ASSERT_EQ(0, gvm_domain_del(&self->g[2], DOMAIN));
	ms = gvm_wait_state(self->g, &cfg, 3, 2, GVM_NODE_LEFT, 3000);
	ASSERT_LE(0, ms) TH_LOG("node 2 not seen as left");
	EXPECT_TRUE(got_event(&self->ev[0], GVM_CMD_NODE_LEFT, 2, 1000));
	EXPECT_TRUE(got_event(&self->ev[1], GVM_CMD_NODE_LEFT, 2, 1000));
	/* And stays left: no reconnection attempts to a node that left. */
	usleep(gvm_ms(3 * TIMEOUT_MS) * 1000);
	EXPECT_EQ(GVM_NODE_LEFT, gvm_state_of(&self->g[0], DOMAIN, 2));
}

GVM_HARNESS_MAIN
