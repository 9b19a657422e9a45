// SPDX-License-Identifier: GPL-2.0
/*
 * gvm-counter: shared counters across VMs, for the demo and its checks.
 *
 *   gvm-counter DOMAIN NODES INCS
 *
 * Attaches to region 1 of DOMAIN (1 MiB), prints "attached", then obeys
 * lines on stdin:
 *
 *   go     INCS lock-xadd increments of the counter in page 0, then INCS
 *          more spread over 64 counters in pages 1..64; waits until both
 *          totals reach NODES * INCS (every node does the same) and prints
 *          "counter N spread N in MS ms"; exits 1 if they do not within
 *          four minutes, or overshoot;
 *   read   prints "counter N";
 *   quit   detaches (the node's pages are handed to the others), exits.
 *
 * A fault that cannot be served kills it with SIGBUS, as it should.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "gvm_ns.h"

#define PAGE	4096
#define SPREAD	64
#define BYTES	(1 << 20)

static uint64_t *counter(uint8_t *mem, int i)
{
	return (uint64_t *)(mem + (size_t)i * PAGE);
}

/* The counter in page 0, and the sum of those in pages 1..SPREAD. */
static void totals(uint8_t *mem, uint64_t *one, uint64_t *spread)
{
	int j;

	*one = __atomic_load_n(counter(mem, 0), __ATOMIC_SEQ_CST);
	*spread = 0;
	for (j = 1; j <= SPREAD; j++)
		*spread += __atomic_load_n(counter(mem, j), __ATOMIC_SEQ_CST);
}

static int go(uint8_t *mem, uint64_t nodes, uint64_t incs)
{
	uint64_t want = nodes * incs, one, spread;
	long start = gvm_now_ms();
	uint64_t i;

	for (i = 0; i < incs; i++)
		__atomic_add_fetch(counter(mem, 0), 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < incs; i++)
		__atomic_add_fetch(counter(mem, 1 + i % SPREAD), 1,
				   __ATOMIC_SEQ_CST);
	/* The others are at it too: wait for their increments. */
	for (;;) {
		totals(mem, &one, &spread);
		if ((one == want && spread == want) || one > want ||
		    spread > want || gvm_now_ms() - start > 240000)
			break;
		usleep(20000);
	}
	printf("counter %llu spread %llu in %ld ms\n",
	       (unsigned long long)one, (unsigned long long)spread,
	       gvm_now_ms() - start);
	fflush(stdout);
	return one == want && spread == want ? 0 : 1;
}

static int parse(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || !*s || !*v;
}

int main(int argc, char *argv[])
{
	uint64_t domain, nodes, incs;
	char line[64];
	uint8_t *mem;
	int fd;

	if (argc != 4 || parse(argv[1], &domain) || parse(argv[2], &nodes) ||
	    parse(argv[3], &incs) || domain > UINT32_MAX) {
		fprintf(stderr, "usage: gvm-counter DOMAIN NODES INCS\n");
		return 2;
	}
	fd = gvm_region_open(domain, 1, BYTES, GVM_NODE_NONE);
	if (fd < 0) {
		fprintf(stderr, "gvm-counter: region: %s\n", strerror(-fd));
		return 1;
	}
	mem = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "gvm-counter: mmap: %s\n", strerror(errno));
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "go\n")) {
			if (go(mem, nodes, incs))
				return 1;
		} else if (!strcmp(line, "read\n")) {
			printf("counter %llu\n", (unsigned long long)
			       __atomic_load_n(counter(mem, 0),
					       __ATOMIC_SEQ_CST));
			fflush(stdout);
		} else if (!strcmp(line, "quit\n")) {
			break;
		}
	}
	munmap(mem, BYTES);
	close(fd);
	printf("detached\n");
	return 0;
}
