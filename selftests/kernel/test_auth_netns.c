// SPDX-License-Identifier: GPL-2.0
/*
 * Domains with a pre-shared key, between network namespaces gvmns0..1 of
 * one VM (the netns3 scenario's): members with the same key come up and
 * share a region; a member with another key, or with none, is refused
 * with a handshake event on both sides and never seen up; and a page
 * changed on its way (by a relay between two members) ends its connection
 * instead of reaching the engine: the read fails loudly, never with the
 * changed byte.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gvm_harness.h"
#include "gvm_ns.h"

#define DOMAIN		11
#define PORT		7400
#define RELAY_PORT	7450
#define PAGE		4096
#define PAGES		64

static struct gvm_dump dump;
static const uint8_t key_a[GVM_PSK_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t key_b[GVM_PSK_LEN] = { 8, 7, 6, 5, 4, 3, 2, 1 };

FIXTURE(auth) {
	struct gvm_nl g[2], ev[2];
};

FIXTURE_SETUP(auth)
{
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gvm_enter_ns(i)) TH_LOG("no namespace gvmns%d", i);
		ASSERT_EQ(0, gvm_nl_open(&self->g[i]));
		ASSERT_EQ(0, gvm_nl_open(&self->ev[i]));
		ASSERT_EQ(0, gvm_nl_subscribe(&self->ev[i]));
	}
	ASSERT_EQ(0, gvm_leave_ns());
}

FIXTURE_TEARDOWN(auth)
{
	int i;

	for (i = 0; i < 2; i++) {
		gvm_domain_del(&self->g[i], DOMAIN);
		gvm_nl_close(&self->g[i]);
		gvm_nl_close(&self->ev[i]);
	}
}

/* Nodes 0 and 1 join with these keys (NULL: none). */
static int join2(struct gvm_nl *g, const uint8_t *k0, const uint8_t *k1)
{
	const uint8_t *keys[2] = { k0, k1 };
	struct gvm_ns_cfg c = {
		.nodes = 2, .domain = DOMAIN, .port = PORT,
		.heartbeat_ms = 200, .timeout_ms = 1000, .psk = keys,
	};
	int i;

	for (i = 0; i < 2; i++)
		if (gvm_enter_ns(i) || gvm_ns_join(&g[i], i, &c))
			return -1;
	return gvm_leave_ns();
}

/* A handshake refused for a key, as @ev's node reports it, within 8 s. */
static bool auth_refused(struct gvm_nl *ev, char *why, size_t len)
{
	long end = gvm_deadline(8000);
	struct gvm_entry e;

	while (!gvm_nl_event_by(ev, end, &e))
		if (e.cmd == GVM_CMD_HANDSHAKE_FAIL &&
		    e.hello_reason == GVM_HELLO_AUTH) {
			snprintf(why, len, "%s", e.reason);
			return true;
		}
	return false;
}

static const struct gvm_ns_cfg two = {
	.nodes = 2, .domain = DOMAIN, .port = PORT,
	.heartbeat_ms = 200, .timeout_ms = 1000,
};

/* Node @i's mapping of region 1, or MAP_FAILED. */
static uint8_t *map(int i)
{
	void *p = MAP_FAILED;
	int fd;

	if (gvm_enter_ns(i))
		return p;
	fd = gvm_region_open(DOMAIN, 1, PAGES * PAGE, 0);
	if (fd >= 0) {
		p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
		close(fd);
	}
	gvm_leave_ns();
	return p;
}

TEST_F(auth, same_key_up_and_shared)
{
	uint8_t *m0, *m1;
	int p;

	ASSERT_EQ(0, join2(self->g, key_a, key_a))
		TH_LOG("%s %s", self->g[0].extack, self->g[1].extack);
	ASSERT_LE(0, gvm_wait_state(self->g, &two, 1, 1, GVM_NODE_UP, 5000));
	ASSERT_LE(0, gvm_wait_state(self->g, &two, 2, 0, GVM_NODE_UP, 5000));
	ASSERT_EQ(0, gvm_enter_ns(0));
	ASSERT_EQ(0, gvm_domains(&self->g[0], &dump));
	gvm_leave_ns();
	EXPECT_TRUE(dump.n == 1 && dump.e[0].auth);
	m0 = map(0);
	m1 = map(1);
	ASSERT_NE(MAP_FAILED, m0);
	ASSERT_NE(MAP_FAILED, m1);
	/* Every page both ways: requests, pages and grants, all tagged. */
	for (p = 0; p < PAGES; p++)
		m1[p * PAGE + 8] = p + 1;
	for (p = 0; p < PAGES; p++) {
		ASSERT_EQ(p + 1, m0[p * PAGE + 8]) TH_LOG("page %d", p);
		m0[p * PAGE + 9] = p + 2;
	}
	for (p = 0; p < PAGES; p++)
		ASSERT_EQ(p + 2, m1[p * PAGE + 9]) TH_LOG("page %d", p);
	munmap(m0, PAGES * PAGE);
	munmap(m1, PAGES * PAGE);
}

/* Node 1 with another key, then with none: refused by both, never up. */
TEST_F(auth, other_key_or_none_refused_on_both_sides)
{
	const uint8_t *other[2] = { key_b, NULL };
	struct gvm_entry e;
	char why[128];
	int i, n;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, join2(self->g, key_a, other[i]));
		for (n = 0; n < 2; n++) {
			ASSERT_TRUE(auth_refused(&self->ev[n], why,
						 sizeof(why)))
				TH_LOG("node 1 with %s: node %d", other[i] ?
				       "another key" : "none", n);
			gvm_report("node 1 with %s: node %d says: %s\n",
				   other[i] ? "another key" : "none", n, why);
		}
		EXPECT_GT(0, gvm_wait_state(self->g, &two, 1, 1, GVM_NODE_UP,
					    2000));
		EXPECT_GT(0, gvm_wait_state(self->g, &two, 2, 0, GVM_NODE_UP,
					    100));
		for (n = 0; n < 2; n++) {
			ASSERT_EQ(0, gvm_enter_ns(n));
			ASSERT_EQ(0, gvm_domain_del(&self->g[n], DOMAIN));
		}
		gvm_leave_ns();
		/* The next round hears only its own events. */
		for (n = 0; n < 2; n++)
			while (!gvm_nl_event(&self->ev[n], 300, &e))
				;
	}
}

/*
 * The relay: node 1 reaches node 0 through it (from namespace 1). On its
 * first connection it flips one bit in the page of the first DATA frame
 * from node 1, with the frame's tag left as it was.
 */
struct relay {
	int listen_fd;
	int flipped;		/* frames it changed */
	int conns;
	int stop;		/* set by the test: end the connection too */
};

/* Whole frames from @in (@have bytes) go to @to: how many bytes went. */
static size_t relay_frames(uint8_t *in, size_t have, int to, struct relay *r,
			   bool tamper)
{
	size_t done = 0;

	for (;;) {
		const struct gvm_wire_hdr *h = (const void *)(in + done);
		size_t len;

		if (have - done < sizeof(*h))
			return done;
		len = sizeof(*h) + le32toh(h->payload_len) +
		      (h->type == GVM_MSG_HELLO ||
		       h->type == GVM_MSG_HELLO_NACK ? 0 : GVM_TAG_LEN);
		if (have - done < len)
			return done;
		if (tamper && h->type == GVM_MSG_DATA && !r->flipped) {
			in[done + sizeof(*h) + 100] ^= 0x10;
			r->flipped++;
		}
		if (write(to, in + done, len) != (ssize_t)len)
			return done;
		done += len;
	}
}

static void pump(int from, int to, struct relay *r, bool tamper)
{
	static uint8_t in[4 * GVM_WIRE_MAX_FRAME];
	struct pollfd pf[2] = { { .fd = from, .events = POLLIN },
				{ .fd = to, .events = POLLIN } };
	size_t have = 0, done;
	char buf[8192];
	ssize_t n;

	/*
	 * Until either end closes, or the test is done: node 1 may have
	 * connected again through us, and its heartbeats never let the
	 * connection fall idle.
	 */
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		n = poll(pf, 2, 100);
		if (n < 0)
			return;
		if (!n)
			continue;
		if (pf[1].revents) {
			n = read(to, buf, sizeof(buf));
			if (n <= 0 || write(from, buf, n) != n)
				return;
		}
		if (!pf[0].revents)
			continue;
		n = read(from, in + have, sizeof(in) - have);
		if (n <= 0)
			return;
		have += n;
		done = relay_frames(in, have, to, r, tamper);
		memmove(in, in + done, have - done);
		have -= done;
	}
}

static void *relay_run(void *arg)
{
	struct relay *r = arg;
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(PORT) };
	int c, s;

	inet_pton(AF_INET, "10.1.0.1", &dst.sin_addr);
	while ((c = accept(r->listen_fd, NULL, NULL)) >= 0) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&dst, sizeof(dst))) {
			close(c);
			close(s);
			continue;
		}
		pump(c, s, r, r->conns++ == 0);
		close(c);
		close(s);
	}
	return NULL;
}

static int fill(uint8_t *page)
{
	memset(page, 0x41, PAGE);
	return 0;
}

static int check(uint8_t *page)
{
	int i;

	for (i = 0; i < PAGE; i++)
		if (page[i] != 0x41)
			return 1;
	return 0;
}

/* A @cmd event on @ev within 5 s. */
static bool got_event(struct gvm_nl *ev, uint8_t cmd)
{
	long end = gvm_deadline(5000);
	struct gvm_entry e;

	while (!gvm_nl_event_by(ev, end, &e))
		if (e.cmd == cmd) {
			gvm_report("event: %s\n", e.reason);
			return true;
		}
	return false;
}

/* @fn(@page) in a child: its exit status, or the signal that ended it. */
static int in_child(int (*fn)(uint8_t *), uint8_t *page)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn(page));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st) ? 100 : 0;
}

TEST_F(auth, changed_page_refused_never_read)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(RELAY_PORT) };
	const uint8_t *keys[2] = { key_a, key_a };
	struct gvm_ns_cfg c = two;
	struct relay r = { 0 };
	struct nl_msg *msg;
	uint8_t *m0, *m1;
	pthread_t t;
	uint64_t bad;
	int one = 1, i;

	/* The relay listens in namespace 1 (so it connects from there). */
	ASSERT_EQ(0, gvm_enter_ns(1));
	r.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(r.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, "10.1.0.2", &a.sin_addr);
	ASSERT_EQ(0, bind(r.listen_fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(r.listen_fd, 4));
	ASSERT_EQ(0, pthread_create(&t, NULL, relay_run, &r));

	/* Node 0 as usual; node 1 has node 0 at the relay's address. */
	c.nodes = 1;
	c.psk = keys;
	ASSERT_EQ(0, gvm_enter_ns(0));
	ASSERT_EQ(0, gvm_ns_join(&self->g[0], 0, &c));
	ASSERT_EQ(0, gvm_node_add(&self->g[0], DOMAIN, 1, "10.1.0.2", PORT));
	ASSERT_EQ(0, gvm_enter_ns(1));
	msg = gvm_nl_msg(&self->g[1], GVM_CMD_DOMAIN_NEW, NLM_F_ACK);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, DOMAIN);
	nla_put_u32(msg, GVM_A_NODE_ID, 1);
	nla_put(msg, GVM_A_ADDR4, 4, (uint8_t[]){ 10, 1, 0, 2 });
	nla_put_u16(msg, GVM_A_PORT, PORT);
	nla_put_u32(msg, GVM_A_HEARTBEAT_MS, gvm_ms(200));
	nla_put_u32(msg, GVM_A_TIMEOUT_MS, gvm_ms(1000));
	nla_put(msg, GVM_A_PSK, GVM_PSK_LEN, key_a);
	ASSERT_EQ(0, gvm_nl_send(&self->g[1], msg, NULL));
	ASSERT_EQ(0, gvm_node_add(&self->g[1], DOMAIN, 0, "10.1.0.2",
				  RELAY_PORT));
	gvm_leave_ns();
	ASSERT_LE(0, gvm_wait_state(self->g, &two, 1, 1, GVM_NODE_UP, 5000));
	ASSERT_LE(0, gvm_wait_state(self->g, &two, 2, 0, GVM_NODE_UP, 5000));

	/*
	 * Node 1 takes page 1 over; node 0 reads it from node 1, and the
	 * relay changes that page on its way. Node 0 throws the frame away
	 * with its connection; as when any stream breaks with frames on it,
	 * its regions count node 1 failed: the read fails loudly (SIGBUS, an
	 * event), and no byte of the changed page is ever read.
	 */
	m0 = map(0);
	m1 = map(1);
	ASSERT_NE(MAP_FAILED, m0);
	ASSERT_NE(MAP_FAILED, m1);
	ASSERT_EQ(0, in_child(fill, m1 + PAGE)) TH_LOG("node 1's write");
	EXPECT_EQ(SIGBUS, in_child(check, m0 + PAGE)) TH_LOG("node 0's read");
	EXPECT_EQ(1, r.flipped) TH_LOG("the relay changed no page");
	EXPECT_TRUE(got_event(&self->ev[0], GVM_CMD_FAULT_FAIL));
	/* Node 0 saw the changed frame and threw it away, with its link. */
	ASSERT_EQ(0, gvm_enter_ns(0));
	ASSERT_EQ(0, gvm_nodes(&self->g[0], DOMAIN, &dump));
	gvm_leave_ns();
	bad = 0;
	for (i = 0; i < dump.n; i++)
		if (dump.e[i].node == 1)
			bad = dump.e[i].stats[GVM_STAT_BAD_FRAMES];
	EXPECT_LE(1, bad);
	munmap(m0, PAGES * PAGE);
	munmap(m1, PAGES * PAGE);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	shutdown(r.listen_fd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(r.listen_fd);
	/* More than one: node 1 connected again, through the relay. */
	gvm_report("node 0: %llu bad frames from node 1; relay connections: %d\n",
		   (unsigned long long)bad, r.conns);
}

GVM_HARNESS_MAIN
