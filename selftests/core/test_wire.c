// SPDX-License-Identifier: GPL-2.0
/*
 * Wire codec unit tests: every message type round-trips, and every class
 * of malformed frame is rejected with its own status.
 */
#include "kselftest_harness.h"
#include "../../kernel/ivy/wire.h"

#define ID_SPACE	64
#define NPAGES		100

static const struct gvm_wire_limits lim = {
	.domain = 9, .self = 2, .id_space = ID_SPACE, .region = 5,
	.npages = NPAGES,
};

static u8 page[GVM_PAGE_SIZE];
static u8 buf[GVM_WIRE_MAX_FRAME + 64];

/* A valid message of @type from node 1 to node 2. */
static struct gvm_msg valid(u8 type)
{
	static struct gvm_range ranges[2] = { { 3, 2 }, { 10, 5 } };
	struct gvm_msg m = {
		.type = type, .domain = 9, .src = 1, .dst = 2, .region = 5,
		.txid = 0x1234, .pfn = 42, .src_open = 0x5eed0001,
		.dst_open = 0x5eed0002,
	};

	switch (type) {
	case GVM_MSG_FWD_READ:
		m.arg = 7;
		break;
	case GVM_MSG_FWD_WRITE:
		/* From a requester holding a read copy of version 9. */
		m.arg = 7;
		m.flags = GVM_F_HAVE;
		m.version = 9;
		break;
	case GVM_MSG_DATA:
	case GVM_MSG_GRANT:
		m.page = page;
		m.version = 3;
		break;
	case GVM_MSG_CONFIRM:
		m.version = 4;
		break;
	case GVM_MSG_INV:
		m.version = 5;
		m.nranges = 2;
		m.ranges = ranges;
		break;
	case GVM_MSG_INV_ACK:
		m.arg = 16;
		m.aux = GVM_NODE_NONE;
		break;
	case GVM_MSG_NACK:
		m.arg = EHOSTDOWN;
		break;
	case GVM_MSG_BOUNCE:
		m.arg = 7;
		m.aux = 8;
		m.flags = GVM_F_WRITE;
		break;
	case GVM_MSG_QUERY:
		m.arg = 7;
		break;
	case GVM_MSG_ANNOUNCE:
		m.version = 6;
		m.aux = GVM_NODE_NONE;
		break;
	case GVM_MSG_REHOME_DONE:
		m.arg = 7;
		m.txid = 0;
		m.pfn = 0;
		m.flags = GVM_F_REPLY;
		break;
	case GVM_MSG_HANDOFF:
		m.txid = 0;
		break;
	case GVM_MSG_DETACH:
		m.txid = 0;
		m.pfn = 0;
		break;
	case GVM_MSG_SYNC:
	case GVM_MSG_SYNC_ACK:
		m.pfn = 0;
		break;
	case GVM_MSG_ATTACH:
		/* pfn is the page count: larger than the receiver's here. */
		m.pfn = 1ULL << 40;
		m.arg = 7;
		m.aux = 3;
		m.flags = GVM_F_REPLY;
		break;
	case GVM_MSG_HELLO:
	case GVM_MSG_HELLO_ACK:
	case GVM_MSG_HELLO_NACK:
	case GVM_MSG_HEARTBEAT:
	case GVM_MSG_LEAVE:
		m.pfn = 0;
		m.region = 0;
		m.src_open = 0;
		m.dst_open = 0;
		if (type == GVM_MSG_HELLO_NACK)
			m.arg = GVM_HELLO_NOT_MEMBER;
		if (type == GVM_MSG_HEARTBEAT || type == GVM_MSG_LEAVE)
			m.txid = 0;
		break;
	}
	return m;
}

static int encode(const struct gvm_msg *m)
{
	return gvm_wire_encode(m, buf, sizeof(buf));
}

static enum gvm_wire_status decode(size_t len)
{
	struct gvm_msg d;

	return gvm_wire_decode(buf, len, &lim, &d);
}

TEST(layout)
{
	EXPECT_EQ(72, sizeof(struct gvm_wire_hdr));
	EXPECT_EQ(8, sizeof(struct gvm_wire_range));
	EXPECT_EQ(GVM_PAGE_SIZE, GVM_INV_MAX_RANGES * 8);
	EXPECT_GE(GVM_MAX_NODES, 10240);
}

TEST(every_type_round_trips)
{
	unsigned int t;

	for (t = 1; t <= GVM_MSG_MAX; t++) {
		struct gvm_msg m = valid(t), d;
		int len = encode(&m);

		ASSERT_LT(0, len) TH_LOG("%s", gvm_msg_name(t));
		ASSERT_EQ(GVM_WIRE_OK, gvm_wire_decode(buf, len, &lim, &d))
			TH_LOG("%s: %s", gvm_msg_name(t),
			       gvm_wire_strerror(gvm_wire_decode(buf, len, &lim, &d)));
		EXPECT_EQ(m.type, d.type);
		EXPECT_EQ(m.flags, d.flags);
		EXPECT_EQ(m.src, d.src);
		EXPECT_EQ(m.arg, d.arg);
		EXPECT_EQ(m.aux, d.aux);
		EXPECT_EQ(m.txid, d.txid);
		EXPECT_EQ(m.pfn, d.pfn);
		EXPECT_EQ(m.version, d.version);
		EXPECT_EQ(m.src_open, d.src_open);
		EXPECT_EQ(m.dst_open, d.dst_open);
		EXPECT_EQ(m.nranges, d.nranges);
		EXPECT_EQ(!!m.page, !!d.page);
		if (m.nranges) {
			EXPECT_EQ(10, d.ranges[1].first);
			EXPECT_EQ(5, d.ranges[1].count);
		}
	}
}

/* The digest is the uapi's FNV-1a: known values, order and width matter. */
TEST(members_digest)
{
	static const u32 one[] = { 0 }, three[] = { 0, 1, 2 },
			 swapped[] = { 0, 2, 1 }, wide[] = { 0x100 };

	/* FNV-1a 64 of four zero bytes. */
	EXPECT_EQ(0x4d25767f9dce13f5ULL, gvm_members_digest(one, 1));
	EXPECT_EQ(GVM_DIGEST_BASIS, gvm_members_digest(NULL, 0));
	EXPECT_NE(gvm_members_digest(three, 3), gvm_members_digest(swapped, 3));
	EXPECT_NE(gvm_members_digest(three, 2), gvm_members_digest(three, 3));
	EXPECT_NE(gvm_members_digest(one, 1), gvm_members_digest(wide, 1));
}

TEST(little_endian_on_the_wire)
{
	struct gvm_msg m = valid(GVM_MSG_FWD_WRITE);

	ASSERT_EQ(72, encode(&m));
	EXPECT_EQ('G', buf[0]);
	EXPECT_EQ('V', buf[1]);
	EXPECT_EQ('M', buf[2]);
	EXPECT_EQ('1', buf[3]);
	EXPECT_EQ(0x34, buf[40]);	/* txid, low byte first */
	EXPECT_EQ(0x12, buf[41]);
	EXPECT_EQ(0x01, buf[64]);	/* src_open */
	EXPECT_EQ(0x5e, buf[67]);
	EXPECT_EQ(0x02, buf[68]);	/* dst_open */
}

TEST(peek_gives_frame_length)
{
	struct gvm_msg m = valid(GVM_MSG_DATA);
	size_t flen = 0;
	int len = encode(&m);

	EXPECT_EQ(GVM_WIRE_OK, gvm_wire_peek(buf, sizeof(struct gvm_wire_hdr),
					     &flen));
	EXPECT_EQ(len, flen);
	EXPECT_EQ(GVM_WIRE_ETRUNC, gvm_wire_peek(buf, 10, &flen));
}

TEST(encode_refuses_small_buffer_and_missing_page)
{
	struct gvm_msg m = valid(GVM_MSG_DATA);

	EXPECT_EQ(-EMSGSIZE, gvm_wire_encode(&m, buf, 100));
	m.page = NULL;
	EXPECT_EQ(-EINVAL, gvm_wire_encode(&m, buf, sizeof(buf)));
	m.type = 0;
	EXPECT_EQ(-EINVAL, gvm_wire_encode(&m, buf, sizeof(buf)));
}

/*
 * One malformed frame per row: a valid message of @type is encoded, then
 * the field @at is set to @value and the length changed by @dlen
 * (or set to one byte short of a header with @dlen = SHORT).
 */
struct field {
	u32 off, width;
};

struct bad {
	const char *what;
	u8 type;
	struct field at;
	u64 value;
	int dlen;
	enum gvm_wire_status want;
};

#define SHORT	1000
#define H(f)	{ offsetof(struct gvm_wire_hdr, f), \
		  sizeof(((struct gvm_wire_hdr *)0)->f) }
#define R(i, f)	{ sizeof(struct gvm_wire_hdr) + (i) * 8 + \
		  offsetof(struct gvm_wire_range, f), 4 }

static const struct bad bads[] = {
	{ "short header", GVM_MSG_READ_REQ, H(reserved), 0, SHORT, GVM_WIRE_ETRUNC },
	{ "short payload", GVM_MSG_DATA, H(reserved), 0, -1, GVM_WIRE_ETRUNC },
	{ "bad magic", GVM_MSG_READ_REQ, H(magic), 0x314d5648, 0, GVM_WIRE_EMAGIC },
	{ "bad version", GVM_MSG_READ_REQ, H(version), GVM_WIRE_VERSION + 1, 0, GVM_WIRE_EVERSION },
	{ "bad header length", GVM_MSG_READ_REQ, H(hdr_len), 64, 0, GVM_WIRE_EHDRLEN },
	{ "type 0", GVM_MSG_READ_REQ, H(type), 0, 0, GVM_WIRE_ETYPE },
	{ "type beyond max", GVM_MSG_READ_REQ, H(type), GVM_MSG_MAX + 1, 0, GVM_WIRE_ETYPE },
	{ "NODATA on DATA", GVM_MSG_DATA, H(flags), GVM_F_NODATA, 0, GVM_WIRE_EFLAGS },
	{ "unknown flag", GVM_MSG_GRANT, H(flags), 0x8000, 0, GVM_WIRE_EFLAGS },
	{ "reserved set", GVM_MSG_CONFIRM, H(reserved), 1, 0, GVM_WIRE_ERESERVED },
	{ "version on READ_REQ", GVM_MSG_READ_REQ, H(pg_version), 1, 0, GVM_WIRE_ERESERVED },
	{ "version on WRITE_REQ without HAVE", GVM_MSG_WRITE_REQ, H(pg_version), 1, 0, GVM_WIRE_ERESERVED },
	{ "FWD_WRITE's version without HAVE", GVM_MSG_FWD_WRITE, H(flags), 0, 0, GVM_WIRE_ERESERVED },
	{ "HAVE on READ_REQ", GVM_MSG_READ_REQ, H(flags), GVM_F_HAVE, 0, GVM_WIRE_EFLAGS },
	{ "HAVE on a write BOUNCE", GVM_MSG_BOUNCE, H(flags), GVM_F_WRITE | GVM_F_HAVE, 0, GVM_WIRE_EFLAGS },
	{ "pfn on REHOME_DONE", GVM_MSG_REHOME_DONE, H(pfn), 1, 0, GVM_WIRE_ERESERVED },
	{ "another region on REHOME_DONE", GVM_MSG_REHOME_DONE, H(region), 6, 0, GVM_WIRE_EREGION },
	{ "payload on READ_REQ", GVM_MSG_READ_REQ, H(payload_len), 8, 8, GVM_WIRE_ELEN },
	{ "payload beyond max", GVM_MSG_READ_REQ, H(payload_len), GVM_WIRE_MAX_PAYLOAD + 8, 0, GVM_WIRE_ELEN },
	{ "page one byte short", GVM_MSG_DATA, H(payload_len), GVM_PAGE_SIZE - 1, -1, GVM_WIRE_ELEN },
	{ "NODATA with a page", GVM_MSG_GRANT, H(flags), GVM_F_NODATA, 0, GVM_WIRE_ELEN },
	{ "ranges not whole", GVM_MSG_INV, H(payload_len), 12, -4, GVM_WIRE_ELEN },
	{ "source id out of range", GVM_MSG_READ_REQ, H(src), ID_SPACE, 0, GVM_WIRE_ENODE },
	{ "destination id out of range", GVM_MSG_READ_REQ, H(dst), ~0U, 0, GVM_WIRE_ENODE },
	{ "addressed to another node", GVM_MSG_READ_REQ, H(dst), 3, 0, GVM_WIRE_EDST },
	{ "other domain", GVM_MSG_READ_REQ, H(domain), 8, 0, GVM_WIRE_EDOMAIN },
	{ "other region", GVM_MSG_READ_REQ, H(region), 6, 0, GVM_WIRE_EREGION },
	{ "page outside region", GVM_MSG_WRITE_REQ, H(pfn), NPAGES, 0, GVM_WIRE_EPAGE },
	{ "page number huge", GVM_MSG_DATA, H(pfn), ~0ULL, 0, GVM_WIRE_EPAGE },
	{ "requester out of range", GVM_MSG_FWD_READ, H(arg), ID_SPACE, 0, GVM_WIRE_ENODE },
	{ "hint out of range", GVM_MSG_BOUNCE, H(aux), ID_SPACE, 0, GVM_WIRE_ENODE },
	{ "failed node out of range", GVM_MSG_QUERY, H(arg), ID_SPACE, 0, GVM_WIRE_ENODE },
	{ "arg on READ_REQ", GVM_MSG_READ_REQ, H(arg), 1, 0, GVM_WIRE_EARG },
	{ "NACK with an unknown errno", GVM_MSG_NACK, H(arg), EPERM, 0, GVM_WIRE_EARG },
	{ "INV_ACK counting nobody", GVM_MSG_INV_ACK, H(arg), 0, 0, GVM_WIRE_EARG },
	{ "INV_ACK counting too many", GVM_MSG_INV_ACK, H(arg), ID_SPACE + 1, 0, GVM_WIRE_EARG },
	{ "request without txid", GVM_MSG_READ_REQ, H(txid), 0, 0, GVM_WIRE_ETXID },
	{ "txid on REHOME_DONE", GVM_MSG_REHOME_DONE, H(txid), 1, 0, GVM_WIRE_ETXID },
	{ "REFUSED on REHOME_DONE", GVM_MSG_REHOME_DONE, H(flags), GVM_F_REFUSED, 0, GVM_WIRE_EFLAGS },
	{ "REPLY on DETACH", GVM_MSG_DETACH, H(flags), GVM_F_REPLY, 0, GVM_WIRE_EFLAGS },
	{ "txid on HANDOFF", GVM_MSG_HANDOFF, H(txid), 1, 0, GVM_WIRE_ETXID },
	{ "arg on HANDOFF", GVM_MSG_HANDOFF, H(arg), 1, 0, GVM_WIRE_EARG },
	{ "DETACH about a page", GVM_MSG_DETACH, H(pfn), 1, 0, GVM_WIRE_ERESERVED },
	{ "SYNC without txid", GVM_MSG_SYNC, H(txid), 0, 0, GVM_WIRE_ETXID },
	{ "SYNC_ACK about a page", GVM_MSG_SYNC_ACK, H(pfn), 1, 0, GVM_WIRE_ERESERVED },
	{ "ATTACH without digest", GVM_MSG_ATTACH, H(txid), 0, 0, GVM_WIRE_ETXID },
	{ "ATTACH of no pages", GVM_MSG_ATTACH, H(pfn), 0, 0, GVM_WIRE_EARG },
	{ "ATTACH without members", GVM_MSG_ATTACH, H(aux), 0, 0, GVM_WIRE_EARG },
	{ "ATTACH owner out of range", GVM_MSG_ATTACH, H(arg), ID_SPACE, 0, GVM_WIRE_ENODE },
	{ "ATTACH asking and refusing", GVM_MSG_ATTACH, H(flags), GVM_F_REPLY | GVM_F_REFUSED, 0, GVM_WIRE_EFLAGS },
	{ "ATTACH refused and broken", GVM_MSG_ATTACH, H(flags), GVM_F_REFUSED | GVM_F_BROKEN, 0, GVM_WIRE_EFLAGS },
	{ "ATTACH with a version", GVM_MSG_ATTACH, H(pg_version), 1, 0, GVM_WIRE_ERESERVED },
	{ "ATTACH with payload", GVM_MSG_ATTACH, H(payload_len), 8, 8, GVM_WIRE_ELEN },
	{ "HELLO without nonce", GVM_MSG_HELLO, H(txid), 0, 0, GVM_WIRE_ETXID },
	{ "HELLO with flags", GVM_MSG_HELLO, H(flags), GVM_F_WRITE, 0, GVM_WIRE_EFLAGS },
	{ "AUTH on a HEARTBEAT", GVM_MSG_HEARTBEAT, H(flags), GVM_F_AUTH, 0, GVM_WIRE_EFLAGS },
	{ "AUTH on a HELLO_NACK", GVM_MSG_HELLO_NACK, H(flags), GVM_F_AUTH, 0, GVM_WIRE_EFLAGS },
	{ "HELLO_ACK's nonce without AUTH", GVM_MSG_HELLO_ACK, H(pg_version), 7, 0, GVM_WIRE_ERESERVED },
	{ "HELLO with a second nonce", GVM_MSG_HELLO, H(pg_version), 7, 0, GVM_WIRE_ERESERVED },
	{ "HELLO with arg", GVM_MSG_HELLO, H(arg), 1, 0, GVM_WIRE_EARG },
	{ "HELLO about a page", GVM_MSG_HELLO, H(pfn), 1, 0, GVM_WIRE_ERESERVED },
	{ "HELLO_NACK without reason", GVM_MSG_HELLO_NACK, H(arg), 0, 0, GVM_WIRE_EARG },
	{ "HELLO_NACK unknown reason", GVM_MSG_HELLO_NACK, H(arg), __GVM_HELLO_MAX, 0, GVM_WIRE_EARG },
	{ "HELLO from an open of a region", GVM_MSG_HELLO, H(src_open), 1, 0, GVM_WIRE_ERESERVED },
	{ "HEARTBEAT for an open of a region", GVM_MSG_HEARTBEAT, H(dst_open), 1, 0, GVM_WIRE_ERESERVED },
	{ "HEARTBEAT with payload", GVM_MSG_HEARTBEAT, H(payload_len), 8, 8, GVM_WIRE_ELEN },
	{ "LEAVE with txid", GVM_MSG_LEAVE, H(txid), 5, 0, GVM_WIRE_ETXID },
	{ "empty range", GVM_MSG_INV, R(0, count), 0, 0, GVM_WIRE_ERANGE },
	{ "overlapping ranges", GVM_MSG_INV, R(1, first), 4, 0, GVM_WIRE_ERANGE },
	{ "unsorted ranges", GVM_MSG_INV, R(1, first), 0, 0, GVM_WIRE_ERANGE },
	{ "range past the id space", GVM_MSG_INV, R(1, count), ID_SPACE, 0, GVM_WIRE_ERANGE },
	{ "range wrapping around", GVM_MSG_INV, R(1, count), ~0U, 0, GVM_WIRE_ERANGE },
};

/* Little-endian store of @width bytes. */
static void poke(u32 off, u32 width, u64 value)
{
	u32 i;

	for (i = 0; i < width; i++)
		buf[off + i] = value >> (8 * i);
}

TEST(every_malformed_class_rejected)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bads); i++) {
		struct gvm_msg m = valid(bads[i].type);
		int elen = encode(&m);
		size_t len;

		ASSERT_LT(0, elen);
		len = elen;
		ASSERT_EQ(GVM_WIRE_OK, decode(len)) TH_LOG("%s", bads[i].what);
		poke(bads[i].at.off, bads[i].at.width, bads[i].value);
		if (bads[i].dlen == SHORT)
			len = sizeof(struct gvm_wire_hdr) - 1;
		else
			len += bads[i].dlen;
		EXPECT_EQ(bads[i].want, decode(len))
			TH_LOG("%s: got \"%s\", want \"%s\"", bads[i].what,
			       gvm_wire_strerror(decode(len)),
			       gvm_wire_strerror(bads[i].want));
	}
}

TEST(every_status_has_its_own_message)
{
	unsigned int i, j;

	for (i = 0; i < __GVM_WIRE_STATUS_MAX; i++) {
		EXPECT_NE(0, strcmp("?", gvm_wire_strerror(i)));
		for (j = 0; j < i; j++)
			EXPECT_NE(0, strcmp(gvm_wire_strerror(i),
					    gvm_wire_strerror(j)));
	}
	EXPECT_EQ(0, strcmp("?", gvm_wire_strerror(__GVM_WIRE_STATUS_MAX)));
	EXPECT_EQ(0, strcmp("?", gvm_msg_name(0)));
	EXPECT_EQ(0, strcmp("?", gvm_msg_name(GVM_MSG_MAX + 1)));
}

TEST(refusal_to_an_unknown_connector)
{
	struct gvm_msg m = valid(GVM_MSG_HELLO_NACK), d;
	int len;

	m.dst = GVM_NODE_NONE;
	len = encode(&m);
	EXPECT_EQ(GVM_WIRE_OK, gvm_wire_decode(buf, len, &lim, &d));
	EXPECT_EQ(GVM_NODE_NONE, d.dst);
	/* Only a HELLO_NACK may be addressed to nobody. */
	m = valid(GVM_MSG_HELLO_ACK);
	m.dst = GVM_NODE_NONE;
	len = encode(&m);
	EXPECT_EQ(GVM_WIRE_ENODE, gvm_wire_decode(buf, len, &lim, &d));
}

/* With a pre-shared key: HELLO says so, HELLO_ACK brings a nonce too. */
TEST(handshake_with_a_key)
{
	struct gvm_msg m = valid(GVM_MSG_HELLO), d;
	int len;

	m.flags = GVM_F_AUTH;
	len = encode(&m);
	ASSERT_EQ(GVM_WIRE_OK, gvm_wire_decode(buf, len, &lim, &d));
	EXPECT_EQ(GVM_F_AUTH, d.flags);
	m = valid(GVM_MSG_HELLO_ACK);
	m.flags = GVM_F_AUTH;
	m.version = 0x0123456789abcdefULL;
	len = encode(&m);
	ASSERT_EQ(GVM_WIRE_OK, gvm_wire_decode(buf, len, &lim, &d));
	EXPECT_EQ(GVM_F_AUTH, d.flags);
	EXPECT_EQ(m.version, d.version);
}

TEST(any_destination_when_self_is_none)
{
	struct gvm_wire_limits any = lim;
	struct gvm_msg m = valid(GVM_MSG_READ_REQ), d;
	int len;

	m.dst = 40;
	len = encode(&m);
	any.self = GVM_NODE_NONE;
	EXPECT_EQ(GVM_WIRE_OK, gvm_wire_decode(buf, len, &any, &d));
	EXPECT_EQ(GVM_WIRE_EDST, gvm_wire_decode(buf, len, &lim, &d));
}

TEST_HARNESS_MAIN
