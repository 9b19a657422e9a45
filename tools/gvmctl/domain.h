/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What gvmctl knows about domains, nodes and regions, as plain C structs.
 * The kernel boundary (nl.h), the cluster.conf parser (config.h) and the
 * output formats (format.h) all speak these, so only nl.c needs libnl and
 * the rest builds and tests without it.
 */
#ifndef _GVMCTL_DOMAIN_H
#define _GVMCTL_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/giantvm.h>

#define PROG_NAME	"gvmctl"
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct gvm_endpoint {
	sa_family_t family;		/* AF_INET or AF_INET6 */
	uint16_t port;			/* host order */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct gvm_member {
	uint32_t id;
	struct gvm_endpoint ep;
	unsigned int line;		/* in cluster.conf; 0: an option */
};

/* A domain as DOMAIN_NEW takes it and DOMAIN_GET reports it. */
struct gvm_domain_info {
	uint32_t id;
	uint32_t self;			/* this node's id */
	struct gvm_endpoint listen;
	uint32_t heartbeat_ms;		/* 0 in a request: the kernel's default */
	uint32_t timeout_ms;		/* 0 in a request: the kernel's default */
	uint8_t connect;		/* enum gvm_connect */
	char name[GVM_NAME_MAX];	/* "": none */
	/* Only in a request: the pre-shared key, when has_psk */
	bool has_psk;
	uint8_t psk[GVM_PSK_LEN];
	/* Only in replies: */
	bool auth;			/* the domain has a pre-shared key */
	uint32_t members;
	uint64_t mem_bytes;
	uint64_t stats[__GVM_STAT_MAX];	/* indexed by enum gvm_stat */
	/* Filled by "status" from a NODE_GET and a REGION_GET dump. */
	struct gvm_node_info *nodes;
	size_t nnodes;
	struct gvm_region_info *regions;
	size_t nregions;
};

/* One member as NODE_GET reports it. */
struct gvm_node_info {
	uint32_t id;
	struct gvm_endpoint ep;
	uint8_t state;			/* enum gvm_node_state */
	bool heard;			/* false: never heard from */
	uint32_t last_rx_ms;		/* how long ago, when heard */
	uint64_t stats[__GVM_STAT_MAX];
};

/* One region as REGION_GET reports it: this node's view of it. */
struct gvm_region_info {
	uint32_t id;
	uint64_t bytes;
	uint32_t owner;			/* at start; GVM_NODE_NONE: absent */
	uint32_t members;
	uint64_t pages;			/* allocated on this node */
	uint64_t meta_bytes;		/* to track them; 0: not reported */
	char conflict[128];		/* "": in service */
	uint64_t stats[__GVM_RSTAT_MAX];	/* indexed by enum gvm_rstat */
	/* lat[i]: faults that took [2^i, 2^(i+1)) us, as GVM_A_FAULT_LAT */
	uint64_t lat[GVM_LAT_BUCKETS];
};

/* A message of the "events" multicast group. */
struct gvm_event {
	uint8_t cmd;			/* enum gvm_cmd */
	uint32_t domain;		/* 0: absent */
	uint32_t node;			/* GVM_NODE_NONE: absent */
	int hello_reason;		/* enum gvm_hello_reason, -1: absent */
	char reason[256];		/* "": absent */
	uint32_t region;		/* 0: absent */
	uint64_t pfn;			/* page in the region, UINT64_MAX: absent */
	uint32_t error;			/* positive errno, 0: absent */
};

#endif /* _GVMCTL_DOMAIN_H */
