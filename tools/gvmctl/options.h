/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line options: their errors, printed as "gvmctl: what: why", and
 * the one loop that leave, status and monitor share.
 */
#ifndef _GVMCTL_OPTIONS_H
#define _GVMCTL_OPTIONS_H

#include <stdio.h>
#include "domain.h"

struct usage {
	const char *command;		/* "status" */
	const char *synopsis;		/* after "Usage: gvmctl " */
	const char *description;	/* what --help adds */
};

void usage_print(FILE *f, const struct usage *u, bool full);

/* Print "gvmctl: OPT ARG: why" and return false when @arg is refused. */
bool option_invalid(const char *opt, const char *arg, const char *why);
bool option_u32(const char *opt, const char *arg, uint32_t min, uint32_t max,
		uint32_t *out);
/* After getopt_long(): refuses the arguments that are not options. */
bool option_no_args(const char *command, int argc, char *const argv[]);
/* Explains why getopt_long() returned @c, ':' or '?'. */
void option_error(const char *command, int c, char *const argv[]);

/*
 * Parses --domain ID (when @domain), --config FILE (when @config), -j|--json
 * (when @json) and -h|--help. Returns -1 to go on, or the exit status: 0
 * after --help, 1 after an error (explained, with the synopsis).
 */
int options_parse(int argc, char *argv[], const struct usage *u,
		  uint32_t *domain, const char **config, bool *json);

#endif /* _GVMCTL_OPTIONS_H */
