// SPDX-License-Identifier: GPL-2.0
/*
 * The "giantvm" generic netlink family. Every input is checked twice: by
 * the policy below (types, lengths, ranges) and by the handlers (what is
 * required, what goes together); each rejection carries an extack message.
 * Changes need CAP_NET_ADMIN over the caller's network namespace; reading
 * is open. Dumps are paged with a cursor in cb->args and flag themselves
 * inconsistent (NLM_F_DUMP_INTR) when the set changed under them.
 */
#include <net/genetlink.h>
#include <net/sock.h>

#include "auth.h"
#include "domain.h"
#include "netlink.h"
#include "region.h"

/* Heartbeat and timeout limits, in ms: wider than the s16 of NLA_POLICY_RANGE. */
static struct netlink_range_validation gvm_heartbeat_range = {
	.min = GVM_HEARTBEAT_MS_MIN, .max = GVM_HEARTBEAT_MS_MAX,
};

static struct netlink_range_validation gvm_timeout_range = {
	.min = GVM_TIMEOUT_MS_MIN, .max = GVM_TIMEOUT_MS_MAX,
};

static const struct nla_policy gvm_policy[GVM_A_MAX + 1] = {
	[GVM_A_DOMAIN_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[GVM_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, GVM_MAX_NODES - 1),
	[GVM_A_ADDR4] = NLA_POLICY_EXACT_LEN(4),
	[GVM_A_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[GVM_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[GVM_A_HEARTBEAT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
						     &gvm_heartbeat_range),
	[GVM_A_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &gvm_timeout_range),
	[GVM_A_CONNECT] = NLA_POLICY_MAX(NLA_U8, GVM_CONNECT_EAGER),
	[GVM_A_NAME] = { .type = NLA_NUL_STRING, .len = GVM_NAME_MAX - 1 },
	/* Replies and events only. */
	[GVM_A_NODE_STATE] = { .type = NLA_REJECT },
	[GVM_A_LAST_RX_MS] = { .type = NLA_REJECT },
	[GVM_A_MEMBERS] = { .type = NLA_REJECT },
	[GVM_A_MEM_BYTES] = { .type = NLA_REJECT },
	[GVM_A_STATS] = { .type = NLA_REJECT },
	[GVM_A_HELLO_REASON] = { .type = NLA_REJECT },
	[GVM_A_REASON] = { .type = NLA_REJECT },
	[GVM_A_REGION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[GVM_A_REGION_BYTES] = { .type = NLA_REJECT },
	[GVM_A_REGION_OWNER] = { .type = NLA_REJECT },
	[GVM_A_REGION_PAGES] = { .type = NLA_REJECT },
	[GVM_A_REGION_STATS] = { .type = NLA_REJECT },
	[GVM_A_FAULT_LAT] = { .type = NLA_REJECT },
	[GVM_A_PFN] = { .type = NLA_REJECT },
	[GVM_A_ERRNO] = { .type = NLA_REJECT },
	[GVM_A_VERSION] = { .type = NLA_REJECT },
	[GVM_A_REGION_CONFLICT] = { .type = NLA_REJECT },
	[GVM_A_PSK] = NLA_POLICY_EXACT_LEN(GVM_PSK_LEN),
	[GVM_A_AUTH] = { .type = NLA_REJECT },
	[GVM_A_REGION_META_BYTES] = { .type = NLA_REJECT },
};

enum { GVM_MCGRP_EVENTS_IDX };

static const struct genl_multicast_group gvm_mcgrps[] = {
	[GVM_MCGRP_EVENTS_IDX] = { .name = GVM_GENL_MCGRP_EVENTS },
};

static struct genl_family gvm_genl_family;
static bool gvm_events_on;

/* ---- input ------------------------------------------------------------ */

/* True when @attr is present; else the extack says @what is missing. */
#define gvm_need(info, attr, what) ({					\
	bool __ok = !GENL_REQ_ATTR_CHECK(info, attr);			\
									\
	if (!__ok)							\
		NL_SET_ERR_MSG((info)->extack, what);			\
	__ok;								\
})

static int gvm_nl_addr(struct genl_info *info, struct gvm_addr *a)
{
	struct nlattr **at = info->attrs;

	memset(a, 0, sizeof(*a));
	if (at[GVM_A_ADDR4] && at[GVM_A_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(info->extack, at[GVM_A_ADDR6],
				    "give GVM_A_ADDR4 or GVM_A_ADDR6, not both");
		return -EINVAL;
	}
	if (at[GVM_A_ADDR4]) {
		a->family = AF_INET;
		a->v4 = nla_get_in_addr(at[GVM_A_ADDR4]);
	} else if (at[GVM_A_ADDR6]) {
		a->family = AF_INET6;
		a->v6 = nla_get_in6_addr(at[GVM_A_ADDR6]);
	} else {
		NL_SET_ERR_MSG(info->extack,
			       "missing address (GVM_A_ADDR4 or GVM_A_ADDR6)");
		return -EINVAL;
	}
	if (!gvm_need(info, GVM_A_PORT, "missing port (GVM_A_PORT)"))
		return -EINVAL;
	a->port = htons(nla_get_u16(at[GVM_A_PORT]));
	return 0;
}

/* ---- output ----------------------------------------------------------- */

static int gvm_put_addr(struct sk_buff *skb, const struct gvm_addr *a)
{
	if (a->family == AF_INET ?
	    nla_put_in_addr(skb, GVM_A_ADDR4, a->v4) :
	    nla_put_in6_addr(skb, GVM_A_ADDR6, &a->v6))
		return -EMSGSIZE;
	return nla_put_u16(skb, GVM_A_PORT, ntohs(a->port));
}

static int gvm_put_stats(struct sk_buff *skb, const u64 *stats)
{
	struct nlattr *nest = nla_nest_start(skb, GVM_A_STATS);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = GVM_STAT_TX_FRAMES; i < __GVM_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, i, stats[i], GVM_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	nla_nest_end(skb, nest);
	return 0;
}

/* With d->lock held. */
static int gvm_fill_domain(struct sk_buff *skb, struct gvm_domain *d,
			   u32 portid, u32 seq, int flags)
{
	u64 stats[__GVM_STAT_MAX];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &gvm_genl_family, flags,
			  GVM_CMD_DOMAIN_GET);
	if (!hdr)
		return -EMSGSIZE;
	gvm_domain_stats(d, stats);
	if (nla_put_u32(skb, GVM_A_DOMAIN_ID, d->id) ||
	    nla_put_u32(skb, GVM_A_NODE_ID, d->self) ||
	    gvm_put_addr(skb, &d->listen) ||
	    nla_put_u32(skb, GVM_A_HEARTBEAT_MS, d->heartbeat_ms) ||
	    nla_put_u32(skb, GVM_A_TIMEOUT_MS, d->timeout_ms) ||
	    nla_put_u8(skb, GVM_A_CONNECT, d->connect) ||
	    (d->name[0] && nla_put_string(skb, GVM_A_NAME, d->name)) ||
	    (d->has_psk && nla_put_u8(skb, GVM_A_AUTH, 1)) ||
	    nla_put_u32(skb, GVM_A_MEMBERS, d->nmembers) ||
	    nla_put_u64_64bit(skb, GVM_A_MEM_BYTES,
			      atomic64_read(&d->mem_bytes), GVM_A_PAD) ||
	    gvm_put_stats(skb, stats))
		goto err;
	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* With d->lock held. */
static int gvm_fill_node(struct sk_buff *skb, struct gvm_domain *d,
			 struct gvm_peer *p, u32 portid, u32 seq, int flags)
{
	u64 stats[__GVM_STAT_MAX];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &gvm_genl_family, flags,
			  GVM_CMD_NODE_GET);
	if (!hdr)
		return -EMSGSIZE;
	gvm_peer_stats(p, stats);
	if (nla_put_u32(skb, GVM_A_DOMAIN_ID, d->id) ||
	    nla_put_u32(skb, GVM_A_NODE_ID, p->id) ||
	    gvm_put_addr(skb, &p->addr) ||
	    nla_put_u8(skb, GVM_A_NODE_STATE, p->state) ||
	    (p->last_rx &&
	     nla_put_u32(skb, GVM_A_LAST_RX_MS,
			 min_t(u64, jiffies64_to_msecs(jiffies - p->last_rx),
			       U32_MAX))) ||
	    gvm_put_stats(skb, stats))
		goto err;
	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- domains ---------------------------------------------------------- */

static int gvm_nl_domain_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **at = info->attrs;
	struct gvm_domain_cfg cfg = {
		.heartbeat_ms = GVM_HEARTBEAT_MS_DEFAULT,
		.timeout_ms = GVM_TIMEOUT_MS_DEFAULT,
		.connect = GVM_CONNECT_EAGER,
	};
	int ret;

	if (!gvm_need(info, GVM_A_DOMAIN_ID, "missing domain id") ||
	    !gvm_need(info, GVM_A_NODE_ID, "missing this node's id"))
		return -EINVAL;
	ret = gvm_nl_addr(info, &cfg.listen);
	if (ret)
		return ret;
	cfg.id = nla_get_u32(at[GVM_A_DOMAIN_ID]);
	cfg.self = nla_get_u32(at[GVM_A_NODE_ID]);
	if (at[GVM_A_HEARTBEAT_MS])
		cfg.heartbeat_ms = nla_get_u32(at[GVM_A_HEARTBEAT_MS]);
	if (at[GVM_A_TIMEOUT_MS])
		cfg.timeout_ms = nla_get_u32(at[GVM_A_TIMEOUT_MS]);
	if (cfg.timeout_ms <= cfg.heartbeat_ms) {
		NL_SET_ERR_MSG_ATTR(info->extack, at[GVM_A_TIMEOUT_MS] ?:
				    at[GVM_A_HEARTBEAT_MS],
				    "timeout must be longer than the heartbeat interval");
		return -EINVAL;
	}
	if (at[GVM_A_CONNECT])
		cfg.connect = nla_get_u8(at[GVM_A_CONNECT]);
	if (at[GVM_A_NAME])
		nla_strscpy(cfg.name, at[GVM_A_NAME], sizeof(cfg.name));
	if (at[GVM_A_PSK]) {
		nla_memcpy(cfg.psk, at[GVM_A_PSK], sizeof(cfg.psk));
		if (!gvm_psk_valid(cfg.psk)) {
			NL_SET_ERR_MSG_ATTR(info->extack, at[GVM_A_PSK],
					    "the pre-shared key is all zeros");
			return -EINVAL;
		}
		cfg.has_psk = true;
	}
	ret = gvm_domain_create(gvm_net(genl_info_net(info)), &cfg,
				info->extack);
	memzero_explicit(&cfg, sizeof(cfg));
	return ret;
}

static int gvm_nl_domain_del(struct sk_buff *skb, struct genl_info *info)
{
	if (!gvm_need(info, GVM_A_DOMAIN_ID, "missing domain id"))
		return -EINVAL;
	return gvm_domain_delete(gvm_net(genl_info_net(info)),
				 nla_get_u32(info->attrs[GVM_A_DOMAIN_ID]),
				 info->extack);
}

/* The domain named by GVM_A_DOMAIN_ID, with gn->lock held. */
static struct gvm_domain *gvm_nl_domain(struct gvm_net *gn,
					struct nlattr **at,
					struct netlink_ext_ack *extack)
{
	struct gvm_domain *d;

	d = gvm_domain_find(gn, nla_get_u32(at[GVM_A_DOMAIN_ID]));
	if (!d)
		NL_SET_ERR_MSG_ATTR(extack, at[GVM_A_DOMAIN_ID],
				    "no such domain in this namespace");
	return d;
}

/* Sends @msg, filled by a GET, or frees it when filling failed. */
static int gvm_nl_reply(struct sk_buff *msg, struct genl_info *info, int ret)
{
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int gvm_nl_domain_get(struct sk_buff *skb, struct genl_info *info)
{
	struct gvm_net *gn = gvm_net(genl_info_net(info));
	struct gvm_domain *d;
	struct sk_buff *msg;
	int ret = -ENOENT;

	if (!gvm_need(info, GVM_A_DOMAIN_ID, "missing domain id"))
		return -EINVAL;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&gn->lock);
	d = gvm_nl_domain(gn, info->attrs, info->extack);
	if (d) {
		mutex_lock(&d->lock);
		ret = gvm_fill_domain(msg, d, info->snd_portid, info->snd_seq,
				      0);
		mutex_unlock(&d->lock);
	}
	mutex_unlock(&gn->lock);
	return gvm_nl_reply(msg, info, ret);
}

/* cb->args[0]: domains already sent. */
static int gvm_nl_domain_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct gvm_net *gn = gvm_net(sock_net(skb->sk));
	struct gvm_domain *d;
	long i = 0;

	mutex_lock(&gn->lock);
	/* Resumed by position: a domain created or deleted meanwhile tears it. */
	cb->seq = atomic_read(&gn->generation);
	list_for_each_entry(d, &gn->domains, node) {
		int ret;

		if (i++ < cb->args[0])
			continue;
		mutex_lock(&d->lock);
		ret = gvm_fill_domain(skb, d, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		mutex_unlock(&d->lock);
		if (ret) {
			i--;
			break;
		}
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	}
	mutex_unlock(&gn->lock);
	cb->args[0] = i;
	return skb->len;
}

/* ---- members ---------------------------------------------------------- */

static int gvm_nl_node_add(struct sk_buff *skb, struct genl_info *info)
{
	struct gvm_net *gn = gvm_net(genl_info_net(info));
	struct gvm_domain *d;
	struct gvm_addr addr;
	int ret;

	if (!gvm_need(info, GVM_A_DOMAIN_ID, "missing domain id") ||
	    !gvm_need(info, GVM_A_NODE_ID, "missing node id"))
		return -EINVAL;
	ret = gvm_nl_addr(info, &addr);
	if (ret)
		return ret;
	mutex_lock(&gn->lock);
	d = gvm_nl_domain(gn, info->attrs, info->extack);
	ret = d ? gvm_member_add(d, nla_get_u32(info->attrs[GVM_A_NODE_ID]),
				 &addr, info->extack) : -ENOENT;
	mutex_unlock(&gn->lock);
	return ret;
}

static int gvm_nl_node_del(struct sk_buff *skb, struct genl_info *info)
{
	struct gvm_net *gn = gvm_net(genl_info_net(info));
	struct gvm_domain *d;
	int ret;

	if (!gvm_need(info, GVM_A_DOMAIN_ID, "missing domain id") ||
	    !gvm_need(info, GVM_A_NODE_ID, "missing node id"))
		return -EINVAL;
	mutex_lock(&gn->lock);
	d = gvm_nl_domain(gn, info->attrs, info->extack);
	ret = d ? gvm_member_del(d, nla_get_u32(info->attrs[GVM_A_NODE_ID]),
				 info->extack) : -ENOENT;
	mutex_unlock(&gn->lock);
	return ret;
}

/*
 * GET of one object of a domain, named by attribute @attr (both checked
 * present by the caller): @fill looks it up (it takes d->lock) and puts it
 * in @msg, or says why not (extack) and returns -ENOENT.
 */
static int gvm_nl_get_one(struct genl_info *info, int attr,
			  int (*fill)(struct sk_buff *msg, struct gvm_domain *d,
				      u32 id, struct genl_info *info))
{
	struct gvm_net *gn = gvm_net(genl_info_net(info));
	struct gvm_domain *d;
	struct sk_buff *msg;
	int ret = -ENOENT;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&gn->lock);
	d = gvm_nl_domain(gn, info->attrs, info->extack);
	if (d)
		ret = fill(msg, d, nla_get_u32(info->attrs[attr]), info);
	mutex_unlock(&gn->lock);
	return gvm_nl_reply(msg, info, ret);
}

static int gvm_nl_node_one(struct sk_buff *msg, struct gvm_domain *d, u32 id,
			   struct genl_info *info)
{
	struct gvm_peer *p;
	int ret = -ENOENT;

	mutex_lock(&d->lock);
	p = xa_load(&d->peers, id);
	if (p)
		ret = gvm_fill_node(msg, d, p, info->snd_portid,
				    info->snd_seq, 0);
	else
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[GVM_A_NODE_ID],
				    "no such member");
	mutex_unlock(&d->lock);
	return ret;
}

static int gvm_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	if (!gvm_need(info, GVM_A_DOMAIN_ID, "missing domain id") ||
	    !gvm_need(info, GVM_A_NODE_ID, "missing node id"))
		return -EINVAL;
	return gvm_nl_get_one(info, GVM_A_NODE_ID, gvm_nl_node_one);
}


/*
 * The members of one domain, one message each. cb->args[0]: the next node
 * id to send; cb->args[1]: set once the last one went out.
 */
static int gvm_nl_node_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct gvm_net *gn = gvm_net(sock_net(skb->sk));
	struct nlattr *at[GVM_A_MAX + 1];
	unsigned long id = cb->args[0];
	struct gvm_domain *d;
	struct gvm_peer *p;
	int ret = 0;

	if (cb->args[1])
		return 0;
	/* Parsed here: the genl dump-info API differs between 6.1 and 6.2. */
	ret = nlmsg_parse(cb->nlh, GENL_HDRLEN, at, GVM_A_MAX, gvm_policy,
			  cb->extack);
	if (ret)
		return ret;
	if (!at[GVM_A_DOMAIN_ID]) {
		NL_SET_ERR_MSG(cb->extack, "missing domain id");
		return -EINVAL;
	}
	mutex_lock(&gn->lock);
	d = gvm_nl_domain(gn, at, cb->extack);
	if (!d) {
		mutex_unlock(&gn->lock);
		return -ENOENT;
	}
	mutex_lock(&d->lock);
	cb->seq = d->generation;
	xa_for_each_start(&d->peers, id, p, cb->args[0]) {
		ret = gvm_fill_node(skb, d, p, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret)
			break;
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	}
	mutex_unlock(&d->lock);
	mutex_unlock(&gn->lock);
	if (ret && !skb->len)
		return ret;		/* one message does not fit at all */
	if (ret)
		cb->args[0] = id;	/* resume with the one that did not fit */
	else
		cb->args[1] = 1;
	return skb->len;
}

/* ---- regions ---------------------------------------------------------- */

/* v[first..n) as a nest of u64s, v[i] as attribute i + shift. */
static int gvm_put_u64s(struct sk_buff *skb, int attr, const u64 *v,
			int first, int n, int shift)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = first; i < n; i++)
		if (nla_put_u64_64bit(skb, i + shift, v[i], GVM_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	nla_nest_end(skb, nest);
	return 0;
}

/* With a reference on @r, without d->lock (its counters take r->lock). */
static int gvm_fill_region(struct sk_buff *skb, struct gvm_domain *d,
			   struct gvm_region *r, u32 portid, u32 seq,
			   int flags)
{
	u64 st[__GVM_RSTAT_MAX], lat[GVM_LAT_BUCKETS];
	char conflict[GVM_CONFLICT_MAX];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &gvm_genl_family, flags,
			  GVM_CMD_REGION_GET);
	if (!hdr)
		return -EMSGSIZE;
	gvm_region_stats(r, st, lat, conflict);
	if (nla_put_u32(skb, GVM_A_DOMAIN_ID, d->id) ||
	    nla_put_u32(skb, GVM_A_REGION_ID, r->id) ||
	    nla_put_u64_64bit(skb, GVM_A_REGION_BYTES,
			      r->npages * GVM_PAGE_SIZE, GVM_A_PAD) ||
	    nla_put_u32(skb, GVM_A_REGION_OWNER, r->owner) ||
	    nla_put_u64_64bit(skb, GVM_A_REGION_PAGES,
			      atomic64_read(&r->pages), GVM_A_PAD) ||
	    nla_put_u32(skb, GVM_A_MEMBERS, r->nmembers) ||
	    nla_put_u64_64bit(skb, GVM_A_REGION_META_BYTES, r->mem_big +
			      atomic64_read(&r->chunk_bytes), GVM_A_PAD) ||
	    gvm_put_u64s(skb, GVM_A_REGION_STATS, st, GVM_RSTAT_READ_FAULTS,
			 __GVM_RSTAT_MAX, 0) ||
	    gvm_put_u64s(skb, GVM_A_FAULT_LAT, lat, 0, GVM_LAT_BUCKETS,
			 GVM_LAT_FIRST) ||
	    (conflict[0] &&
	     nla_put_string(skb, GVM_A_REGION_CONFLICT, conflict)))
		goto err;
	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * A region's counters are read under its mutex, which ranks above d->lock:
 * so the region is filled with a reference, not under d->lock.
 */
static int gvm_nl_region_one(struct sk_buff *msg, struct gvm_domain *d,
			     u32 id, struct genl_info *info)
{
	struct gvm_region *r;
	int ret;

	mutex_lock(&d->lock);
	r = gvm_region_get(d, id);
	mutex_unlock(&d->lock);
	if (!r) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[GVM_A_REGION_ID],
				    "no such region open here");
		return -ENOENT;
	}
	ret = gvm_fill_region(msg, d, r, info->snd_portid, info->snd_seq, 0);
	gvm_region_put(r);
	return ret;
}

static int gvm_nl_region_get(struct sk_buff *skb, struct genl_info *info)
{
	if (!gvm_need(info, GVM_A_DOMAIN_ID, "missing domain id") ||
	    !gvm_need(info, GVM_A_REGION_ID, "missing region id"))
		return -EINVAL;
	return gvm_nl_get_one(info, GVM_A_REGION_ID, gvm_nl_region_one);
}

/*
 * The regions of one domain, or of all. cb->args[0]: domains done,
 * cb->args[1]: the next region id in the current one.
 */
static int gvm_nl_region_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct gvm_net *gn = gvm_net(sock_net(skb->sk));
	struct nlattr *at[GVM_A_MAX + 1];
	struct gvm_domain *d;
	struct gvm_region *r;
	long i = 0;
	int ret;

	ret = nlmsg_parse(cb->nlh, GENL_HDRLEN, at, GVM_A_MAX, gvm_policy,
			  cb->extack);
	if (ret)
		return ret;
	mutex_lock(&gn->lock);
	if (at[GVM_A_DOMAIN_ID] && !gvm_nl_domain(gn, at, cb->extack)) {
		mutex_unlock(&gn->lock);
		return -ENOENT;
	}
	/* Regions opened or closed (or domains) between parts tear it. */
	cb->seq = atomic_read(&gn->generation);
	list_for_each_entry(d, &gn->domains, node) {
		unsigned long id = cb->args[1];

		if (at[GVM_A_DOMAIN_ID] &&
		    d->id != nla_get_u32(at[GVM_A_DOMAIN_ID]))
			continue;
		if (i++ < cb->args[0])
			continue;
		for (;; id++) {
			/* Filled with a reference, not under d->lock: above. */
			mutex_lock(&d->lock);
			r = gvm_region_next(d, &id);
			mutex_unlock(&d->lock);
			if (!r)
				break;
			ret = gvm_fill_region(skb, d, r,
					      NETLINK_CB(cb->skb).portid,
					      cb->nlh->nlmsg_seq, NLM_F_MULTI);
			gvm_region_put(r);
			if (ret)
				break;
			nl_dump_check_consistent(cb, nlmsg_hdr(skb));
		}
		if (ret) {
			/* Resume with the region that did not fit. */
			cb->args[1] = id;
			i--;
			break;
		}
		cb->args[1] = 0;
	}
	mutex_unlock(&gn->lock);
	cb->args[0] = i;
	return skb->len;
}

/* ---- events ----------------------------------------------------------- */

static struct sk_buff *gvm_event_new(struct gvm_domain *d, u8 cmd,
				     void **hdr)
{
	struct sk_buff *skb;

	if (!READ_ONCE(gvm_events_on) ||
	    !genl_has_listeners(&gvm_genl_family, d->net, GVM_MCGRP_EVENTS_IDX))
		return NULL;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &gvm_genl_family, 0, cmd);
	if (!*hdr || nla_put_u32(skb, GVM_A_DOMAIN_ID, d->id)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void gvm_event_send(struct gvm_domain *d, struct sk_buff *skb,
			   void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&gvm_genl_family, d->net, skb, 0,
				GVM_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

void gvm_notify_domain(struct gvm_domain *d, u8 cmd)
{
	void *hdr;
	struct sk_buff *skb = gvm_event_new(d, cmd, &hdr);

	if (skb)
		gvm_event_send(d, skb, hdr,
			       nla_put_u32(skb, GVM_A_NODE_ID, d->self) ||
			       (d->name[0] &&
				nla_put_string(skb, GVM_A_NAME, d->name)));
}

void gvm_notify_node(struct gvm_domain *d, u32 node, u8 cmd,
		     const char *reason)
{
	void *hdr;
	struct sk_buff *skb = gvm_event_new(d, cmd, &hdr);

	if (skb)
		gvm_event_send(d, skb, hdr,
			       nla_put_u32(skb, GVM_A_NODE_ID, node) ||
			       nla_put_string(skb, GVM_A_REASON, reason));
}

void gvm_notify_handshake(struct gvm_domain *d, u32 node, u8 reason,
			  const char *text)
{
	void *hdr;
	struct sk_buff *skb = gvm_event_new(d, GVM_CMD_HANDSHAKE_FAIL, &hdr);

	if (skb)
		gvm_event_send(d, skb, hdr,
			       (node != GVM_NODE_NONE &&
				nla_put_u32(skb, GVM_A_NODE_ID, node)) ||
			       nla_put_u8(skb, GVM_A_HELLO_REASON, reason) ||
			       nla_put_string(skb, GVM_A_REASON, text));
}

void gvm_notify_fault(struct gvm_domain *d, u32 region, u64 pfn, int err,
		      const char *reason)
{
	void *hdr;
	struct sk_buff *skb = gvm_event_new(d, GVM_CMD_FAULT_FAIL, &hdr);

	if (skb)
		gvm_event_send(d, skb, hdr,
			       nla_put_u32(skb, GVM_A_REGION_ID, region) ||
			       nla_put_u64_64bit(skb, GVM_A_PFN, pfn,
						 GVM_A_PAD) ||
			       nla_put_u32(skb, GVM_A_ERRNO, err) ||
			       nla_put_string(skb, GVM_A_REASON, reason));
}

void gvm_notify_region_conflict(struct gvm_domain *d, u32 region, u32 node,
				const char *reason)
{
	void *hdr;
	struct sk_buff *skb = gvm_event_new(d, GVM_CMD_REGION_CONFLICT, &hdr);

	if (skb)
		gvm_event_send(d, skb, hdr,
			       nla_put_u32(skb, GVM_A_REGION_ID, region) ||
			       nla_put_u32(skb, GVM_A_NODE_ID, node) ||
			       nla_put_string(skb, GVM_A_REASON, reason));
}

void gvm_notify_page_lost(struct gvm_domain *d, u32 region, u64 pfn)
{
	void *hdr;
	struct sk_buff *skb = gvm_event_new(d, GVM_CMD_PAGE_LOST, &hdr);

	if (skb)
		gvm_event_send(d, skb, hdr,
			       nla_put_u32(skb, GVM_A_REGION_ID, region) ||
			       nla_put_u64_64bit(skb, GVM_A_PFN, pfn,
						 GVM_A_PAD));
}

/* The module's version, the one its package and modinfo show. */
static int gvm_nl_version_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &gvm_genl_family, 0,
				GVM_CMD_VERSION_GET);
	if (!hdr || nla_put_string(msg, GVM_A_VERSION, GVM_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- the family ------------------------------------------------------- */

static const struct genl_ops gvm_genl_ops[] = {
	{
		.cmd = GVM_CMD_DOMAIN_NEW,
		.doit = gvm_nl_domain_new,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = GVM_CMD_DOMAIN_DEL,
		.doit = gvm_nl_domain_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = GVM_CMD_DOMAIN_GET,
		.doit = gvm_nl_domain_get,
		.dumpit = gvm_nl_domain_dump,
	}, {
		.cmd = GVM_CMD_NODE_ADD,
		.doit = gvm_nl_node_add,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = GVM_CMD_NODE_DEL,
		.doit = gvm_nl_node_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = GVM_CMD_NODE_GET,
		.doit = gvm_nl_node_get,
		.dumpit = gvm_nl_node_dump,
	}, {
		.cmd = GVM_CMD_REGION_GET,
		.doit = gvm_nl_region_get,
		.dumpit = gvm_nl_region_dump,
	}, {
		.cmd = GVM_CMD_VERSION_GET,
		.doit = gvm_nl_version_get,
	},
};

static struct genl_family gvm_genl_family __ro_after_init = {
	.name = GVM_GENL_NAME,
	.version = GVM_GENL_VERSION,
	.maxattr = GVM_A_MAX,
	.policy = gvm_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = gvm_genl_ops,
	.n_ops = ARRAY_SIZE(gvm_genl_ops),
	/*
	 * As DESIGN.md §4 advises for 6.1: all commands below resv_start_op
	 * and no GENL_DONT_VALIDATE_* flag, so attributes parse strictly.
	 */
	.resv_start_op = __GVM_CMD_MAX,
	.mcgrps = gvm_mcgrps,
	.n_mcgrps = ARRAY_SIZE(gvm_mcgrps),
};

int gvm_netlink_init(void)
{
	int ret = genl_register_family(&gvm_genl_family);

	if (!ret)
		WRITE_ONCE(gvm_events_on, true);
	return ret;
}

/* Domains go after this: their teardown must not send events. */
void gvm_netlink_exit(void)
{
	WRITE_ONCE(gvm_events_on, false);
	genl_unregister_family(&gvm_genl_family);
}
