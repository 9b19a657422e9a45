// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel engine's headline figures (make bench). Five nodes share a
 * region. Each fault latency is a median over fresh pages, divided by the
 * median round trip of a 16-byte request and a 4 KiB reply over plain
 * kernel TCP between the same two nodes. Round trips and faults alternate
 * in blocks, so both see the same conditions; timings on these machines
 * are too noisy for anything but ratios.
 *
 * Node 0 owns every page at start; page p's home is node p % 5, so the
 * pages measured (p % 5 == 0) have home and owner at node 0, and node 1
 * faults on them: one round trip, plus invalidations of k sharers
 * (nodes 2..), which took their read copies beforehand, for writes.
 * Prints "# GVM-BENCH {json}" lines for bench.sh.
 *
 * Without --vm, the five nodes are network namespaces gvmns0..4 of one VM,
 * all driven by this process. With --one-cpu every task runs on CPU 0
 * (and so do the module's workers, queued where the packets arrive): no
 * wake-up crosses vCPUs, which under TCG costs more than the work it
 * wakes, and the ratios compare CPU time alone. Its metrics end in
 * _one_cpu. With --psk the domains have a pre-shared key, so every frame
 * is tagged and checked (metrics ending in _psk): its cost.
 *
 * With --vm NODE the nodes are five VMs, one vCPU each, joined to domain
 * 8 beforehand (selftests/vm/roles/bench-vms.sh), and this process is node
 * NODE. There, as between hosts, a message's way through the network
 * costs more than the work at either end, and sharers invalidate in
 * parallel on their own CPUs. It opens the region, prints "open" and obeys
 * lines on stdin: "share" (nodes 2..4 take their read copies, then print
 * "shared"), "run" (node 1 measures, then prints "ran"), "quit". Node 0
 * answers the round trips. Its metrics end in _vms.
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
/* VM i is at 10.0.0.(i + 1) (selftests/vm/init.sh). */
#define VM0_ADDR	"10.0.0.1"
#define PAGE		4096
#define SAMPLES		400
#define SEQ_PAGES	4096
/* Measured pages are every NODES-th: SAMPLES of them per series. */
#define SERIES		5
/* Round trips and faults alternate in blocks of this many. */
#define BLOCK		25
#define NPAGES		(SAMPLES * NODES * SERIES + SEQ_PAGES)

/* --psk: every node has this pre-shared key (auth.h's tags on each frame). */
static const uint8_t key[GVM_PSK_LEN] = { 0x42, 0x17 };
static const uint8_t *const keys[NODES] = { key, key, key, key, key };

static struct gvm_ns_cfg cfg = {
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

static const char *suffix = "", *label = "";

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

/* At node 0: answer each 16-byte request with 4 KiB. */
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

static int tcp_addr(struct sockaddr_in *a, const char *ip)
{
	*a = (struct sockaddr_in){ .sin_family = AF_INET,
				   .sin_port = htons(TCP_PORT) };
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

/* Node 0's server thread, for one connection to @ip. */
static int tcp_listen(const char *ip, pthread_t *t)
{
	struct sockaddr_in a;
	int one = 1;

	if (tcp_addr(&a, ip))
		return -1;
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listen_fd, 1) || pthread_create(t, NULL, tcp_server, NULL))
		return -1;
	return 0;
}

/* Node 1's plain TCP connection to node 0's server at @ip. */
static int tcp_connect(const char *ip)
{
	struct sockaddr_in a;
	int one = 1, fd;

	if (tcp_addr(&a, ip))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
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

/* The series measured: node 1 reads, then writes with k = 0, 1, 3. */
#define NSERIES	4
static const struct {
	bool write;
	int sharers;		/* nodes 2.. that hold read copies first */
} series[NSERIES] = { { false, 0 }, { true, 0 }, { true, 1 }, { true, 3 } };

/* Page i of series s: one whose home and owner is node 0. */
static long series_page(int s, int i)
{
	return ((long)s * SAMPLES + i) * NODES;
}

/* Node @node (2..) takes its read copies of the pages of every series. */
static void share(int node)
{
	int s, i;

	for (s = 0; s < NSERIES; s++)
		for (i = 0; node - 2 < series[s].sharers && i < SAMPLES; i++)
			(void)__atomic_load_n(word(node, series_page(s, i)),
					      __ATOMIC_RELAXED);
}

/*
 * Series s: node 1 reads (or writes) its SAMPLES pages. Each block of
 * faults follows a block of plain TCP round trips on @fd, so both see the
 * same conditions (which CPU, what else runs): the ratio of their
 * medians, or -1.
 */
static double fault_over_rtt(int fd, int s, double *rtt_all)
{
	static double v[SAMPLES], rtt[SAMPLES];
	int b, i;

	for (b = 0; b < SAMPLES; b += BLOCK) {
		for (i = b; i < b + BLOCK; i++) {
			rtt[i] = tcp_rtt(fd);
			if (rtt[i] < 0)
				return -1;
			rtt_all[s * SAMPLES + i] = rtt[i];
		}
		for (i = b; i < b + BLOCK; i++) {
			uint64_t *w = word(1, series_page(s, i));
			double t0 = now_us();

			if (series[s].write)
				__atomic_store_n(w, 1, __ATOMIC_RELAXED);
			else
				(void)__atomic_load_n(w, __ATOMIC_RELAXED);
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

/* Node 1, connected to node 0's server by @fd (-1: not): every figure. */
static int measure(int fd)
{
	static double rtt_all[SERIES * SAMPLES];
	double r[NSERIES], seq;
	int i;

	if (fd < 0) {
		fprintf(stderr, "bench_region: TCP connection failed: %s\n",
			strerror(errno));
		return -1;
	}
	/* Warm up the connection first, as the DSM's links are. */
	for (i = 0; i < 50; i++)
		tcp_rtt(fd);
	for (i = 0; i < NSERIES; i++) {
		r[i] = fault_over_rtt(fd, i, rtt_all);
		if (r[i] < 0) {
			fprintf(stderr, "bench_region: TCP round trip failed: %s\n",
				strerror(errno));
			return -1;
		}
	}
	close(fd);
	seq = seq_pages_per_s();
	printf("# %sover the TCP 16 B / 4 KiB round trip (median %.1f us): read fault %.3f; write fault k=0 %.3f, k=1 %.3f, k=3 %.3f; %.0f sequential pages/s\n",
	       label, median(rtt_all, NSERIES * SAMPLES), r[0], r[1], r[2],
	       r[3], seq);
	emit("tcp_rtt_16b_4k_us", median(rtt_all, NSERIES * SAMPLES), "us");
	emit("read_fault_over_rtt", r[0], "x");
	emit("write_fault_over_rtt_k0", r[1], "x");
	emit("write_fault_over_rtt_k1", r[2], "x");
	emit("write_fault_over_rtt_k3", r[3], "x");
	emit("seq_pages_per_s", seq, "pages/s");
	return 0;
}

/* This process's mapping of region 1 as node @node (in its namespace). */
static int map_region(int node)
{
	uint64_t bytes = (uint64_t)NPAGES * PAGE;
	int fd = gvm_region_open(DOMAIN, 1, bytes, GVM_NODE_NONE);

	if (fd < 0) {
		fprintf(stderr, "node %d: region: %s\n", node, strerror(-fd));
		return -1;
	}
	mem[node] = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
	close(fd);
	return mem[node] == MAP_FAILED ? -1 : 0;
}

/* Namespaces: every node joins, then every node maps the region. */
static int setup_ns(struct gvm_nl *g)
{
	int i;

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
	for (i = 0; i < NODES; i++)
		if (gvm_enter_ns(i) || map_region(i))
			return -1;
	return gvm_leave_ns();
}

static int run_ns(void)
{
	static struct gvm_nl g[NODES];
	pthread_t t;
	int fd, i;

	if (setup_ns(g)) {
		fprintf(stderr, "bench_region: setup failed\n");
		return 1;
	}
	for (i = 2; i < NODES; i++)
		share(i);
	fd = -1;
	if (!gvm_enter_ns(0) && !tcp_listen("10.1.0.1", &t) &&
	    !gvm_enter_ns(1))
		fd = tcp_connect("10.1.0.1");
	gvm_leave_ns();
	if (measure(fd))
		return 1;
	pthread_join(t, NULL);
	close(listen_fd);
	return 0;
}

/* One node of five VMs, told what to do on stdin. */
static int run_vm(int node)
{
	char line[64];
	pthread_t t;

	if (map_region(node))
		return 1;
	if (node == 0 && tcp_listen("0.0.0.0", &t)) {
		perror("bench_region: listen");
		return 1;
	}
	printf("open\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) && strcmp(line, "quit\n")) {
		if (!strcmp(line, "share\n") && node >= 2) {
			share(node);
			printf("shared\n");
		} else if (!strcmp(line, "run\n") && node == 1) {
			if (measure(tcp_connect(VM0_ADDR)))
				return 1;
			printf("ran\n");
		} else {
			fprintf(stderr, "bench_region: node %d: bad line: %s",
				node, line);
			return 1;
		}
		fflush(stdout);
	}
	return 0;
}

static int bad_use(void)
{
	fprintf(stderr, "usage: bench_region [--one-cpu] [--psk] | --vm NODE\n");
	return 2;
}

int main(int argc, char **argv)
{
	static char sfx[32], lbl[64];
	bool one_cpu = false, psk = false;
	cpu_set_t cpu0;
	char *end;
	long node;
	int i;

	if (argc == 3 && !strcmp(argv[1], "--vm")) {
		node = strtol(argv[2], &end, 10);
		if (*end || end == argv[2] || node < 0 || node >= NODES)
			return bad_use();
		suffix = "_vms";
		label = "five VMs, ";
		return run_vm(node);
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--one-cpu") && !one_cpu)
			one_cpu = true;
		else if (!strcmp(argv[i], "--psk") && !psk)
			psk = true;
		else
			return bad_use();
	}
	/* Before the server thread, which inherits it. */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (one_cpu && sched_setaffinity(0, sizeof(cpu0), &cpu0)) {
		perror("bench_region: sched_setaffinity");
		return 1;
	}
	if (psk)
		cfg.psk = keys;
	snprintf(sfx, sizeof(sfx), "%s%s", one_cpu ? "_one_cpu" : "",
		 psk ? "_psk" : "");
	snprintf(lbl, sizeof(lbl), "%s%s", one_cpu ? "every task on CPU 0, " : "",
		 psk ? "frames authenticated, " : "");
	suffix = sfx;
	label = lbl;
	return run_ns();
}
