// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl monitor: one line per event of the "events" group, flushed as it
 * comes so that a pipe or a log sees it at once, until interrupted.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "format.h"
#include "nl.h"
#include "options.h"
#include "subcommands.h"

static const struct usage usage = {
	.command = "monitor",
	.synopsis = "monitor [-j|--json]",
	.description =
		"Prints membership and region events until interrupted, one\n"
		"line each; -j prints one JSON object per line.\n",
};

static int print_event(const struct gvm_event *ev, void *arg)
{
	const bool *json = arg;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (*json)
		event_json(stdout, &now, ev);
	else
		event_text(stdout, &now, ev);
	return fflush(stdout) == EOF ? errno : 0;
}

int monitor_main(int argc, char *argv[])
{
	bool json = false;
	struct gvm_nl *nl;
	int err;

	err = options_parse(argc, argv, &usage, NULL, NULL, &json);
	if (err >= 0)
		return err;
	nl = gvm_nl_open();
	if (!nl)
		return 1;
	err = gvm_monitor(nl, print_event, &json);
	if (err > 0)
		fprintf(stderr, PROG_NAME ": cannot write events: %s\n",
			strerror(err));
	else
		fprintf(stderr, PROG_NAME ": cannot receive events: %s\n",
			gvm_nl_error(nl));
	gvm_nl_close(nl);
	return 1;
}
