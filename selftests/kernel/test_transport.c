// SPDX-License-Identifier: GPL-2.0
/*
 * The transport against hand-made frames: this test is a plain TCP client
 * speaking to a domain's listener (domain 31, node 0 on 127.0.0.1:7700,
 * member 1 is us). Every malformed or unwelcome greeting must be refused
 * with the right reason and an event, without harm to the domain; a good
 * one is answered, heartbeats count, and LEAVE makes us "left". Frames are
 * built with the project's own codec (kernel/ivy/wire.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gvm_harness.h"
#include "gvm_nl.h"
#include "gvm_ns.h"
#include "../../kernel/ivy/wire.h"

#define DOMAIN	31
#define PORT	7700
#define HDR	((int)sizeof(struct gvm_wire_hdr))

static struct gvm_dump dump;

static int dial(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct gvm_msg hello(uint32_t src, uint32_t dst, uint64_t nonce)
{
	struct gvm_msg m = {
		.type = GVM_MSG_HELLO, .domain = DOMAIN, .src = src,
		.dst = dst, .txid = nonce,
	};

	return m;
}

static int send_msg(int fd, const struct gvm_msg *m)
{
	uint8_t buf[GVM_WIRE_MAX_FRAME];
	int len = gvm_wire_encode(m, buf, sizeof(buf));

	return len > 0 && write(fd, buf, len) == len ? 0 : -1;
}

/* One frame within @ms, decoded as node 1 (or anyone) would. */
static int recv_msg(int fd, int ms, struct gvm_msg *m, uint8_t *buf)
{
	struct gvm_wire_limits lim = {
		.domain = DOMAIN, .self = GVM_NODE_NONE,
		.id_space = GVM_MAX_NODES,
	};
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t want = sizeof(struct gvm_wire_hdr), have = 0;

	while (have < want) {
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return -ETIMEDOUT;
		n = read(fd, buf + have, want - have);
		if (n <= 0)
			return -EPIPE;
		have += n;
		if (have == sizeof(struct gvm_wire_hdr) &&
		    gvm_wire_peek(buf, have, &want))
			return -EPROTO;
	}
	return gvm_wire_decode(buf, have, &lim, m) ? -EPROTO : 0;
}

/* The kernel closed on us within @ms (after anything it still sent). */
static bool closed(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[GVM_WIRE_MAX_FRAME];

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return true;
	}
	return false;
}

static int state_of(struct gvm_nl *g, uint32_t node)
{
	int i;

	if (gvm_nodes(g, DOMAIN, &dump))
		return -1;
	for (i = 0; i < dump.n; i++)
		if (dump.e[i].node == node)
			return dump.e[i].state;
	return -1;
}

/* The next HANDSHAKE_FAIL event within 8 s: its hello reason, or -1. */
static int refusal(struct gvm_nl *ev)
{
	long end = gvm_deadline(8000);
	struct gvm_entry e;

	while (!gvm_nl_event_by(ev, end, &e))
		if (e.cmd == GVM_CMD_HANDSHAKE_FAIL)
			return e.hello_reason;
	return -1;
}

FIXTURE(tp) {
	struct gvm_nl g, ev;
	uint8_t buf[GVM_WIRE_MAX_FRAME];
};

FIXTURE_SETUP(tp)
{
	ASSERT_EQ(0, gvm_nl_open(&self->g));
	ASSERT_EQ(0, gvm_nl_open(&self->ev));
	ASSERT_EQ(0, gvm_nl_subscribe(&self->ev));
	ASSERT_EQ(0, gvm_domain_new(&self->g, DOMAIN, 0, "127.0.0.1", PORT,
				    GVM_CONNECT_LAZY));
	ASSERT_EQ(0, gvm_node_add(&self->g, DOMAIN, 1, "127.0.0.3", 7701));
}

FIXTURE_TEARDOWN(tp)
{
	/* Whatever happened, the domain still answers and goes cleanly. */
	EXPECT_EQ(GVM_NODE_SELF, state_of(&self->g, 0));
	EXPECT_EQ(0, gvm_domain_del(&self->g, DOMAIN));
	gvm_nl_close(&self->g);
	gvm_nl_close(&self->ev);
}

/* Send @m as a greeting: it must be refused with @reason and closed. */
static void refused(struct __test_metadata *_metadata, struct gvm_nl *ev,
		    uint8_t *buf, const struct gvm_msg *m, int reason)
{
	struct gvm_msg nack;
	int fd = dial();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, m));
	ASSERT_EQ(0, recv_msg(fd, 2000, &nack, buf));
	EXPECT_EQ(GVM_MSG_HELLO_NACK, nack.type);
	EXPECT_EQ(reason, (int)nack.arg);
	EXPECT_TRUE(closed(fd, 2000));
	close(fd);
	EXPECT_EQ(reason, refusal(ev));
}

TEST_F(tp, hello_from_a_stranger)
{
	struct gvm_msg m = hello(5, 0, 77);

	refused(_metadata, &self->ev, self->buf, &m, GVM_HELLO_NOT_MEMBER);
}

TEST_F(tp, hello_to_another_node)
{
	struct gvm_msg m = hello(1, 3, 77);

	refused(_metadata, &self->ev, self->buf, &m, GVM_HELLO_WRONG_NODE);
}

TEST_F(tp, hello_for_another_domain)
{
	struct gvm_msg m = hello(1, 0, 77);

	m.domain = DOMAIN + 1;
	refused(_metadata, &self->ev, self->buf, &m, GVM_HELLO_WRONG_DOMAIN);
}

TEST_F(tp, greeting_that_is_not_hello)
{
	struct gvm_msg m = hello(1, 0, 77);

	m.type = GVM_MSG_HEARTBEAT;
	m.txid = 0;
	refused(_metadata, &self->ev, self->buf, &m, GVM_HELLO_MALFORMED);
}

TEST_F(tp, hello_in_another_version)
{
	struct gvm_msg m = hello(1, 0, 77), nack;
	int fd = dial();

	ASSERT_LE(0, fd);
	ASSERT_LT(0, gvm_wire_encode(&m, self->buf, sizeof(self->buf)));
	((struct gvm_wire_hdr *)self->buf)->version = GVM_WIRE_VERSION + 1;
	ASSERT_EQ(HDR, write(fd, self->buf, HDR));
	ASSERT_EQ(0, recv_msg(fd, 2000, &nack, self->buf));
	EXPECT_EQ(GVM_HELLO_VERSION, (int)nack.arg);
	EXPECT_TRUE(closed(fd, 2000));
	close(fd);
	EXPECT_EQ(GVM_HELLO_VERSION, refusal(&self->ev));
}

TEST_F(tp, garbage_and_oversize_frames)
{
	static const char junk[HDR] = "GET / HTTP/1.0\r\n\r\n";
	struct gvm_msg m = hello(1, 0, 77);
	int fd = dial();

	ASSERT_LE(0, fd);
	ASSERT_EQ(HDR, write(fd, junk, HDR));
	EXPECT_TRUE(closed(fd, 2000));
	close(fd);
	EXPECT_EQ(GVM_HELLO_MALFORMED, refusal(&self->ev));

	/* A header announcing a payload larger than any frame. */
	fd = dial();
	ASSERT_LE(0, fd);
	ASSERT_LT(0, gvm_wire_encode(&m, self->buf, sizeof(self->buf)));
	((struct gvm_wire_hdr *)self->buf)->payload_len = htole32(1 << 20);
	ASSERT_EQ(HDR, write(fd, self->buf, HDR));
	EXPECT_TRUE(closed(fd, 2000));
	close(fd);
	EXPECT_EQ(GVM_HELLO_MALFORMED, refusal(&self->ev));
}

TEST_F(tp, silence_is_dropped)
{
	int fd = dial();

	ASSERT_LE(0, fd);
	/* No HELLO: dropped after the handshake timeout (5 s). */
	EXPECT_TRUE(closed(fd, 8000));
	close(fd);
	EXPECT_EQ(GVM_HELLO_MALFORMED, refusal(&self->ev));
}

TEST_F(tp, welcome_heartbeats_and_leave)
{
	struct gvm_msg m = hello(1, 0, 0x1234567890ULL), ack, hb = {
		.type = GVM_MSG_HEARTBEAT, .domain = DOMAIN, .src = 1,
		.dst = 0,
	};
	uint8_t frames[3 * HDR];
	int fd = dial(), i, len = 0;

	ASSERT_LE(0, fd);
	/* Byte by byte: the receiver reassembles frames. */
	ASSERT_LT(0, gvm_wire_encode(&m, self->buf, sizeof(self->buf)));
	for (i = 0; i < HDR; i++)
		ASSERT_EQ(1, write(fd, self->buf + i, 1));
	ASSERT_EQ(0, recv_msg(fd, 2000, &ack, self->buf));
	EXPECT_EQ(GVM_MSG_HELLO_ACK, ack.type);
	EXPECT_EQ(0x1234567890ULL, ack.txid);
	EXPECT_EQ(0, ack.src);
	EXPECT_EQ(1, ack.dst);
	EXPECT_EQ(GVM_NODE_UP, state_of(&self->g, 1));

	/* Three heartbeats in one write. */
	for (i = 0; i < 3; i++)
		len += gvm_wire_encode(&hb, frames + len, sizeof(frames) - len);
	ASSERT_EQ(len, write(fd, frames, len));
	usleep(300000);
	ASSERT_EQ(0, gvm_nodes(&self->g, DOMAIN, &dump));
	EXPECT_EQ(3, dump.e[1].stats[GVM_STAT_HEARTBEATS_RX]);
	EXPECT_EQ(3, dump.e[1].stats[GVM_STAT_RX_FRAMES]);

	/* Coherence traffic for a region nobody has: ignored, link kept. */
	m.type = GVM_MSG_READ_REQ;
	m.txid = 5;
	m.pfn = 0;
	m.region = 1;
	ASSERT_EQ(0, send_msg(fd, &m));
	usleep(200000);
	EXPECT_EQ(GVM_NODE_UP, state_of(&self->g, 1));

	hb.type = GVM_MSG_LEAVE;
	ASSERT_EQ(0, send_msg(fd, &hb));
	EXPECT_TRUE(closed(fd, 2000));
	close(fd);
	EXPECT_EQ(GVM_NODE_LEFT, state_of(&self->g, 1));
}

TEST_F(tp, frame_from_someone_else_closes)
{
	struct gvm_msg m = hello(1, 0, 9), ack;
	int fd = dial();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, &m));
	ASSERT_EQ(0, recv_msg(fd, 2000, &ack, self->buf));
	ASSERT_EQ(GVM_MSG_HELLO_ACK, ack.type);
	/* Node 1's connection cannot speak for node 2, nor greet again. */
	m.type = GVM_MSG_HEARTBEAT;
	m.txid = 0;
	m.src = 2;
	ASSERT_EQ(0, send_msg(fd, &m));
	EXPECT_TRUE(closed(fd, 2000));
	close(fd);
	/* Its only connection broke: the member is down. */
	EXPECT_EQ(GVM_NODE_DOWN, state_of(&self->g, 1));
}

/* Member 1's own listener, 127.0.0.3:7701, where node 0 connects to. */
static int member_listen(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(7701),
		.sin_addr.s_addr = htonl(0x7f000003),
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Node 0's first connection to member 1 is refused (nobody listens yet)
 * with a region's request queued on it, while member 1 is up (it talks to
 * us). Nothing of it left: the request must wait for the next connection,
 * not be dropped with member 1 counted as failed (its pages lost, the
 * fault failed). Once member 1 listens, the request arrives behind the
 * new HELLO and the region's ATTACH, and the fault is still waiting for
 * its answer.
 */
TEST_F(tp, frames_wait_for_a_connection_that_never_connected)
{
	struct gvm_msg m = hello(1, 0, 77), got, hb = {
		.type = GVM_MSG_HEARTBEAT, .domain = DOMAIN, .src = 1,
		.dst = 0,
	};
	int fd = dial(), rfd, lfd, cfd, i, status;
	uint8_t *mem;
	pid_t child;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, &m));
	ASSERT_EQ(0, recv_msg(fd, 2000, &got, self->buf));
	ASSERT_EQ(GVM_MSG_HELLO_ACK, got.type);
	ASSERT_EQ(GVM_NODE_UP, state_of(&self->g, 1));

	/* Member 1 owns every page and is page 1's home: node 0 asks it. */
	rfd = gvm_region_open(DOMAIN, 1, 4 * 4096, 1);
	ASSERT_LE(0, rfd) TH_LOG("region: %s", strerror(-rfd));
	mem = mmap(NULL, 4 * 4096, PROT_READ, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(mem[4096] == 0x5a ? 0 : 1);

	/* Refused for a while; member 1 keeps talking meanwhile. */
	for (i = 0; i < 5; i++) {
		usleep(200000);
		ASSERT_EQ(0, send_msg(fd, &hb));
	}
	EXPECT_EQ(GVM_NODE_UP, state_of(&self->g, 1));
	EXPECT_EQ(0, waitpid(child, &status, WNOHANG))
		TH_LOG("the fault ended while member 1 was up");

	lfd = member_listen();
	ASSERT_LE(0, lfd);
	cfd = -1;
	for (i = 0; i < 25 && cfd < 0; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (poll(&p, 1, 200) == 1)
			cfd = accept(lfd, NULL, NULL);
		ASSERT_EQ(0, send_msg(fd, &hb));
	}
	ASSERT_LE(0, cfd) TH_LOG("node 0 did not connect again");
	ASSERT_EQ(0, recv_msg(cfd, 2000, &got, self->buf));
	EXPECT_EQ(GVM_MSG_HELLO, got.type);
	/* First what node 0 took the region to be, when it opened it. */
	ASSERT_EQ(0, recv_msg(cfd, 2000, &got, self->buf));
	EXPECT_EQ(GVM_MSG_ATTACH, got.type);
	EXPECT_EQ(GVM_F_REPLY, got.flags);
	EXPECT_EQ(1, got.region);
	EXPECT_EQ(4, got.pfn);
	EXPECT_EQ(1, got.arg);
	EXPECT_EQ(2, got.aux);
	ASSERT_EQ(0, recv_msg(cfd, 2000, &got, self->buf));
	EXPECT_EQ(GVM_MSG_READ_REQ, got.type);
	EXPECT_EQ(1, got.region);
	EXPECT_EQ(1, got.pfn);
	EXPECT_EQ(0, waitpid(child, &status, WNOHANG));

	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	munmap(mem, 4 * 4096);
	close(rfd);
	close(cfd);
	close(lfd);
	close(fd);
}

/* The next frame on @fd within @ms that is not a heartbeat. */
static int recv_busy(int fd, int ms, struct gvm_msg *m, uint8_t *buf)
{
	int ret;

	do
		ret = recv_msg(fd, ms, m, buf);
	while (!ret && m->type == GVM_MSG_HEARTBEAT);
	return ret;
}

/*
 * Frames name the open of the region they come from and the one they are
 * for. Member 1 (us) learns node 0's open from its ATTACH. A request for
 * another open of node 0 is dropped, and so is one from another open of
 * ours once node 0 has our ATTACH: frames still in flight when a region
 * was closed everywhere and opened again under its id must not be taken
 * for the new open's (a stale GRANT would make two owners). The current
 * open's request is served, and the answer names both opens.
 */
TEST_F(tp, frames_of_other_opens_of_a_region_are_dropped)
{
	struct gvm_msg m = hello(1, 0, 78), got, req = {
		.type = GVM_MSG_READ_REQ, .domain = DOMAIN, .src = 1,
		.dst = 0, .region = 2, .src_open = 0x1111,
	};
	int fd = dial(), lfd = member_listen(), cfd = -1, rfd, i;
	uint32_t open0;
	uint64_t digest;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, send_msg(fd, &m));
	ASSERT_EQ(0, recv_msg(fd, 2000, &got, self->buf));
	ASSERT_EQ(GVM_MSG_HELLO_ACK, got.type);

	/* Node 0 owns the region's pages and is page 0's home. */
	rfd = gvm_region_open(DOMAIN, 2, 4 * 4096, 0);
	ASSERT_LE(0, rfd) TH_LOG("region: %s", strerror(-rfd));
	for (i = 0; i < 25 && cfd < 0; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (poll(&p, 1, 200) == 1)
			cfd = accept(lfd, NULL, NULL);
	}
	ASSERT_LE(0, cfd) TH_LOG("node 0 did not connect");
	ASSERT_EQ(0, recv_msg(cfd, 2000, &got, self->buf));
	ASSERT_EQ(GVM_MSG_HELLO, got.type);
	m.type = GVM_MSG_HELLO_ACK;
	m.txid = got.txid;
	ASSERT_EQ(0, send_msg(cfd, &m));
	ASSERT_EQ(0, recv_busy(cfd, 2000, &got, self->buf));
	ASSERT_EQ(GVM_MSG_ATTACH, got.type);
	EXPECT_EQ(GVM_F_REPLY, got.flags);
	EXPECT_EQ(0, got.dst_open);
	open0 = got.src_open;
	digest = got.txid;
	ASSERT_NE(0, open0);

	/* For another open of node 0: dropped. */
	req.txid = 0x20000000001ULL;
	req.dst_open = ~open0;
	ASSERT_EQ(0, send_msg(fd, &req));
	EXPECT_EQ(-ETIMEDOUT, recv_busy(cfd, 500, &got, self->buf))
		TH_LOG("answered: %s", gvm_msg_name(got.type));

	/* Our answer to node 0's ATTACH: node 0 knows our open now. */
	m = (struct gvm_msg){
		.type = GVM_MSG_ATTACH, .domain = DOMAIN, .src = 1, .dst = 0,
		.region = 2, .pfn = 4, .arg = 0, .aux = 2, .txid = digest,
		.src_open = 0x1111, .dst_open = open0,
	};
	ASSERT_EQ(0, send_msg(fd, &m));

	/* From another open of ours: dropped. */
	req.txid = 0x20000000002ULL;
	req.src_open = 0x2222;
	req.dst_open = open0;
	ASSERT_EQ(0, send_msg(fd, &req));
	EXPECT_EQ(-ETIMEDOUT, recv_busy(cfd, 500, &got, self->buf))
		TH_LOG("answered: %s", gvm_msg_name(got.type));

	/* Ours, current: served, to our open. */
	req.txid = 0x20000000003ULL;
	req.src_open = 0x1111;
	ASSERT_EQ(0, send_msg(fd, &req));
	ASSERT_EQ(0, recv_busy(cfd, 2000, &got, self->buf));
	EXPECT_EQ(GVM_MSG_DATA, got.type);
	EXPECT_EQ(0x20000000003ULL, got.txid);
	EXPECT_EQ(open0, got.src_open);
	EXPECT_EQ(0x1111, got.dst_open);

	ASSERT_EQ(0, gvm_regions(&self->g, DOMAIN, &dump));
	ASSERT_EQ(1, dump.n);
	EXPECT_EQ(2, dump.e[0].rstats[GVM_RSTAT_STALE]);

	close(cfd);
	close(lfd);
	close(fd);
	close(rfd);
}

GVM_HARNESS_MAIN
