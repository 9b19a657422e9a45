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
#include "gvm_nl.h"

#define NODES		3
#define DOMAIN		5
#define PORT		7000
#define HEARTBEAT_MS	200
#define TIMEOUT_MS	1000

static struct gvm_dump dump;

/* A netlink socket (and an event socket) inside each namespace. */
FIXTURE(cluster) {
	struct gvm_nl g[NODES], ev[NODES];
};

static int enter_ns(int i)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/gvmns%d", i);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int node_create(struct gvm_nl *g, int i)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_DOMAIN_NEW, NLM_F_ACK);
	uint8_t ip[4] = { 10, 1, 0, i + 1 };
	int j, ret;

	nla_put_u32(m, GVM_A_DOMAIN_ID, DOMAIN);
	nla_put_u32(m, GVM_A_NODE_ID, i);
	nla_put(m, GVM_A_ADDR4, 4, ip);
	nla_put_u16(m, GVM_A_PORT, PORT);
	nla_put_u32(m, GVM_A_HEARTBEAT_MS, HEARTBEAT_MS);
	nla_put_u32(m, GVM_A_TIMEOUT_MS, TIMEOUT_MS);
	nla_put_u8(m, GVM_A_CONNECT, GVM_CONNECT_EAGER);
	ret = gvm_nl_send(g, m, NULL);
	for (j = 0; j < NODES && !ret; j++) {
		char addr[16];

		if (j == i)
			continue;
		snprintf(addr, sizeof(addr), "10.1.0.%d", j + 1);
		ret = gvm_node_add(g, DOMAIN, j, addr, PORT);
	}
	return ret;
}

/* Node @who's state as node @i sees it, or -1. */
static int state_of(struct gvm_nl *g, int who)
{
	int k;

	if (gvm_nodes(g, DOMAIN, &dump))
		return -1;
	for (k = 0; k < dump.n; k++)
		if (dump.e[k].node == (uint32_t)who)
			return dump.e[k].state;
	return -1;
}

/* Wait until every node in @seers sees @who in @state; ms taken or -1. */
static long wait_state(struct gvm_nl *g, unsigned int seers, int who,
		       int state, long limit_ms)
{
	long start = now_ms();

	while (now_ms() - start < limit_ms) {
		bool all = true;
		int i;

		for (i = 0; i < NODES; i++)
			if ((seers & 1u << i) && state_of(&g[i], who) != state)
				all = false;
		if (all)
			return now_ms() - start;
		usleep(20000);
	}
	return -1;
}

/* The first @cmd event about @who on @ev within @limit_ms. */
static bool got_event(struct gvm_nl *ev, uint8_t cmd, int who, long limit_ms)
{
	long start = now_ms();
	struct gvm_entry e;

	while (now_ms() - start < limit_ms)
		if (!gvm_nl_event(ev, 100, &e) && e.cmd == cmd &&
		    e.node == (uint32_t)who)
			return true;
	return false;
}

FIXTURE_SETUP(cluster)
{
	int self_fd = open("/proc/self/ns/net", O_RDONLY);
	int i;

	ASSERT_LE(0, self_fd);
	for (i = 0; i < NODES; i++) {
		ASSERT_EQ(0, enter_ns(i)) TH_LOG("no namespace gvmns%d", i);
		ASSERT_EQ(0, gvm_nl_open(&self->g[i]));
		ASSERT_EQ(0, gvm_nl_open(&self->ev[i]));
		ASSERT_EQ(0, gvm_nl_subscribe(&self->ev[i]));
	}
	ASSERT_EQ(0, setns(self_fd, CLONE_NEWNET));
	close(self_fd);
}

FIXTURE_TEARDOWN(cluster)
{
	int i;

	for (i = 0; i < NODES; i++) {
		gvm_domain_del(&self->g[i], DOMAIN);
		gvm_nl_close(&self->g[i]);
		gvm_nl_close(&self->ev[i]);
	}
	system("/sbin/ip link set gvmveth2 up 2>/dev/null");
}

TEST_F(cluster, up_down_back_and_left)
{
	long ms;
	int i, j;

	for (i = 0; i < NODES; i++)
		ASSERT_EQ(0, node_create(&self->g[i], i))
			TH_LOG("node %d: %s", i, self->g[i].extack);

	/* Everyone sees everyone up within 5 s. */
	for (j = 0; j < NODES; j++) {
		ms = wait_state(self->g, 7 & ~(1u << j), j, GVM_NODE_UP, 5000);
		ASSERT_LE(0, ms) TH_LOG("node %d not seen up", j);
		gvm_report("node %d seen up by the others in %ld ms\n", j,
			   ms);
	}

	/* Node 2's link is cut: the others see it down, with an event. */
	ASSERT_EQ(0, system("/sbin/ip link set gvmveth2 down"));
	/* Within the timeout; the slack covers polling and a slow TCG guest. */
	ms = wait_state(self->g, 3, 2, GVM_NODE_DOWN, TIMEOUT_MS + 250);
	ASSERT_LE(0, ms) TH_LOG("node 2 not seen down within %d ms of the cut",
				TIMEOUT_MS + 250);
	gvm_report("node 2 seen down %ld ms after the cut (timeout %d ms)\n",
		   ms, TIMEOUT_MS);
	EXPECT_TRUE(got_event(&self->ev[0], GVM_CMD_NODE_DOWN, 2, 1000));
	EXPECT_TRUE(got_event(&self->ev[1], GVM_CMD_NODE_DOWN, 2, 1000));

	/* The link returns: up again. */
	ASSERT_EQ(0, system("/sbin/ip link set gvmveth2 up"));
	ms = wait_state(self->g, 3, 2, GVM_NODE_UP, 15000);
	ASSERT_LE(0, ms) TH_LOG("node 2 not seen up again");
	gvm_report("node 2 up again %ld ms after the link returned\n", ms);
	EXPECT_TRUE(got_event(&self->ev[0], GVM_CMD_NODE_UP, 2, 1000));

	/* Node 2 leaves: left, not down. */
	ASSERT_EQ(0, gvm_domain_del(&self->g[2], DOMAIN));
	ms = wait_state(self->g, 3, 2, GVM_NODE_LEFT, 3000);
	ASSERT_LE(0, ms) TH_LOG("node 2 not seen as left");
	EXPECT_TRUE(got_event(&self->ev[0], GVM_CMD_NODE_LEFT, 2, 1000));
	EXPECT_TRUE(got_event(&self->ev[1], GVM_CMD_NODE_LEFT, 2, 1000));
	/* And stays left: no reconnection attempts to a node that left. */
	usleep(3 * TIMEOUT_MS * 1000);
	EXPECT_EQ(GVM_NODE_LEFT, state_of(&self->g[0], 2));
}

TEST_HARNESS_MAIN
