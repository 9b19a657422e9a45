// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl: the control tool of giantvm domains. This file is the table of
 * contents; each subcommand lives in the file of its name and reaches the
 * kernel only through nl.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "domain.h"
#include "nl.h"
#include "subcommands.h"

static const struct {
	const char *name;
	int (*function)(int argc, char *argv[]);
	const char *description;
} subcommands[] = {
	{ "join", join_main, "create a domain on this node and add its members" },
	{ "leave", leave_main, "delete a domain from this node" },
	{ "status", status_main, "show domains, their members, regions and counters" },
	{ "monitor", monitor_main, "print membership and region events as they happen" },
	{ "genpsk", genpsk_main, "print a new pre-shared key for a domain" },
};

static void show_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <command> [<options>]\n\nCommands:\n", PROG_NAME);
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name,
			subcommands[i].description);
	fprintf(f, "  %-8s %s\n", "help", "show this, or a command's options");
	fprintf(f, "\nRun \"%s <command> --help\" for a command's options.\n",
		PROG_NAME);
}

static int run(const char *name, int argc, char *argv[])
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(name, subcommands[i].name))
			return subcommands[i].function(argc, argv);
	fprintf(stderr, PROG_NAME ": unknown command \"%s\"\n", name);
	show_usage(stderr);
	return 1;
}

/* "help COMMAND" is "COMMAND --help". */
static int run_help(int argc, char *argv[])
{
	char opt[] = "--help";
	char *args[3];

	if (argc == 1) {
		show_usage(stdout);
		return 0;
	}
	if (argc > 2) {
		show_usage(stderr);
		return 1;
	}
	args[0] = argv[1];
	args[1] = opt;
	args[2] = NULL;
	return run(argv[1], 2, args);
}

/*
 * Ours, then the module's when it is loaded: asking the family for it
 * would load it, which --version must not do.
 */
static int show_version(void)
{
	char version[GVM_VERSION_MAX];
	struct gvm_nl *nl;
	int err;

	printf("%s %s (netlink family %s version %u)\n", PROG_NAME,
	       GVMCTL_VERSION, GVM_GENL_NAME, GVM_GENL_VERSION);
	if (access("/sys/module/giantvm_kvm", F_OK)) {
		printf("giantvm-kvm not loaded\n");
		return 0;
	}
	nl = gvm_nl_open();
	if (!nl)
		return 1;
	err = gvm_module_version(nl, version);
	if (err)
		fprintf(stderr, PROG_NAME ": cannot read the module's version: %s\n",
			gvm_nl_error(nl));
	else
		printf("giantvm-kvm %s\n", version);
	gvm_nl_close(nl);
	return err ? 1 : 0;
}

int main(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int ret;

	if (!cmd) {
		show_usage(stderr);
		return 1;
	}
	if (!strcmp(cmd, "--version"))
		ret = show_version();
	else if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h"))
		ret = run_help(argc - 1, argv + 1);
	else
		ret = run(cmd, argc - 1, argv + 1);
	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, PROG_NAME ": cannot write output: %s\n",
			strerror(errno));
		return 1;
	}
	return ret;
}
