// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the wire codec (kernel/ivy/wire.c).
 *
 * Input: LIM_BYTES bytes that choose the receiver's limits, then one frame
 * (and possibly trailing bytes, as a stream would have). Every frame the
 * decoder accepts must satisfy the per-type rules of uapi/linux/giantvm.h,
 * restated here independently of wire.c's table, and must survive an
 * encode/decode round trip bit for bit. Any violation aborts.
 */
#include "../../kernel/ivy/wire.h"

#define LIM_BYTES	8

static void fuzz_fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_wire:%d: invariant failed: %s\n", line, what);
	abort();
}

#define CHECK(c) do {							\
		if (!(c))						\
			fuzz_fail(#c, __LINE__);			\
	} while (0)

/*
 * The receiver's limits, from the input's first bytes: every value the
 * decoder may meet, including id spaces of one node and the largest one,
 * "any destination" and "no region bound".
 */
static void pick_limits(const u8 *d, struct gvm_wire_limits *lim)
{
	u32 id = d[1] | d[2] << 8;
	u32 self = d[3] | d[4] << 8;
	u32 np = d[6] | d[7] << 8;

	lim->domain = d[0] == 0xff ? 0xffffffffU : d[0];
	lim->id_space = 1 + id % GVM_MAX_NODES;
	lim->self = self == 0xffff ? GVM_NODE_NONE : self % lim->id_space;
	lim->region = d[5];
	lim->npages = np == 0xffff ? 1ULL << 36 : np;
}

static void check_status(enum gvm_wire_status st)
{
	CHECK((unsigned int)st < __GVM_WIRE_STATUS_MAX);
	CHECK(gvm_wire_strerror(st) != NULL);
}

static bool node_ok(u32 v, const struct gvm_wire_limits *lim)
{
	return v < lim->id_space;
}

static bool hint_ok(u32 v, const struct gvm_wire_limits *lim)
{
	return v < lim->id_space || v == GVM_NODE_NONE;
}

/*
 * What an accepted message must look like, from the uapi header's table
 * (not from wire.c's rules, so a wrong entry there is caught).
 */
static void check_fields(const struct gvm_msg *m,
			 const struct gvm_wire_limits *lim,
			 const u8 *buf, size_t len, size_t plen)
{
	const u8 *payload = buf + sizeof(struct gvm_wire_hdr);
	u64 next = 0;
	u32 i;

	CHECK(m->type >= 1 && m->type <= GVM_MSG_MAX);
	CHECK(strcmp(gvm_msg_name(m->type), "?"));
	CHECK(m->domain == lim->domain);
	CHECK(node_ok(m->src, lim));
	if (m->type == GVM_MSG_HELLO_NACK && m->dst == GVM_NODE_NONE) {
		/* A refusal to a connector that never said who it is. */
	} else {
		CHECK(node_ok(m->dst, lim));
		CHECK(lim->self == GVM_NODE_NONE || m->dst == lim->self);
	}
	CHECK(plen <= GVM_WIRE_MAX_PAYLOAD);
	CHECK(sizeof(struct gvm_wire_hdr) + plen <= len);
	CHECK(gvm_wire_payload_len(m) == plen);

	if (m->type == GVM_MSG_REHOME_DONE || m->type == GVM_MSG_DETACH) {
		/* A region's, about no page: no pfn or transaction. */
		CHECK(!m->pfn && !m->txid);
	} else if (m->type == GVM_MSG_SYNC || m->type == GVM_MSG_SYNC_ACK) {
		/* A region's barrier: no page, a txid to match. */
		CHECK(!m->pfn && m->txid && !m->arg && !m->aux);
	} else if (m->type == GVM_MSG_ATTACH) {
		/* A region's size, owner, members and digest; one flag. */
		CHECK(m->pfn && m->txid && node_ok(m->arg, lim));
		CHECK(m->aux >= 1 && m->aux <= lim->id_space);
		CHECK(!lim->npages || m->region == lim->region);
		CHECK(!(m->flags & ~(GVM_F_REPLY | GVM_F_REFUSED |
				     GVM_F_BROKEN)));
		CHECK(!(m->flags & (m->flags - 1)));
	} else if (m->type >= GVM_MSG_HELLO) {
		/* Transport frames: no page; a nonce on HELLO and its ACK. */
		CHECK(!m->region && !m->pfn && !m->aux);
		CHECK(!m->src_open && !m->dst_open);
		CHECK(m->type == GVM_MSG_HELLO_NACK ?
		      m->arg >= 1 && m->arg < __GVM_HELLO_MAX : !m->arg);
		if (m->type == GVM_MSG_HELLO || m->type == GVM_MSG_HELLO_ACK)
			CHECK(m->txid);
		if (m->type == GVM_MSG_HEARTBEAT || m->type == GVM_MSG_LEAVE)
			CHECK(!m->txid);
	} else {
		CHECK(!lim->npages ||
		      (m->region == lim->region && m->pfn < lim->npages));
		/*
		 * Only an announcement after a failure, and a handoff, which
		 * starts the taker's own transaction, have no txid.
		 */
		CHECK(m->txid || m->type == GVM_MSG_ANNOUNCE ||
		      m->type == GVM_MSG_HANDOFF);
		if (m->type == GVM_MSG_HANDOFF)
			CHECK(!m->txid);
	}

	switch (m->type) {
	case GVM_MSG_DATA:
	case GVM_MSG_GRANT:
	case GVM_MSG_CONFIRM:
	case GVM_MSG_INV:
	case GVM_MSG_ANNOUNCE:
		break;
	case GVM_MSG_WRITE_REQ:
	case GVM_MSG_FWD_WRITE:
		/* The version of the requester's copy, if it says it has one. */
		CHECK(!m->version || (m->flags & GVM_F_HAVE));
		break;
	case GVM_MSG_HELLO_ACK:
		/* The acceptor's nonce, with a pre-shared key. */
		CHECK(!m->version || (m->flags & GVM_F_AUTH));
		break;
	default:
		CHECK(!m->version);
	}

	switch (m->type) {
	case GVM_MSG_READ_REQ:
	case GVM_MSG_WRITE_REQ:
	case GVM_MSG_DATA:
	case GVM_MSG_GRANT:
	case GVM_MSG_CONFIRM:
	case GVM_MSG_INV:
		CHECK(!m->arg && !m->aux);
		break;
	case GVM_MSG_FWD_READ:
	case GVM_MSG_FWD_WRITE:
	case GVM_MSG_QUERY:
	case GVM_MSG_REHOME_DONE:
		CHECK(node_ok(m->arg, lim) && !m->aux);
		break;
	case GVM_MSG_INV_ACK:
		CHECK(m->arg >= 1 && m->arg <= lim->id_space);
		CHECK(hint_ok(m->aux, lim));
		break;
	case GVM_MSG_NACK:
		CHECK(m->arg >= 1 && m->arg < 4096 && !m->aux);
		break;
	case GVM_MSG_BOUNCE:
		CHECK(node_ok(m->arg, lim) && hint_ok(m->aux, lim));
		break;
	case GVM_MSG_ANNOUNCE:
		CHECK(!m->arg && hint_ok(m->aux, lim));
		break;
	}

	switch (m->type) {
	case GVM_MSG_GRANT:
		CHECK(!(m->flags & ~GVM_F_NODATA));
		break;
	case GVM_MSG_INV_ACK:
		CHECK(!(m->flags & ~GVM_F_FAILED));
		break;
	case GVM_MSG_BOUNCE:
		CHECK(!(m->flags & ~GVM_F_WRITE));
		break;
	case GVM_MSG_WRITE_REQ:
	case GVM_MSG_FWD_WRITE:
		CHECK(!(m->flags & ~GVM_F_HAVE));
		break;
	case GVM_MSG_ANNOUNCE:
		CHECK(!(m->flags & ~GVM_F_DISOWN));
		break;
	case GVM_MSG_REHOME_DONE:
		CHECK(!(m->flags & ~GVM_F_REPLY));
		break;
	case GVM_MSG_ATTACH:
		break;		/* above */
	case GVM_MSG_HELLO:
	case GVM_MSG_HELLO_ACK:
		CHECK(!(m->flags & ~GVM_F_AUTH));
		break;
	default:
		CHECK(!m->flags);
	}

	/* Payload: a page inside the frame, node ranges, or nothing. */
	if ((m->type == GVM_MSG_DATA || m->type == GVM_MSG_GRANT) &&
	    !(m->flags & GVM_F_NODATA)) {
		CHECK(plen == GVM_PAGE_SIZE);
		CHECK(m->page == payload);
		CHECK((const u8 *)m->page + GVM_PAGE_SIZE <= buf + len);
	} else {
		CHECK(!m->page);
	}
	if (m->type != GVM_MSG_INV) {
		CHECK(!m->nranges && !m->ranges);
		if (m->type != GVM_MSG_DATA && m->type != GVM_MSG_GRANT)
			CHECK(!plen);
		return;
	}
	CHECK(m->nranges <= GVM_INV_MAX_RANGES);
	CHECK((size_t)m->nranges * sizeof(struct gvm_wire_range) == plen);
	CHECK(m->nranges ? (const u8 *)m->ranges == payload : !m->ranges);
	for (i = 0; i < m->nranges; i++) {
		const struct gvm_range *r = &m->ranges[i];

		/* Ascending and disjoint: nobody is invalidated twice. */
		CHECK(r->count >= 1);
		CHECK(r->first >= next);
		CHECK((u64)r->first + r->count <= lim->id_space);
		next = (u64)r->first + r->count;
	}
}

static void check_same(const struct gvm_msg *a, const struct gvm_msg *b)
{
	CHECK(a->type == b->type && a->flags == b->flags);
	CHECK(a->domain == b->domain && a->region == b->region);
	CHECK(a->src == b->src && a->dst == b->dst);
	CHECK(a->arg == b->arg && a->aux == b->aux);
	CHECK(a->txid == b->txid && a->pfn == b->pfn);
	CHECK(a->version == b->version);
	CHECK(a->src_open == b->src_open && a->dst_open == b->dst_open);
	CHECK(a->nranges == b->nranges);
	CHECK(!a->ranges == !b->ranges);
	if (a->nranges)
		CHECK(!memcmp(a->ranges, b->ranges,
			      a->nranges * sizeof(*a->ranges)));
	CHECK(!a->page == !b->page);
	if (a->page)
		CHECK(!memcmp(a->page, b->page, GVM_PAGE_SIZE));
}

/*
 * Encode an accepted message and decode it again. Every header field is
 * either fixed (magic, version, hdr_len, reserved), carried in struct
 * gvm_msg, or derived from it (payload_len), and the decoder accepted only
 * the one payload length each message implies, so the encoding must equal
 * the original frame byte for byte, not merely decode to the same message.
 */
static void round_trip(const struct gvm_msg *m,
		       const struct gvm_wire_limits *lim,
		       const u8 *orig, size_t frame_len)
{
	static u8 enc[GVM_WIRE_MAX_FRAME];
	struct gvm_wire_hdr h;
	struct gvm_msg m2;
	enum gvm_wire_status st;
	u8 *copy;
	int n;

	CHECK(gvm_wire_encode(m, enc, frame_len - 1) == -EMSGSIZE);
	n = gvm_wire_encode(m, enc, sizeof(enc));
	CHECK(n > 0 && (size_t)n == frame_len);
	CHECK(!memcmp(enc, orig, frame_len));
	gvm_wire_encode_hdr(m, &h);
	CHECK(!memcmp(&h, orig, sizeof(h)));

	/* An exact-size heap copy, so ASan sees any read past the frame. */
	copy = malloc(frame_len);
	CHECK(copy != NULL);
	memcpy(copy, enc, frame_len);
	st = gvm_wire_decode(copy, frame_len, lim, &m2);
	check_status(st);
	CHECK(st == GVM_WIRE_OK);
	check_fields(&m2, lim, copy, frame_len,
		     frame_len - sizeof(struct gvm_wire_hdr));
	check_same(m, &m2);
	free(copy);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	enum gvm_wire_status st, pst;
	struct gvm_wire_limits lim;
	size_t len, frame_len = 0;
	struct gvm_msg m;
	u8 *buf;

	if (size < LIM_BYTES)
		return 0;
	pick_limits(data, &lim);
	data += LIM_BYTES;
	len = size - LIM_BYTES;

	/*
	 * The decoder converts INV ranges in place, so it gets a writable
	 * copy; heap-allocated at the exact length so ASan catches overreads
	 * (and 16-byte aligned, as a receive buffer would be).
	 */
	buf = malloc(len ? len : 1);
	CHECK(buf != NULL);
	memcpy(buf, data, len);

	pst = gvm_wire_peek(buf, len, &frame_len);
	check_status(pst);
	if (!pst) {
		CHECK(frame_len >= sizeof(struct gvm_wire_hdr));
		CHECK(frame_len <= GVM_WIRE_MAX_FRAME);
	}

	memset(&m, 0xa5, sizeof(m));
	st = gvm_wire_decode(buf, len, &lim, &m);
	check_status(st);
	/* decode() starts with peek(), and needs the whole frame. */
	if (pst)
		CHECK(st == pst);
	else if (len < frame_len)
		CHECK(st == GVM_WIRE_ETRUNC);

	if (st == GVM_WIRE_OK) {
		CHECK(!pst);
		check_fields(&m, &lim, buf, len,
			     frame_len - sizeof(struct gvm_wire_hdr));
		round_trip(&m, &lim, data, frame_len);
	}
	free(buf);
	return 0;
}
