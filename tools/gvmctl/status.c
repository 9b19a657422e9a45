// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl status: DOMAIN_GET (one domain, or a dump of all in this network
 * namespace), then a NODE_GET and a REGION_GET dump per domain, shown by
 * format.c.
 */
#include <errno.h>
#include <stdlib.h>
#include "format.h"
#include "nl.h"
#include "options.h"
#include "subcommands.h"

static const struct usage usage = {
	.command = "status",
	.synopsis = "status [--domain ID] [-j|--json]",
	.description =
		"Shows the domains of this node, or domain ID, with their\n"
		"members, regions and counters; -j prints one JSON document.\n",
};

/* The kernel's order is its own; ids make the output stable. */
static int domain_cmp(const void *a, const void *b)
{
	const struct gvm_domain_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int node_cmp(const void *a, const void *b)
{
	const struct gvm_node_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int region_cmp(const void *a, const void *b)
{
	const struct gvm_region_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * A kernel from before regions does not know REGION_GET (EOPNOTSUPP, or
 * EINVAL from one that validates commands differently): it has none to
 * show, which is no error.
 */
static int read_regions(struct gvm_nl *nl, struct gvm_domain_info *dom)
{
	int err = gvm_regions_get(nl, dom->id, &dom->regions, &dom->nregions);

	if (err == -EOPNOTSUPP || err == -EINVAL) {
		dom->regions = NULL;
		dom->nregions = 0;
		return 0;
	}
	if (!err)
		qsort(dom->regions, dom->nregions, sizeof(*dom->regions),
		      region_cmp);
	return err;
}

/*
 * Reads the members and the regions of each domain; drops a domain deleted
 * meanwhile, unless it is the @one asked for.
 */
static int read_domains(struct gvm_nl *nl, struct gvm_domain_info *d,
			size_t *n, bool one)
{
	size_t i, kept = 0;
	const char *what;
	int err;

	for (i = 0; i < *n; i++) {
		struct gvm_domain_info *dom = &d[i];

		what = "members";
		err = gvm_nodes_get(nl, dom->id, &dom->nodes, &dom->nnodes);
		if (!err) {
			what = "regions";
			err = read_regions(nl, dom);
			if (err)
				free(dom->nodes);
		}
		if (err == -ENOENT && !one)
			continue;
		if (err) {
			fprintf(stderr, PROG_NAME
				": cannot read the %s of domain %u: %s\n",
				what, dom->id, gvm_nl_error(nl));
			*n = kept;
			return 1;
		}
		qsort(dom->nodes, dom->nnodes, sizeof(*dom->nodes), node_cmp);
		d[kept++] = *dom;
	}
	*n = kept;
	return 0;
}

int status_main(int argc, char *argv[])
{
	struct gvm_domain_info *d = NULL;
	uint32_t domain = 0;
	bool json = false;
	struct gvm_nl *nl;
	int ret;
	size_t n = 0, i;

	ret = options_parse(argc, argv, &usage, &domain, NULL, &json);
	if (ret >= 0)
		return ret;
	ret = 1;
	nl = gvm_nl_open();
	if (!nl)
		return 1;
	if (gvm_domains_get(nl, domain, &d, &n)) {
		if (domain)
			fprintf(stderr, PROG_NAME ": cannot read domain %u: %s\n",
				domain, gvm_nl_error(nl));
		else
			fprintf(stderr, PROG_NAME ": cannot list domains: %s\n",
				gvm_nl_error(nl));
		goto out;
	}
	qsort(d, n, sizeof(*d), domain_cmp);
	if (read_domains(nl, d, &n, domain != 0))
		goto out;
	if (json) {
		status_json(stdout, d, n);
	} else {
		for (i = 0; i < n; i++) {
			if (i)
				putchar('\n');
			status_text(stdout, &d[i]);
		}
	}
	ret = 0;
out:
	for (i = 0; i < n; i++) {
		free(d[i].nodes);
		free(d[i].regions);
	}
	free(d);
	gvm_nl_close(nl);
	return ret;
}
