/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domains and their members. A domain belongs to the network namespace
 * that created it; its members are kept in an xarray by node id, so a
 * domain costs memory in proportion to its members. A member costs a few
 * dozen bytes until it is used: the transport state (struct gvm_link,
 * transport.h) is allocated only when there is a connection to watch.
 */
#ifndef _GVM_DOMAIN_H
#define _GVM_DOMAIN_H

#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/socket.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <linux/giantvm.h>

struct gvm_link;

/* The domains of one network namespace. */
struct gvm_net {
	struct net *net;
	struct mutex lock;		/* domains */
	struct list_head domains;
	atomic_t generation;		/* domains, regions: for dumps */
};

struct gvm_addr {
	sa_family_t family;		/* AF_INET or AF_INET6 */
	__be16 port;
	union {
		__be32 v4;
		struct in6_addr v6;
	};
};

struct gvm_peer {
	u32 id;
	u8 state;			/* enum gvm_node_state */
	struct gvm_addr addr;
	unsigned long last_rx;		/* jiffies, 0: never */
	struct gvm_domain *domain;
	struct gvm_link *link;		/* NULL while idle */
};

struct gvm_stats {
	atomic64_t c[__GVM_STAT_MAX];
};

struct gvm_domain {
	struct list_head node;		/* in gvm_net.domains */
	struct net *net;
	u32 id;
	u32 self;
	char name[GVM_NAME_MAX];
	struct gvm_addr listen;
	u32 heartbeat_ms;
	u32 timeout_ms;
	u8 connect;			/* enum gvm_connect */
	bool has_psk;
	u8 psk[GVM_PSK_LEN];		/* frames are tagged (auth.h) */

	struct mutex lock;		/* everything below */
	struct xarray peers;		/* node id -> struct gvm_peer */
	u32 nmembers;			/* this node included */
	u32 generation;			/* bumped on member changes: dumps */
	bool dying;
	struct socket *listener;
	void (*listener_data_ready)(struct sock *sk);
	struct work_struct accept_work;
	struct list_head pending;	/* accepted, HELLO not yet seen */
	struct list_head dead;		/* connections to release */
	struct list_head push;		/* connections with frames for gvm_push() */
	struct work_struct reap_work;
	struct delayed_work housekeeping;	/* handshake timeouts */
	struct xarray regions;		/* region id -> struct gvm_region */
	u32 nregions;			/* till each is freed: keeps us */
	struct gvm_stats gone;		/* counters of removed members */
	atomic64_t mem_bytes;
};

extern struct workqueue_struct *gvm_wq;

int gvm_domain_init(void);
void gvm_domain_exit(void);
struct gvm_net *gvm_net(struct net *net);

struct gvm_domain_cfg {
	u32 id, self;
	struct gvm_addr listen;
	u32 heartbeat_ms, timeout_ms;
	u8 connect;
	char name[GVM_NAME_MAX];
	bool has_psk;
	u8 psk[GVM_PSK_LEN];
};

int gvm_domain_create(struct gvm_net *gn, const struct gvm_domain_cfg *cfg,
		      struct netlink_ext_ack *extack);
int gvm_domain_delete(struct gvm_net *gn, u32 id,
		      struct netlink_ext_ack *extack);
struct gvm_domain *gvm_domain_find(struct gvm_net *gn, u32 id);
int gvm_member_add(struct gvm_domain *d, u32 id, const struct gvm_addr *addr,
		   struct netlink_ext_ack *extack);
int gvm_member_del(struct gvm_domain *d, u32 id,
		   struct netlink_ext_ack *extack);

/* With d->lock held. */
void gvm_peer_set_state(struct gvm_peer *p, u8 state, const char *why);
void gvm_peer_stats(const struct gvm_peer *p, u64 *out);
void gvm_domain_stats(struct gvm_domain *d, u64 *out);

void *gvm_alloc(struct gvm_domain *d, size_t size, gfp_t gfp);
void gvm_free(struct gvm_domain *d, const void *p, size_t size);
void gvm_mem_count(struct gvm_domain *d, s64 bytes);

#endif /* _GVM_DOMAIN_H */
