// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line options. Bad usage (an unknown option, a missing value or
 * argument) prints the reason and the synopsis; a bad value prints only
 * the reason, naming the option and what was given. Both exit 1.
 */
#include <getopt.h>
#include <string.h>
#include "options.h"
#include "parse.h"

void usage_print(FILE *f, const struct usage *u, bool full)
{
	fprintf(f, "Usage: %s %s\n", PROG_NAME, u->synopsis);
	if (full)
		fprintf(f, "\n%s", u->description);
}

bool option_invalid(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, PROG_NAME ": %s %s: %s\n", opt, arg, why);
	return false;
}

bool option_u32(const char *opt, const char *arg, uint32_t min, uint32_t max,
		uint32_t *out)
{
	char err[ERR_MAX];

	if (parse_u32(arg, min, max, out, err, sizeof(err)))
		return true;
	return option_invalid(opt, arg, err);
}

bool option_no_args(const char *command, int argc, char *const argv[])
{
	if (optind >= argc)
		return true;
	fprintf(stderr, PROG_NAME ": %s: unexpected argument \"%s\"\n", command,
		argv[optind]);
	return false;
}

void option_error(const char *command, int c, char *const argv[])
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		fprintf(stderr, PROG_NAME ": %s: option %s needs a value\n",
			command, arg);
	else if (!strncmp(arg, "--", 2))
		fprintf(stderr, PROG_NAME ": %s: invalid option %s\n",
			command, arg);
	else
		fprintf(stderr, PROG_NAME ": %s: invalid option -%c\n",
			command, optopt);
}

int options_parse(int argc, char *argv[], const struct usage *u,
		  uint32_t *domain, const char **config, bool *json)
{
	/* Only what this command takes, so getopt refuses the rest. */
	struct option opts[5] = { { "help", no_argument, NULL, 'h' } };
	char optstring[4] = ":h";
	size_t n = 1;
	int opt;

	if (domain)
		opts[n++] = (struct option){ "domain", required_argument, NULL,
					     'd' };
	if (config)
		opts[n++] = (struct option){ "config", required_argument, NULL,
					     'c' };
	if (json) {
		opts[n++] = (struct option){ "json", no_argument, NULL, 'j' };
		optstring[2] = 'j';
	}
	while ((opt = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (!option_u32("--domain", optarg, DOMAIN_ID_MIN,
					DOMAIN_ID_MAX, domain))
				return 1;
			break;
		case 'c':
			*config = optarg;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			usage_print(stdout, u, true);
			return 0;
		default:
			option_error(u->command, opt, argv);
			goto usage;
		}
	}
	if (option_no_args(u->command, argc, argv))
		return -1;
usage:
	usage_print(stderr, u, false);
	return 1;
}
