// SPDX-License-Identifier: GPL-2.0
/*
 * The control plane in a booted kernel: /dev/giantvm, the "giantvm"
 * family as the genl controller lists it, every command with each bad
 * input (exact errno, an extack message, nothing left half-created), an
 * unprivileged caller, a 1,024-member domain dumped whole, and events.
 * Runs as root with giantvm-kvm loaded.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gvm_harness.h"
#include "gvm_nl.h"
#include "gvm_ns.h"

static struct gvm_dump dump;

FIXTURE(nl) {
	struct gvm_nl g;
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, gvm_nl_open(&self->g)) TH_LOG("giantvm family missing");
}

FIXTURE_TEARDOWN(nl)
{
	int i;

	if (!gvm_domains(&self->g, &dump))
		for (i = 0; i < dump.n; i++)
			gvm_domain_del(&self->g, dump.e[i].domain);
	gvm_nl_close(&self->g);
}

TEST(device_node)
{
	struct gvm_ioc_version v = { .size = sizeof(v) };
	struct {
		struct gvm_ioc_version v;
		uint32_t more[2];
	} big = { .v.size = sizeof(big) };
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat("/dev/giantvm", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 0777);
	fd = open("/dev/giantvm", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, GVM_IOC_VERSION, &v));
	EXPECT_EQ(GVM_ABI_VERSION, v.abi);
	EXPECT_EQ(GVM_WIRE_VERSION, v.wire);
	EXPECT_EQ(GVM_GENL_VERSION, v.genl);
	EXPECT_EQ(GVM_MAX_NODES, v.max_nodes);
	/* Structs can grow: a larger one with zeros beyond is fine... */
	EXPECT_EQ(0, ioctl(fd, GVM_IOC_VERSION, &big));
	/* ...with something beyond, the kernel does not know it: refused. */
	big.v.size = sizeof(big);
	big.more[1] = 1;
	EXPECT_EQ(-1, ioctl(fd, GVM_IOC_VERSION, &big));
	EXPECT_EQ(E2BIG, errno);
	v.size = sizeof(v) - 4;
	EXPECT_EQ(-1, ioctl(fd, GVM_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(GVM_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	close(fd);
}

TEST_F(nl, family_listed_by_genl_ctrl)
{
	struct nl_cache *cache;
	struct genl_family *fam;

	ASSERT_EQ(0, genl_ctrl_alloc_cache(self->g.sk, &cache));
	fam = genl_ctrl_search_by_name(cache, GVM_GENL_NAME);
	ASSERT_NE(NULL, fam);
	EXPECT_EQ(GVM_GENL_VERSION, genl_family_get_version(fam));
	EXPECT_EQ(GVM_A_MAX, genl_family_get_maxattr(fam));
	EXPECT_LE(0, genl_ctrl_resolve_grp(self->g.sk, GVM_GENL_NAME,
					   GVM_GENL_MCGRP_EVENTS));
	genl_family_put(fam);
	nl_cache_free(cache);
}

/* VERSION_GET tells what modinfo does: the package's version. */
TEST_F(nl, module_version)
{
	char sys[GVM_VERSION_MAX + 1] = "";
	FILE *f = fopen("/sys/module/giantvm_kvm/version", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(sys, sizeof(sys), f));
	fclose(f);
	sys[strcspn(sys, "\n")] = '\0';
	ASSERT_EQ(0, gvm_nl_send(&self->g,
				 gvm_nl_msg(&self->g, GVM_CMD_VERSION_GET, 0),
				 &dump));
	ASSERT_EQ(1, dump.n);
	EXPECT_STREQ(sys, dump.e[0].version);
	EXPECT_STRNE("", dump.e[0].version);
	EXPECT_STRNE("unknown", dump.e[0].version);
}

TEST_F(nl, domain_and_members)
{
	struct nl_msg *m;
	uint32_t i;

	ASSERT_EQ(0, gvm_domain_new(&self->g, 7, 0, "127.0.0.1", 7101,
				    GVM_CONNECT_LAZY));
	for (i = 1; i <= 3; i++)
		ASSERT_EQ(0, gvm_node_add(&self->g, 7, i, "127.0.0.2", 7100 + i));
	ASSERT_EQ(0, gvm_domains(&self->g, &dump));
	ASSERT_EQ(1, dump.n);
	EXPECT_EQ(7, dump.e[0].domain);
	EXPECT_EQ(0, dump.e[0].node);
	EXPECT_EQ(4, dump.e[0].members);
	EXPECT_LT(0, dump.e[0].mem_bytes);

	ASSERT_EQ(0, gvm_nodes(&self->g, 7, &dump));
	ASSERT_EQ(4, dump.n);
	EXPECT_EQ(GVM_NODE_SELF, dump.e[0].state);
	for (i = 1; i <= 3; i++) {
		EXPECT_EQ(i, dump.e[i].node);
		EXPECT_EQ(GVM_NODE_IDLE, dump.e[i].state);	/* lazy */
	}

	m = gvm_nl_msg(&self->g, GVM_CMD_NODE_DEL, NLM_F_ACK);
	nla_put_u32(m, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(m, GVM_A_NODE_ID, 2);
	ASSERT_EQ(0, gvm_nl_send(&self->g, m, NULL));
	ASSERT_EQ(0, gvm_nodes(&self->g, 7, &dump));
	EXPECT_EQ(3, dump.n);

	m = gvm_nl_msg(&self->g, GVM_CMD_NODE_GET, NLM_F_ACK);
	nla_put_u32(m, GVM_A_DOMAIN_ID, 7);
	nla_put_u32(m, GVM_A_NODE_ID, 3);
	ASSERT_EQ(0, gvm_nl_send(&self->g, m, &dump));
	ASSERT_EQ(1, dump.n);
	EXPECT_EQ(3, dump.e[0].node);

	ASSERT_EQ(0, gvm_domain_del(&self->g, 7));
	ASSERT_EQ(0, gvm_domains(&self->g, &dump));
	EXPECT_EQ(0, dump.n);
}

/* One bad request per row: attributes to put, the errno it must get. */
enum { K_END, K_U8, K_U16, K_U32, K_BIN, K_STR };

struct put {
	int type, kind;
	uint32_t v;
	int len;
	const char *s;
};

#define U8(t, x)	{ .type = t, .kind = K_U8, .v = x }
#define U16(t, x)	{ .type = t, .kind = K_U16, .v = x }
#define U32(t, x)	{ .type = t, .kind = K_U32, .v = x }
#define BIN(t, n)	{ .type = t, .kind = K_BIN, .len = n }
#define STR(t, x)	{ .type = t, .kind = K_STR, .s = x }
#define IP4		{ .type = GVM_A_ADDR4, .kind = K_BIN, .len = 4, \
			  .s = "\x7f\x00\x00\x01" }
#define OTHER_IP4	{ .type = GVM_A_ADDR4, .kind = K_BIN, .len = 4, \
			  .s = "\x0a\x09\x09\x09" }

struct bad {
	const char *what;
	uint8_t cmd;
	int flags;
	struct put p[8];
	int err;
};

/* Domain 9 exists (node 0, members 1), listening on 127.0.0.1:7200. */
static const struct bad bads[] = {
	{ "new: no domain id", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_NODE_ID, 0), IP4, U16(GVM_A_PORT, 7201) }, EINVAL },
	{ "new: no node id", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), IP4, U16(GVM_A_PORT, 7201) }, EINVAL },
	{ "new: no address", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0),
	    U16(GVM_A_PORT, 7201) }, EINVAL },
	{ "new: no port", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4 }, EINVAL },
	{ "new: two addresses", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    BIN(GVM_A_ADDR6, 16), U16(GVM_A_PORT, 7201) }, EINVAL },
	{ "new: domain id 0", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 0), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201) }, ERANGE },
	{ "new: node id past the maximum", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, GVM_MAX_NODES), IP4,
	    U16(GVM_A_PORT, 7201) }, ERANGE },
	{ "new: port 0", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 0) }, ERANGE },
	{ "new: IPv4 address of 16 bytes", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0),
	    BIN(GVM_A_ADDR4, 16), U16(GVM_A_PORT, 7201) }, ERANGE },
	{ "new: IPv6 address of 4 bytes", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0),
	    BIN(GVM_A_ADDR6, 4), U16(GVM_A_PORT, 7201) }, ERANGE },
	{ "new: port as u32", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U32(GVM_A_PORT, 7201) }, EINVAL },
	{ "new: heartbeat too short", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), U32(GVM_A_HEARTBEAT_MS, 10) }, ERANGE },
	{ "new: timeout too long", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), U32(GVM_A_TIMEOUT_MS, 700000) }, ERANGE },
	{ "new: timeout not above heartbeat", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), U32(GVM_A_HEARTBEAT_MS, 1000),
	    U32(GVM_A_TIMEOUT_MS, 1000) }, EINVAL },
	{ "new: connect mode 2", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), U8(GVM_A_CONNECT, 2) }, ERANGE },
	{ "new: name too long", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201),
	    STR(GVM_A_NAME, "a-name-much-longer-than-thirty-one-bytes") },
	  EINVAL },
	{ "new: pre-shared key of 16 bytes", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), BIN(GVM_A_PSK, 16) }, ERANGE },
	{ "new: pre-shared key all zeros", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), BIN(GVM_A_PSK, GVM_PSK_LEN) }, EINVAL },
	{ "new: auth is output only", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), U8(GVM_A_AUTH, 1) }, EINVAL },
	{ "new: an output-only attribute", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), U8(GVM_A_NODE_STATE, 1) }, EINVAL },
	{ "new: unknown attribute", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201), U32(GVM_A_MAX + 1, 1) }, EINVAL },
	{ "new: domain id taken", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7201) }, EEXIST },
	{ "new: listen address in use", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7200) }, EADDRINUSE },
	{ "new: listen address not on this host", GVM_CMD_DOMAIN_NEW, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 0), OTHER_IP4,
	    U16(GVM_A_PORT, 7201) }, EADDRNOTAVAIL },
	{ "del: no domain id", GVM_CMD_DOMAIN_DEL, 0, { }, EINVAL },
	{ "del: no such domain", GVM_CMD_DOMAIN_DEL, 0,
	  { U32(GVM_A_DOMAIN_ID, 1) }, ENOENT },
	{ "get: no such domain", GVM_CMD_DOMAIN_GET, 0,
	  { U32(GVM_A_DOMAIN_ID, 1) }, ENOENT },
	{ "add: no such domain", GVM_CMD_NODE_ADD, 0,
	  { U32(GVM_A_DOMAIN_ID, 1), U32(GVM_A_NODE_ID, 5), IP4,
	    U16(GVM_A_PORT, 7205) }, ENOENT },
	{ "add: no node id", GVM_CMD_NODE_ADD, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), IP4, U16(GVM_A_PORT, 7205) }, EINVAL },
	{ "add: duplicate node id", GVM_CMD_NODE_ADD, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 1), IP4,
	    U16(GVM_A_PORT, 7205) }, EEXIST },
	{ "add: this node's own id", GVM_CMD_NODE_ADD, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 0), IP4,
	    U16(GVM_A_PORT, 7205) }, EEXIST },
	{ "add: node id past the maximum", GVM_CMD_NODE_ADD, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, GVM_MAX_NODES), IP4,
	    U16(GVM_A_PORT, 7205) }, ERANGE },
	{ "add: port 0", GVM_CMD_NODE_ADD, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 5), IP4,
	    U16(GVM_A_PORT, 0) }, ERANGE },
	{ "add: no address", GVM_CMD_NODE_ADD, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 5),
	    U16(GVM_A_PORT, 7205) }, EINVAL },
	{ "del: no such member", GVM_CMD_NODE_DEL, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 5) }, ENOENT },
	{ "del: this node", GVM_CMD_NODE_DEL, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 0) }, EINVAL },
	{ "get: no such member", GVM_CMD_NODE_GET, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_NODE_ID, 5) }, ENOENT },
	{ "get: no node id", GVM_CMD_NODE_GET, 0,
	  { U32(GVM_A_DOMAIN_ID, 9) }, EINVAL },
	{ "dump members: no domain id", GVM_CMD_NODE_GET, NLM_F_DUMP,
	  { }, EINVAL },
	{ "dump members: no such domain", GVM_CMD_NODE_GET, NLM_F_DUMP,
	  { U32(GVM_A_DOMAIN_ID, 1) }, ENOENT },
	{ "version: an output-only attribute", GVM_CMD_VERSION_GET, 0,
	  { STR(GVM_A_VERSION, "0.1.0") }, EINVAL },
	{ "region: an output-only attribute", GVM_CMD_REGION_GET, 0,
	  { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_REGION_ID, 1),
	    STR(GVM_A_REGION_CONFLICT, "x") }, EINVAL },
	{ "region: its tracking memory is output only", GVM_CMD_REGION_GET,
	  0, { U32(GVM_A_DOMAIN_ID, 9), U32(GVM_A_REGION_ID, 1),
	       BIN(GVM_A_REGION_META_BYTES, 8) }, EINVAL },
	{ "version: as a dump", GVM_CMD_VERSION_GET, NLM_F_DUMP, { },
	  EOPNOTSUPP },
	{ "unknown command", GVM_CMD_NODE_UP, 0,
	  { U32(GVM_A_DOMAIN_ID, 9) }, EOPNOTSUPP },
};

static struct nl_msg *build(struct gvm_nl *g, const struct bad *b)
{
	static const char zero[64];
	struct nl_msg *m = gvm_nl_msg(g, b->cmd, b->flags ?: NLM_F_ACK);
	const struct put *p;

	for (p = b->p; p < b->p + 8 && p->kind; p++) {
		switch (p->kind) {
		case K_U8:
			nla_put_u8(m, p->type, p->v);
			break;
		case K_U16:
			nla_put_u16(m, p->type, p->v);
			break;
		case K_U32:
			nla_put_u32(m, p->type, p->v);
			break;
		case K_BIN:
			nla_put(m, p->type, p->len, p->s ?: zero);
			break;
		case K_STR:
			nla_put_string(m, p->type, p->s);
			break;
		}
	}
	return m;
}

TEST_F(nl, every_bad_input_refused_with_a_reason)
{
	size_t i;

	ASSERT_EQ(0, gvm_domain_new(&self->g, 9, 0, "127.0.0.1", 7200,
				    GVM_CONNECT_LAZY));
	ASSERT_EQ(0, gvm_node_add(&self->g, 9, 1, "127.0.0.1", 7202));
	for (i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];
		int ret = gvm_nl_send(&self->g, build(&self->g, b), &dump);

		EXPECT_EQ(-b->err, ret)
			TH_LOG("%s: got %d (%s)", b->what, ret, self->g.extack);
		if (b->err != EOPNOTSUPP)
			EXPECT_NE(0, self->g.extack[0])
				TH_LOG("%s: no extack message", b->what);
		/* Nothing half-made: still one domain, two members. */
		ASSERT_EQ(0, gvm_domains(&self->g, &dump));
		EXPECT_EQ(1, dump.n) TH_LOG("after %s", b->what);
		EXPECT_EQ(2, dump.n ? dump.e[0].members : 0)
			TH_LOG("after %s", b->what);
	}
}

/* A domain says it has a key, and never what it is. */
TEST_F(nl, pre_shared_key_never_read_back)
{
	struct nl_msg *m = gvm_nl_msg(&self->g, GVM_CMD_DOMAIN_NEW, NLM_F_ACK);
	uint8_t psk[GVM_PSK_LEN];

	memset(psk, 0x5a, sizeof(psk));
	nla_put_u32(m, GVM_A_DOMAIN_ID, 9);
	nla_put_u32(m, GVM_A_NODE_ID, 0);
	nla_put(m, GVM_A_ADDR4, 4, (uint8_t[]){ 127, 0, 0, 1 });
	nla_put_u16(m, GVM_A_PORT, 7200);
	nla_put(m, GVM_A_PSK, sizeof(psk), psk);
	ASSERT_EQ(0, gvm_nl_send(&self->g, m, NULL)) TH_LOG("%s", self->g.extack);
	ASSERT_EQ(0, gvm_domain_new(&self->g, 10, 0, "127.0.0.1", 7201,
				    GVM_CONNECT_LAZY));
	ASSERT_EQ(0, gvm_domains(&self->g, &dump));
	ASSERT_EQ(2, dump.n);
	EXPECT_TRUE(dump.e[0].domain == 9 ? dump.e[0].auth : dump.e[1].auth);
	EXPECT_FALSE(dump.e[0].domain == 10 ? dump.e[0].auth : dump.e[1].auth);
	EXPECT_FALSE(dump.e[0].has_psk || dump.e[1].has_psk);
}

/* Changes need CAP_NET_ADMIN; reading does not. */
TEST_F(nl, unprivileged_may_read_not_change)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, gvm_domain_new(&self->g, 11, 0, "127.0.0.1", 7300,
				    GVM_CONNECT_LAZY));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct gvm_nl u;
		struct nl_msg *m;
		int bad = 0;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) || gvm_nl_open(&u))
			_exit(100);
		bad += gvm_domain_new(&u, 12, 0, "127.0.0.1", 7301, 0) != -EPERM;
		bad += gvm_node_add(&u, 11, 1, "127.0.0.1", 7302) != -EPERM;
		m = gvm_nl_msg(&u, GVM_CMD_NODE_DEL, NLM_F_ACK);
		nla_put_u32(m, GVM_A_DOMAIN_ID, 11);
		nla_put_u32(m, GVM_A_NODE_ID, 1);
		bad += gvm_nl_send(&u, m, NULL) != -EPERM;
		bad += gvm_domain_del(&u, 11) != -EPERM;
		bad += gvm_domains(&u, &dump) != 0 || dump.n != 1;
		bad += gvm_nodes(&u, 11, &dump) != 0 || dump.n != 1;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, gvm_domains(&self->g, &dump));
	EXPECT_EQ(1, dump.n);
}

/* Most members unreachable and idle: they cost their table entry only. */
TEST_F(nl, domain_of_1024_members_dumped_whole)
{
	uint64_t before, after;
	char ip[32];
	uint32_t i;

	ASSERT_EQ(0, gvm_domain_new(&self->g, 13, 0, "127.0.0.1", 7400,
				    GVM_CONNECT_LAZY));
	ASSERT_EQ(0, gvm_domains(&self->g, &dump));
	before = dump.e[0].mem_bytes;
	for (i = 1; i < 1024; i++) {
		snprintf(ip, sizeof(ip), "10.200.%u.%u", i / 250, i % 250 + 1);
		ASSERT_EQ(0, gvm_node_add(&self->g, 13, i * 7, ip, 7000));
	}
	ASSERT_EQ(0, gvm_nodes(&self->g, 13, &dump));
	EXPECT_EQ(1024, dump.n);
	EXPECT_FALSE(dump.interrupted);
	for (i = 0; i < (uint32_t)dump.n; i++)
		EXPECT_EQ(i * 7, dump.e[i].node);
	ASSERT_EQ(0, gvm_domains(&self->g, &dump));
	EXPECT_EQ(1024, dump.e[0].members);
	after = dump.e[0].mem_bytes;
	gvm_report("1024-member domain: %llu bytes, %llu bytes per member\n",
		   (unsigned long long)after,
		   (unsigned long long)(after - before) / 1023);
	EXPECT_GT(after, before);
	EXPECT_LT((after - before) / 1023, 256);
	ASSERT_EQ(0, gvm_domain_del(&self->g, 13));
}

/*
 * A dump of @cmd on a fresh raw socket, whose parts the kernel keeps to
 * one page since it never saw a bigger read; @change runs once after the
 * first read. The kernel queues the next part as a read returns, so the
 * third part is the first made after @change. Returns the messages (and
 * the parts, and whether any carried NLM_F_DUMP_INTR), or -errno.
 */
static int dump_in_parts(int family, uint8_t cmd, void (*change)(void),
			 int *parts, bool *torn)
{
	static char buf[4096];
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
	} req = {
		.n = { .nlmsg_len = sizeof(req), .nlmsg_type = family,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 1 },
		.g = { .cmd = cmd, .version = GVM_GENL_VERSION },
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int n = 0, ret = -EPROTO;

	*parts = 0;
	*torn = false;
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		goto out;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0)
			goto out;
		if (++*parts == 1 && change)
			change();
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = n;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			*torn |= !!(h->nlmsg_flags & NLM_F_DUMP_INTR);
			n++;
		}
	}
out:
	close(fd);
	return ret;
}

#define TORN_DOMAIN	21
#define TORN_REGIONS	64
#define TORN_DOMAINS	100

static int extra_fd = -1;

static void open_one_more_region(void)
{
	extra_fd = gvm_region_open(TORN_DOMAIN, TORN_REGIONS + 1, 4096,
				   GVM_NODE_NONE);
}

static void add_one_more_domain(void)
{
	struct gvm_nl g;

	if (!gvm_nl_open(&g)) {
		gvm_domain_new(&g, TORN_DOMAIN + 1, 0, "127.0.0.1", 7451,
			       GVM_CONNECT_LAZY);
		gvm_nl_close(&g);
	}
}

/*
 * Dumps resume by position, so a region or domain that comes or goes
 * between two parts may make one missed or repeated: the parts after the
 * change say so (gvmctl then dumps again). Undisturbed, they do not.
 */
TEST_F(nl, dumps_torn_by_a_change_say_so)
{
	int fd[TORN_REGIONS], i, n, parts;
	bool torn;

	ASSERT_EQ(0, gvm_domain_new(&self->g, TORN_DOMAIN, 0, "127.0.0.1",
				    7450, GVM_CONNECT_LAZY));
	for (i = 0; i < TORN_REGIONS; i++) {
		fd[i] = gvm_region_open(TORN_DOMAIN, i + 1, 4096,
					GVM_NODE_NONE);
		ASSERT_LE(0, fd[i]) TH_LOG("region %d: %s", i + 1,
					   strerror(-fd[i]));
	}
	n = dump_in_parts(self->g.family, GVM_CMD_REGION_GET, NULL, &parts,
			  &torn);
	EXPECT_EQ(TORN_REGIONS, n);
	EXPECT_LE(3, parts);
	EXPECT_FALSE(torn);
	n = dump_in_parts(self->g.family, GVM_CMD_REGION_GET,
			  open_one_more_region, &parts, &torn);
	ASSERT_LE(0, extra_fd);
	EXPECT_LE(TORN_REGIONS, n);
	EXPECT_TRUE(torn) TH_LOG("a region opened mid-dump went unflagged");
	gvm_report("region dump: %d messages in %d parts\n", n, parts);
	ASSERT_EQ(0, gvm_regions(&self->g, TORN_DOMAIN, &dump));
	EXPECT_EQ(TORN_REGIONS + 1, dump.n);
	EXPECT_FALSE(dump.interrupted);
	for (i = 0; i < TORN_REGIONS; i++)
		close(fd[i]);
	close(extra_fd);

	for (i = 1; i < TORN_DOMAINS; i++)
		ASSERT_EQ(0, gvm_domain_new(&self->g, 100 + i, 0, "127.0.0.1",
					    7500 + i, GVM_CONNECT_LAZY));
	n = dump_in_parts(self->g.family, GVM_CMD_DOMAIN_GET, NULL, &parts,
			  &torn);
	EXPECT_EQ(TORN_DOMAINS, n);
	EXPECT_LE(3, parts);
	EXPECT_FALSE(torn);
	n = dump_in_parts(self->g.family, GVM_CMD_DOMAIN_GET,
			  add_one_more_domain, &parts, &torn);
	EXPECT_TRUE(torn) TH_LOG("a domain created mid-dump went unflagged");
	gvm_report("domain dump: %d messages in %d parts\n", n, parts);
}

TEST_F(nl, events_for_domains)
{
	struct gvm_entry ev;
	struct gvm_nl e;

	ASSERT_EQ(0, gvm_nl_open(&e));
	ASSERT_EQ(0, gvm_nl_subscribe(&e));
	ASSERT_EQ(0, gvm_domain_new(&self->g, 15, 3, "127.0.0.1", 7500,
				    GVM_CONNECT_LAZY));
	ASSERT_EQ(0, gvm_nl_event(&e, 2000, &ev));
	EXPECT_EQ(GVM_CMD_DOMAIN_NEW, ev.cmd);
	EXPECT_EQ(15, ev.domain);
	EXPECT_EQ(3, ev.node);
	ASSERT_EQ(0, gvm_domain_del(&self->g, 15));
	ASSERT_EQ(0, gvm_nl_event(&e, 2000, &ev));
	EXPECT_EQ(GVM_CMD_DOMAIN_DEL, ev.cmd);
	EXPECT_EQ(15, ev.domain);
	gvm_nl_close(&e);
}

/* A node of another domain knocks: refused, with an event saying why. */
TEST_F(nl, handshake_refused_for_another_domain)
{
	struct gvm_entry ev;
	struct gvm_nl e;
	long end;
	int ups = 0;

	ASSERT_EQ(0, gvm_nl_open(&e));
	ASSERT_EQ(0, gvm_nl_subscribe(&e));
	/* Domains are per namespace by id: two ids stand for two nodes. */
	ASSERT_EQ(0, gvm_domain_new(&self->g, 21, 0, "127.0.0.1", 7600,
				    GVM_CONNECT_EAGER));
	ASSERT_EQ(0, gvm_node_add(&self->g, 21, 1, "127.0.0.1", 7601));
	/* Domain 22 is another domain: its HELLO to 7600 is refused. */
	ASSERT_EQ(0, gvm_domain_new(&self->g, 22, 1, "127.0.0.1", 7601,
				    GVM_CONNECT_EAGER));
	ASSERT_EQ(0, gvm_node_add(&self->g, 22, 0, "127.0.0.1", 7600));
	end = gvm_deadline(10000);
	while (!ups && !gvm_nl_event_by(&e, end, &ev))
		ups += ev.cmd == GVM_CMD_HANDSHAKE_FAIL;
	EXPECT_NE(0, ups) TH_LOG("no handshake refusal seen");
	gvm_nl_close(&e);
}

/* IPv6: a dual-stack listener, and a member reached over ::1. */
TEST_F(nl, ipv6_listen_and_connect)
{
	struct in6_addr any = IN6ADDR_ANY_INIT, lo = IN6ADDR_LOOPBACK_INIT;
	struct gvm_entry ev;
	struct gvm_nl e;
	struct nl_msg *m;
	int refused = -1;
	long end;

	ASSERT_EQ(0, gvm_nl_open(&e));
	ASSERT_EQ(0, gvm_nl_subscribe(&e));
	m = gvm_nl_msg(&self->g, GVM_CMD_DOMAIN_NEW, NLM_F_ACK);
	nla_put_u32(m, GVM_A_DOMAIN_ID, 41);
	nla_put_u32(m, GVM_A_NODE_ID, 0);
	nla_put(m, GVM_A_ADDR6, 16, &any);
	nla_put_u16(m, GVM_A_PORT, 7800);
	nla_put_u8(m, GVM_A_CONNECT, GVM_CONNECT_EAGER);
	ASSERT_EQ(0, gvm_nl_send(&self->g, m, NULL)) TH_LOG("%s",
							     self->g.extack);
	/* Member 1 "is" [::1]:7800, our own listener: its HELLO is for 1. */
	m = gvm_nl_msg(&self->g, GVM_CMD_NODE_ADD, NLM_F_ACK);
	nla_put_u32(m, GVM_A_DOMAIN_ID, 41);
	nla_put_u32(m, GVM_A_NODE_ID, 1);
	nla_put(m, GVM_A_ADDR6, 16, &lo);
	nla_put_u16(m, GVM_A_PORT, 7800);
	ASSERT_EQ(0, gvm_nl_send(&self->g, m, NULL));
	/*
	 * Both ends report: the listener refusing (about node 0, the
	 * sender) and then the dialer being refused (about node 1). Wait
	 * for the dialer's, which is the one counted on member 1.
	 */
	end = gvm_deadline(5000);
	while (refused < 0 && !gvm_nl_event_by(&e, end, &ev))
		if (ev.cmd == GVM_CMD_HANDSHAKE_FAIL && ev.node == 1)
			refused = ev.hello_reason;
	/* Connected over IPv6, accepted, and told the HELLO was misaddressed. */
	EXPECT_EQ(GVM_HELLO_WRONG_NODE, refused);
	ASSERT_EQ(0, gvm_nodes(&self->g, 41, &dump));
	EXPECT_EQ(2, dump.n);
	EXPECT_LT(0, dump.e[1].stats[GVM_STAT_HANDSHAKE_FAILS]);
	gvm_nl_close(&e);
}

GVM_HARNESS_MAIN
