// SPDX-License-Identifier: GPL-2.0
/*
 * libnl-genl helper for the kernel tests; see gvm_nl.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "gvm_env.h"
#include "gvm_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct gvm_ctx {
	struct gvm_nl *g;
	struct gvm_dump *out;
	int err;
	bool done;
};

int gvm_nl_open(struct gvm_nl *g)
{
	int one = 1, fd;

	memset(g, 0, sizeof(*g));
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -ENOMEM;
	if (genl_connect(g->sk))
		return -ENOTCONN;
	fd = nl_socket_get_fd(g->sk);
	/* The kernel's error messages, after the error itself. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(g->sk, 1 << 20, 1 << 20);
	g->family = genl_ctrl_resolve(g->sk, GVM_GENL_NAME);
	return g->family < 0 ? -ENOENT : 0;
}

void gvm_nl_close(struct gvm_nl *g)
{
	nl_socket_free(g->sk);
	g->sk = NULL;
}

struct nl_msg *gvm_nl_msg(struct gvm_nl *g, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
			      flags, cmd, GVM_GENL_VERSION)) {
		nlmsg_free(m);
		m = NULL;
	}
	return m;
}

/* The u64s of a nest: attribute i + @shift into v[i]. */
static void gvm_u64s(struct nlattr *nest, uint64_t *v, int n, int shift)
{
	struct nlattr *a;
	int rem;

	if (!nest)
		return;
	nla_for_each_nested(a, nest, rem) {
		int i = nla_type(a) - shift;

		if (i >= 0 && i < n && nla_len(a) == 8)
			v[i] = nla_get_u64(a);
	}
}

static void gvm_fill(struct gvm_entry *e, struct nlmsghdr *nlh)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[GVM_A_MAX + 1], *st[GVM_STAT_MAX + 1];
	int i;

	memset(e, 0, sizeof(*e));
	e->cmd = gh->cmd;
	e->hello_reason = -1;
	if (genlmsg_parse(nlh, 0, tb, GVM_A_MAX, NULL))
		return;
	if (tb[GVM_A_DOMAIN_ID])
		e->domain = nla_get_u32(tb[GVM_A_DOMAIN_ID]);
	if (tb[GVM_A_NODE_ID])
		e->node = nla_get_u32(tb[GVM_A_NODE_ID]);
	if (tb[GVM_A_MEMBERS])
		e->members = nla_get_u32(tb[GVM_A_MEMBERS]);
	if (tb[GVM_A_NODE_STATE])
		e->state = nla_get_u8(tb[GVM_A_NODE_STATE]);
	e->has_last_rx = tb[GVM_A_LAST_RX_MS];
	if (tb[GVM_A_MEM_BYTES])
		e->mem_bytes = nla_get_u64(tb[GVM_A_MEM_BYTES]);
	if (tb[GVM_A_NAME])
		snprintf(e->name, sizeof(e->name), "%s",
			 nla_get_string(tb[GVM_A_NAME]));
	e->auth = tb[GVM_A_AUTH] && nla_get_u8(tb[GVM_A_AUTH]);
	e->has_psk = tb[GVM_A_PSK];
	if (tb[GVM_A_VERSION])
		snprintf(e->version, sizeof(e->version), "%s",
			 nla_get_string(tb[GVM_A_VERSION]));
	if (tb[GVM_A_HELLO_REASON])
		e->hello_reason = nla_get_u8(tb[GVM_A_HELLO_REASON]);
	if (tb[GVM_A_REASON])
		snprintf(e->reason, sizeof(e->reason), "%s",
			 nla_get_string(tb[GVM_A_REASON]));
	if (tb[GVM_A_STATS] &&
	    !nla_parse_nested(st, GVM_STAT_MAX, tb[GVM_A_STATS], NULL))
		for (i = 0; i <= GVM_STAT_MAX; i++)
			if (st[i] && i != GVM_STAT_PAD)
				e->stats[i] = nla_get_u64(st[i]);
	if (tb[GVM_A_REGION_ID])
		e->region = nla_get_u32(tb[GVM_A_REGION_ID]);
	if (tb[GVM_A_REGION_BYTES])
		e->region_bytes = nla_get_u64(tb[GVM_A_REGION_BYTES]);
	if (tb[GVM_A_REGION_PAGES])
		e->region_pages = nla_get_u64(tb[GVM_A_REGION_PAGES]);
	if (tb[GVM_A_REGION_META_BYTES])
		e->region_meta = nla_get_u64(tb[GVM_A_REGION_META_BYTES]);
	if (tb[GVM_A_REGION_CONFLICT])
		snprintf(e->conflict, sizeof(e->conflict), "%s",
			 nla_get_string(tb[GVM_A_REGION_CONFLICT]));
	if (tb[GVM_A_PFN])
		e->pfn = nla_get_u64(tb[GVM_A_PFN]);
	if (tb[GVM_A_ERRNO])
		e->err = nla_get_u32(tb[GVM_A_ERRNO]);
	gvm_u64s(tb[GVM_A_REGION_STATS], e->rstats, __GVM_RSTAT_MAX, 0);
	e->rstats[GVM_RSTAT_PAD] = 0;
	gvm_u64s(tb[GVM_A_FAULT_LAT], e->lat, GVM_LAT_BUCKETS, GVM_LAT_FIRST);
}

static int gvm_valid(struct nl_msg *msg, void *arg)
{
	struct gvm_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (!c->out)
		return NL_OK;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->out->interrupted = true;
	if (c->out->n < GVM_MAX_ENTRIES)
		gvm_fill(&c->out->e[c->out->n++], nlh);
	return NL_OK;
}

/* The extack message in the TLVs that follow an error (or a DONE). */
static void gvm_extack(struct gvm_ctx *c, struct nlmsghdr *nlh, void *tlv,
		       int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > 0 &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, tlv, len, NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(c->g->extack, sizeof(c->g->extack), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
}

static int gvm_error(struct sockaddr_nl *nla, struct nlmsgerr *err,
		     void *arg)
{
	struct gvm_ctx *c = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);

	gvm_extack(c, nlh, (char *)err + sizeof(*err),
		   nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*err));
	c->err = err->error;
	c->done = true;
	return NL_STOP;
}

static int gvm_done(struct nl_msg *msg, void *arg)
{
	struct gvm_ctx *c = arg;

	c->done = true;
	return NL_STOP;
}

/* A dump ends with NLMSG_DONE, which carries the dump's own error. */
static int gvm_finish(struct nl_msg *msg, void *arg)
{
	struct gvm_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int *err = nlmsg_data(nlh);

	if (nlmsg_datalen(nlh) >= (int)sizeof(*err) && *err < 0) {
		c->err = *err;
		gvm_extack(c, nlh, err + 1,
			   nlmsg_datalen(nlh) - (int)sizeof(*err));
	}
	c->done = true;
	return NL_STOP;
}

/* Send @m (freed) and wait for the ACK, the error, or the dump's end. */
int gvm_nl_send(struct gvm_nl *g, struct nl_msg *m, struct gvm_dump *out)
{
	struct gvm_ctx c = { .g = g, .out = out };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	g->extack[0] = 0;
	if (out) {
		out->n = 0;
		out->interrupted = false;
	}
	if (!cb) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, gvm_valid, &c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, gvm_done, &c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, gvm_finish, &c);
	nl_cb_err(cb, NL_CB_CUSTOM, gvm_error, &c);
	ret = nl_send_auto(g->sk, m);
	nlmsg_free(m);
	while (ret >= 0 && !c.done)
		ret = nl_recvmsgs(g->sk, cb);
	nl_cb_put(cb);
	if (!c.done)
		return -EIO;
	return c.err;
}

static int gvm_put_ip4(struct nl_msg *m, const char *ip4, uint16_t port)
{
	struct in_addr a;

	if (inet_pton(AF_INET, ip4, &a) != 1)
		return -EINVAL;
	return nla_put(m, GVM_A_ADDR4, 4, &a) ||
	       nla_put_u16(m, GVM_A_PORT, port);
}

int gvm_domain_new(struct gvm_nl *g, uint32_t domain, uint32_t node,
		   const char *ip4, uint16_t port, int connect)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_DOMAIN_NEW, NLM_F_ACK);

	if (!m || nla_put_u32(m, GVM_A_DOMAIN_ID, domain) ||
	    nla_put_u32(m, GVM_A_NODE_ID, node) ||
	    gvm_put_ip4(m, ip4, port) ||
	    (connect >= 0 && nla_put_u8(m, GVM_A_CONNECT, connect))) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return gvm_nl_send(g, m, NULL);
}

int gvm_domain_del(struct gvm_nl *g, uint32_t domain)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_DOMAIN_DEL, NLM_F_ACK);

	if (!m || nla_put_u32(m, GVM_A_DOMAIN_ID, domain)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return gvm_nl_send(g, m, NULL);
}

int gvm_node_add(struct gvm_nl *g, uint32_t domain, uint32_t node,
		 const char *ip4, uint16_t port)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_NODE_ADD, NLM_F_ACK);

	if (!m || nla_put_u32(m, GVM_A_DOMAIN_ID, domain) ||
	    nla_put_u32(m, GVM_A_NODE_ID, node) || gvm_put_ip4(m, ip4, port)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return gvm_nl_send(g, m, NULL);
}

int gvm_domains(struct gvm_nl *g, struct gvm_dump *out)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_DOMAIN_GET, NLM_F_DUMP);

	return m ? gvm_nl_send(g, m, out) : -ENOMEM;
}

int gvm_nodes(struct gvm_nl *g, uint32_t domain, struct gvm_dump *out)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_NODE_GET, NLM_F_DUMP);

	if (!m || nla_put_u32(m, GVM_A_DOMAIN_ID, domain)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return gvm_nl_send(g, m, out);
}

int gvm_regions(struct gvm_nl *g, uint32_t domain, struct gvm_dump *out)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_REGION_GET, NLM_F_DUMP);

	if (!m || (domain && nla_put_u32(m, GVM_A_DOMAIN_ID, domain))) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return gvm_nl_send(g, m, out);
}

/* A region's faults with a latency, and those that asked the network. */
uint64_t gvm_faults_timed(const struct gvm_entry *e)
{
	uint64_t n = 0;
	int b;

	for (b = 0; b < GVM_LAT_BUCKETS; b++)
		n += e->lat[b];
	return n;
}

uint64_t gvm_faults_asked(const struct gvm_entry *e)
{
	return e->rstats[GVM_RSTAT_READ_FAULTS] +
	       e->rstats[GVM_RSTAT_WRITE_FAULTS];
}

/* Events arrive unasked: no sequence numbers to check. */
int gvm_nl_subscribe(struct gvm_nl *g)
{
	int grp = genl_ctrl_resolve_grp(g->sk, GVM_GENL_NAME,
					GVM_GENL_MCGRP_EVENTS);

	if (grp < 0)
		return grp;
	nl_socket_disable_seq_check(g->sk);
	return nl_socket_add_membership(g->sk, grp);
}

static int gvm_event_valid(struct nl_msg *msg, void *arg)
{
	gvm_fill(arg, nlmsg_hdr(msg));
	return NL_STOP;
}

static int gvm_no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

/* The next event within @wait_ms (as is, not scaled). */
static int gvm_nl_recv_event(struct gvm_nl *g, long wait_ms,
			     struct gvm_entry *ev)
{
	struct pollfd p = { .fd = nl_socket_get_fd(g->sk), .events = POLLIN };
	struct nl_cb *cb;
	int ret;

	ret = poll(&p, 1, wait_ms);
	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	ev->cmd = 0;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, gvm_no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, gvm_event_valid, ev);
	ret = nl_recvmsgs(g->sk, cb);
	nl_cb_put(cb);
	return ev->cmd ? 0 : (ret < 0 ? -EIO : -EAGAIN);
}

/* The next event within @timeout_ms (by gvm_ms()): 0, or -ETIMEDOUT. */
int gvm_nl_event(struct gvm_nl *g, int timeout_ms, struct gvm_entry *ev)
{
	return gvm_nl_recv_event(g, gvm_ms(timeout_ms), ev);
}

/*
 * The next event before @end (a gvm_now_ms() time, see gvm_deadline()):
 * 0, or -ETIMEDOUT once @end has passed. What is not an event, and a
 * failed read, is skipped: a caller waits for its event until @end.
 */
int gvm_nl_event_by(struct gvm_nl *g, long end, struct gvm_entry *ev)
{
	long left;

	while ((left = end - gvm_now_ms()) > 0)
		if (!gvm_nl_recv_event(g, left, ev))
			return 0;
	return -ETIMEDOUT;
}
