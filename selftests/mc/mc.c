// SPDX-License-Identifier: GPL-2.0
/*
 * Exhaustive model checker of the Ivy engine. It runs the real engine code
 * (kernel/ivy) in a cluster of nodes joined by FIFO channels and explores
 * every interleaving: each access choice of each node, every order of
 * deliveries between different pairs, timers, and in the failure
 * configurations the failure of any node (or two) at any point and the
 * order in which survivors learn of it. States are hashed (64 bits) so each is
 * expanded once. Invariants are checked on every state (cluster.c): one
 * writer, no stale or zero data, and at the end: no deadlock, every fault
 * completed (or failed explicitly after a failure), home and owner agree.
 *
 * Output is TAP, one test per configuration, with the number of states.
 */
#include <time.h>
#include "cluster.h"

struct mc_config {
	const char *name;
	const char *what;
	struct cl_config cl;
};

/*
 * refaults = 1 also explores a page being taken away between a fault's
 * completion and the access it was for; it multiplies the states, so the
 * larger configurations leave it out.
 */
static const struct mc_config configs[] = {
	{ "3n2p2a", "3 nodes x 2 pages, every node two accesses",
	  { .nodes = 3, .pages = 2, .ops = 2, .inv_flat = 8 } },
	{ "3n1p-ask", "3 nodes x 1 page, two accesses, one asked again anywhere",
	  { .nodes = 3, .pages = 1, .ops = 2, .inv_flat = 8, .reask = 1 } },
	{ "2n1p4a", "2 nodes x 1 page, every node four accesses, refaults",
	  { .nodes = 2, .pages = 1, .ops = 4, .inv_flat = 8, .refaults = 1 } },
	{ "3n1p-fail", "3 nodes x 1 page, two accesses, one node fails anywhere",
	  { .nodes = 3, .pages = 1, .ops = 2, .crash = 1, .inv_flat = 8 } },
	{ "3n1p-relay", "3 nodes x 1 page, two accesses, relayed, refaults",
	  { .nodes = 3, .pages = 1, .ops = 2, .inv_flat = 0,
	    .inv_split = 256, .refaults = 1 } },
	{ "3n1p-relay-fail", "3 nodes x 1 page, relayed, one node fails anywhere",
	  { .nodes = 3, .pages = 1, .ops = 2, .crash = 1, .inv_flat = 0,
	    .inv_split = 256 } },
	{ "4n1p-tree", "4 nodes x 1 page, two accesses, invalidation tree",
	  { .nodes = 4, .pages = 1, .ops = 2, .inv_flat = 0,
	    .inv_split = 128 } },
	{ "4n1p-fail", "4 nodes x 1 page, one access each, one node fails anywhere",
	  { .nodes = 4, .pages = 1, .ops = 1, .crash = 1, .inv_flat = 8 } },
	{ "4n2p-fail", "4 nodes x 2 pages, one access each, one node fails anywhere",
	  { .nodes = 4, .pages = 2, .ops = 1, .crash = 1, .inv_flat = 8 } },
	{ "3n1p-fail2", "3 nodes x 1 page, two accesses, two nodes fail anywhere",
	  { .nodes = 3, .pages = 1, .ops = 2, .crash = 2, .inv_flat = 8 } },
	{ "4n1p-fail2", "4 nodes x 1 page, one access each (node 0 reads), two nodes fail anywhere",
	  { .nodes = 4, .pages = 1, .ops = 1, .crash = 2, .inv_flat = 8,
	    .readers = 1 } },
	{ "4n1p-fail2-slot1", "4 nodes x 1 page, one access each (nodes 0, 1 read), two nodes fail anywhere, one rehoming slot",
	  { .nodes = 4, .pages = 1, .ops = 1, .crash = 2, .inv_flat = 8,
	    .readers = 2, .rehome = 1 } },
	{ "3n2p-fail2", "3 nodes x 2 pages, one access each, two nodes fail anywhere",
	  { .nodes = 3, .pages = 2, .ops = 1, .crash = 2, .inv_flat = 8 } },
	{ "3n1p-relay-fail2", "3 nodes x 1 page, two accesses, relayed, two nodes fail anywhere",
	  { .nodes = 3, .pages = 1, .ops = 2, .crash = 2, .inv_flat = 0,
	    .inv_split = 256 } },
	{ "3n1p-ask-fail2", "3 nodes x 1 page, one access each, one asked again, two nodes fail anywhere",
	  { .nodes = 3, .pages = 1, .ops = 1, .crash = 2, .inv_flat = 8,
	    .reask = 1 } },
	{ "3n1p-ahead-fail2", "3 nodes x 1 page, one access each, read ahead once, two nodes fail anywhere",
	  { .nodes = 3, .pages = 1, .ops = 1, .crash = 2, .inv_flat = 8,
	    .ahead = 1 } },
	{ "3n1p-ahead", "3 nodes x 1 page, two accesses, read ahead twice anywhere",
	  { .nodes = 3, .pages = 1, .ops = 2, .inv_flat = 8, .ahead = 2 } },
	{ "3n1p-ahead-fail", "3 nodes x 1 page, one access each, read ahead once, one node fails anywhere",
	  { .nodes = 3, .pages = 1, .ops = 1, .crash = 1, .inv_flat = 8,
	    .ahead = 1 } },
	{ "2n2p-queue", "2 nodes x 2 pages, three accesses, one-slot home queue",
	  { .nodes = 2, .pages = 2, .ops = 3, .inv_flat = 8, .nwaiters = 1 } },
};

#define MC_MAX_DEPTH 400

struct frame {
	u8 *packed;		/* the state, cl_pack()ed */
	struct cl_trans t[CL_MAX_TRANS];
	int n, next;
};

/* Visited states: open addressing over 64-bit hashes (0 = empty). */
static u64 *seen;
static size_t seen_cap, seen_len;

static bool seen_insert(u64 h)
{
	size_t i;

	if (!h)
		h = 1;
	if (2 * (seen_len + 1) > seen_cap) {
		u64 *old = seen;
		size_t old_cap = seen_cap, j;

		seen_cap = seen_cap ? 2 * seen_cap : 1 << 20;
		seen = calloc(seen_cap, sizeof(*seen));
		if (!seen) {
			fprintf(stderr, "mc: out of memory\n");
			exit(2);
		}
		seen_len = 0;
		for (j = 0; j < old_cap; j++)
			if (old[j])
				seen_insert(old[j]);
		free(old);
	}
	for (i = h & (seen_cap - 1); seen[i]; i = (i + 1) & (seen_cap - 1))
		if (seen[i] == h)
			return false;
	seen[i] = h;
	seen_len++;
	return true;
}

static struct cl_state live, before;
static struct frame stack[MC_MAX_DEPTH + 1];

static void print_trace(int depth, const struct cl_trans *last)
{
	char buf[160];
	int i;

	fprintf(stderr, "# trace:\n");
	for (i = 0; i < depth; i++) {
		cl_unpack(&before, stack[i].packed);
		cl_describe(&before, &stack[i].t[stack[i].next - 1], buf,
			    sizeof(buf));
		fprintf(stderr, "#   %3d. %s\n", i + 1, buf);
	}
	if (last) {
		cl_unpack(&before, stack[depth].packed);
		cl_describe(&before, last, buf, sizeof(buf));
		fprintf(stderr, "#   %3d. %s\n", depth + 1, buf);
	}
	fprintf(stderr, "# state:\n");
	cl_dump(&live, stderr);
}

struct mc_result {
	u64 states, transitions, finals;
	int max_depth;
	int violations;
	double seconds;
};

/* live is the state of stack[depth], already packed there. */
static void push(int depth)
{
	stack[depth].n = cl_enabled(&live, stack[depth].t);
	stack[depth].next = 0;
}

static void run(const struct mc_config *c, struct mc_result *r)
{
	struct timespec t0, t1;
	int depth = 0;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	free(seen);
	seen = NULL;
	seen_cap = seen_len = 0;
	cl_setup(&c->cl);
	cl_init(&live);
	if (cl_error[0]) {
		fprintf(stderr, "# %s: %s\n", c->name, cl_error);
		r->violations = 1;
		return;
	}
	for (depth = 0; depth <= MC_MAX_DEPTH; depth++) {
		if (!stack[depth].packed)
			stack[depth].packed = malloc(CL_PACK_MAX);
		if (!stack[depth].packed) {
			fprintf(stderr, "mc: out of memory\n");
			exit(2);
		}
	}
	depth = 0;
	seen_insert(cl_hash(stack[0].packed, cl_pack(&live, stack[0].packed)));
	r->states = 1;
	push(0);

	while (depth >= 0) {
		struct frame *f = &stack[depth];
		const struct cl_trans *t;

		if (f->next >= f->n) {
			depth--;
			continue;
		}
		t = &f->t[f->next++];
		cl_unpack(&live, f->packed);
		r->transitions++;
		if (cl_apply(&live, t)) {
			fprintf(stderr, "# VIOLATION in %s: %s\n", c->name,
				cl_error);
			print_trace(depth, t);
			r->violations++;
			break;
		}
		if (!seen_insert(cl_hash(stack[depth + 1].packed,
					 cl_pack(&live, stack[depth + 1].packed))))
			continue;
		r->states++;
		if (depth + 1 >= MC_MAX_DEPTH) {
			fprintf(stderr, "# VIOLATION in %s: no end after %d steps (livelock?)\n",
				c->name, MC_MAX_DEPTH);
			print_trace(depth, t);
			r->violations++;
			break;
		}
		depth++;
		if (depth > r->max_depth)
			r->max_depth = depth;
		push(depth);
		if (!stack[depth].n) {
			r->finals++;
			if (cl_check_final(&live)) {
				fprintf(stderr, "# VIOLATION in %s: %s\n",
					c->name, cl_error);
				print_trace(depth, NULL);
				r->violations++;
				break;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	const struct mc_config *sel[ARRAY_SIZE(configs)];
	bool excluded[ARRAY_SIZE(configs)] = { false };
	int nsel = 0, i, n, failed = 0;
	bool first = false;
	size_t k;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: mc [--first] all [--except CONFIG]... | mc [--first] CONFIG... | mc --list\n");
		return argc < 2 ? 1 : 0;
	}
	if (!strcmp(argv[1], "--list")) {
		for (k = 0; k < ARRAY_SIZE(configs); k++)
			printf("%-16s %s\n", configs[k].name, configs[k].what);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		bool found = false;

		/* --first: stop at the first configuration with a violation. */
		if (!strcmp(argv[i], "--first")) {
			first = true;
			continue;
		}
		/*
		 * --except CONFIG: leave one out, so make check can run the
		 * largest configuration on the other core.
		 */
		if (!strcmp(argv[i], "--except")) {
			for (k = 0; i + 1 < argc && k < ARRAY_SIZE(configs); k++)
				if (!strcmp(argv[i + 1], configs[k].name))
					excluded[k] = found = true;
			if (!found) {
				fprintf(stderr, "mc: --except needs a known configuration, not '%s' (see mc --list)\n",
					i + 1 < argc ? argv[i + 1] : "");
				return 1;
			}
			i++;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(configs); k++) {
			if (strcmp(argv[i], "all") && strcmp(argv[i], configs[k].name))
				continue;
			if (nsel < (int)ARRAY_SIZE(configs))
				sel[nsel++] = &configs[k];
			found = true;
		}
		if (!found) {
			fprintf(stderr, "mc: unknown configuration '%s' (see mc --list)\n",
				argv[i]);
			return 1;
		}
	}
	for (i = 0, n = 0; i < nsel; i++)
		if (!excluded[sel[i] - configs])
			sel[n++] = sel[i];
	nsel = n;

	printf("TAP version 13\n1..%d\n", nsel);
	for (i = 0; i < nsel; i++) {
		struct mc_result r;

		run(sel[i], &r);
		failed += r.violations != 0;
		printf("%s %d mc %s: %llu states, %llu transitions, %llu final, depth %d, %d violations, %.1f s\n",
		       r.violations ? "not ok" : "ok", i + 1, sel[i]->name,
		       (unsigned long long)r.states,
		       (unsigned long long)r.transitions,
		       (unsigned long long)r.finals, r.max_depth,
		       r.violations, r.seconds);
		fflush(stdout);
		if (first && failed)
			break;
	}
	return failed ? 1 : 0;
}
