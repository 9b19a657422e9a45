// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl's parsing of what users type: numbers with their ranges,
 * ADDR:PORT and [ADDR]:PORT, connect modes and names. Every refusal is
 * checked with its exact reason, as gvmctl prints it after the option.
 */
#include "kselftest_harness.h"
#include <arpa/inet.h>
#include "../../tools/gvmctl/parse.h"

static const struct {
	const char *in;
	uint32_t min, max;
	uint32_t value;			/* when ok */
	const char *why;		/* NULL: ok */
} numbers_cases[] = {
	{ "0", 0, 10, 0, NULL },
	{ "10", 0, 10, 10, NULL },
	{ "007", 0, 10, 7, NULL },
	{ "4294967295", 1, UINT32_MAX, UINT32_MAX, NULL },
	{ "4294967296", 1, UINT32_MAX, 0, "out of range 1..4294967295" },
	{ "99999999999999999999999", 1, UINT32_MAX, 0,
	  "out of range 1..4294967295" },
	{ "0", DOMAIN_ID_MIN, DOMAIN_ID_MAX, 0, "out of range 1..4294967295" },
	{ "10239", 0, NODE_ID_MAX, 10239, NULL },
	{ "10240", 0, NODE_ID_MAX, 0, "out of range 0..10239" },
	{ "49", GVM_HEARTBEAT_MS_MIN, GVM_HEARTBEAT_MS_MAX, 0, "out of range 50..60000" },
	{ "600001", GVM_TIMEOUT_MS_MIN, GVM_TIMEOUT_MS_MAX, 0,
	  "out of range 150..600000" },
	{ "", 0, 10, 0, "not a number" },
	{ "-1", 0, 10, 0, "not a number" },
	{ "+1", 0, 10, 0, "not a number" },
	{ " 1", 0, 10, 0, "not a number" },
	{ "1 ", 0, 10, 0, "not a number" },
	{ "1x", 0, 10, 0, "not a number" },
	{ "0x1", 0, 10, 0, "not a number" },
	{ "1e3", 0, 10000, 0, "not a number" },
};

TEST(numbers)
{
	char why[ERR_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(numbers_cases); i++) {
		uint32_t v = 12345;
		bool ok = parse_u32(numbers_cases[i].in, numbers_cases[i].min,
				    numbers_cases[i].max, &v, why, sizeof(why));

		EXPECT_EQ(!numbers_cases[i].why, ok) TH_LOG("\"%s\"", numbers_cases[i].in);
		if (ok) {
			EXPECT_EQ(numbers_cases[i].value, v);
		} else {
			EXPECT_STREQ(numbers_cases[i].why, why);
			EXPECT_EQ(12345, v) TH_LOG("refused, yet written");
		}
	}
}

static const struct {
	const char *in;
	const char *why;		/* NULL: ok, and prints back as in */
} endpoints_cases[] = {
	{ "10.0.0.1:7000", NULL },
	{ "0.0.0.0:1", NULL },
	{ "255.255.255.255:65535", NULL },
	{ "[::1]:7000", NULL },
	{ "[fd00::1:2]:65535", NULL },
	{ "[::ffff:10.0.0.1]:7", NULL },
	{ "", "expected ADDR:PORT" },
	{ "10.0.0.1", "expected ADDR:PORT" },
	{ "10.0.0.1:", "missing port" },
	{ "10.0.0.1:0", "port: out of range 1..65535" },
	{ "10.0.0.1:65536", "port: out of range 1..65535" },
	{ "10.0.0.1:99999999999", "port: out of range 1..65535" },
	{ "10.0.0.1:x", "port: not a number" },
	{ "10.0.0.1:7000 ", "port: not a number" },
	{ "10.0.0.1:-1", "port: not a number" },
	{ "256.0.0.1:7", "not an IPv4 address" },
	{ "1.2.3:7", "not an IPv4 address" },
	{ "010.0.0.1:7", "not an IPv4 address" },
	{ "host.example:7", "not an IPv4 address" },
	{ ":7", "not an IPv4 address" },
	{ "10.0.0.1.10.0.0.1.10.0.0.1.10.0.0.1.10.0.0.1.10.0.0.1:7",
	  "not an IPv4 address" },
	{ "::1:7000", "an IPv6 address goes in brackets: [ADDR]:PORT" },
	{ "[::1]", "expected [ADDR]:PORT" },
	{ "[::1]7000", "expected [ADDR]:PORT" },
	{ "[::1:7000", "missing ']' after the address" },
	{ "[]:7", "not an IPv6 address" },
	{ "[10.0.0.1]:7", "not an IPv6 address" },
	{ "[fe80::1%eth0]:7", "not an IPv6 address" },
	{ "[1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20]:7",
	  "not an IPv6 address" },
	/* Longer than any address: not cut to one that parses. */
	{ "[0000:0000:0000:0000:0000:ffff:255.255.255.255x]:7",
	  "not an IPv6 address" },
	{ "255.255.255.255255.255.255.255255.255.255.2550:7",
	  "not an IPv4 address" },
	{ "[::1]:", "missing port" },
	{ "[::1]:70000", "port: out of range 1..65535" },
};

TEST(endpoints)
{
	char why[ERR_MAX], back[ENDPOINT_STR_MAX];
	struct gvm_endpoint ep;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(endpoints_cases); i++) {
		bool ok = parse_endpoint(endpoints_cases[i].in, &ep, why,
					 sizeof(why));

		EXPECT_EQ(!endpoints_cases[i].why, ok)
			TH_LOG("\"%s\": %s", endpoints_cases[i].in, ok ? "" : why);
		if (ok) {
			EXPECT_STREQ(endpoints_cases[i].in,
				     endpoint_str(&ep, back));
		} else {
			EXPECT_STREQ(endpoints_cases[i].why, why)
				TH_LOG("\"%s\"", endpoints_cases[i].in);
		}
	}
}

TEST(endpoint_fields)
{
	char why[ERR_MAX], addr[INET6_ADDRSTRLEN], back[ENDPOINT_STR_MAX];
	struct gvm_endpoint ep;

	ASSERT_TRUE(parse_endpoint("10.1.2.3:7000", &ep, why, sizeof(why)));
	EXPECT_EQ(AF_INET, ep.family);
	EXPECT_EQ(htonl(0x0a010203), ep.v4.s_addr);
	EXPECT_EQ(7000, ep.port);
	EXPECT_STREQ("10.1.2.3", endpoint_addr(&ep, addr));
	EXPECT_FALSE(endpoint_is_unspecified(&ep));

	ASSERT_TRUE(parse_endpoint("[fd00::7]:1", &ep, why, sizeof(why)));
	EXPECT_EQ(AF_INET6, ep.family);
	EXPECT_EQ(0xfd, ep.v6.s6_addr[0]);
	EXPECT_EQ(7, ep.v6.s6_addr[15]);
	EXPECT_EQ(1, ep.port);
	EXPECT_STREQ("fd00::7", endpoint_addr(&ep, addr));

	ASSERT_TRUE(parse_endpoint("0.0.0.0:7", &ep, why, sizeof(why)));
	EXPECT_TRUE(endpoint_is_unspecified(&ep));
	ASSERT_TRUE(parse_endpoint("[::]:7", &ep, why, sizeof(why)));
	EXPECT_TRUE(endpoint_is_unspecified(&ep));

	/* The longest IPv6 address there is, 45 characters. */
	ASSERT_TRUE(parse_endpoint("[0000:0000:0000:0000:0000:ffff:255.255.255.255]:7",
				   &ep, why, sizeof(why)));
	EXPECT_STREQ("[::ffff:255.255.255.255]:7", endpoint_str(&ep, back));

	/* What the kernel might report without an address. */
	memset(&ep, 0, sizeof(ep));
	EXPECT_STREQ("-", endpoint_str(&ep, why));
}

TEST(connect_modes)
{
	char why[ERR_MAX];
	uint8_t mode = 9;

	EXPECT_TRUE(parse_connect("lazy", &mode, why, sizeof(why)));
	EXPECT_EQ(GVM_CONNECT_LAZY, mode);
	EXPECT_TRUE(parse_connect("eager", &mode, why, sizeof(why)));
	EXPECT_EQ(GVM_CONNECT_EAGER, mode);
	EXPECT_FALSE(parse_connect("Eager", &mode, why, sizeof(why)));
	EXPECT_STREQ("expected lazy or eager", why);
	EXPECT_FALSE(parse_connect("", &mode, why, sizeof(why)));
	EXPECT_FALSE(parse_connect("1", &mode, why, sizeof(why)));
}

static const struct {
	const char *in;
	const char *why;
} names_cases[] = {
	{ "lab", NULL },
	{ "a\"quote\\and-backslash", NULL },
	{ "caf\xc3\xa9", NULL },
	{ "1234567890123456789012345678901", NULL },
	{ "12345678901234567890123456789012", "longer than 31 bytes" },
	{ "", "empty name" },
	{ "a b", "white space or control character in the name" },
	{ "a\tb", "white space or control character in the name" },
	{ "a\x1b[2J", "white space or control character in the name" },
	{ "a\x7f", "white space or control character in the name" },
};

TEST(names)
{
	char out[GVM_NAME_MAX], why[ERR_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names_cases); i++) {
		bool ok = parse_name(names_cases[i].in, out, why, sizeof(why));

		EXPECT_EQ(!names_cases[i].why, ok) TH_LOG("\"%s\"", names_cases[i].in);
		if (ok)
			EXPECT_STREQ(names_cases[i].in, out);
		if (!ok)
			EXPECT_STREQ(names_cases[i].why, why);
	}
}

TEST_HARNESS_MAIN
