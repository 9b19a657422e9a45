// SPDX-License-Identifier: GPL-2.0
/*
 * Wire codec. The decoder trusts nothing: every field of every frame is
 * checked against the message type's rules and the receiver's limits before
 * the protocol engine sees it.
 */
#include "wire.h"

enum wire_payload { PL_NONE, PL_PAGE, PL_RANGES };
enum wire_arg { ARG_ZERO, ARG_NODE, ARG_HINT, ARG_ERRNO, ARG_COUNT,
		ARG_REASON };
enum wire_txid { TX_NONE, TX_REQUIRED, TX_OPTIONAL };
/*
 * VER_HAVE: pg_version is the requester's copy's, used with GVM_F_HAVE;
 * VER_AUTH: the acceptor's nonce, used with GVM_F_AUTH.
 */
enum wire_version { VER_ZERO, VER_USED, VER_HAVE, VER_AUTH };
/* What of region and pfn a type uses; the others must be zero. */
enum wire_page { PG_NONE, PG_PAGE, PG_REGION, PG_COUNT };

struct wire_rule {
	const char *name;
	u16 flags;		/* flags allowed */
	u8 payload;		/* enum wire_payload */
	u8 arg;			/* enum wire_arg */
	u8 aux;			/* enum wire_arg */
	u8 version;		/* enum wire_version */
	u8 txid;		/* enum wire_txid */
	u8 page;		/* enum wire_page */
};

static const struct wire_rule rules[__GVM_MSG_MAX] = {
	[GVM_MSG_READ_REQ]   = { "READ_REQ", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 0, 1, PG_PAGE },
	[GVM_MSG_WRITE_REQ]  = { "WRITE_REQ", GVM_F_HAVE, PL_NONE, ARG_ZERO,
				 ARG_ZERO, VER_HAVE, 1, PG_PAGE },
	[GVM_MSG_FWD_READ]   = { "FWD_READ", 0, PL_NONE, ARG_NODE, ARG_ZERO,
				 0, 1, PG_PAGE },
	[GVM_MSG_FWD_WRITE]  = { "FWD_WRITE", GVM_F_HAVE, PL_NONE, ARG_NODE,
				 ARG_ZERO, VER_HAVE, 1, PG_PAGE },
	[GVM_MSG_DATA]       = { "DATA", 0, PL_PAGE, ARG_ZERO, ARG_ZERO,
				 1, 1, PG_PAGE },
	[GVM_MSG_GRANT]      = { "GRANT", GVM_F_NODATA, PL_PAGE, ARG_ZERO,
				 ARG_ZERO, 1, 1, PG_PAGE },
	[GVM_MSG_CONFIRM]    = { "CONFIRM", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 1, 1, PG_PAGE },
	[GVM_MSG_INV]        = { "INV", 0, PL_RANGES, ARG_ZERO, ARG_ZERO,
				 1, 1, PG_PAGE },
	[GVM_MSG_INV_ACK]    = { "INV_ACK", GVM_F_FAILED, PL_NONE, ARG_COUNT,
				 ARG_HINT, 0, 1, PG_PAGE },
	[GVM_MSG_NACK]       = { "NACK", 0, PL_NONE, ARG_ERRNO, ARG_ZERO,
				 0, 1, PG_PAGE },
	[GVM_MSG_BOUNCE]     = { "BOUNCE", GVM_F_WRITE, PL_NONE, ARG_NODE,
				 ARG_HINT, 0, 1, PG_PAGE },
	[GVM_MSG_QUERY]      = { "QUERY", 0, PL_NONE, ARG_NODE, ARG_ZERO,
				 0, 1, PG_PAGE },
	/* An announcement answers a QUERY (txid) or follows a failure. */
	[GVM_MSG_ANNOUNCE]   = { "ANNOUNCE", GVM_F_DISOWN, PL_NONE, ARG_ZERO,
				 ARG_HINT, 1, TX_OPTIONAL, PG_PAGE },
	/* Per region (each region rehomes on its own), about no page. */
	[GVM_MSG_REHOME_DONE] = { "REHOME_DONE", GVM_F_REPLY, PL_NONE,
				  ARG_NODE, ARG_ZERO, 0, 0, PG_REGION },
	/* A detaching node's: take this page over; it left the region. */
	[GVM_MSG_HANDOFF]    = { "HANDOFF", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 0, TX_NONE, PG_PAGE },
	[GVM_MSG_DETACH]     = { "DETACH", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 0, TX_NONE, PG_REGION },
	[GVM_MSG_SYNC]       = { "SYNC", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 0, TX_REQUIRED, PG_REGION },
	[GVM_MSG_SYNC_ACK]   = { "SYNC_ACK", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 0, TX_REQUIRED, PG_REGION },
	/* What the sender took the region to be: pfn is its page count. */
	[GVM_MSG_ATTACH]     = { "ATTACH", GVM_F_REPLY | GVM_F_REFUSED |
				 GVM_F_BROKEN, PL_NONE, ARG_NODE, ARG_COUNT,
				 0, TX_REQUIRED, PG_COUNT },
	/* Transport frames: no page, no region. HELLO's txid is a nonce. */
	[GVM_MSG_HELLO]      = { "HELLO", GVM_F_AUTH, PL_NONE, ARG_ZERO,
				 ARG_ZERO, 0, TX_REQUIRED, PG_NONE },
	[GVM_MSG_HELLO_ACK]  = { "HELLO_ACK", GVM_F_AUTH, PL_NONE, ARG_ZERO,
				 ARG_ZERO, VER_AUTH, TX_REQUIRED, PG_NONE },
	[GVM_MSG_HELLO_NACK] = { "HELLO_NACK", 0, PL_NONE, ARG_REASON,
				 ARG_ZERO, 0, TX_OPTIONAL, PG_NONE },
	[GVM_MSG_HEARTBEAT]  = { "HEARTBEAT", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 0, TX_NONE, PG_NONE },
	[GVM_MSG_LEAVE]      = { "LEAVE", 0, PL_NONE, ARG_ZERO, ARG_ZERO,
				 0, TX_NONE, PG_NONE },
};

/* The errnos a NACK may carry, as Linux numbers them. */
static bool wire_errno_ok(u32 e)
{
	return e == EAGAIN || e == EHOSTDOWN || e == EIO || e == ETIMEDOUT ||
	       e == ENOMEM;
}

static bool wire_arg_ok(u8 kind, u32 v, u32 id_space)
{
	/* TX_REQUIRED and VER_USED are 1: the table spells them so. */
	BUILD_BUG_ON(TX_REQUIRED != 1 || VER_USED != 1);
	switch (kind) {
	case ARG_ZERO:
		return v == 0;
	case ARG_NODE:
		return v < id_space;
	case ARG_HINT:
		return v < id_space || v == GVM_NODE_NONE;
	case ARG_ERRNO:
		return wire_errno_ok(v);
	case ARG_COUNT:
		return v >= 1 && v <= id_space;
	case ARG_REASON:
		return v >= 1 && v < __GVM_HELLO_MAX;
	}
	return false;
}

static enum gvm_wire_status wire_arg_check(u8 kind, u32 v, u32 id_space)
{
	if (wire_arg_ok(kind, v, id_space))
		return GVM_WIRE_OK;
	return kind == ARG_NODE || kind == ARG_HINT ? GVM_WIRE_ENODE :
						      GVM_WIRE_EARG;
}

const char *gvm_msg_name(unsigned int type)
{
	if (type == 0 || type > GVM_MSG_MAX)
		return "?";
	return rules[type].name;
}

enum gvm_wire_status gvm_wire_peek(const void *buf, size_t len,
				   size_t *frame_len)
{
	const struct gvm_wire_hdr *h = buf;
	u32 plen;

	if (len < sizeof(*h))
		return GVM_WIRE_ETRUNC;
	if (le32_to_cpu(h->magic) != GVM_WIRE_MAGIC)
		return GVM_WIRE_EMAGIC;
	if (h->version != GVM_WIRE_VERSION)
		return GVM_WIRE_EVERSION;
	if (le16_to_cpu(h->hdr_len) != sizeof(*h))
		return GVM_WIRE_EHDRLEN;
	plen = le32_to_cpu(h->payload_len);
	if (plen > GVM_WIRE_MAX_PAYLOAD)
		return GVM_WIRE_ELEN;
	*frame_len = sizeof(*h) + plen;
	return GVM_WIRE_OK;
}

static enum gvm_wire_status wire_ranges(void *payload, u32 plen,
					u32 id_space, struct gvm_msg *m)
{
	struct gvm_wire_range *wr = payload;
	struct gvm_range *r = payload;
	u64 next = 0;
	u32 i, n;

	if (plen % sizeof(*wr))
		return GVM_WIRE_ELEN;
	n = plen / sizeof(*wr);
	/* Converted in place: both layouts are two 32-bit words. */
	BUILD_BUG_ON(sizeof(*wr) != sizeof(*r));
	for (i = 0; i < n; i++) {
		u64 first = le32_to_cpu(wr[i].first);
		u64 count = le32_to_cpu(wr[i].count);

		/* Ascending and disjoint, so no node is invalidated twice. */
		if (count == 0 || first < next || first + count > id_space)
			return GVM_WIRE_ERANGE;
		next = first + count;
		r[i].first = first;
		r[i].count = count;
	}
	m->nranges = n;
	m->ranges = n ? r : NULL;
	return GVM_WIRE_OK;
}

/* May a frame of @rule with @flags carry a page version? */
static bool wire_version_ok(const struct wire_rule *rule, u16 flags)
{
	return rule->version == VER_USED ||
	       (rule->version == VER_HAVE && (flags & GVM_F_HAVE)) ||
	       (rule->version == VER_AUTH && (flags & GVM_F_AUTH));
}

enum gvm_wire_status gvm_wire_decode(void *buf, size_t len,
				     const struct gvm_wire_limits *lim,
				     struct gvm_msg *m)
{
	const struct gvm_wire_hdr *h = buf;
	const struct wire_rule *rule;
	enum gvm_wire_status st;
	bool nack_anyone;
	size_t frame_len;
	u32 plen;

	st = gvm_wire_peek(buf, len, &frame_len);
	if (st)
		return st;
	if (len < frame_len)
		return GVM_WIRE_ETRUNC;
	if (h->type == 0 || h->type > GVM_MSG_MAX)
		return GVM_WIRE_ETYPE;
	rule = &rules[h->type];

	memset(m, 0, sizeof(*m));
	m->type = h->type;
	m->flags = le16_to_cpu(h->flags);
	m->domain = le32_to_cpu(h->domain);
	m->src = le32_to_cpu(h->src);
	m->dst = le32_to_cpu(h->dst);
	m->region = le32_to_cpu(h->region);
	m->arg = le32_to_cpu(h->arg);
	m->aux = le32_to_cpu(h->aux);
	m->txid = le64_to_cpu(h->txid);
	m->pfn = le64_to_cpu(h->pfn);
	m->version = le64_to_cpu(h->pg_version);
	m->src_open = le32_to_cpu(h->src_open);
	m->dst_open = le32_to_cpu(h->dst_open);
	plen = le32_to_cpu(h->payload_len);

	/* No type takes two flags at once. */
	if ((m->flags & ~rule->flags) || (m->flags & (m->flags - 1)))
		return GVM_WIRE_EFLAGS;
	if (h->reserved || (m->version && !wire_version_ok(rule, m->flags)) ||
	    (!rule->page && m->pfn))
		return GVM_WIRE_ERESERVED;
	if ((rule->txid == TX_REQUIRED && !m->txid) ||
	    (rule->txid == TX_NONE && m->txid))
		return GVM_WIRE_ETXID;
	if (m->domain != lim->domain)
		return GVM_WIRE_EDOMAIN;
	/* A refused HELLO may not say who sent it: its NACK goes to NONE. */
	nack_anyone = h->type == GVM_MSG_HELLO_NACK && m->dst == GVM_NODE_NONE;
	if (m->src >= lim->id_space || (m->dst >= lim->id_space && !nack_anyone))
		return GVM_WIRE_ENODE;
	if (lim->self != GVM_NODE_NONE && m->dst != lim->self && !nack_anyone)
		return GVM_WIRE_EDST;
	st = wire_arg_check(rule->arg, m->arg, lim->id_space);
	if (!st)
		st = wire_arg_check(rule->aux, m->aux, lim->id_space);
	if (st)
		return st;
	/* Without a page count the caller checks the region itself. */
	if (rule->page) {
		if (lim->npages && m->region != lim->region)
			return GVM_WIRE_EREGION;
		if (rule->page == PG_REGION && m->pfn)
			return GVM_WIRE_ERESERVED;
		if (rule->page == PG_COUNT && !m->pfn)
			return GVM_WIRE_EARG;
		if (rule->page == PG_PAGE && lim->npages &&
		    m->pfn >= lim->npages)
			return GVM_WIRE_EPAGE;
	} else if (m->region || m->src_open || m->dst_open) {
		return GVM_WIRE_ERESERVED;
	}

	switch (rule->payload) {
	case PL_NONE:
		if (plen)
			return GVM_WIRE_ELEN;
		break;
	case PL_PAGE:
		if (plen != ((m->flags & GVM_F_NODATA) ? 0 : GVM_PAGE_SIZE))
			return GVM_WIRE_ELEN;
		if (plen)
			m->page = (const u8 *)buf + sizeof(*h);
		break;
	case PL_RANGES:
		return wire_ranges((u8 *)buf + sizeof(*h), plen,
				   lim->id_space, m);
	}
	return GVM_WIRE_OK;
}

u64 gvm_members_digest(const u32 *ids, u32 n)
{
	u64 h = GVM_DIGEST_BASIS;
	u32 i, b;

	for (i = 0; i < n; i++)
		for (b = 0; b < 32; b += 8) {
			h ^= (ids[i] >> b) & 0xff;
			h *= GVM_DIGEST_PRIME;
		}
	return h ?: 1;
}

size_t gvm_wire_payload_len(const struct gvm_msg *m)
{
	if (m->type == GVM_MSG_INV)
		return (size_t)m->nranges * sizeof(struct gvm_wire_range);
	if ((m->type == GVM_MSG_DATA || m->type == GVM_MSG_GRANT) &&
	    !(m->flags & GVM_F_NODATA))
		return GVM_PAGE_SIZE;
	return 0;
}

void gvm_wire_encode_hdr(const struct gvm_msg *m, struct gvm_wire_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(GVM_WIRE_MAGIC);
	h->version = GVM_WIRE_VERSION;
	h->type = m->type;
	h->flags = cpu_to_le16(m->flags);
	h->hdr_len = cpu_to_le16(sizeof(*h));
	h->payload_len = cpu_to_le32(gvm_wire_payload_len(m));
	h->domain = cpu_to_le32(m->domain);
	h->src = cpu_to_le32(m->src);
	h->dst = cpu_to_le32(m->dst);
	h->region = cpu_to_le32(m->region);
	h->arg = cpu_to_le32(m->arg);
	h->aux = cpu_to_le32(m->aux);
	h->txid = cpu_to_le64(m->txid);
	h->pfn = cpu_to_le64(m->pfn);
	h->pg_version = cpu_to_le64(m->version);
	h->src_open = cpu_to_le32(m->src_open);
	h->dst_open = cpu_to_le32(m->dst_open);
}

/* Returns the frame length, or -EMSGSIZE / -EINVAL. */
int gvm_wire_encode(const struct gvm_msg *m, void *buf, size_t len)
{
	size_t plen = gvm_wire_payload_len(m);
	struct gvm_wire_range *wr;
	u32 i;

	if (m->type == 0 || m->type > GVM_MSG_MAX || plen > GVM_WIRE_MAX_PAYLOAD)
		return -EINVAL;
	if (len < sizeof(struct gvm_wire_hdr) + plen)
		return -EMSGSIZE;
	gvm_wire_encode_hdr(m, buf);
	if (m->type == GVM_MSG_INV) {
		wr = (struct gvm_wire_range *)((u8 *)buf +
					       sizeof(struct gvm_wire_hdr));
		for (i = 0; i < m->nranges; i++) {
			wr[i].first = cpu_to_le32(m->ranges[i].first);
			wr[i].count = cpu_to_le32(m->ranges[i].count);
		}
	} else if (plen) {
		if (!m->page)
			return -EINVAL;
		memcpy((u8 *)buf + sizeof(struct gvm_wire_hdr), m->page, plen);
	}
	return sizeof(struct gvm_wire_hdr) + plen;
}

const char *gvm_wire_strerror(enum gvm_wire_status st)
{
	static const char * const msg[__GVM_WIRE_STATUS_MAX] = {
		[GVM_WIRE_OK] = "ok",
		[GVM_WIRE_ETRUNC] = "truncated frame",
		[GVM_WIRE_EMAGIC] = "bad magic",
		[GVM_WIRE_EVERSION] = "unsupported version",
		[GVM_WIRE_EHDRLEN] = "bad header length",
		[GVM_WIRE_ETYPE] = "unknown message type",
		[GVM_WIRE_EFLAGS] = "flag not valid for type",
		[GVM_WIRE_ERESERVED] = "reserved field not zero",
		[GVM_WIRE_ELEN] = "payload length wrong for type",
		[GVM_WIRE_ENODE] = "node id out of range",
		[GVM_WIRE_EDOMAIN] = "wrong domain",
		[GVM_WIRE_EDST] = "not addressed to this node",
		[GVM_WIRE_EREGION] = "unknown region",
		[GVM_WIRE_EPAGE] = "page outside region",
		[GVM_WIRE_ERANGE] = "malformed node range",
		[GVM_WIRE_EARG] = "bad argument for type",
		[GVM_WIRE_ETXID] = "bad transaction id",
	};

	if ((unsigned int)st >= __GVM_WIRE_STATUS_MAX)
		return "?";
	return msg[st];
}
