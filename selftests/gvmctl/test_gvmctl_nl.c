// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c, the kernel boundary, without the module: requests are built and
 * read back attribute by attribute; replies, events and errors are built
 * the way the kernel builds them and fed to nl.c's parsers and callbacks;
 * and the receive loop runs against the host kernel's own generic netlink
 * controller (a dump, an unknown family, a policy error with extended ACK).
 */
#include "kselftest_harness.h"
#include <arpa/inet.h>
#include "../../tools/gvmctl/nl.c"

#define FAMILY	0x42

static struct gvm_nl fake = { .family = FAMILY };

static struct nlattr *tb[GVM_A_MAX + 1];

/* Parses @msg as the kernel would, without a policy: what was put is seen. */
static struct genlmsghdr *attrs(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (genlmsg_parse(nlh, 0, tb, GVM_A_MAX, NULL) < 0)
		return NULL;
	return genlmsg_hdr(nlh);
}

static struct gvm_domain_info domain(const char *ep)
{
	struct gvm_domain_info d = {
		.id = 7, .self = 2, .heartbeat_ms = 200, .timeout_ms = 1000,
		.connect = GVM_CONNECT_EAGER, .name = "lab",
	};

	if (strchr(ep, ':')) {
		d.listen.family = AF_INET6;
		inet_pton(AF_INET6, ep, &d.listen.v6);
	} else {
		d.listen.family = AF_INET;
		inet_pton(AF_INET, ep, &d.listen.v4);
	}
	d.listen.port = 7000;
	return d;
}

TEST(domain_new_request)
{
	struct gvm_domain_info d = domain("10.0.0.2");
	struct nl_msg *msg = domain_new_msg(&fake, &d);
	struct genlmsghdr *g;

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(FAMILY, nlmsg_hdr(msg)->nlmsg_type);
	EXPECT_EQ(0, nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP);
	g = attrs(msg);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(GVM_CMD_DOMAIN_NEW, g->cmd);
	EXPECT_EQ(GVM_GENL_VERSION, g->version);
	ASSERT_NE(NULL, tb[GVM_A_DOMAIN_ID]);
	EXPECT_EQ(7, nla_get_u32(tb[GVM_A_DOMAIN_ID]));
	ASSERT_NE(NULL, tb[GVM_A_NODE_ID]);
	EXPECT_EQ(2, nla_get_u32(tb[GVM_A_NODE_ID]));
	ASSERT_NE(NULL, tb[GVM_A_ADDR4]);
	EXPECT_EQ(4, nla_len(tb[GVM_A_ADDR4]));
	EXPECT_EQ(0, memcmp("\x0a\x00\x00\x02", nla_data(tb[GVM_A_ADDR4]), 4));
	EXPECT_EQ(NULL, tb[GVM_A_ADDR6]);
	ASSERT_NE(NULL, tb[GVM_A_PORT]);
	EXPECT_EQ(2, nla_len(tb[GVM_A_PORT]));
	EXPECT_EQ(7000, nla_get_u16(tb[GVM_A_PORT]));
	ASSERT_NE(NULL, tb[GVM_A_HEARTBEAT_MS]);
	EXPECT_EQ(200, nla_get_u32(tb[GVM_A_HEARTBEAT_MS]));
	ASSERT_NE(NULL, tb[GVM_A_TIMEOUT_MS]);
	EXPECT_EQ(1000, nla_get_u32(tb[GVM_A_TIMEOUT_MS]));
	ASSERT_NE(NULL, tb[GVM_A_CONNECT]);
	EXPECT_EQ(1, nla_len(tb[GVM_A_CONNECT]));
	EXPECT_EQ(GVM_CONNECT_EAGER, nla_get_u8(tb[GVM_A_CONNECT]));
	ASSERT_NE(NULL, tb[GVM_A_NAME]);
	EXPECT_EQ(4, nla_len(tb[GVM_A_NAME]));
	EXPECT_STREQ("lab", nla_get_string(tb[GVM_A_NAME]));
	nlmsg_free(msg);
}

/* Defaults are the kernel's: unset values are not sent at all. */
TEST(domain_new_minimal)
{
	struct gvm_domain_info d = domain("fd00::1");
	struct nl_msg *msg;

	d.heartbeat_ms = 0;
	d.timeout_ms = 0;
	d.connect = GVM_CONNECT_LAZY;
	d.name[0] = '\0';
	msg = domain_new_msg(&fake, &d);
	ASSERT_NE(NULL, msg);
	ASSERT_NE(NULL, attrs(msg));
	EXPECT_EQ(NULL, tb[GVM_A_ADDR4]);
	ASSERT_NE(NULL, tb[GVM_A_ADDR6]);
	EXPECT_EQ(16, nla_len(tb[GVM_A_ADDR6]));
	EXPECT_EQ(0, memcmp(&d.listen.v6, nla_data(tb[GVM_A_ADDR6]), 16));
	EXPECT_EQ(NULL, tb[GVM_A_HEARTBEAT_MS]);
	EXPECT_EQ(NULL, tb[GVM_A_TIMEOUT_MS]);
	EXPECT_EQ(NULL, tb[GVM_A_NAME]);
	ASSERT_NE(NULL, tb[GVM_A_CONNECT]);
	EXPECT_EQ(GVM_CONNECT_LAZY, nla_get_u8(tb[GVM_A_CONNECT]));
	nlmsg_free(msg);
}

TEST(node_add_request)
{
	struct gvm_member m = { .id = 10239, .ep = domain("10.0.0.9").listen };
	struct nl_msg *msg = node_add_msg(&fake, 4294967295U, &m);
	struct genlmsghdr *g;

	ASSERT_NE(NULL, msg);
	g = attrs(msg);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(GVM_CMD_NODE_ADD, g->cmd);
	EXPECT_EQ(4294967295U, nla_get_u32(tb[GVM_A_DOMAIN_ID]));
	EXPECT_EQ(10239, nla_get_u32(tb[GVM_A_NODE_ID]));
	EXPECT_EQ(0, memcmp("\x0a\x00\x00\x09", nla_data(tb[GVM_A_ADDR4]), 4));
	EXPECT_EQ(7000, nla_get_u16(tb[GVM_A_PORT]));
	EXPECT_EQ(NULL, tb[GVM_A_CONNECT]);
	nlmsg_free(msg);
}

TEST(get_requests)
{
	struct nl_msg *msg = domain_msg(&fake, GVM_CMD_DOMAIN_GET, NLM_F_DUMP,
					0);
	struct genlmsghdr *g;
	int i;

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(NLM_F_DUMP, nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP);
	g = attrs(msg);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(GVM_CMD_DOMAIN_GET, g->cmd);
	for (i = 0; i <= GVM_A_MAX; i++)
		EXPECT_EQ(NULL, tb[i]) TH_LOG("attribute %d in a dump-all", i);
	nlmsg_free(msg);

	msg = domain_msg(&fake, GVM_CMD_NODE_GET, NLM_F_DUMP, 9);
	ASSERT_NE(NULL, msg);
	g = attrs(msg);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(GVM_CMD_NODE_GET, g->cmd);
	EXPECT_EQ(9, nla_get_u32(tb[GVM_A_DOMAIN_ID]));
	nlmsg_free(msg);

	/* The regions of one domain: a dump naming only the domain. */
	msg = domain_msg(&fake, GVM_CMD_REGION_GET, NLM_F_DUMP, 9);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(NLM_F_DUMP, nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP);
	g = attrs(msg);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(GVM_CMD_REGION_GET, g->cmd);
	ASSERT_NE(NULL, tb[GVM_A_DOMAIN_ID]);
	EXPECT_EQ(9, nla_get_u32(tb[GVM_A_DOMAIN_ID]));
	for (i = 0; i <= GVM_A_MAX; i++)
		if (i != GVM_A_DOMAIN_ID)
			EXPECT_EQ(NULL, tb[i]) TH_LOG("attribute %d", i);
	nlmsg_free(msg);
}

/*
 * A module of another version of the family (an upgrade replaces gvmctl
 * at once, the running module at its next load) is refused by name, not
 * misread; the same version is no reason.
 */
TEST(another_family_version_said)
{
	char buf[320], want[96];

	EXPECT_EQ(NULL, gvm_nl_version_mismatch(GVM_GENL_VERSION, buf,
						sizeof(buf)));
	ASSERT_TRUE(gvm_nl_version_mismatch(GVM_GENL_VERSION - 1, buf,
					    sizeof(buf)) == buf);
	snprintf(want, sizeof(want),
		 "speaks version %u of the netlink family, this gvmctl version %u",
		 GVM_GENL_VERSION - 1, GVM_GENL_VERSION);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "modprobe -r giantvm-kvm")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, gvm_nl_version_mismatch(GVM_GENL_VERSION + 1, buf,
						sizeof(buf)));
}

/* A reply as the kernel's genlmsg_put() starts it. */
static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, 0, 1, FAMILY, 0, NLM_F_MULTI, cmd,
				GVM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void put_stats(struct nl_msg *msg, uint64_t base)
{
	struct nlattr *nest = nla_nest_start(msg, GVM_A_STATS);
	int i;

	nla_put_u64(msg, GVM_STAT_PAD, 0);
	for (i = GVM_STAT_TX_FRAMES; i <= GVM_STAT_MAX; i++)
		nla_put_u64(msg, i, base + (uint64_t)i);
	/* A counter from a newer kernel. */
	nla_put_u64(msg, GVM_STAT_MAX + 3, 99);
	nla_nest_end(msg, nest);
}

TEST(domain_reply)
{
	struct nl_msg *msg = reply(GVM_CMD_DOMAIN_GET);
	struct gvm_domain_info d;
	struct in6_addr a6;
	int i;

	ASSERT_NE(NULL, msg);
	inet_pton(AF_INET6, "fd00::3", &a6);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(msg, GVM_A_NODE_ID, 2);
	nla_put(msg, GVM_A_ADDR6, 16, &a6);
	nla_put_u16(msg, GVM_A_PORT, 7000);
	nla_put_u32(msg, GVM_A_HEARTBEAT_MS, 1000);
	nla_put_u32(msg, GVM_A_TIMEOUT_MS, 5000);
	nla_put_u8(msg, GVM_A_CONNECT, GVM_CONNECT_LAZY);
	nla_put_string(msg, GVM_A_NAME, "lab");
	nla_put_u32(msg, GVM_A_MEMBERS, 10240);
	nla_put_u64(msg, GVM_A_MEM_BYTES, 1ULL << 40);
	put_stats(msg, 1000);
	/* An attribute from a newer kernel. */
	nla_put_u32(msg, GVM_A_MAX + 5, 1);

	memset(&d, 0xaa, sizeof(d));
	ASSERT_EQ(0, parse_domain(msg, &d));
	EXPECT_EQ(7, d.id);
	EXPECT_EQ(2, d.self);
	EXPECT_EQ(AF_INET6, d.listen.family);
	EXPECT_EQ(0, memcmp(&a6, &d.listen.v6, 16));
	EXPECT_EQ(7000, d.listen.port);
	EXPECT_EQ(1000, d.heartbeat_ms);
	EXPECT_EQ(5000, d.timeout_ms);
	EXPECT_EQ(GVM_CONNECT_LAZY, d.connect);
	EXPECT_STREQ("lab", d.name);
	EXPECT_EQ(10240, d.members);
	EXPECT_EQ(1ULL << 40, d.mem_bytes);
	for (i = GVM_STAT_TX_FRAMES; i <= GVM_STAT_MAX; i++)
		EXPECT_EQ(1000 + i, d.stats[i]);
	EXPECT_EQ(0, d.stats[GVM_STAT_PAD]);
	EXPECT_EQ(NULL, d.nodes);
	EXPECT_EQ(0, d.nnodes);
	nlmsg_free(msg);
}

/* A DOMAIN_GET reply with its two required attributes. */
static struct nl_msg *base_domain(void)
{
	struct nl_msg *msg = reply(GVM_CMD_DOMAIN_GET);

	if (msg) {
		nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
		nla_put_u32(msg, GVM_A_NODE_ID, 2);
	}
	return msg;
}

/* What the policy refuses: a reply gvmctl would misread. */
TEST(domain_reply_refused)
{
	struct gvm_domain_info d;
	struct nl_msg *msg;
	int i;

	msg = reply(GVM_CMD_DOMAIN_GET);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	EXPECT_GT(0, parse_domain(msg, &d)) TH_LOG("no node id");
	nlmsg_free(msg);

	for (i = 0; i < 3; i++) {
		msg = base_domain();
		ASSERT_NE(NULL, msg);
		if (i == 0)
			nla_put(msg, GVM_A_ADDR4, 3, "\x0a\x00\x00");
		else if (i == 1)
			nla_put(msg, GVM_A_NAME, 3, "lab");	/* no NUL */
		else
			nla_put_u16(msg, GVM_A_MEMBERS, 3);	/* short u32 */
		EXPECT_GT(0, parse_domain(msg, &d)) TH_LOG("case %d", i);
		nlmsg_free(msg);
	}
	msg = base_domain();
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(0, parse_domain(msg, &d));
	nlmsg_free(msg);
}

/* VERSION_GET's reply; what would not fit or is not a string is refused. */
TEST(version_reply)
{
	char v[GVM_VERSION_MAX], longest[GVM_VERSION_MAX];
	char too_long[GVM_VERSION_MAX + 1];
	struct nl_msg *msg = reply(GVM_CMD_VERSION_GET);

	ASSERT_NE(NULL, msg);
	nla_put_string(msg, GVM_A_VERSION, "0.1.0+pkgtest1");
	ASSERT_EQ(0, parse_version(msg, v));
	EXPECT_STREQ("0.1.0+pkgtest1", v);
	nlmsg_free(msg);

	memset(longest, 'v', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	msg = reply(GVM_CMD_VERSION_GET);
	ASSERT_NE(NULL, msg);
	nla_put_string(msg, GVM_A_VERSION, longest);
	ASSERT_EQ(0, parse_version(msg, v));
	EXPECT_STREQ(longest, v);
	nlmsg_free(msg);

	msg = reply(GVM_CMD_VERSION_GET);
	ASSERT_NE(NULL, msg);
	EXPECT_GT(0, parse_version(msg, v)) TH_LOG("no version");
	nlmsg_free(msg);

	msg = reply(GVM_CMD_VERSION_GET);
	ASSERT_NE(NULL, msg);
	nla_put(msg, GVM_A_VERSION, 5, "0.1.0");	/* no NUL */
	EXPECT_GT(0, parse_version(msg, v)) TH_LOG("not a string");
	nlmsg_free(msg);

	msg = reply(GVM_CMD_VERSION_GET);
	ASSERT_NE(NULL, msg);
	memset(too_long, 'v', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	nla_put_string(msg, GVM_A_VERSION, too_long);
	EXPECT_GT(0, parse_version(msg, v)) TH_LOG("too long");
	nlmsg_free(msg);
}

TEST(node_reply)
{
	struct nl_msg *msg = reply(GVM_CMD_NODE_GET);
	struct gvm_node_info n;

	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(msg, GVM_A_NODE_ID, 3);
	nla_put(msg, GVM_A_ADDR4, 4, "\x0a\x00\x00\x03");
	nla_put_u16(msg, GVM_A_PORT, 7001);
	nla_put_u8(msg, GVM_A_NODE_STATE, GVM_NODE_UP);
	nla_put_u32(msg, GVM_A_LAST_RX_MS, 400);
	put_stats(msg, 0);
	ASSERT_EQ(0, parse_node(msg, &n));
	EXPECT_EQ(3, n.id);
	EXPECT_EQ(AF_INET, n.ep.family);
	EXPECT_EQ(htonl(0x0a000003), n.ep.v4.s_addr);
	EXPECT_EQ(7001, n.ep.port);
	EXPECT_EQ(GVM_NODE_UP, n.state);
	EXPECT_TRUE(n.heard);
	EXPECT_EQ(400, n.last_rx_ms);
	EXPECT_EQ(GVM_STAT_BAD_FRAMES, n.stats[GVM_STAT_BAD_FRAMES]);
	nlmsg_free(msg);

	/* Never heard: no LAST_RX_MS. */
	msg = reply(GVM_CMD_NODE_GET);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_NODE_ID, 4);
	nla_put_u8(msg, GVM_A_NODE_STATE, GVM_NODE_IDLE);
	ASSERT_EQ(0, parse_node(msg, &n));
	EXPECT_FALSE(n.heard);
	EXPECT_EQ(0, n.ep.family);
	nlmsg_free(msg);
}

/*
 * A nest of u64s as gvm_put_u64s() builds it: attribute @first + i is
 * base + i, after a padding attribute, and one from a newer kernel.
 */
static void put_u64s(struct nl_msg *msg, int attr, int first, int n,
		     uint64_t base)
{
	struct nlattr *nest = nla_nest_start(msg, attr);
	int i;

	nla_put(msg, 1, 0, NULL);		/* padding */
	for (i = 0; i < n; i++)
		nla_put_u64(msg, first + i, base + (uint64_t)i);
	nla_put_u64(msg, first + n, 99);
	nla_nest_end(msg, nest);
}

/* A REGION_GET reply with every attribute kernel/netlink.c puts. */
static struct nl_msg *full_region(uint32_t id)
{
	struct nl_msg *msg = reply(GVM_CMD_REGION_GET);

	if (!msg)
		return NULL;
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(msg, GVM_A_REGION_ID, id);
	nla_put(msg, GVM_A_PAD, 0, NULL);
	nla_put_u64(msg, GVM_A_REGION_BYTES, 1ULL << 36);
	nla_put_u32(msg, GVM_A_REGION_OWNER, 10239);
	nla_put_u64(msg, GVM_A_REGION_PAGES, 3);
	nla_put_u64(msg, GVM_A_REGION_META_BYTES, 1ULL << 31);
	nla_put_u32(msg, GVM_A_MEMBERS, 4);
	nla_put_string(msg, GVM_A_REGION_CONFLICT, "node 1 has 8 pages");
	put_u64s(msg, GVM_A_REGION_STATS, GVM_RSTAT_READ_FAULTS,
		 GVM_RSTAT_MAX - GVM_RSTAT_READ_FAULTS + 1, 100);
	put_u64s(msg, GVM_A_FAULT_LAT, GVM_LAT_FIRST, GVM_LAT_BUCKETS, 1000);
	return msg;
}

TEST(region_reply)
{
	struct nl_msg *msg = full_region(5);
	struct gvm_region_info r;
	int i;

	ASSERT_NE(NULL, msg);
	memset(&r, 0xaa, sizeof(r));
	ASSERT_EQ(0, parse_region(msg, &r));
	EXPECT_EQ(5, r.id);
	EXPECT_EQ(1ULL << 36, r.bytes);
	EXPECT_EQ(10239, r.owner);
	EXPECT_EQ(3, r.pages);
	EXPECT_EQ(1ULL << 31, r.meta_bytes);
	EXPECT_EQ(4, r.members);
	EXPECT_STREQ("node 1 has 8 pages", r.conflict);
	EXPECT_EQ(0, r.stats[GVM_RSTAT_UNSPEC]);
	EXPECT_EQ(0, r.stats[GVM_RSTAT_PAD]);
	for (i = GVM_RSTAT_READ_FAULTS; i <= GVM_RSTAT_MAX; i++)
		EXPECT_EQ(100 + i - GVM_RSTAT_READ_FAULTS, r.stats[i])
			TH_LOG("counter %d", i);
	for (i = 0; i < GVM_LAT_BUCKETS; i++)
		EXPECT_EQ(1000 + i, r.lat[i]) TH_LOG("bucket %d", i);
	nlmsg_free(msg);

	/* Only the id: no counters are zeros, no owner is none. */
	msg = reply(GVM_CMD_REGION_GET);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_REGION_ID, 1);
	memset(&r, 0xaa, sizeof(r));
	ASSERT_EQ(0, parse_region(msg, &r));
	EXPECT_EQ(1, r.id);
	EXPECT_EQ(0, r.bytes);
	EXPECT_EQ(GVM_NODE_NONE, r.owner);
	EXPECT_EQ(0, r.pages);
	EXPECT_EQ(0, r.meta_bytes);
	EXPECT_STREQ("", r.conflict);
	for (i = 0; i <= GVM_RSTAT_MAX; i++)
		EXPECT_EQ(0, r.stats[i]);
	for (i = 0; i < GVM_LAT_BUCKETS; i++)
		EXPECT_EQ(0, r.lat[i]);
	nlmsg_free(msg);
}

/* A REGION_GET reply that gvmctl would misread is refused. */
TEST(region_reply_refused)
{
	struct gvm_region_info r;
	struct nlattr *nest;
	struct nl_msg *msg;
	int i;

	for (i = 0; i < 8; i++) {
		msg = reply(GVM_CMD_REGION_GET);
		ASSERT_NE(NULL, msg);
		nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
		if (i > 1)
			nla_put_u32(msg, GVM_A_REGION_ID, 1);
		switch (i) {
		case 0:		/* no region id */
			break;
		case 1:
			nla_put_u16(msg, GVM_A_REGION_ID, 1);
			break;
		case 2:
			nla_put_u32(msg, GVM_A_REGION_BYTES, 4096);
			break;
		case 3:
			nla_put_u16(msg, GVM_A_REGION_OWNER, 0);
			break;
		case 4:
			nla_put_u32(msg, GVM_A_REGION_PAGES, 1);
			break;
		case 5:
			nest = nla_nest_start(msg, GVM_A_REGION_STATS);
			nla_put_u64(msg, GVM_RSTAT_READ_FAULTS, 1);
			nla_put_u32(msg, GVM_RSTAT_TAKEOVERS, 1);
			nla_nest_end(msg, nest);
			break;
		case 6:
			nest = nla_nest_start(msg, GVM_A_FAULT_LAT);
			nla_put_u32(msg, GVM_LAT_FIRST + GVM_LAT_BUCKETS - 1, 1);
			nla_nest_end(msg, nest);
			break;
		case 7:
			nla_put_u32(msg, GVM_A_REGION_META_BYTES, 1 << 20);
			break;
		}
		EXPECT_GT(0, parse_region(msg, &r)) TH_LOG("case %d", i);
		nlmsg_free(msg);
	}
}

/*
 * In a dump, a malformed region fails the whole GET with EPROTO and a
 * message, and the replies after it are read but not kept.
 */
TEST(region_dump_refused)
{
	struct replies got = { .size = sizeof(struct gvm_region_info),
			       .parse = parse_region };
	struct gvm_nl nl = { .family = FAMILY };
	struct request r = { .nl = &nl, .parse = collect, .arg = &got };
	struct nl_msg *msg[3];
	int i;

	msg[0] = full_region(1);
	msg[1] = full_region(2);
	msg[2] = full_region(3);
	for (i = 0; i < 3; i++)
		ASSERT_NE(NULL, msg[i]);
	/* A counter cut short, as a broken kernel might send it. */
	nla_put_u16(msg[1], GVM_A_REGION_PAGES, 1);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(NL_OK, on_valid(msg[i], &r));
		nlmsg_free(msg[i]);
	}
	EXPECT_EQ(-EPROTO, r.err);
	EXPECT_STREQ("malformed reply from the kernel", nl.why);
	ASSERT_EQ(1, got.n);
	EXPECT_EQ(1, ((struct gvm_region_info *)got.v)->id);
	free(got.v);
}

TEST(events)
{
	struct nl_msg *msg = reply(GVM_CMD_HANDSHAKE_FAIL);
	char reason[400];
	struct gvm_event ev;

	ASSERT_NE(NULL, msg);
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u8(msg, GVM_A_HELLO_REASON, GVM_HELLO_NOT_MEMBER);
	nla_put_string(msg, GVM_A_REASON, reason);
	ASSERT_EQ(0, parse_event(msg, &ev));
	EXPECT_EQ(GVM_CMD_HANDSHAKE_FAIL, ev.cmd);
	EXPECT_EQ(7, ev.domain);
	EXPECT_EQ(GVM_NODE_NONE, ev.node);
	EXPECT_EQ(GVM_HELLO_NOT_MEMBER, ev.hello_reason);
	EXPECT_EQ(sizeof(ev.reason) - 1, strlen(ev.reason));
	nlmsg_free(msg);

	msg = reply(GVM_CMD_NODE_UP);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(msg, GVM_A_NODE_ID, 0);
	ASSERT_EQ(0, parse_event(msg, &ev));
	EXPECT_EQ(GVM_CMD_NODE_UP, ev.cmd);
	EXPECT_EQ(0, ev.node);
	EXPECT_EQ(-1, ev.hello_reason);
	EXPECT_STREQ("", ev.reason);
	EXPECT_EQ(0, ev.region);
	EXPECT_EQ(UINT64_MAX, ev.pfn);
	EXPECT_EQ(0, ev.error);
	nlmsg_free(msg);
}

/* As gvm_notify_fault() and gvm_notify_page_lost() build them. */
TEST(region_events)
{
	struct nl_msg *msg = reply(GVM_CMD_FAULT_FAIL);
	struct gvm_event ev;

	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(msg, GVM_A_REGION_ID, 3);
	nla_put(msg, GVM_A_PAD, 0, NULL);
	nla_put_u64(msg, GVM_A_PFN, 4660);
	nla_put_u32(msg, GVM_A_ERRNO, ETIMEDOUT);
	nla_put_string(msg, GVM_A_REASON, "no answer in time");
	ASSERT_EQ(0, parse_event(msg, &ev));
	EXPECT_EQ(GVM_CMD_FAULT_FAIL, ev.cmd);
	EXPECT_EQ(7, ev.domain);
	EXPECT_EQ(GVM_NODE_NONE, ev.node);
	EXPECT_EQ(-1, ev.hello_reason);
	EXPECT_EQ(3, ev.region);
	EXPECT_EQ(4660, ev.pfn);
	EXPECT_EQ(ETIMEDOUT, ev.error);
	EXPECT_STREQ("no answer in time", ev.reason);
	nlmsg_free(msg);

	msg = reply(GVM_CMD_PAGE_LOST);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(msg, GVM_A_REGION_ID, 3);
	nla_put_u64(msg, GVM_A_PFN, 0);
	ASSERT_EQ(0, parse_event(msg, &ev));
	EXPECT_EQ(GVM_CMD_PAGE_LOST, ev.cmd);
	EXPECT_EQ(3, ev.region);
	EXPECT_EQ(0, ev.pfn);
	EXPECT_EQ(0, ev.error);
	EXPECT_STREQ("", ev.reason);
	nlmsg_free(msg);

	/* A pfn cut short: the event is skipped, not misread. */
	msg = reply(GVM_CMD_PAGE_LOST);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(msg, GVM_A_PFN, 1);
	EXPECT_GT(0, parse_event(msg, &ev));
	nlmsg_free(msg);
}

/* ---- errors, as netlink_ack() lays them out ---------------------------- */

FIXTURE(ack) {
	struct gvm_nl nl;
	struct request r;
	struct nl_msg *req;		/* a DOMAIN_NEW that was refused */
	struct nl_msg *err;
};

FIXTURE_SETUP(ack)
{
	struct gvm_domain_info d = domain("10.0.0.2");

	memset(&self->nl, 0, sizeof(self->nl));
	self->nl.family = FAMILY;
	memset(&self->r, 0, sizeof(self->r));
	self->r.nl = &self->nl;
	self->req = domain_new_msg(&self->nl, &d);
	ASSERT_NE(NULL, self->req);
	self->err = NULL;
}

FIXTURE_TEARDOWN(ack)
{
	nlmsg_free(self->req);
	nlmsg_free(self->err);
}

/* NLMSG_ERROR: nlmsgerr, the request's payload unless capped, TLVs. */
static struct nl_msg *error_msg(struct nl_msg *req, int error, int flags)
{
	struct nlmsghdr *rh = nlmsg_hdr(req);
	struct nlmsgerr e = { .error = error, .msg = *rh };
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, flags);

	if (!msg)
		return NULL;
	nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO);
	if (!(flags & NLM_F_CAPPED))
		nlmsg_append(msg, nlmsg_data(rh), rh->nlmsg_len - NLMSG_HDRLEN,
			     NLMSG_ALIGNTO);
	return msg;
}

static uint32_t offset_of(struct nl_msg *req, int type)
{
	struct nlmsghdr *rh = nlmsg_hdr(req);

	return (uint32_t)((char *)nlmsg_find_attr(rh, GENL_HDRLEN, type) -
			  (char *)rh);
}

static int deliver(struct request *r, struct nl_msg *msg)
{
	return on_error(NULL, nlmsg_data(nlmsg_hdr(msg)), r);
}

TEST_F(ack, message_and_offset)
{
	self->err = error_msg(self->req, -ERANGE, NLM_F_ACK_TLVS);
	ASSERT_NE(NULL, self->err);
	nla_put_string(self->err, NLMSGERR_ATTR_MSG, "heartbeat out of range");
	nla_put_u32(self->err, NLMSGERR_ATTR_OFFS,
		    offset_of(self->req, GVM_A_HEARTBEAT_MS));
	EXPECT_EQ(NL_STOP, deliver(&self->r, self->err));
	EXPECT_TRUE(self->r.done);
	EXPECT_EQ(-ERANGE, self->r.err);
	EXPECT_STREQ("heartbeat out of range (heartbeat)", self->nl.why);
}

TEST_F(ack, missing_attribute_capped)
{
	self->err = error_msg(self->req, -EINVAL,
			      NLM_F_ACK_TLVS | NLM_F_CAPPED);
	ASSERT_NE(NULL, self->err);
	nla_put_string(self->err, NLMSGERR_ATTR_MSG, "Missing attribute");
	nla_put_u32(self->err, NLMSGERR_ATTR_MISS_TYPE, GVM_A_NODE_ID);
	deliver(&self->r, self->err);
	EXPECT_EQ(-EINVAL, self->r.err);
	EXPECT_STREQ("Missing attribute (node id)", self->nl.why);
}

TEST_F(ack, offset_only)
{
	self->err = error_msg(self->req, -EINVAL, NLM_F_ACK_TLVS);
	ASSERT_NE(NULL, self->err);
	nla_put_u32(self->err, NLMSGERR_ATTR_OFFS,
		    offset_of(self->req, GVM_A_PORT));
	deliver(&self->r, self->err);
	EXPECT_STREQ("Invalid argument (port)", self->nl.why);
}

/* Capped, the offset points into nothing we have: it is not used. */
TEST_F(ack, offset_capped)
{
	self->err = error_msg(self->req, -EINVAL,
			      NLM_F_ACK_TLVS | NLM_F_CAPPED);
	ASSERT_NE(NULL, self->err);
	nla_put_string(self->err, NLMSGERR_ATTR_MSG, "bad");
	nla_put_u32(self->err, NLMSGERR_ATTR_OFFS,
		    offset_of(self->req, GVM_A_PORT));
	deliver(&self->r, self->err);
	EXPECT_STREQ("bad", self->nl.why);
}

TEST_F(ack, offset_out_of_bounds)
{
	self->err = error_msg(self->req, -EINVAL, NLM_F_ACK_TLVS);
	ASSERT_NE(NULL, self->err);
	nla_put_string(self->err, NLMSGERR_ATTR_MSG, "bad");
	nla_put_u32(self->err, NLMSGERR_ATTR_OFFS,
		    nlmsg_hdr(self->req)->nlmsg_len);
	deliver(&self->r, self->err);
	EXPECT_STREQ("bad", self->nl.why);
}

TEST_F(ack, no_extack)
{
	self->err = error_msg(self->req, -EPERM, 0);
	ASSERT_NE(NULL, self->err);
	deliver(&self->r, self->err);
	EXPECT_EQ(-EPERM, self->r.err);
	EXPECT_STREQ("Operation not permitted", self->nl.why);
}

/* A dump's error arrives in NLMSG_DONE: an int, then the TLVs. */
TEST_F(ack, dump_done)
{
	int error = -ENOENT;

	self->err = nlmsg_alloc_simple(NLMSG_DONE,
				       NLM_F_MULTI | NLM_F_ACK_TLVS);
	ASSERT_NE(NULL, self->err);
	nlmsg_append(self->err, &error, sizeof(error), NLMSG_ALIGNTO);
	nla_put_string(self->err, NLMSGERR_ATTR_MSG, "no domain 9");
	EXPECT_EQ(NL_STOP, on_done(self->err, &self->r));
	EXPECT_TRUE(self->r.done);
	EXPECT_EQ(-ENOENT, self->r.err);
	EXPECT_STREQ("no domain 9", self->nl.why);
	nlmsg_free(self->err);

	/* A whole dump ends with 0, or with no payload at all. */
	error = 0;
	memset(&self->r, 0, sizeof(self->r));
	self->r.nl = &self->nl;
	self->err = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	ASSERT_NE(NULL, self->err);
	nlmsg_append(self->err, &error, sizeof(error), NLMSG_ALIGNTO);
	on_done(self->err, &self->r);
	EXPECT_TRUE(self->r.done);
	EXPECT_EQ(0, self->r.err);
	nlmsg_free(self->err);
	self->err = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	ASSERT_NE(NULL, self->err);
	on_done(self->err, &self->r);
	EXPECT_EQ(0, self->r.err);
}

/* ---- the receive loop, against the host kernel ------------------------- */

FIXTURE(host) {
	struct gvm_nl nl;
};

FIXTURE_SETUP(host)
{
	int one = 1;

	memset(&self->nl, 0, sizeof(self->nl));
	self->nl.sock = nl_socket_alloc();
	ASSERT_NE(NULL, self->nl.sock);
	if (genl_connect(self->nl.sock) < 0)
		SKIP(return, "no generic netlink socket here");
	setsockopt(nl_socket_get_fd(self->nl.sock), SOL_NETLINK,
		   NETLINK_EXT_ACK, &one, sizeof(one));
	self->nl.family = GENL_ID_CTRL;
}

FIXTURE_TEARDOWN(host)
{
	nl_socket_free(self->nl.sock);
}

static int count(struct nl_msg *msg, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* The controller's family list: a multi-part dump read to its end. */
TEST_F(host, dump)
{
	bool torn = true;
	int n = 0, round;

	for (round = 0; round < 3; round++) {
		struct nl_msg *msg = request_new(&self->nl, CTRL_CMD_GETFAMILY,
						 NLM_F_DUMP);

		ASSERT_NE(NULL, msg);
		n = 0;
		EXPECT_EQ(0, transact(&self->nl, msg, count, &n, &torn))
			TH_LOG("%s", self->nl.why);
		EXPECT_LE(1, n);
		EXPECT_FALSE(torn);
	}
}

/* No family by that id: the kernel's errno, no extended ACK. */
TEST_F(host, unknown_family)
{
	self->nl.family = 0xfff0;
	EXPECT_EQ(-ENOENT, gvm_domain_del(&self->nl, 7));
	EXPECT_STREQ("No such file or directory", self->nl.why);
	/* The socket is still in step for the next request. */
	self->nl.family = GENL_ID_CTRL;
	EXPECT_EQ(0, transact(&self->nl,
			      request_new(&self->nl, CTRL_CMD_GETFAMILY,
					  NLM_F_DUMP), NULL, NULL, NULL));
}

/*
 * A policy error: the kernel's message, and the attribute found through
 * the offset into the echoed request (the controller's FAMILY_NAME has our
 * DOMAIN_ID's number, so gvmctl names it so).
 */
TEST_F(host, policy_error)
{
	struct nl_msg *msg = request_new(&self->nl, CTRL_CMD_GETFAMILY, 0);
	char name[200];
	int err;

	ASSERT_NE(NULL, msg);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ASSERT_EQ(0, nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name));
	err = transact(&self->nl, msg, NULL, NULL, NULL);
	EXPECT_GT(0, err);
	EXPECT_STRNE(strerror(-err), self->nl.why);
	EXPECT_NE(NULL, strstr(self->nl.why, " (domain id)"))
		TH_LOG("%s", self->nl.why);
}

TEST_HARNESS_MAIN
