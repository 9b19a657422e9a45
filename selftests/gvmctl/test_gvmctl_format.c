// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl's output: JSON escaping (names and reasons are any bytes the
 * kernel holds), terminal-safe text, ages, sizes, timestamps, and the exact
 * status table, status document and event lines. A JSON parser (python3)
 * reads the document back when there is one.
 */
#include "kselftest_harness.h"
#include <errno.h>
#include "../../tools/gvmctl/format.h"
#include "../../tools/gvmctl/parse.h"

/* What @print writes, as a string to free(). */
#define CAPTURE(buf, print) do {					\
	size_t _len;							\
	FILE *_f = open_memstream(&(buf), &_len);			\
									\
	ASSERT_NE(NULL, _f);						\
	print;								\
	fclose(_f);							\
} while (0)
#define OUT _f

static const struct {
	const char *in;
	const char *json;
} strings[] = {
	{ "lab", "\"lab\"" },
	{ "", "\"\"" },
	{ "a\"b\\c/d", "\"a\\\"b\\\\c/d\"" },
	{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"" },
	{ "\x1b[2J", "\"\\u001b[2J\"" },
	/* Well-formed UTF-8 passes: 2, 3 and 4 byte sequences. */
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	{ "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },
	/* Anything else becomes U+FFFD, one per byte it cannot start. */
	{ "\x80", "\"\\ufffd\"" },
	{ "\xff", "\"\\ufffd\"" },
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong "/" */
	{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },		/* cut short */
	{ "a\xc3", "\"a\\ufffd\"" },
};

TEST(json_strings)
{
	char *out;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(strings); i++) {
		CAPTURE(out, json_string(OUT, strings[i].in));
		EXPECT_STREQ(strings[i].json, out) TH_LOG("case %zu", i);
		free(out);
	}
}

TEST(text_strings)
{
	char *out;

	CAPTURE(out, text_string(OUT, "a\x1b[2J\r\n\x7f\xc3\xa9"));
	EXPECT_STREQ("a?[2J???\xc3\xa9", out);
	free(out);
}

TEST(ages)
{
	static const struct {
		uint32_t ms;
		const char *text;
	} cases[] = {
		{ 0, "0.0s ago" },
		{ 99, "0.0s ago" },
		{ 400, "0.4s ago" },
		{ 59999, "59.9s ago" },
		{ 60000, "1m00s ago" },
		{ 3599999, "59m59s ago" },
		{ 3600000, "1h00m ago" },
		{ 86399999, "23h59m ago" },
		{ 86400000, "1d00h ago" },
		{ UINT32_MAX, "49d17h ago" },
	};
	char buf[AGE_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		EXPECT_STREQ(cases[i].text, format_age(buf, cases[i].ms));
}

TEST(sizes)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1048576, "1.0 MiB" },
		{ 3ULL << 30, "3.0 GiB" },
		{ 1ULL << 50, "1.0 PiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char buf[BYTES_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		EXPECT_STREQ(cases[i].text, format_bytes(buf, cases[i].bytes));
}

TEST(times)
{
	struct timespec t = { 0, 5999999 };
	char buf[TIME_MAX];

	EXPECT_STREQ("1970-01-01T00:00:00.005Z", format_time(buf, &t));
	t.tv_sec = 1700000000;
	t.tv_nsec = 123456789;
	EXPECT_STREQ("2023-11-14T22:13:20.123Z", format_time(buf, &t));
}

/* A newer kernel's values read "unknown" rather than crash or lie. */
TEST(names)
{
	EXPECT_STREQ("up", node_state_name(GVM_NODE_UP));
	EXPECT_STREQ("self", node_state_name(GVM_NODE_SELF));
	EXPECT_STREQ("unknown", node_state_name(__GVM_NODE_STATE_MAX));
	EXPECT_STREQ("unknown", node_state_name(255));
	EXPECT_STREQ("eager", connect_name(GVM_CONNECT_EAGER));
	EXPECT_STREQ("unknown", connect_name(2));
	EXPECT_STREQ("node-down", event_name(GVM_CMD_NODE_DOWN));
	EXPECT_STREQ("fault-fail", event_name(GVM_CMD_FAULT_FAIL));
	EXPECT_STREQ("page-lost", event_name(GVM_CMD_PAGE_LOST));
	EXPECT_STREQ("region-conflict", event_name(GVM_CMD_REGION_CONFLICT));
	EXPECT_STREQ("unknown", event_name(GVM_CMD_DOMAIN_GET));
	EXPECT_STREQ("unknown", event_name(GVM_CMD_REGION_GET));
	EXPECT_STREQ("unknown", event_name(__GVM_CMD_MAX));
	EXPECT_STREQ("not-member", hello_reason_name(GVM_HELLO_NOT_MEMBER));
	EXPECT_STREQ("unknown", hello_reason_name(__GVM_HELLO_MAX));
}

/*
 * The kernel's buckets (uapi/linux/giantvm.h): a microsecond wide up to
 * 8 us, then four to each power of two; each starts where the one before
 * ends.
 */
TEST(latency_buckets)
{
	unsigned int i;

	EXPECT_EQ(0, gvm_lat_bucket(0));
	EXPECT_EQ(3, gvm_lat_bucket(3));
	EXPECT_EQ(7, gvm_lat_bucket(7));
	EXPECT_EQ(8, gvm_lat_bucket(8));
	EXPECT_EQ(8, gvm_lat_bucket(9));
	EXPECT_EQ(9, gvm_lat_bucket(10));
	EXPECT_EQ(20, gvm_lat_bucket(64));
	EXPECT_EQ(20, gvm_lat_bucket(79));
	EXPECT_EQ(21, gvm_lat_bucket(80));
	EXPECT_EQ(36, gvm_lat_bucket(1024));
	EXPECT_EQ(39, gvm_lat_bucket(2047));
	/* The last from 14,680,064 us, with every slower fault. */
	EXPECT_EQ(GVM_LAT_BUCKETS - 2, gvm_lat_bucket(14680063));
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, gvm_lat_bucket(14680064));
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, gvm_lat_bucket(1ULL << 24));
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, gvm_lat_bucket(UINT64_MAX));
	EXPECT_EQ(14680064, gvm_lat_lo(GVM_LAT_BUCKETS - 1));

	EXPECT_EQ(0, gvm_lat_lo(0));
	for (i = 0; i + 1 < GVM_LAT_BUCKETS; i++) {
		uint64_t lo = gvm_lat_lo(i), next = gvm_lat_lo(i + 1);

		ASSERT_LT(lo, next) TH_LOG("bucket %u", i);
		EXPECT_EQ(i, gvm_lat_bucket(lo)) TH_LOG("bucket %u", i);
		EXPECT_EQ(i, gvm_lat_bucket(next - 1)) TH_LOG("bucket %u", i);
		/* A percentile is at most a quarter over what it reads. */
		if (lo >= 4)
			EXPECT_LE(next - lo, lo / 4) TH_LOG("bucket %u", i);
	}
}

/* Nearest rank over the buckets; each bucket reads as its lower bound. */
TEST(latency_percentiles)
{
	uint64_t lat[GVM_LAT_BUCKETS] = { 0 };

	/* No faults: no percentile at all. */
	EXPECT_EQ(-1, lat_percentile(lat, 50));
	EXPECT_EQ(-1, lat_percentile(lat, 99));
	EXPECT_EQ(-1, lat_percentile(lat, 100));

	/* One fault, or many in one bucket: every percentile is there. */
	lat[5] = 1;
	EXPECT_EQ(5, lat_percentile(lat, 1));
	EXPECT_EQ(5, lat_percentile(lat, 50));
	EXPECT_EQ(5, lat_percentile(lat, 99));
	EXPECT_EQ(5, lat_percentile(lat, 100));
	lat[5] = 1000000;
	EXPECT_EQ(5, lat_percentile(lat, 50));
	EXPECT_EQ(5, lat_percentile(lat, 99));

	/* The first bucket, which also holds the faster faults. */
	lat[5] = 0;
	lat[0] = 3;
	EXPECT_EQ(0, lat_percentile(lat, 50));
	EXPECT_EQ(0, lat_percentile(lat, 99));

	/* The last bucket, which also holds the slower faults. */
	lat[0] = 0;
	lat[GVM_LAT_BUCKETS - 1] = 7;
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, lat_percentile(lat, 50));
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, lat_percentile(lat, 99));

	/* The rank is rounded up: 99 of 100 is still the fast bucket ... */
	lat[0] = 99;
	lat[GVM_LAT_BUCKETS - 1] = 1;
	EXPECT_EQ(0, lat_percentile(lat, 50));
	EXPECT_EQ(0, lat_percentile(lat, 99));
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, lat_percentile(lat, 100));
	/* ... 98 of 100 is not; nor 99 of 101 (99.99 rounds up to 100). */
	lat[0] = 98;
	lat[GVM_LAT_BUCKETS - 1] = 2;
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, lat_percentile(lat, 99));
	lat[0] = 99;
	EXPECT_EQ(GVM_LAT_BUCKETS - 1, lat_percentile(lat, 99));

	/* Half and half: the median is the lower half's bucket. */
	memset(lat, 0, sizeof(lat));
	lat[3] = 2;
	lat[9] = 2;
	EXPECT_EQ(3, lat_percentile(lat, 50));
	EXPECT_EQ(9, lat_percentile(lat, 51));

	/* Counts near 2^64 saturate instead of wrapping to "no faults". */
	memset(lat, 0, sizeof(lat));
	lat[1] = UINT64_MAX;
	lat[2] = UINT64_MAX;
	EXPECT_EQ(1, lat_percentile(lat, 50));
	EXPECT_EQ(1, lat_percentile(lat, 99));
}

FIXTURE(domain7) {
	struct gvm_domain_info d;
	struct gvm_node_info nodes[3];
	struct gvm_region_info regions[2];
};

FIXTURE_SETUP(domain7)
{
	char why[ERR_MAX];
	int i;

	memset(&self->d, 0, sizeof(self->d));
	memset(self->nodes, 0, sizeof(self->nodes));
	self->d.id = 7;
	self->d.self = 2;
	strcpy(self->d.name, "lab\"\\\n\x01\xff");
	ASSERT_TRUE(parse_endpoint("10.0.0.3:7000", &self->d.listen, why,
				   sizeof(why)));
	self->d.heartbeat_ms = 1000;
	self->d.timeout_ms = 5000;
	self->d.connect = GVM_CONNECT_EAGER;
	self->d.auth = true;
	self->d.members = 3;
	self->d.mem_bytes = 3 << 20;
	for (i = GVM_STAT_TX_FRAMES; i <= GVM_STAT_MAX; i++)
		self->d.stats[i] = (uint64_t)i * 1000;

	self->nodes[0].id = 0;
	ASSERT_TRUE(parse_endpoint("10.0.0.1:7000", &self->nodes[0].ep, why,
				   sizeof(why)));
	self->nodes[0].state = GVM_NODE_UP;
	self->nodes[0].heard = true;
	self->nodes[0].last_rx_ms = 400;
	self->nodes[0].stats[GVM_STAT_TX_FRAMES] = 60;
	self->nodes[0].stats[GVM_STAT_TX_BYTES] = 24576;
	self->nodes[0].stats[GVM_STAT_RX_FRAMES] = 59;
	self->nodes[0].stats[GVM_STAT_RX_BYTES] = 24000;
	self->nodes[1].id = 1;
	ASSERT_TRUE(parse_endpoint("[fd00::1:2:3:4]:7001", &self->nodes[1].ep,
				   why, sizeof(why)));
	self->nodes[1].state = GVM_NODE_CONNECTING;
	self->nodes[2].id = 2;
	self->nodes[2].ep = self->d.listen;
	self->nodes[2].state = GVM_NODE_SELF;
	self->d.nodes = self->nodes;
	self->d.nnodes = 3;

	/* Regions are given to the tests that want them. */
	memset(self->regions, 0, sizeof(self->regions));
	self->regions[0].id = 1;
	self->regions[0].bytes = 64ULL << 20;
	self->regions[0].owner = 0;
	self->regions[0].members = 3;
	self->regions[0].pages = 1200;
	/* 16,384 pages: 112 bytes of engine state and 3 bits each. */
	self->regions[0].meta_bytes = 1841152;
	self->regions[0].stats[GVM_RSTAT_READ_FAULTS] = 12;
	self->regions[0].stats[GVM_RSTAT_WRITE_FAULTS] = 3;
	self->regions[0].stats[GVM_RSTAT_LOCAL_FAULTS] = 40;
	self->regions[0].stats[GVM_RSTAT_PAGES_IN] = 15;
	self->regions[0].stats[GVM_RSTAT_PAGES_OUT] = 2;
	self->regions[0].stats[GVM_RSTAT_INV_RECEIVED] = 5;
	self->regions[0].stats[GVM_RSTAT_STALE] = 7;
	self->regions[0].lat[gvm_lat_bucket(64)] = 10;	/* 64..79 us */
	self->regions[0].lat[gvm_lat_bucket(1024)] = 5;	/* 1024..1279 us */
	/* Untouched, its owner not reported. */
	self->regions[1].id = 2;
	self->regions[1].bytes = 4096;
	self->regions[1].owner = GVM_NODE_NONE;
}

FIXTURE_TEARDOWN(domain7)
{
}

TEST_F(domain7, text)
{
	static const char want[] =
		"domain: 7\n"
		"  name: lab\"\\??\xff\n"
		"  node: 2\n"
		"  listen: 10.0.0.3:7000\n"
		"  members: 3\n"
		"  memory: 3.0 MiB\n"
		"  heartbeat: 1000 ms, timeout: 5000 ms, connect: eager\n"
		"  frames: authenticated with a pre-shared key\n"
		"  sent: 2000 frames, 3.9 KiB\n"
		"  received: 3000 frames, 4.9 KiB\n"
		"  connections: 6000 made, 7000 failed, 8000 failed handshakes\n"
		"  heartbeats: 9000 sent, 10000 received\n"
		"  down events: 11000\n"
		"  bad frames: 12000\n"
		"\n"
		"   NODE  ADDRESS               STATE       LAST HEARD  TX FRAMES    TX BYTES  RX FRAMES    RX BYTES\n"
		"      0  10.0.0.1:7000         up          0.4s ago           60    24.0 KiB         59    23.4 KiB\n"
		"      1  [fd00::1:2:3:4]:7001  connecting  never               0         0 B          0         0 B\n"
		"      2  10.0.0.3:7000         self        -                   0         0 B          0         0 B\n";
	char *out;

	CAPTURE(out, status_text(OUT, &self->d));
	EXPECT_STREQ(want, out);
	free(out);
}

/* Without members (a dump that raced a delete), and without a name. */
TEST_F(domain7, text_bare)
{
	char *out;

	self->d.nnodes = 0;
	self->d.name[0] = '\0';
	CAPTURE(out, status_text(OUT, &self->d));
	EXPECT_EQ(0, strncmp(out, "domain: 7\n  node: 2\n", 20)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "NODE"));
	free(out);
}

/* A domain without a key says its frames are not authenticated. */
TEST_F(domain7, text_unauthenticated)
{
	char *out;

	self->d.auth = false;
	CAPTURE(out, status_text(OUT, &self->d));
	EXPECT_NE(NULL, strstr(out, "\n  frames: not authenticated (no pre-shared key)\n"))
		TH_LOG("%s", out);
	free(out);
}

/* The regions follow the members, as a block each. */
TEST_F(domain7, text_regions)
{
	static const char want[] =
		"\n"
		"  regions:\n"
		"    region 1: 64.0 MiB, 1200 pages here, initial owner 0, 3 members\n"
		"      1.8 MiB to track its pages here\n"
		"      read faults 12, write faults 3, local faults 40, pages in 15, pages out 2,\n"
		"      invalidations received 5, stale 7\n"
		"      fault latency p50 64us p99 1024us\n"
		"    region 2: 4.0 KiB, 0 pages here, initial owner -, 0 members\n"
		"      fault latency -\n";
	char *before, *out;
	size_t len;

	CAPTURE(before, status_text(OUT, &self->d));
	self->d.regions = self->regions;
	self->d.nregions = 2;
	CAPTURE(out, status_text(OUT, &self->d));
	len = strlen(before);
	EXPECT_EQ(0, strncmp(before, out, len));
	EXPECT_STREQ(want, out + len);
	free(before);
	free(out);

	/* Without members, the regions come right after the counters. */
	self->d.nnodes = 0;
	CAPTURE(out, status_text(OUT, &self->d));
	EXPECT_NE(NULL, strstr(out, "  bad frames: 12000\n\n  regions:\n"))
		TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "NODE"));
	free(out);
}

/* A region out of service says why, in text and in JSON. */
TEST_F(domain7, region_out_of_service)
{
	struct gvm_region_info *r = &self->regions[1];
	char *out;

	snprintf(r->conflict, sizeof(r->conflict),
		 "node 1 has 8 pages, this node \"16\"");
	self->d.regions = self->regions;
	self->d.nregions = 2;
	CAPTURE(out, status_text(OUT, &self->d));
	EXPECT_NE(NULL, strstr(out,
		"    region 2: 4.0 KiB, 0 pages here, initial owner -, 0 members\n"
		"      out of service: node 1 has 8 pages, this node \"16\"\n"
		"      fault latency -\n")) TH_LOG("%s", out);
	free(out);
	CAPTURE(out, status_json(OUT, &self->d, 1));
	EXPECT_NE(NULL, strstr(out,
		"\"pages\": 0, \"meta_bytes\": null, \"conflict\": \"node 1 has 8 pages, this node \\\"16\\\"\", \"stats\""))
		TH_LOG("%s", out);
	free(out);
}

/* Every counter at its widest wraps within 80 columns, none lost. */
TEST_F(domain7, text_region_wraps)
{
	static const char *const names[] = {
		"read faults", "write faults", "local faults", "pages in",
		"pages out", "invalidations sent", "invalidations received",
		"retries", "timeouts", "fault failures", "pages lost", "stale",
		"protocol errors", "takeovers", "read ahead",
	};
	struct gvm_region_info *r = &self->regions[0];
	char *out, *line, *save = NULL, want[64];
	size_t i;
	int n;

	ASSERT_EQ(GVM_RSTAT_MAX - GVM_RSTAT_READ_FAULTS + 1, ARRAY_SIZE(names));
	for (i = GVM_RSTAT_READ_FAULTS; i <= GVM_RSTAT_MAX; i++)
		r->stats[i] = UINT64_MAX;
	memset(r->lat, 0, sizeof(r->lat));
	r->lat[GVM_LAT_BUCKETS - 1] = 1;
	self->d.nnodes = 0;
	self->d.regions = r;
	self->d.nregions = 1;
	CAPTURE(out, status_text(OUT, &self->d));
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(want, sizeof(want), "%s 18446744073709551615",
			 names[i]);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", want);
	}
	EXPECT_NE(NULL, strstr(out, "      fault latency p50 14680064us p99 14680064us\n"));
	n = 0;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		EXPECT_GE(80, strlen(line)) TH_LOG("%s", line);
		if (!strncmp(line, "      ", 6) && strncmp(line, "      fault", 11))
			n++;
	}
	EXPECT_LT(1, n);
	free(out);
}

#define STATS0 "{\"tx_frames\": 0, \"rx_frames\": 0, \"tx_bytes\": 0, " \
	"\"rx_bytes\": 0, \"connects\": 0, \"connect_fails\": 0, "	\
	"\"handshake_fails\": 0, \"heartbeats_tx\": 0, "		\
	"\"heartbeats_rx\": 0, \"downs\": 0, \"bad_frames\": 0}"

TEST_F(domain7, json)
{
	static const char want[] =
		"{\n"
		"  \"domains\": [\n"
		"    {\n"
		"      \"id\": 7,\n"
		"      \"name\": \"lab\\\"\\\\\\n\\u0001\\ufffd\",\n"
		"      \"node\": 2,\n"
		"      \"listen\": {\"address\": \"10.0.0.3\", \"port\": 7000},\n"
		"      \"heartbeat_ms\": 1000,\n"
		"      \"timeout_ms\": 5000,\n"
		"      \"connect\": \"eager\",\n"
		"      \"auth\": true,\n"
		"      \"members\": 3,\n"
		"      \"mem_bytes\": 3145728,\n"
		"      \"stats\": {\"tx_frames\": 2000, \"rx_frames\": 3000, \"tx_bytes\": 4000, \"rx_bytes\": 5000, \"connects\": 6000, \"connect_fails\": 7000, \"handshake_fails\": 8000, \"heartbeats_tx\": 9000, \"heartbeats_rx\": 10000, \"downs\": 11000, \"bad_frames\": 12000},\n"
		"      \"nodes\": [\n"
		"        {\"id\": 0, \"address\": \"10.0.0.1\", \"port\": 7000, \"state\": \"up\", \"last_rx_ms\": 400, \"stats\": {\"tx_frames\": 60, \"rx_frames\": 59, \"tx_bytes\": 24576, \"rx_bytes\": 24000, \"connects\": 0, \"connect_fails\": 0, \"handshake_fails\": 0, \"heartbeats_tx\": 0, \"heartbeats_rx\": 0, \"downs\": 0, \"bad_frames\": 0}},\n"
		"        {\"id\": 1, \"address\": \"fd00::1:2:3:4\", \"port\": 7001, \"state\": \"connecting\", \"last_rx_ms\": null, \"stats\": " STATS0 "},\n"
		"        {\"id\": 2, \"address\": \"10.0.0.3\", \"port\": 7000, \"state\": \"self\", \"last_rx_ms\": null, \"stats\": " STATS0 "}\n"
		"      ],\n"
		"      \"regions\": []\n"
		"    }\n"
		"  ]\n"
		"}\n";
	char *out;

	CAPTURE(out, status_json(OUT, &self->d, 1));
	EXPECT_STREQ(want, out);
	free(out);
}

/* Ten zeros; the histogram has 92 buckets. */
#define Z10 "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
#define LAT0 Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 "0, 0"
/* 10 faults at 64 us (bucket 20), 5 at 1024 us (bucket 36). */
#define LAT1 Z10 Z10 "10, " Z10 "0, 0, 0, 0, 0, 5, " Z10 Z10 Z10 Z10 Z10 \
	"0, 0, 0, 0, 0"

/* Every counter by name, zero or not, and the whole histogram. */
TEST_F(domain7, json_regions)
{
	static const char want[] =
		"      \"regions\": [\n"
		"        {\"id\": 1, \"bytes\": 67108864, \"owner\": 0, \"members\": 3, \"pages\": 1200, \"meta_bytes\": 1841152, \"conflict\": null, \"stats\": {\"read_faults\": 12, \"write_faults\": 3, \"local_faults\": 40, \"pages_in\": 15, \"pages_out\": 2, \"inv_sent\": 0, \"inv_received\": 5, \"retries\": 0, \"timeouts\": 0, \"fault_fails\": 0, \"pages_lost\": 0, \"stale\": 7, \"protocol_errors\": 0, \"takeovers\": 0, \"read_ahead\": 0}, \"fault_latency\": [" LAT1 "]},\n"
		"        {\"id\": 2, \"bytes\": 4096, \"owner\": null, \"members\": 0, \"pages\": 0, \"meta_bytes\": null, \"conflict\": null, \"stats\": {\"read_faults\": 0, \"write_faults\": 0, \"local_faults\": 0, \"pages_in\": 0, \"pages_out\": 0, \"inv_sent\": 0, \"inv_received\": 0, \"retries\": 0, \"timeouts\": 0, \"fault_fails\": 0, \"pages_lost\": 0, \"stale\": 0, \"protocol_errors\": 0, \"takeovers\": 0, \"read_ahead\": 0}, \"fault_latency\": [" LAT0 "]}\n"
		"      ]\n"
		"    }\n"
		"  ]\n"
		"}\n";
	char *out, *regions;

	self->d.regions = self->regions;
	self->d.nregions = 2;
	CAPTURE(out, status_json(OUT, &self->d, 1));
	regions = strstr(out, "      \"regions\": [");
	ASSERT_NE(NULL, regions) TH_LOG("%s", out);
	EXPECT_STREQ(want, regions);
	/* After the members, which are unchanged. */
	EXPECT_NE(NULL, strstr(out, "\"stats\": " STATS0 "}\n      ],\n      \"regions\""));
	free(out);
}

TEST_F(domain7, json_empty)
{
	char *out;

	CAPTURE(out, status_json(OUT, NULL, 0));
	EXPECT_STREQ("{\n  \"domains\": []\n}\n", out);
	free(out);

	self->d.nnodes = 0;
	self->d.name[0] = '\0';
	memset(&self->d.listen, 0, sizeof(self->d.listen));
	CAPTURE(out, status_json(OUT, &self->d, 1));
	EXPECT_NE(NULL, strstr(out, "\"name\": null,\n"));
	EXPECT_NE(NULL, strstr(out, "\"listen\": {\"address\": null, \"port\": 0}"));
	EXPECT_NE(NULL, strstr(out, "\"nodes\": [],\n      \"regions\": []\n    }\n  ]\n}\n"));
	free(out);
}

#define PARSE_BACK "import json, sys\n" \
	"d = json.load(open(sys.argv[1]))[\"domains\"]\n" \
	"r = d[0][\"regions\"]\n" \
	"print(len(d), d[1][\"id\"], ascii(d[0][\"name\"]),\n" \
	"      d[0][\"nodes\"][1][\"last_rx_ms\"], len(r),\n" \
	"      r[0][\"stats\"][\"read_faults\"], r[1][\"owner\"],\n" \
	"      sum(r[0][\"fault_latency\"]), d[1][\"regions\"])\n"

/*
 * A real parser reads the document back, two domains of it, and gets the
 * name that went in, invalid byte replaced.
 */
TEST_F(domain7, json_parses)
{
	struct gvm_domain_info two[2] = { self->d, self->d };
	char path[] = "/tmp/gvmctl-json-XXXXXX", cmd[512], got[256] = "";
	int fd = mkstemp(path);
	FILE *f, *p;

	ASSERT_LE(0, fd);
	if (system("python3 -c pass >/dev/null 2>&1") != 0) {
		unlink(path);
		SKIP(return, "no python3 to parse the JSON");
	}
	two[0].regions = self->regions;
	two[0].nregions = 2;
	two[1].id = 8;
	f = fdopen(fd, "w");
	ASSERT_NE(NULL, f);
	status_json(f, two, 2);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c '%s' %s", PARSE_BACK, path);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	if (!fgets(got, sizeof(got), p))
		got[0] = '\0';
	EXPECT_EQ(0, pclose(p));
	unlink(path);
	EXPECT_STREQ("2 8 'lab\"\\\\\\n\\x01\\ufffd' None 2 12 None 15 []\n",
		     got);
}

TEST(events)
{
	struct timespec t = { 1700000000, 123456789 };
	struct gvm_event down = {
		.cmd = GVM_CMD_NODE_DOWN, .domain = 7, .node = 3,
		.hello_reason = -1, .reason = "no heartbeat for 5000 ms",
		.pfn = UINT64_MAX,
	};
	struct gvm_event refused = {
		.cmd = GVM_CMD_HANDSHAKE_FAIL, .domain = 7,
		.node = GVM_NODE_NONE, .hello_reason = GVM_HELLO_NOT_MEMBER,
		.reason = "node 12 \"x\"\n", .pfn = UINT64_MAX,
	};
	struct gvm_event created = {
		.cmd = GVM_CMD_DOMAIN_NEW, .domain = 9, .node = GVM_NODE_NONE,
		.hello_reason = -1, .pfn = UINT64_MAX,
	};
	char *out;

	CAPTURE(out, event_text(OUT, &t, &down));
	EXPECT_STREQ("2023-11-14T22:13:20.123Z node-down domain 7 node 3: no heartbeat for 5000 ms\n",
		     out);
	free(out);
	CAPTURE(out, event_json(OUT, &t, &down));
	EXPECT_STREQ("{\"time\": \"2023-11-14T22:13:20.123Z\", \"event\": \"node-down\", \"domain\": 7, \"node\": 3, \"hello_reason\": null, \"reason\": \"no heartbeat for 5000 ms\", \"region\": null, \"pfn\": null, \"errno\": null}\n",
		     out);
	free(out);
	CAPTURE(out, event_text(OUT, &t, &refused));
	EXPECT_STREQ("2023-11-14T22:13:20.123Z handshake-fail domain 7 not-member: node 12 \"x\"?\n",
		     out);
	free(out);
	CAPTURE(out, event_json(OUT, &t, &refused));
	EXPECT_STREQ("{\"time\": \"2023-11-14T22:13:20.123Z\", \"event\": \"handshake-fail\", \"domain\": 7, \"node\": null, \"hello_reason\": \"not-member\", \"reason\": \"node 12 \\\"x\\\"\\n\", \"region\": null, \"pfn\": null, \"errno\": null}\n",
		     out);
	free(out);
	CAPTURE(out, event_text(OUT, &t, &created));
	EXPECT_STREQ("2023-11-14T22:13:20.123Z domain-new domain 9\n", out);
	free(out);
	CAPTURE(out, event_json(OUT, &t, &created));
	EXPECT_STREQ("{\"time\": \"2023-11-14T22:13:20.123Z\", \"event\": \"domain-new\", \"domain\": 9, \"node\": null, \"hello_reason\": null, \"reason\": null, \"region\": null, \"pfn\": null, \"errno\": null}\n",
		     out);
	free(out);
}

/* Region events name the region and the page; pfn 0 is a page too. */
TEST(region_events)
{
	struct timespec t = { 1700000000, 123456789 };
	struct gvm_event fault = {
		.cmd = GVM_CMD_FAULT_FAIL, .domain = 7, .node = GVM_NODE_NONE,
		.hello_reason = -1, .reason = "no answer in time",
		.region = 3, .pfn = 4660, .error = ETIMEDOUT,
	};
	struct gvm_event lost = {
		.cmd = GVM_CMD_PAGE_LOST, .domain = 7, .node = GVM_NODE_NONE,
		.hello_reason = -1, .region = 3, .pfn = 0,
	};
	struct gvm_event bare = {
		.cmd = GVM_CMD_FAULT_FAIL, .domain = 7, .node = GVM_NODE_NONE,
		.hello_reason = -1, .region = 1, .pfn = 18446744073709551614ULL,
		.error = EHOSTDOWN,
	};
	char *out, want[256];

	CAPTURE(out, event_text(OUT, &t, &fault));
	snprintf(want, sizeof(want),
		 "2023-11-14T22:13:20.123Z fault-fail domain 7 region 3 pfn 4660: no answer in time (%s)\n",
		 strerror(ETIMEDOUT));
	EXPECT_STREQ(want, out);
	free(out);
	CAPTURE(out, event_json(OUT, &t, &fault));
	snprintf(want, sizeof(want),
		 "{\"time\": \"2023-11-14T22:13:20.123Z\", \"event\": \"fault-fail\", \"domain\": 7, \"node\": null, \"hello_reason\": null, \"reason\": \"no answer in time\", \"region\": 3, \"pfn\": 4660, \"errno\": %d}\n",
		 ETIMEDOUT);
	EXPECT_STREQ(want, out);
	free(out);
	CAPTURE(out, event_text(OUT, &t, &lost));
	EXPECT_STREQ("2023-11-14T22:13:20.123Z page-lost domain 7 region 3 pfn 0\n",
		     out);
	free(out);
	CAPTURE(out, event_json(OUT, &t, &lost));
	EXPECT_STREQ("{\"time\": \"2023-11-14T22:13:20.123Z\", \"event\": \"page-lost\", \"domain\": 7, \"node\": null, \"hello_reason\": null, \"reason\": null, \"region\": 3, \"pfn\": 0, \"errno\": null}\n",
		     out);
	free(out);
	/* Without a reason, the errno says it. */
	CAPTURE(out, event_text(OUT, &t, &bare));
	snprintf(want, sizeof(want),
		 "2023-11-14T22:13:20.123Z fault-fail domain 7 region 1 pfn 18446744073709551614: %s\n",
		 strerror(EHOSTDOWN));
	EXPECT_STREQ(want, out);
	free(out);
}

TEST_HARNESS_MAIN
