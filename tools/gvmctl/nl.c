// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel boundary: the "giantvm" generic netlink family through libnl.
 * This is the only file that includes libnl; the rest of gvmctl sees the
 * plain structs of domain.h.
 *
 * Each request is sent with NLM_F_ACK and read until its ACK, its NLMSG_DONE
 * (dumps) or its error. Errors keep the kernel's errno and its extended ACK
 * message, which gvm_nl_error() returns in place of strerror() when there is
 * one: the kernel knows best what it refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include "nl.h"

/* A dump the kernel flags as torn by concurrent changes is redone. */
#define DUMP_TRIES	4
/* Room for a burst of events: one per member when a whole rack goes down. */
#define MONITOR_RCVBUF	(4 << 20)

struct gvm_nl {
	struct nl_sock *sock;
	int family;
	char why[512];
};

/* What the kernel calls our attributes, to name one it refused. */
static const char *const attr_names[] = {
	[GVM_A_DOMAIN_ID] = "domain id",
	[GVM_A_NODE_ID] = "node id",
	[GVM_A_ADDR4] = "IPv4 address",
	[GVM_A_ADDR6] = "IPv6 address",
	[GVM_A_PORT] = "port",
	[GVM_A_HEARTBEAT_MS] = "heartbeat",
	[GVM_A_TIMEOUT_MS] = "timeout",
	[GVM_A_CONNECT] = "connect mode",
	[GVM_A_NAME] = "name",
	[GVM_A_PSK] = "pre-shared key",
};

static const struct nla_policy attr_policy[GVM_A_MAX + 1] = {
	[GVM_A_DOMAIN_ID] = { .type = NLA_U32 },
	[GVM_A_NODE_ID] = { .type = NLA_U32 },
	[GVM_A_ADDR4] = { .minlen = 4, .maxlen = 4 },
	[GVM_A_ADDR6] = { .minlen = 16, .maxlen = 16 },
	[GVM_A_PORT] = { .type = NLA_U16 },
	[GVM_A_HEARTBEAT_MS] = { .type = NLA_U32 },
	[GVM_A_TIMEOUT_MS] = { .type = NLA_U32 },
	[GVM_A_CONNECT] = { .type = NLA_U8 },
	[GVM_A_NAME] = { .type = NLA_STRING },
	[GVM_A_AUTH] = { .type = NLA_U8 },
	[GVM_A_NODE_STATE] = { .type = NLA_U8 },
	[GVM_A_LAST_RX_MS] = { .type = NLA_U32 },
	[GVM_A_MEMBERS] = { .type = NLA_U32 },
	[GVM_A_MEM_BYTES] = { .type = NLA_U64 },
	[GVM_A_STATS] = { .type = NLA_NESTED },
	[GVM_A_HELLO_REASON] = { .type = NLA_U8 },
	[GVM_A_REASON] = { .type = NLA_STRING },
	[GVM_A_REGION_ID] = { .type = NLA_U32 },
	[GVM_A_REGION_BYTES] = { .type = NLA_U64 },
	[GVM_A_REGION_OWNER] = { .type = NLA_U32 },
	[GVM_A_REGION_PAGES] = { .type = NLA_U64 },
	[GVM_A_REGION_META_BYTES] = { .type = NLA_U64 },
	[GVM_A_REGION_STATS] = { .type = NLA_NESTED },
	[GVM_A_FAULT_LAT] = { .type = NLA_NESTED },
	[GVM_A_PFN] = { .type = NLA_U64 },
	[GVM_A_ERRNO] = { .type = NLA_U32 },
	[GVM_A_VERSION] = { .type = NLA_STRING, .maxlen = GVM_VERSION_MAX },
	[GVM_A_REGION_CONFLICT] = { .type = NLA_STRING },
};

/*
 * The nests of u64s (GVM_A_STATS, GVM_A_REGION_STATS, GVM_A_FAULT_LAT)
 * share a layout: 0 unused, 1 padding, values from 2. The histogram is
 * the longest; each nest is parsed up to its own last attribute.
 */
#define U64S_FIRST	GVM_LAT_FIRST
#define U64S_MAX	(GVM_LAT_FIRST + GVM_LAT_BUCKETS - 1)
_Static_assert(U64S_FIRST == (int)GVM_STAT_TX_FRAMES &&
	       U64S_FIRST == (int)GVM_RSTAT_READ_FAULTS,
	       "u64 nests start alike");
_Static_assert(GVM_STAT_MAX <= U64S_MAX && GVM_RSTAT_MAX <= U64S_MAX,
	       "the histogram is the longest u64 nest");

static const struct nla_policy u64s_policy[U64S_MAX + 1] = {
	[U64S_FIRST ... U64S_MAX] = { .type = NLA_U64 },
};

static const struct nla_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
	[NLMSGERR_ATTR_OFFS] = { .type = NLA_U32 },
	[NLMSGERR_ATTR_MISS_TYPE] = { .type = NLA_U32 },
};

const char *gvm_nl_error(const struct gvm_nl *nl)
{
	return nl->why;
}

static int fail(struct gvm_nl *nl, int err, const char *why)
{
	snprintf(nl->why, sizeof(nl->why), "%s", why ? why : strerror(-err));
	return err;
}

/* libnl's own failures (allocation, socket) are not errnos. */
static int fail_nl(struct gvm_nl *nl, int nlerr)
{
	snprintf(nl->why, sizeof(nl->why), "%s", nl_geterror(nlerr));
	return -EIO;
}

/* ---- replies ----------------------------------------------------------- */

static void endpoint_from_attrs(struct nlattr **tb, struct gvm_endpoint *ep)
{
	if (tb[GVM_A_ADDR4]) {
		ep->family = AF_INET;
		memcpy(&ep->v4, nla_data(tb[GVM_A_ADDR4]), sizeof(ep->v4));
	} else if (tb[GVM_A_ADDR6]) {
		ep->family = AF_INET6;
		memcpy(&ep->v6, nla_data(tb[GVM_A_ADDR6]), sizeof(ep->v6));
	}
	if (tb[GVM_A_PORT])
		ep->port = nla_get_u16(tb[GVM_A_PORT]);
}

/*
 * A nest of u64s as the kernel's gvm_put_u64s() writes it: attribute
 * U64S_FIRST + i into v[i], for i < @n. Attributes past those are a newer
 * kernel's and are skipped; an absent one leaves its value alone.
 */
static int parse_u64s(struct nlattr *nest, uint64_t *v, int n)
{
	struct nlattr *tb[U64S_MAX + 1];
	int i, err;

	if (!nest)
		return 0;
	err = nla_parse_nested(tb, U64S_FIRST + n - 1, nest, u64s_policy);
	if (err < 0)
		return err;
	for (i = 0; i < n; i++)
		if (tb[U64S_FIRST + i])
			v[i] = nla_get_u64(tb[U64S_FIRST + i]);
	return 0;
}

static int parse_stats(struct nlattr *nest, uint64_t *stats)
{
	return parse_u64s(nest, stats + GVM_STAT_TX_FRAMES,
			  GVM_STAT_MAX - GVM_STAT_TX_FRAMES + 1);
}

static int parse_attrs(struct nl_msg *msg, struct nlattr **tb)
{
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, GVM_A_MAX, attr_policy);
}

static int parse_domain(struct nl_msg *msg, void *out)
{
	struct gvm_domain_info *d = out;
	struct nlattr *tb[GVM_A_MAX + 1];
	int err = parse_attrs(msg, tb);

	if (err < 0)
		return err;
	memset(d, 0, sizeof(*d));
	if (!tb[GVM_A_DOMAIN_ID] || !tb[GVM_A_NODE_ID])
		return -NLE_MISSING_ATTR;
	d->id = nla_get_u32(tb[GVM_A_DOMAIN_ID]);
	d->self = nla_get_u32(tb[GVM_A_NODE_ID]);
	endpoint_from_attrs(tb, &d->listen);
	if (tb[GVM_A_HEARTBEAT_MS])
		d->heartbeat_ms = nla_get_u32(tb[GVM_A_HEARTBEAT_MS]);
	if (tb[GVM_A_TIMEOUT_MS])
		d->timeout_ms = nla_get_u32(tb[GVM_A_TIMEOUT_MS]);
	if (tb[GVM_A_CONNECT])
		d->connect = nla_get_u8(tb[GVM_A_CONNECT]);
	if (tb[GVM_A_NAME])
		nla_strlcpy(d->name, tb[GVM_A_NAME], sizeof(d->name));
	d->auth = tb[GVM_A_AUTH] && nla_get_u8(tb[GVM_A_AUTH]);
	if (tb[GVM_A_MEMBERS])
		d->members = nla_get_u32(tb[GVM_A_MEMBERS]);
	if (tb[GVM_A_MEM_BYTES])
		d->mem_bytes = nla_get_u64(tb[GVM_A_MEM_BYTES]);
	return parse_stats(tb[GVM_A_STATS], d->stats);
}

static int parse_node(struct nl_msg *msg, void *out)
{
	struct gvm_node_info *n = out;
	struct nlattr *tb[GVM_A_MAX + 1];
	int err = parse_attrs(msg, tb);

	if (err < 0)
		return err;
	memset(n, 0, sizeof(*n));
	if (!tb[GVM_A_NODE_ID])
		return -NLE_MISSING_ATTR;
	n->id = nla_get_u32(tb[GVM_A_NODE_ID]);
	endpoint_from_attrs(tb, &n->ep);
	if (tb[GVM_A_NODE_STATE])
		n->state = nla_get_u8(tb[GVM_A_NODE_STATE]);
	if (tb[GVM_A_LAST_RX_MS]) {
		n->heard = true;
		n->last_rx_ms = nla_get_u32(tb[GVM_A_LAST_RX_MS]);
	}
	return parse_stats(tb[GVM_A_STATS], n->stats);
}

static int parse_region(struct nl_msg *msg, void *out)
{
	struct gvm_region_info *r = out;
	struct nlattr *tb[GVM_A_MAX + 1];
	int err = parse_attrs(msg, tb);

	if (err < 0)
		return err;
	memset(r, 0, sizeof(*r));
	if (!tb[GVM_A_REGION_ID])
		return -NLE_MISSING_ATTR;
	r->id = nla_get_u32(tb[GVM_A_REGION_ID]);
	r->owner = GVM_NODE_NONE;
	if (tb[GVM_A_REGION_BYTES])
		r->bytes = nla_get_u64(tb[GVM_A_REGION_BYTES]);
	if (tb[GVM_A_REGION_OWNER])
		r->owner = nla_get_u32(tb[GVM_A_REGION_OWNER]);
	if (tb[GVM_A_MEMBERS])
		r->members = nla_get_u32(tb[GVM_A_MEMBERS]);
	if (tb[GVM_A_REGION_PAGES])
		r->pages = nla_get_u64(tb[GVM_A_REGION_PAGES]);
	if (tb[GVM_A_REGION_META_BYTES])
		r->meta_bytes = nla_get_u64(tb[GVM_A_REGION_META_BYTES]);
	if (tb[GVM_A_REGION_CONFLICT])
		nla_strlcpy(r->conflict, tb[GVM_A_REGION_CONFLICT],
			    sizeof(r->conflict));
	err = parse_u64s(tb[GVM_A_REGION_STATS],
			 r->stats + GVM_RSTAT_READ_FAULTS,
			 GVM_RSTAT_MAX - GVM_RSTAT_READ_FAULTS + 1);
	if (err < 0)
		return err;
	return parse_u64s(tb[GVM_A_FAULT_LAT], r->lat, GVM_LAT_BUCKETS);
}

/* @out: GVM_VERSION_MAX bytes. */
static int parse_version(struct nl_msg *msg, void *out)
{
	struct nlattr *tb[GVM_A_MAX + 1];
	int err = parse_attrs(msg, tb);

	if (err < 0)
		return err;
	if (!tb[GVM_A_VERSION])
		return -NLE_MISSING_ATTR;
	nla_strlcpy(out, tb[GVM_A_VERSION], GVM_VERSION_MAX);
	return 0;
}

static int parse_event(struct nl_msg *msg, struct gvm_event *ev)
{
	struct nlattr *tb[GVM_A_MAX + 1];
	int err = parse_attrs(msg, tb);

	if (err < 0)
		return err;
	memset(ev, 0, sizeof(*ev));
	ev->cmd = genlmsg_hdr(nlmsg_hdr(msg))->cmd;
	ev->node = GVM_NODE_NONE;
	ev->hello_reason = -1;
	ev->pfn = UINT64_MAX;
	if (tb[GVM_A_DOMAIN_ID])
		ev->domain = nla_get_u32(tb[GVM_A_DOMAIN_ID]);
	if (tb[GVM_A_NODE_ID])
		ev->node = nla_get_u32(tb[GVM_A_NODE_ID]);
	if (tb[GVM_A_HELLO_REASON])
		ev->hello_reason = nla_get_u8(tb[GVM_A_HELLO_REASON]);
	if (tb[GVM_A_REASON])
		nla_strlcpy(ev->reason, tb[GVM_A_REASON], sizeof(ev->reason));
	if (tb[GVM_A_REGION_ID])
		ev->region = nla_get_u32(tb[GVM_A_REGION_ID]);
	if (tb[GVM_A_PFN])
		ev->pfn = nla_get_u64(tb[GVM_A_PFN]);
	if (tb[GVM_A_ERRNO])
		ev->error = nla_get_u32(tb[GVM_A_ERRNO]);
	return 0;
}

/* ---- errors ------------------------------------------------------------ */

static const char *attr_name(unsigned int type)
{
	if (type < ARRAY_SIZE(attr_names) && attr_names[type])
		return attr_names[type];
	return "an attribute";
}

/*
 * The kernel's words for error @err: its extended ACK message, naming the
 * attribute it points at (by offset into the request @req, echoed when not
 * capped) or says is missing; strerror() when it sent neither.
 */
static void extack_why(struct gvm_nl *nl, int err, struct nlattr *tlvs,
		       int len, const struct nlmsghdr *req)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *msg = NULL, *attr = NULL;

	if (tlvs && nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, len,
			      extack_policy) == 0) {
		if (tb[NLMSGERR_ATTR_MSG])
			msg = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
		if (tb[NLMSGERR_ATTR_MISS_TYPE])
			attr = attr_name(nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
		if (tb[NLMSGERR_ATTR_OFFS] && req) {
			uint32_t off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);

			if (off >= NLMSG_HDRLEN + GENL_HDRLEN &&
			    off + sizeof(struct nlattr) <= req->nlmsg_len) {
				const struct nlattr *a = (const void *)
					((const char *)req + off);

				attr = attr_name((unsigned int)nla_type(a));
			}
		}
	}
	if (msg && attr)
		snprintf(nl->why, sizeof(nl->why), "%s (%s)", msg, attr);
	else if (msg)
		snprintf(nl->why, sizeof(nl->why), "%s", msg);
	else if (attr)
		snprintf(nl->why, sizeof(nl->why), "%s (%s)", strerror(-err),
			 attr);
	else
		snprintf(nl->why, sizeof(nl->why), "%s", strerror(-err));
}

/* ---- requests ---------------------------------------------------------- */

struct request {
	struct gvm_nl *nl;
	int err;			/* 0 or the kernel's negative errno */
	bool done;
	bool torn;			/* a dump saw NLM_F_DUMP_INTR */
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;
	int err;

	if (!r->parse || r->err)
		return NL_OK;
	err = r->parse(msg, r->arg);
	/* Keep reading to the end of the dump, so no reply is left behind. */
	if (err == -ENOMEM)
		r->err = fail(r->nl, -ENOMEM, NULL);
	else if (err < 0)
		r->err = fail(r->nl, -EPROTO,
			      "malformed reply from the kernel");
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct request *r = arg;
	long ack_len = sizeof(*e), len;

	r->err = e->error;
	r->done = true;
	/* The request is echoed after the error unless the kernel capped it. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += (long)e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (long)nlh->nlmsg_len - NLMSG_HDRLEN - ack_len;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		extack_why(r->nl, e->error, NULL, 0, NULL);
	else
		extack_why(r->nl, e->error,
			   (struct nlattr *)((char *)e + ack_len), (int)len,
			   nlh->nlmsg_flags & NLM_F_CAPPED ? NULL : &e->msg);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	r->done = true;
	return NL_STOP;
}

/* NLMSG_DONE carries the dump's errno, and extended ACK attributes after. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *r = arg;
	int err, len = nlmsg_datalen(nlh) - NLMSG_ALIGN(sizeof(int));

	r->done = true;
	if (nlmsg_datalen(nlh) < (int)sizeof(int))
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err >= 0 || r->err)
		return NL_STOP;
	r->err = err;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		extack_why(r->nl, err, NULL, 0, NULL);
	else
		extack_why(r->nl, err, (struct nlattr *)((char *)nlmsg_data(nlh) +
			   NLMSG_ALIGN(sizeof(int))), len, NULL);
	return NL_STOP;
}

static int on_torn(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	r->torn = true;
	return NL_OK;
}

static struct nl_msg *request_new(struct gvm_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd, GVM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg)
		fail(nl, -ENOMEM, NULL);
	return msg;
}

/* Sends @msg (consumed) and reads every reply through @parse. */
static int transact(struct gvm_nl *nl, struct nl_msg *msg,
		    int (*parse)(struct nl_msg *msg, void *arg), void *arg,
		    bool *torn)
{
	struct request r = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	if (!cb) {
		nlmsg_free(msg);
		return fail(nl, -ENOMEM, NULL);
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &r);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_torn, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &r);

	err = nl_send_auto(nl->sock, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		return fail_nl(nl, err);
	}
	while (!r.done) {
		err = nl_recvmsgs(nl->sock, cb);
		/* After on_error(), libnl returns its own code for r.err. */
		if (err < 0 && !r.err) {
			nl_cb_put(cb);
			return fail_nl(nl, err);
		}
	}
	nl_cb_put(cb);
	if (torn)
		*torn = r.torn;
	return r.err;
}

/* ---- commands ---------------------------------------------------------- */

static int put_endpoint(struct nl_msg *msg, const struct gvm_endpoint *ep)
{
	if (ep->family == AF_INET6)
		NLA_PUT(msg, GVM_A_ADDR6, sizeof(ep->v6), &ep->v6);
	else
		NLA_PUT(msg, GVM_A_ADDR4, sizeof(ep->v4), &ep->v4);
	NLA_PUT_U16(msg, GVM_A_PORT, ep->port);
	return 0;
nla_put_failure:
	return -NLE_NOMEM;
}

static struct nl_msg *domain_new_msg(struct gvm_nl *nl,
				     const struct gvm_domain_info *d)
{
	struct nl_msg *msg = request_new(nl, GVM_CMD_DOMAIN_NEW, 0);

	if (!msg)
		return NULL;
	NLA_PUT_U32(msg, GVM_A_DOMAIN_ID, d->id);
	NLA_PUT_U32(msg, GVM_A_NODE_ID, d->self);
	if (put_endpoint(msg, &d->listen) < 0)
		goto nla_put_failure;
	if (d->heartbeat_ms)
		NLA_PUT_U32(msg, GVM_A_HEARTBEAT_MS, d->heartbeat_ms);
	if (d->timeout_ms)
		NLA_PUT_U32(msg, GVM_A_TIMEOUT_MS, d->timeout_ms);
	NLA_PUT_U8(msg, GVM_A_CONNECT, d->connect);
	if (d->name[0])
		NLA_PUT_STRING(msg, GVM_A_NAME, d->name);
	if (d->has_psk)
		NLA_PUT(msg, GVM_A_PSK, GVM_PSK_LEN, d->psk);
	return msg;
nla_put_failure:
	nlmsg_free(msg);
	fail(nl, -ENOMEM, NULL);
	return NULL;
}

static struct nl_msg *node_add_msg(struct gvm_nl *nl, uint32_t domain,
				   const struct gvm_member *m)
{
	struct nl_msg *msg = request_new(nl, GVM_CMD_NODE_ADD, 0);

	if (!msg)
		return NULL;
	NLA_PUT_U32(msg, GVM_A_DOMAIN_ID, domain);
	NLA_PUT_U32(msg, GVM_A_NODE_ID, m->id);
	if (put_endpoint(msg, &m->ep) < 0)
		goto nla_put_failure;
	return msg;
nla_put_failure:
	nlmsg_free(msg);
	fail(nl, -ENOMEM, NULL);
	return NULL;
}

/* DOMAIN_DEL and the GETs name a domain and nothing else. */
static struct nl_msg *domain_msg(struct gvm_nl *nl, uint8_t cmd, int flags,
				 uint32_t domain)
{
	struct nl_msg *msg = request_new(nl, cmd, flags);

	if (msg && domain && nla_put_u32(msg, GVM_A_DOMAIN_ID, domain) < 0) {
		nlmsg_free(msg);
		fail(nl, -ENOMEM, NULL);
		return NULL;
	}
	return msg;
}

int gvm_domain_new(struct gvm_nl *nl, const struct gvm_domain_info *d)
{
	struct nl_msg *msg = domain_new_msg(nl, d);

	return msg ? transact(nl, msg, NULL, NULL, NULL) : -ENOMEM;
}

int gvm_node_add(struct gvm_nl *nl, uint32_t domain,
		 const struct gvm_member *m)
{
	struct nl_msg *msg = node_add_msg(nl, domain, m);

	return msg ? transact(nl, msg, NULL, NULL, NULL) : -ENOMEM;
}

int gvm_domain_del(struct gvm_nl *nl, uint32_t domain)
{
	struct nl_msg *msg = domain_msg(nl, GVM_CMD_DOMAIN_DEL, 0, domain);

	return msg ? transact(nl, msg, NULL, NULL, NULL) : -ENOMEM;
}

/* A growing array of replies of @size bytes each. */
struct replies {
	void *v;
	size_t n, cap, size;
	int (*parse)(struct nl_msg *msg, void *out);
};

static int collect(struct nl_msg *msg, void *arg)
{
	struct replies *r = arg;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		void *v = realloc(r->v, cap * r->size);

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	if (r->parse(msg, (char *)r->v + r->n * r->size) < 0)
		return -EPROTO;
	r->n++;
	return 0;
}

/*
 * One GET, dumped or not, into a malloc()ed array. A dump that spans a
 * change (NLM_F_DUMP_INTR) may have missed or repeated entries: it is
 * redone, and reported as an error if it never comes out whole.
 */
static int get(struct gvm_nl *nl, uint8_t cmd, int flags, uint32_t domain,
	       struct replies *r, void **out, size_t *n)
{
	int tries, err = 0;
	bool torn = true;

	for (tries = 0; tries < DUMP_TRIES && torn && !err; tries++) {
		struct nl_msg *msg = domain_msg(nl, cmd, flags, domain);

		r->n = 0;
		err = msg ? transact(nl, msg, collect, r, &torn) : -ENOMEM;
	}
	if (!err && torn)
		err = fail(nl, -EAGAIN,
			   "the domains kept changing during the dump");
	if (err < 0) {
		free(r->v);
		return err;
	}
	*out = r->v;
	*n = r->n;
	return 0;
}

int gvm_domains_get(struct gvm_nl *nl, uint32_t domain,
		    struct gvm_domain_info **out, size_t *n)
{
	struct replies r = { .size = sizeof(**out), .parse = parse_domain };

	return get(nl, GVM_CMD_DOMAIN_GET, domain ? 0 : NLM_F_DUMP, domain,
		   &r, (void **)out, n);
}

int gvm_nodes_get(struct gvm_nl *nl, uint32_t domain,
		  struct gvm_node_info **out, size_t *n)
{
	struct replies r = { .size = sizeof(**out), .parse = parse_node };

	return get(nl, GVM_CMD_NODE_GET, NLM_F_DUMP, domain, &r, (void **)out,
		   n);
}

int gvm_regions_get(struct gvm_nl *nl, uint32_t domain,
		    struct gvm_region_info **out, size_t *n)
{
	struct replies r = { .size = sizeof(**out), .parse = parse_region };

	return get(nl, GVM_CMD_REGION_GET, NLM_F_DUMP, domain, &r,
		   (void **)out, n);
}

int gvm_module_version(struct gvm_nl *nl, char version[GVM_VERSION_MAX])
{
	struct nl_msg *msg = request_new(nl, GVM_CMD_VERSION_GET, 0);

	if (!msg)
		return -ENOMEM;
	version[0] = '\0';
	return transact(nl, msg, parse_version, version, NULL);
}

/* ---- events ------------------------------------------------------------ */

struct monitor {
	int (*fn)(const struct gvm_event *ev, void *arg);
	void *arg;
	int ret;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct gvm_event ev;

	/* An event this gvmctl cannot read is skipped, not fatal. */
	if (parse_event(msg, &ev) < 0)
		return NL_OK;
	m->ret = m->fn(&ev, m->arg);
	return m->ret ? NL_STOP : NL_OK;
}

int gvm_monitor(struct gvm_nl *nl,
		int (*fn)(const struct gvm_event *ev, void *arg), void *arg)
{
	struct monitor m = { .fn = fn, .arg = arg };
	int group, err;

	group = genl_ctrl_resolve_grp(nl->sock, GVM_GENL_NAME,
				      GVM_GENL_MCGRP_EVENTS);
	if (group < 0)
		return fail_nl(nl, group);
	err = nl_socket_add_membership(nl->sock, group);
	if (err < 0)
		return fail_nl(nl, err);
	nl_socket_set_buffer_size(nl->sock, MONITOR_RCVBUF, 0);
	nl_socket_disable_seq_check(nl->sock);
	nl_socket_modify_cb(nl->sock, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	while (!m.ret) {
		err = nl_recvmsgs_default(nl->sock);
		/* ENOBUFS: the kernel dropped events; say so, go on. */
		if (err == -NLE_NOMEM) {
			fprintf(stderr, PROG_NAME
				": events lost: the receive buffer overflowed\n");
			continue;
		}
		if (err < 0)
			return fail_nl(nl, err);
	}
	return m.ret;
}

/* ---- the socket -------------------------------------------------------- */

const char *gvm_nl_version_mismatch(unsigned int family_version, char *buf,
				    size_t len)
{
	if (family_version == GVM_GENL_VERSION)
		return NULL;
	snprintf(buf, len,
		 "the loaded giantvm-kvm speaks version %u of the netlink family, this gvmctl version %u: load the module installed with this gvmctl (modprobe -r giantvm-kvm; modprobe giantvm-kvm), or use the gvmctl of the module's version",
		 family_version, GVM_GENL_VERSION);
	return buf;
}

/* The family's version, as the controller has it; 0 when it cannot say. */
static unsigned int gvm_family_version(struct nl_sock *sock)
{
	struct genl_family *fam;
	struct nl_cache *cache;
	unsigned int version = 0;

	if (genl_ctrl_alloc_cache(sock, &cache) < 0)
		return 0;
	fam = genl_ctrl_search_by_name(cache, GVM_GENL_NAME);
	if (fam) {
		version = genl_family_get_version(fam);
		genl_family_put(fam);
	}
	nl_cache_free(cache);
	return version;
}

struct gvm_nl *gvm_nl_open(void)
{
	struct gvm_nl *nl = calloc(1, sizeof(*nl));
	unsigned int version;
	int one = 1, err;
	char why[256];

	if (!nl) {
		fprintf(stderr, PROG_NAME ": out of memory\n");
		return NULL;
	}
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		err = -NLE_NOMEM;
		goto fail;
	}
	err = genl_connect(nl->sock);
	if (err < 0)
		goto fail;
	/* Best effort: kernels before 4.12 explain nothing, still work. */
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	/* The kernel tries to load the module itself before this fails. */
	nl->family = genl_ctrl_resolve(nl->sock, GVM_GENL_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr, PROG_NAME
			": giantvm-kvm is not loaded: modprobe giantvm-kvm\n");
		gvm_nl_close(nl);
		return NULL;
	}
	err = nl->family;
	if (err < 0)
		goto fail;
	/* Another version's messages would be misread, not refused. */
	version = gvm_family_version(nl->sock);
	if (version && gvm_nl_version_mismatch(version, why, sizeof(why))) {
		fprintf(stderr, PROG_NAME ": %s\n", why);
		gvm_nl_close(nl);
		return NULL;
	}
	return nl;
fail:
	fprintf(stderr, PROG_NAME ": cannot reach the giantvm netlink family: %s\n",
		nl_geterror(err));
	gvm_nl_close(nl);
	return NULL;
}

void gvm_nl_close(struct gvm_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sock);
	free(nl);
}
