// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl leave: DOMAIN_DEL. The kernel tells the connected members that
 * this node leaves, so they mark it "left" rather than wait for a timeout.
 */
#include "nl.h"
#include "options.h"
#include "subcommands.h"

static const struct usage usage = {
	.command = "leave",
	.synopsis = "leave --domain ID",
	.description =
		"Deletes domain ID from this node; its peers see it leave.\n",
};

int leave_main(int argc, char *argv[])
{
	uint32_t domain = 0;
	struct gvm_nl *nl;
	int ret;

	ret = options_parse(argc, argv, &usage, &domain, NULL);
	if (ret >= 0)
		return ret;
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
