/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for tools/gvmctl/nl.c, so the subcommands run without the
 * module: it logs each request as a line of text and answers from what the
 * test put in fake_nl.
 */
#ifndef _GVMCTL_FAKE_NL_H
#define _GVMCTL_FAKE_NL_H

#include "../../tools/gvmctl/nl.h"

struct fake_nl {
	bool not_loaded;		/* gvm_nl_open() fails as nl.c would */
	unsigned int fail;		/* bit n: request n (from 0) fails */
	int err;			/* ... with this errno */
	const char *why;		/* ... and this extended ACK */
	int signal;			/* raised by request signal_at */
	unsigned int signal_at;
	unsigned int requests;
	char log[1 << 16];

	/* GET answers; every domain has the same members and regions. */
	const struct gvm_domain_info *domains;
	size_t ndomains;
	const struct gvm_node_info *nodes;
	size_t nnodes;
	const struct gvm_region_info *regions;
	size_t nregions;
	uint32_t vanished;		/* its NODE_GET says ENOENT */
	const struct gvm_event *events;	/* then "end of events" */
	size_t nevents;
};

extern struct fake_nl fake_nl;

void fake_nl_reset(void);

#endif /* _GVMCTL_FAKE_NL_H */
