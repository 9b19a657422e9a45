// SPDX-License-Identifier: GPL-2.0
/*
 * gvm-check: waits for what the VM cluster tests expect, so role scripts
 * (busybox sh, no JSON tools) can assert it:
 *
 *   gvm-check up DOMAIN MS          every other member up within MS
 *   gvm-check state DOMAIN NODE STATE MS
 *                                   NODE in STATE (up, down, left, idle,
 *                                   connecting) within MS
 *
 * Prints how long it took; exit 0 when met, 1 when not, 2 on bad use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gvm_nl.h"

static struct gvm_dump dump;

static const char * const states[] = {
	[GVM_NODE_IDLE] = "idle", [GVM_NODE_CONNECTING] = "connecting",
	[GVM_NODE_UP] = "up", [GVM_NODE_DOWN] = "down",
	[GVM_NODE_LEFT] = "left", [GVM_NODE_SELF] = "self",
};

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || *end || !*s || x > UINT32_MAX)
		return -1;
	*v = x;
	return 0;
}

/* 1 when met, 0 when not yet, -1 on error. */
static int met(struct gvm_nl *g, uint32_t domain, int node, int state)
{
	int i, up = 0, others = 0;

	if (gvm_nodes(g, domain, &dump))
		return -1;
	for (i = 0; i < dump.n; i++) {
		if (node >= 0 && dump.e[i].node == (uint32_t)node)
			return dump.e[i].state == state;
		if (node < 0 && dump.e[i].state != GVM_NODE_SELF) {
			others++;
			up += dump.e[i].state == GVM_NODE_UP;
		}
	}
	return node < 0 && others && up == others;
}

static void show(void)
{
	int i;

	for (i = 0; i < dump.n; i++)
		printf("  node %u: %s\n", dump.e[i].node,
		       dump.e[i].state < __GVM_NODE_STATE_MAX ?
		       states[dump.e[i].state] : "?");
}

int main(int argc, char **argv)
{
	uint32_t domain, node = 0, ms, state = GVM_NODE_UP;
	long start = now_ms();
	struct gvm_nl g;
	int r, wanted = -1;

	if (argc == 4 && !strcmp(argv[1], "up")) {
		if (parse_u32(argv[2], &domain) || parse_u32(argv[3], &ms))
			goto usage;
	} else if (argc == 6 && !strcmp(argv[1], "state")) {
		for (state = 0; state < __GVM_NODE_STATE_MAX; state++)
			if (!strcmp(argv[4], states[state]))
				break;
		if (parse_u32(argv[2], &domain) || parse_u32(argv[3], &node) ||
		    state == __GVM_NODE_STATE_MAX || parse_u32(argv[5], &ms))
			goto usage;
		wanted = node;
	} else {
		goto usage;
	}
	if (gvm_nl_open(&g)) {
		fprintf(stderr, "gvm-check: giantvm-kvm is not loaded\n");
		return 1;
	}
	while ((r = met(&g, domain, wanted, state)) == 0 &&
	       now_ms() - start < (long)ms)
		usleep(20000);
	if (r > 0) {
		printf("met after %ld ms\n", now_ms() - start);
		return 0;
	}
	printf("not met after %ld ms%s\n", now_ms() - start,
	       r < 0 ? " (no such domain)" : "");
	show();
	return 1;
usage:
	fprintf(stderr, "usage: gvm-check up DOMAIN MS\n"
		"       gvm-check state DOMAIN NODE up|down|left|idle|connecting MS\n");
	return 2;
}
