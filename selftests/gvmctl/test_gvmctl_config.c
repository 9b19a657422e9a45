// SPDX-License-Identifier: GPL-2.0
/*
 * cluster.conf: valid files parse to what they say; each class of bad line
 * is refused with its exact message and line number; the whole-domain
 * checks (local node, timeout above heartbeat, addresses) likewise.
 */
#include "kselftest_harness.h"
#include <arpa/inet.h>
#include <sys/stat.h>
#include "../../tools/gvmctl/config.h"
#include "../../tools/gvmctl/parse.h"

/* Parses @text as "t.conf"; on failure leaves the message in @err. */
static bool parse(struct gvm_cluster *c, const char *text, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	bool ok;

	cluster_init(c);
	if (!f) {
		snprintf(err, ERR_MAX, "fmemopen failed");
		return false;
	}
	ok = config_parse(c, f, "t.conf", err, ERR_MAX);
	fclose(f);
	return ok;
}

/* Parses and checks, as join does. */
static bool load(struct gvm_cluster *c, const char *text, char *err)
{
	return parse(c, text, err) && cluster_check(c, "t.conf", err, ERR_MAX);
}

TEST(full_file)
{
	static const char text[] =
		"# lab cluster\n"
		"\n"
		"domain 7\n"
		"name\tlab   # a comment after a value\n"
		"heartbeat 200\r\n"
		"timeout 1000\n"
		"connect lazy\n"
		"node 2\n"
		"   \t\n"
		"member 0 10.0.0.1:7000\n"
		"1 [fd00::1]:7001\n"
		"member 2 10.0.0.3:7000\n";
	char err[ERR_MAX], ep[ENDPOINT_STR_MAX];
	struct gvm_cluster c;

	ASSERT_TRUE(load(&c, text, err)) TH_LOG("%s", err);
	EXPECT_EQ(7, c.domain);
	EXPECT_EQ(2, c.self);
	EXPECT_STREQ("lab", c.name);
	EXPECT_EQ(200, c.heartbeat_ms);
	EXPECT_EQ(1000, c.timeout_ms);
	EXPECT_EQ(GVM_CONNECT_LAZY, c.connect);
	EXPECT_EQ(GVM_CONNECT_LAZY, cluster_connect(&c));
	ASSERT_EQ(3, c.nmembers);
	EXPECT_EQ(0, c.members[0].id);
	EXPECT_EQ(10, c.members[0].line);
	EXPECT_STREQ("10.0.0.1:7000", endpoint_str(&c.members[0].ep, ep));
	EXPECT_EQ(1, c.members[1].id);
	EXPECT_EQ(11, c.members[1].line);
	EXPECT_STREQ("[fd00::1]:7001", endpoint_str(&c.members[1].ep, ep));
	ASSERT_NE(NULL, cluster_member(&c, 2));
	EXPECT_STREQ("10.0.0.3:7000",
		     endpoint_str(&cluster_member(&c, 2)->ep, ep));
	EXPECT_EQ(NULL, cluster_member(&c, 3));
	EXPECT_EQ(NULL, cluster_member(&c, GVM_MAX_NODES));
	EXPECT_EQ(3, c.line.domain);
	EXPECT_EQ(8, c.line.self);
	cluster_free(&c);
}

/* Optional directives stay unset: the kernel's defaults apply. */
TEST(minimal_file)
{
	char err[ERR_MAX];
	struct gvm_cluster c;

	ASSERT_TRUE(load(&c, "domain 1\nnode 0\n0 127.0.0.1:1\n", err))
		TH_LOG("%s", err);
	EXPECT_EQ(0, c.heartbeat_ms);
	EXPECT_EQ(0, c.timeout_ms);
	EXPECT_EQ(-1, c.connect);
	EXPECT_STREQ("", c.name);
	EXPECT_EQ(1, c.nmembers);
	cluster_free(&c);
}

/* One file for the whole domain: the local node comes from --node. */
TEST(shared_file)
{
	char err[ERR_MAX];
	struct gvm_cluster c;

	ASSERT_TRUE(parse(&c, "domain 9\n0 10.0.0.1:7\n1 10.0.0.2:7\n", err));
	EXPECT_FALSE(cluster_check(&c, "t.conf", err, ERR_MAX));
	EXPECT_STREQ("t.conf: no local node: add \"node ID\" or use --node",
		     err);
	c.self = 1;
	EXPECT_TRUE(cluster_check(&c, "t.conf", err, ERR_MAX))
		TH_LOG("%s", err);
	c.self = 5;
	EXPECT_FALSE(cluster_check(&c, "t.conf", err, ERR_MAX));
	EXPECT_STREQ("t.conf: node 5 is not a member: its member line gives the address it listens on",
		     err);
	cluster_free(&c);
}

/* --domain and --node over the file's: only those given, and kept. */
TEST(command_line_overrides_the_file)
{
	char err[ERR_MAX];
	struct gvm_cluster c;

	ASSERT_TRUE(parse(&c, "domain 9\nnode 1\n0 10.0.0.1:7\n1 10.0.0.2:7\n",
			  err));
	cluster_override(&c, 0, GVM_NODE_NONE);
	EXPECT_EQ(9, c.domain);
	EXPECT_EQ(1, c.self);
	EXPECT_EQ(1, c.line.domain);
	EXPECT_EQ(2, c.line.self);
	cluster_override(&c, 4, 0);
	EXPECT_EQ(4, c.domain);
	EXPECT_EQ(0, c.self);
	EXPECT_EQ(0, c.line.domain);
	EXPECT_EQ(0, c.line.self);
	/* A node the file does not list is now the option's fault. */
	cluster_override(&c, 0, 5);
	EXPECT_FALSE(cluster_check(&c, "t.conf", err, ERR_MAX));
	EXPECT_STREQ("t.conf: node 5 is not a member: its member line gives the address it listens on",
		     err);
	cluster_free(&c);
}

static const struct {
	const char *text;
	const char *err;
} bad_lines_cases[] = {
	{ "frobnicate 1\n", "t.conf:1: unknown directive \"frobnicate\"" },
	{ "Domain 7\n", "t.conf:1: unknown directive \"Domain\"" },
	{ "x 10.0.0.1:7\n", "t.conf:1: unknown directive \"x\"" },
	{ "# c\n\ndomain\n", "t.conf:3: domain: missing ID" },
	{ "node\n", "t.conf:1: node: missing ID" },
	{ "heartbeat # 100\n", "t.conf:1: heartbeat: missing MS" },
	{ "connect\n", "t.conf:1: connect: missing lazy|eager" },
	{ "name\n", "t.conf:1: name: missing NAME" },
	{ "domain 7 8\n", "t.conf:1: domain: unexpected \"8\"" },
	{ "name my lab\n", "t.conf:1: name: unexpected \"lab\"" },
	{ "domain 7\ndomain 7\n", "t.conf:2: domain already set at line 1" },
	{ "node 1\n\nnode 2\n", "t.conf:3: node already set at line 1" },
	{ "name a\nname b\n", "t.conf:2: name already set at line 1" },
	{ "psk-file\n", "t.conf:1: psk-file: missing PATH" },
	{ "psk-file a b\n", "t.conf:1: psk-file: unexpected \"b\"" },
	{ "psk-file a\npsk-file b\n", "t.conf:2: psk-file already set at line 1" },
	{ "domain 7x\n", "t.conf:1: domain 7x: not a number" },
	{ "domain -7\n", "t.conf:1: domain -7: not a number" },
	{ "domain 0\n", "t.conf:1: domain 0: out of range 1..4294967295" },
	{ "domain 4294967296\n",
	  "t.conf:1: domain 4294967296: out of range 1..4294967295" },
	{ "node 10240\n", "t.conf:1: node 10240: out of range 0..10239" },
	{ "heartbeat 49\n", "t.conf:1: heartbeat 49: out of range 50..60000" },
	{ "heartbeat 60001\n",
	  "t.conf:1: heartbeat 60001: out of range 50..60000" },
	{ "timeout 149\n", "t.conf:1: timeout 149: out of range 150..600000" },
	{ "timeout 600001\n",
	  "t.conf:1: timeout 600001: out of range 150..600000" },
	{ "heartbeat 1s\n", "t.conf:1: heartbeat 1s: not a number" },
	{ "connect sometimes\n",
	  "t.conf:1: connect sometimes: expected lazy or eager" },
	{ "name 12345678901234567890123456789012\n",
	  "t.conf:1: name 12345678901234567890123456789012: longer than 31 bytes" },
	{ "name a\x01\n",
	  "t.conf:1: name a\x01: white space or control character in the name" },
	{ "member\n", "t.conf:1: member: expected ID ADDR:PORT" },
	{ "member 3\n", "t.conf:1: member: expected ID ADDR:PORT" },
	{ "3\n", "t.conf:1: member: expected ID ADDR:PORT" },
	{ "member 3 10.0.0.1:7 eager\n",
	  "t.conf:1: member 3: unexpected \"eager\"" },
	{ "member x 10.0.0.1:7\n", "t.conf:1: member x: not a number" },
	{ "3x 10.0.0.1:7\n", "t.conf:1: member 3x: not a number" },
	{ "10240 10.0.0.1:7\n",
	  "t.conf:1: member 10240: out of range 0..10239" },
	{ "member 3 10.0.0.1\n",
	  "t.conf:1: member 3: 10.0.0.1: expected ADDR:PORT" },
	{ "member 3 10.0.0.1:0\n",
	  "t.conf:1: member 3: 10.0.0.1:0: port: out of range 1..65535" },
	{ "member 3 10.0.0.256:7\n",
	  "t.conf:1: member 3: 10.0.0.256:7: not an IPv4 address" },
	{ "member 3 fd00::1:7\n",
	  "t.conf:1: member 3: fd00::1:7: an IPv6 address goes in brackets: [ADDR]:PORT" },
	{ "member 3 [fd00::1]\n",
	  "t.conf:1: member 3: [fd00::1]: expected [ADDR]:PORT" },
	{ "member 3 10.0.0.1:7\n# x\nmember 3 10.0.0.2:7\n",
	  "t.conf:3: member 3 already listed at line 1" },
	{ "3 10.0.0.1:7\nmember 3 10.0.0.2:7\n",
	  "t.conf:2: member 3 already listed at line 1" },
	/* The first bad line stops the parse. */
	{ "domain 1\nbad\ndomain 2\n", "t.conf:2: unknown directive \"bad\"" },
};

TEST(bad_lines)
{
	struct gvm_cluster c;
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_lines_cases); i++) {
		strcpy(err, "(none)");
		EXPECT_FALSE(parse(&c, bad_lines_cases[i].text, err))
			TH_LOG("accepted: %s", bad_lines_cases[i].text);
		EXPECT_STREQ(bad_lines_cases[i].err, err);
		cluster_free(&c);
	}
}

static const struct {
	const char *text;
	const char *err;
} bad_domains_cases[] = {
	{ "node 0\n0 10.0.0.1:7\n",
	  "t.conf: no domain: add \"domain ID\" or use --domain" },
	{ "domain 1\n0 10.0.0.1:7\n",
	  "t.conf: no local node: add \"node ID\" or use --node" },
	{ "domain 1\n0 10.0.0.1:7\nnode 1\n",
	  "t.conf:3: node 1 is not a member: its member line gives the address it listens on" },
	{ "domain 1\nnode 0\n0 10.0.0.1:7\nheartbeat 1000\ntimeout 1000\n",
	  "t.conf:5: timeout 1000 must be greater than heartbeat 1000" },
	{ "domain 1\nnode 0\n0 10.0.0.1:7\ntimeout 500\nheartbeat 600\n",
	  "t.conf:5: timeout 500 must be greater than heartbeat 600" },
	{ "domain 1\nnode 0\n0 10.0.0.1:7\n1 0.0.0.0:7\n",
	  "t.conf:4: member 1: 0.0.0.0:7 is not an address peers can connect to" },
	{ "domain 1\nnode 0\n0 10.0.0.1:7\n1 [::]:7\n",
	  "t.conf:4: member 1: [::]:7 is not an address peers can connect to" },
	{ "domain 1\nnode 0\n5 10.0.0.9:7\n0 10.0.0.1:7\n2 10.0.0.9:7\n",
	  "t.conf:5: member 2 has the same address as member 5 (line 3)" },
	{ "domain 1\nnode 0\n0 [::1]:7\n1 [0::1]:7\n",
	  "t.conf:4: member 1 has the same address as member 0 (line 3)" },
};

TEST(bad_domains)
{
	struct gvm_cluster c;
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_domains_cases); i++) {
		strcpy(err, "(none)");
		EXPECT_FALSE(load(&c, bad_domains_cases[i].text, err))
			TH_LOG("accepted: %s", bad_domains_cases[i].text);
		EXPECT_STREQ(bad_domains_cases[i].err, err);
		cluster_free(&c);
	}
}

/* The same port on different addresses, or the local node on a wildcard. */
TEST(good_addresses)
{
	char err[ERR_MAX];
	struct gvm_cluster c;

	EXPECT_TRUE(load(&c, "domain 1\nnode 0\n0 0.0.0.0:7\n"
			 "1 10.0.0.1:7\n2 10.0.0.1:8\n3 [::1]:7\n", err))
		TH_LOG("%s", err);
	cluster_free(&c);
}

/* Options have no line: their messages say so by having none. */
TEST(options_without_lines)
{
	struct gvm_endpoint ep;
	char err[ERR_MAX];
	struct gvm_cluster c;

	cluster_init(&c);
	ASSERT_TRUE(parse_endpoint("10.0.0.1:7", &ep, err, sizeof(err)));
	ASSERT_TRUE(cluster_add(&c, 4, &ep, 0, err, sizeof(err)));
	EXPECT_FALSE(cluster_add(&c, 4, &ep, 0, err, sizeof(err)));
	EXPECT_STREQ("node 4 given twice", err);
	ASSERT_TRUE(cluster_add(&c, 6, &ep, 0, err, sizeof(err)));
	c.domain = 3;
	c.self = 4;
	EXPECT_FALSE(cluster_check(&c, NULL, err, sizeof(err)));
	EXPECT_STREQ("member 6 has the same address as member 4", err);
	cluster_free(&c);
}

/* Up to EAGER_MAX_MEMBERS members watch each other; above, lazily. */
TEST(connect_by_size)
{
	struct gvm_endpoint ep = { .family = AF_INET, .port = 7 };
	char err[ERR_MAX];
	struct gvm_cluster c;
	uint32_t id;

	cluster_init(&c);
	for (id = 0; id < EAGER_MAX_MEMBERS; id++) {
		ep.v4.s_addr = htonl(0x0a000000 + id + 1);
		ASSERT_TRUE(cluster_add(&c, id, &ep, 0, err, sizeof(err)));
	}
	EXPECT_EQ(GVM_CONNECT_EAGER, cluster_connect(&c));
	ASSERT_TRUE(cluster_add(&c, id, &ep, 0, err, sizeof(err)));
	EXPECT_EQ(GVM_CONNECT_LAZY, cluster_connect(&c));
	c.connect = GVM_CONNECT_EAGER;
	EXPECT_EQ(GVM_CONNECT_EAGER, cluster_connect(&c));
	cluster_free(&c);
}

/* Every id once, 10,240 members: the largest domain parses and checks. */
TEST(largest_domain)
{
	size_t cap = 64 + GVM_MAX_NODES * 32, len;
	char *text = malloc(cap), err[ERR_MAX];
	struct gvm_cluster c;
	uint32_t id;

	ASSERT_NE(NULL, text);
	len = (size_t)snprintf(text, cap, "domain 1\nnode 10239\n");
	for (id = 0; id < GVM_MAX_NODES; id++)
		len += (size_t)snprintf(text + len, cap - len,
					"%u 10.%u.%u.1:7000\n", id, id >> 8,
					id & 0xff);
	ASSERT_TRUE(load(&c, text, err)) TH_LOG("%s", err);
	EXPECT_EQ(GVM_MAX_NODES, c.nmembers);
	EXPECT_EQ(GVM_CONNECT_LAZY, cluster_connect(&c));
	cluster_free(&c);
	free(text);
}

/* Line numbers stay right after a line far longer than any buffer. */
/* A relative psk-file is the conf's neighbour; an absolute one is itself. */
TEST(psk_file_paths)
{
	static const char text[] = "psk-file keys/psk\n";
	struct gvm_cluster c;
	char err[ERR_MAX];
	FILE *f;

	f = fmemopen((void *)text, strlen(text), "r");
	ASSERT_NE(NULL, f);
	cluster_init(&c);
	ASSERT_TRUE(config_parse(&c, f, "/etc/giantvm/cluster.conf", err,
				 sizeof(err))) TH_LOG("%s", err);
	fclose(f);
	EXPECT_STREQ("/etc/giantvm/keys/psk", c.psk_file);
	cluster_free(&c);
	ASSERT_TRUE(parse(&c, "psk-file keys/psk\n", err));
	EXPECT_STREQ("keys/psk", c.psk_file);
	cluster_free(&c);
	ASSERT_TRUE(parse(&c, "psk-file /srv/psk\n", err));
	EXPECT_STREQ("/srv/psk", c.psk_file);
	cluster_free(&c);
	ASSERT_TRUE(parse(&c, "domain 1\n", err));
	EXPECT_STREQ("", c.psk_file);
	cluster_free(&c);
}

TEST(long_line)
{
	size_t n = 100000;
	char *text = malloc(n + 32), err[ERR_MAX];
	struct gvm_cluster c;

	ASSERT_NE(NULL, text);
	text[0] = '#';
	memset(text + 1, 'x', n);
	strcpy(text + 1 + n, "\nbogus\n");
	EXPECT_FALSE(parse(&c, text, err));
	EXPECT_STREQ("t.conf:2: unknown directive \"bogus\"", err);
	cluster_free(&c);
	free(text);
}

TEST(read_errors)
{
	char dir[] = "/tmp/gvmctl-test-XXXXXX", err[ERR_MAX], want[ERR_MAX];
	struct gvm_cluster c;

	cluster_init(&c);
	EXPECT_FALSE(config_read(&c, "/nonexistent/cluster.conf", err,
				 sizeof(err)));
	EXPECT_STREQ("/nonexistent/cluster.conf: No such file or directory",
		     err);
	ASSERT_NE(NULL, mkdtemp(dir));
	EXPECT_FALSE(config_read(&c, dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	EXPECT_STREQ(want, err);
	rmdir(dir);
	cluster_free(&c);
}

TEST_HARNESS_MAIN
