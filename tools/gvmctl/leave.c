// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl leave: DOMAIN_DEL. The kernel tells the connected members that
 * this node leaves, so they mark it "left" rather than wait for a timeout.
 * With --config, the domain is the one cluster.conf joined (as the
 * gvmctl@.service unit stops it).
 */
#include "config.h"
#include "nl.h"
#include "options.h"
#include "parse.h"
#include "subcommands.h"

static const struct usage usage = {
	.command = "leave",
	.synopsis = "leave --domain ID\n"
		    "       gvmctl leave --config FILE [--domain ID]",
	.description =
		"Deletes domain ID from this node; its peers see it leave.\n"
		"With --config, the domain is FILE's (see gvmctl(8));\n"
		"--domain overrides it.\n",
};

/*
 * cluster.conf @path, read whole as join reads it: its domain, unless
 * --domain gave one. False (explained) when the file or the domain fails.
 */
static bool config_domain(const char *path, uint32_t *domain)
{
	struct gvm_cluster c;
	char err[ERR_MAX];
	bool ok = false;

	cluster_init(&c);
	if (!config_read(&c, path, err, sizeof(err))) {
		fprintf(stderr, PROG_NAME ": %s\n", err);
		goto out;
	}
	cluster_override(&c, *domain, GVM_NODE_NONE);
	if (!c.domain) {
		fprintf(stderr, PROG_NAME
			": leave: %s: no domain line, and no --domain\n", path);
		goto out;
	}
	*domain = c.domain;
	ok = true;
out:
	cluster_free(&c);
	return ok;
}

int leave_main(int argc, char *argv[])
{
	const char *config = NULL;
	uint32_t domain = 0;
	struct gvm_nl *nl;
	int ret;

	ret = options_parse(argc, argv, &usage, &domain, &config, NULL);
	if (ret >= 0)
		return ret;
	if (config && !config_domain(config, &domain))
		return 1;
	if (!domain) {
		fprintf(stderr, PROG_NAME ": leave: missing --domain\n");
		usage_print(stderr, &usage, false);
		return 1;
	}
	nl = gvm_nl_open();
	if (!nl)
		return 1;
	ret = gvm_domain_del(nl, domain);
	if (ret)
		fprintf(stderr, PROG_NAME ": cannot leave domain %u: %s\n",
			domain, gvm_nl_error(nl));
	gvm_nl_close(nl);
	return ret ? 1 : 0;
}
