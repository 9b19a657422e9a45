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
 *          more spread over 64 counters in pages 1..64 (8 at a time on
 *          each); waits until both totals reach NODES * INCS (every node
 *          does the same) and prints
 *          "counter N spread N in MS ms"; exits 1 if they do not within
 *          nine minutes, or overshoot;
 *   read   prints "counter N";
 *   write FIRST COUNT
 *          stamps word 1 of pages FIRST.. (FIRST + COUNT - 1), which this
 *          node then owns; prints "wrote FIRST COUNT";
 *   probe PAGE
 *          reads word 1 of PAGE in a child process and prints "probe PAGE
 *          value V in MS ms", or "probe PAGE SIGBUS in MS ms" when the
 *          fault could not be served;
 *   quit   detaches (the node's pages are handed to the others), exits.
 *
 * A fault that cannot be served kills it with SIGBUS, as it should.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gvm_ns.h"

#define PAGE	4096
#define SPREAD	64
/*
 * The spread increments take a counter for BLOCK in a row, as
 * test_region's runs do: with one per page visit every increment would
 * move a page while the VMs run at once (minutes of TCG), and the
 * counts would prove no more.
 */
#define BLOCK	8
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
		__atomic_add_fetch(counter(mem, 1 + i / BLOCK % SPREAD), 1,
				   __ATOMIC_SEQ_CST);
	/*
	 * The others are at it too: wait for their increments. Each look
	 * takes read copies of all 65 pages, which the writers must then
	 * invalidate: look seldom, not to slow down what we wait for.
	 */
	for (;;) {
		totals(mem, &one, &spread);
		if ((one == want && spread == want) || one > want ||
		    spread > want || gvm_now_ms() - start > 540000)
			break;
		usleep(500000);
	}
	printf("counter %llu spread %llu in %ld ms\n",
	       (unsigned long long)one, (unsigned long long)spread,
	       gvm_now_ms() - start);
	fflush(stdout);
	return one == want && spread == want ? 0 : 1;
}

#define PAGES	(BYTES / PAGE)

static uint64_t stamp(uint64_t page)
{
	return 0x5eed0000ULL + page;
}

static uint64_t *word1(uint8_t *mem, uint64_t page)
{
	return (uint64_t *)(mem + page * PAGE) + 1;
}

static void write_pages(uint8_t *mem, uint64_t first, uint64_t count)
{
	uint64_t p;

	for (p = first; p < first + count && p < PAGES; p++)
		__atomic_store_n(word1(mem, p), stamp(p), __ATOMIC_SEQ_CST);
	printf("wrote %llu %llu\n", (unsigned long long)first,
	       (unsigned long long)count);
}

static void probe_page(uint8_t *mem, uint64_t page)
{
	long start = gvm_now_ms();
	int fds[2], status = 0;
	uint64_t v = 0;
	pid_t pid;

	if (page >= PAGES || pipe(fds)) {
		printf("probe %llu failed\n", (unsigned long long)page);
		return;
	}
	pid = fork();
	if (pid == 0) {
		v = __atomic_load_n(word1(mem, page), __ATOMIC_SEQ_CST);
		_exit(write(fds[1], &v, sizeof(v)) != sizeof(v));
	}
	close(fds[1]);
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		printf("probe %llu SIGBUS in %ld ms\n",
		       (unsigned long long)page, gvm_now_ms() - start);
	else if (read(fds[0], &v, sizeof(v)) == sizeof(v))
		printf("probe %llu value %#llx in %ld ms\n",
		       (unsigned long long)page, (unsigned long long)v,
		       gvm_now_ms() - start);
	else
		printf("probe %llu failed\n", (unsigned long long)page);
	close(fds[0]);
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
	unsigned long long a, b;
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
		} else if (sscanf(line, "write %llu %llu", &a, &b) == 2) {
			write_pages(mem, a, b);
		} else if (sscanf(line, "probe %llu", &a) == 1) {
			probe_page(mem, a);
		} else {
			printf("unknown command\n");
		}
		fflush(stdout);
	}
	munmap(mem, BYTES);
	close(fd);
	printf("detached\n");
	return 0;
}
