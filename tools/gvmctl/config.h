/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain to join, from cluster.conf or from options: what DOMAIN_NEW
 * takes plus every member, this node included (its line gives the listen
 * address). The file format is documented in gvmctl(8).
 */
#ifndef _GVMCTL_CONFIG_H
#define _GVMCTL_CONFIG_H

#include <limits.h>
#include <stdio.h>
#include "domain.h"

/*
 * Eager connect watches every member with its own connection and
 * heartbeats; past this many members that costs more than it tells, and
 * connections are better made on first use.
 */
#define EAGER_MAX_MEMBERS	64

struct gvm_cluster {
	uint32_t domain;		/* 0: not given */
	uint32_t self;			/* GVM_NODE_NONE: not given */
	uint32_t heartbeat_ms;		/* 0: the kernel's default */
	uint32_t timeout_ms;		/* 0: the kernel's default */
	int connect;			/* enum gvm_connect, -1: by size */
	char name[GVM_NAME_MAX];
	/* The pre-shared key's file, "": none; relative to cluster.conf's */
	char psk_file[PATH_MAX];
	const char *src;		/* the file being parsed, or NULL */
	struct gvm_member *members;
	size_t nmembers, cap;
	uint32_t *slot;			/* node id -> index in members + 1 */
	/* Where cluster.conf set each directive; 0: it did not. */
	struct {
		unsigned int domain, self, heartbeat, timeout, connect, name;
		unsigned int psk_file;
	} line;
};

void cluster_init(struct gvm_cluster *c);
void cluster_free(struct gvm_cluster *c);
const struct gvm_member *cluster_member(const struct gvm_cluster *c,
					uint32_t id);
/* Refuses an id listed twice; @line 0 means an option. */
bool cluster_add(struct gvm_cluster *c, uint32_t id,
		 const struct gvm_endpoint *ep, unsigned int line, char *err,
		 size_t errlen);
/*
 * What can only be checked once all is known: domain and local node given,
 * the local node a member, timeout above heartbeat, addresses peers can
 * connect to, each used once. @src names cluster.conf in the message, NULL
 * for options.
 */
bool cluster_check(const struct gvm_cluster *c, const char *src, char *err,
		   size_t errlen);
uint8_t cluster_connect(const struct gvm_cluster *c);
/*
 * The command line over cluster.conf: @domain and @node, when given (0 and
 * GVM_NODE_NONE are not), replace the file's, so one file serves every
 * node; messages then no longer blame the file's line for them.
 */
void cluster_override(struct gvm_cluster *c, uint32_t domain, uint32_t node);

/* Read cluster.conf; @err then starts with "FILE:LINE: ". */
bool config_parse(struct gvm_cluster *c, FILE *f, const char *src, char *err,
		  size_t errlen);
bool config_read(struct gvm_cluster *c, const char *path, char *err,
		 size_t errlen);

#endif /* _GVMCTL_CONFIG_H */
