// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel engine's headline figures (make bench), in one VM: five nodes
 * in network namespaces gvmns0..4 share a region. Each fault latency is a
 * median over fresh pages, divided by the median round trip of a 16-byte
 * request and a 4 KiB reply over plain kernel TCP between the same two
 * namespaces. Round trips and faults alternate in blocks, so both see the
 * same conditions; timings on these machines are too noisy for anything
 * but ratios.
 *
 * Node 0 owns every page at start; page p's home is node p % 5, so the
 * pages measured (p % 5 == 0) have home and owner at node 0, and node 1
 * faults on them: one round trip, plus invalidations of k sharers
 * (nodes 2..) for writes. Prints "# GVM-BENCH {json}" lines for bench.sh.
 *
 * With --one-cpu every task runs on CPU 0 (and so do the module's workers,
 * queued where the packets arrive): no wake-up crosses vCPUs, which under
 * TCG costs more than the work it wakes, and the ratios compare CPU time
 * alone. Its metrics end in _one_cpu.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gvm_ns.h"

#define NODES		5
#define DOMAIN		8
#define PORT		7300
#define TCP_PORT	7390
#define PAGE		4096
#define SAMPLES		400
#define SEQ_PAGES	4096
/* Measured pages are every NODES-th: SAMPLES of them per series. */
#define SERIES		5
/* Round trips and faults alternate in blocks of this many. */
#define BLOCK		25
#define NPAGES		(SAMPLES * NODES * SERIES + SEQ_PAGES)

static const struct gvm_ns_cfg cfg = {
	.nodes = NODES, .domain = DOMAIN, .port = PORT,
	.heartbeat_ms = 200, .timeout_ms = 2000,
};

static uint8_t *mem[NODES];
static int listen_fd;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return v[n / 2];
}

static const char *suffix = "";

static void emit(const char *metric, double value, const char *unit)
{
	/* A comment line, so the VM runner passes it on. */
	printf("# GVM-BENCH {\"engine\": \"kernel\", \"metric\": \"%s%s\", \"value\": %.3f, \"unit\": \"%s\"}\n",
	       metric, suffix, value, unit);
	fflush(stdout);
}

static int full_io(int fd, void *buf, size_t len, bool out)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = out ? write(fd, (char *)buf + done, len - done) :
				  read(fd, (char *)buf + done, len - done);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/* In namespace 0: answer each 16-byte request with 4 KiB. */
static void *tcp_server(void *arg)
{
	static char reply[PAGE];
	char req[16];
	int fd = accept(listen_fd, NULL, NULL);

	(void)arg;
	if (fd < 0)
		return NULL;
	while (!full_io(fd, req, sizeof(req), false))
		if (full_io(fd, reply, sizeof(reply), true))
			break;
	close(fd);
	return NULL;
}

/* A plain TCP connection from node 1 to node 0's server thread. */
static int tcp_open(pthread_t *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(TCP_PORT) };
	int one = 1, fd;

	if (gvm_enter_ns(0))
		return -1;
	inet_pton(AF_INET, "10.1.0.1", &a.sin_addr);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listen_fd, 1) || pthread_create(t, NULL, tcp_server, NULL))
		return -1;
	if (gvm_enter_ns(1))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	gvm_leave_ns();
	return fd;
}

/* One 16-byte request, one 4 KiB reply: us, or -1. */
static double tcp_rtt(int fd)
{
	static char req[16] = "ping", reply[PAGE];
	double t0 = now_us();

	if (full_io(fd, req, sizeof(req), true) ||
	    full_io(fd, reply, sizeof(reply), false))
		return -1;
	return now_us() - t0;
}

static uint64_t *word(int node, long page)
{
	return (uint64_t *)(mem[node] + page * PAGE);
}

/*
 * Series s: node 1 reads (or writes) SAMPLES pages whose home and owner is
 * node 0, after @sharers other nodes (2..) took read copies. Each fault
 * follows a plain TCP round trip on @fd, so both see the same conditions
 * (which CPU, what else runs): the ratio of their medians, or -1.
 */
static double fault_over_rtt(int fd, int series, bool write, int sharers,
			     double *rtt_all)
{
	static double v[SAMPLES], rtt[SAMPLES];
	int b, i, k;

	for (b = 0; b < SAMPLES; b += BLOCK) {
		for (i = b; i < b + BLOCK; i++) {
			rtt[i] = tcp_rtt(fd);
			if (rtt[i] < 0)
				return -1;
			rtt_all[series * SAMPLES + i] = rtt[i];
		}
		for (i = b; i < b + BLOCK; i++) {
			long p = ((long)series * SAMPLES + i) * NODES;
			double t0;

			for (k = 0; k < sharers; k++)
				(void)__atomic_load_n(word(2 + k, p),
						      __ATOMIC_RELAXED);
			t0 = now_us();
			if (write)
				__atomic_store_n(word(1, p), 1,
						 __ATOMIC_RELAXED);
			else
				(void)__atomic_load_n(word(1, p),
						      __ATOMIC_RELAXED);
			v[i] = now_us() - t0;
		}
	}
	return median(v, SAMPLES) / median(rtt, SAMPLES);
}

/* Node 1 reads SEQ_PAGES consecutive pages it never had: pages/s. */
static double seq_pages_per_s(void)
{
	long first = (long)SAMPLES * NODES * SERIES, p;
	double t0 = now_us();

	for (p = first; p < first + SEQ_PAGES; p++)
		(void)__atomic_load_n(word(1, p), __ATOMIC_RELAXED);
	return SEQ_PAGES / ((now_us() - t0) / 1e6);
}

static int setup(struct gvm_nl *g)
{
	uint64_t bytes = (uint64_t)NPAGES * PAGE;
	int i, fd;

	for (i = 0; i < NODES; i++) {
		if (gvm_enter_ns(i) || gvm_nl_open(&g[i]))
			return -1;
		if (gvm_ns_join(&g[i], i, &cfg)) {
			fprintf(stderr, "node %d: %s\n", i, g[i].extack);
			return -1;
		}
	}
	for (i = 0; i < NODES; i++)
		if (gvm_wait_state(g, &cfg, ((1u << NODES) - 1) & ~(1u << i),
				   i, GVM_NODE_UP, 10000) < 0)
			return -1;
	for (i = 0; i < NODES; i++) {
		gvm_enter_ns(i);
		fd = gvm_region_open(DOMAIN, 1, bytes, GVM_NODE_NONE);
		if (fd < 0) {
			fprintf(stderr, "node %d: region: %s\n", i,
				strerror(-fd));
			return -1;
		}
		mem[i] = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0);
		close(fd);
		if (mem[i] == MAP_FAILED)
			return -1;
	}
	return gvm_leave_ns();
}

int main(int argc, char **argv)
{
	static double rtt_all[SERIES * SAMPLES];
	static struct gvm_nl g[NODES];
	double rd, w0, w1, w3, seq;
	cpu_set_t cpu0;
	pthread_t t;
	int fd, i;

	if (argc == 2 && !strcmp(argv[1], "--one-cpu")) {
		/* Before the server thread, which inherits it. */
		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		if (sched_setaffinity(0, sizeof(cpu0), &cpu0)) {
			perror("bench_region: sched_setaffinity");
			return 1;
		}
		suffix = "_one_cpu";
	} else if (argc != 1) {
		fprintf(stderr, "usage: bench_region [--one-cpu]\n");
		return 1;
	}
	if (setup(g)) {
		fprintf(stderr, "bench_region: setup failed\n");
		return 1;
	}
	fd = tcp_open(&t);
	if (fd < 0) {
		fprintf(stderr, "bench_region: TCP connection failed: %s\n",
			strerror(errno));
		return 1;
	}
	/* Warm up the connection first, as the DSM's links are. */
	for (i = 0; i < 50; i++)
		tcp_rtt(fd);
	rd = fault_over_rtt(fd, 0, false, 0, rtt_all);
	w0 = fault_over_rtt(fd, 1, true, 0, rtt_all);
	w1 = fault_over_rtt(fd, 2, true, 1, rtt_all);
	w3 = fault_over_rtt(fd, 3, true, 3, rtt_all);
	if (rd < 0 || w0 < 0 || w1 < 0 || w3 < 0) {
		fprintf(stderr, "bench_region: TCP round trip failed: %s\n",
			strerror(errno));
		return 1;
	}
	close(fd);
	pthread_join(t, NULL);
	close(listen_fd);
	seq = seq_pages_per_s();
	printf("# %sover the TCP 16 B / 4 KiB round trip (median %.1f us): read fault %.3f; write fault k=0 %.3f, k=1 %.3f, k=3 %.3f; %.0f sequential pages/s\n",
	       *suffix ? "every task on CPU 0, " : "",
	       median(rtt_all, 4 * SAMPLES), rd, w0, w1, w3, seq);
	emit("tcp_rtt_16b_4k_us", median(rtt_all, 4 * SAMPLES), "us");
	emit("read_fault_over_rtt", rd, "x");
	emit("write_fault_over_rtt_k0", w0, "x");
	emit("write_fault_over_rtt_k1", w1, "x");
	emit("write_fault_over_rtt_k3", w3, "x");
	emit("seq_pages_per_s", seq, "pages/s");
	return 0;
}
