// SPDX-License-Identifier: GPL-2.0
/*
 * Coherent regions: three nodes in one kernel (namespaces gvmns0..2, see
 * gvm_ns.h), each mapping the same region through its own domain, so one
 * process holds all three nodes' views and a thread per node stands for
 * that node's CPU. Every access crosses the real protocol over TCP.
 *
 * Checked: data written on one node is read on the others; lock xadd on
 * shared counters from every node adds up exactly; a cmpxchg lock keeps a
 * critical section to one node at a time; random reads and exchanges over
 * 4,096 pages form a linearizable history per page; a failed owner's
 * pages fault with SIGBUS and an event (never zeros) while the others go
 * on, a fault waiting for one holds up no mmap of its process, and many
 * failing at once fail once each; a node that opens a region other than
 * the others did (size, initial owner or members), or again after leaving
 * it, is refused loudly, and of two that do so at the same moment exactly
 * one; a region closed everywhere opens again under its id, afresh; a home
 * that opens a region late serves at once who asked it before; every bad
 * ioctl and mmap is refused with its errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gvm_harness.h"
#include "gvm_ns.h"

#define NODES		3
#define DOMAIN		7
#define PORT		7200
#define HEARTBEAT_MS	200
#define TIMEOUT_MS	1000
#define PAGE		4096
#define NPAGES		4096
#define BYTES		((uint64_t)NPAGES * PAGE)

static const struct gvm_ns_cfg cfg = {
	.nodes = NODES, .domain = DOMAIN, .port = PORT,
	.heartbeat_ms = HEARTBEAT_MS, .timeout_ms = TIMEOUT_MS,
};

static struct gvm_dump dump;
/* The nodes' views of the region, for the threads. */
static uint8_t *mem[NODES];

FIXTURE(dsm) {
	struct gvm_nl g[NODES], ev[NODES];
	int fd[NODES];
};

FIXTURE_SETUP(dsm)
{
	int i;

	for (i = 0; i < NODES; i++)
		self->fd[i] = -1;
	for (i = 0; i < NODES; i++) {
		ASSERT_EQ(0, gvm_enter_ns(i)) TH_LOG("no namespace gvmns%d", i);
		ASSERT_EQ(0, gvm_nl_open(&self->g[i]));
		/* Left behind by a test that died: its regions went with it. */
		gvm_domain_del(&self->g[i], DOMAIN);
		ASSERT_EQ(0, gvm_nl_open(&self->ev[i]));
		ASSERT_EQ(0, gvm_nl_subscribe(&self->ev[i]));
		ASSERT_EQ(0, gvm_ns_join(&self->g[i], i, &cfg))
			TH_LOG("node %d: %s", i, self->g[i].extack);
	}
	for (i = 0; i < NODES; i++)
		ASSERT_LE(0, gvm_wait_state(self->g, &cfg, 7 & ~(1u << i), i,
					    GVM_NODE_UP, 5000));
	/* Every node attaches before anyone touches a page. */
	for (i = 0; i < NODES; i++) {
		ASSERT_EQ(0, gvm_enter_ns(i));
		self->fd[i] = gvm_region_open(DOMAIN, 1, BYTES, GVM_NODE_NONE);
		ASSERT_LE(0, self->fd[i])
			TH_LOG("node %d: %s", i, strerror(-self->fd[i]));
		mem[i] = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
			      self->fd[i], 0);
		ASSERT_NE(MAP_FAILED, mem[i]);
	}
	ASSERT_EQ(0, gvm_leave_ns());
}

FIXTURE_TEARDOWN(dsm)
{
	int i;

	for (i = 0; i < NODES; i++) {
		if (self->fd[i] >= 0) {
			munmap(mem[i], BYTES);
			close(self->fd[i]);
		}
		gvm_domain_del(&self->g[i], DOMAIN);
		gvm_nl_close(&self->g[i]);
		gvm_nl_close(&self->ev[i]);
	}
	gvm_link_set(2, true);
	gvm_link_set(1, true);
}

static void *(*node_fn)(void *);
static int ready;

/* Each node's thread starts when all are there, so they overlap. */
static void *node_start(void *arg)
{
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < NODES)
		sched_yield();
	return node_fn(arg);
}

/* Runs fn(node) on one thread per node, all at once. */
static void run_nodes(void *(*fn)(void *))
{
	pthread_t t[NODES];
	long i;

	node_fn = fn;
	ready = 0;
	for (i = 0; i < NODES; i++)
		pthread_create(&t[i], NULL, node_start, (void *)i);
	for (i = 0; i < NODES; i++)
		pthread_join(t[i], NULL);
}

static uint64_t *word(int node, int page, int index)
{
	return (uint64_t *)(mem[node] + (size_t)page * PAGE) + index;
}

TEST_F(dsm, written_on_one_read_on_all)
{
	uint8_t want[PAGE];
	uint64_t meta;
	int p, n;

	/* Fault by fault, as counted below: no read-ahead. */
	for (n = 1; n < NODES; n++)
		ASSERT_EQ(0, madvise(mem[n], BYTES, MADV_RANDOM));
	for (p = 0; p < 16; p++)
		memset(mem[0] + p * PAGE, p + 1, PAGE);
	for (p = 0; p < 16; p++) {
		memset(want, p + 1, PAGE);
		for (n = 1; n < NODES; n++)
			ASSERT_EQ(0, memcmp(want, mem[n] + p * PAGE, PAGE))
				TH_LOG("node %d, page %d", n, p);
	}
	/* Node 1 writes; nodes 0 and 2 see it, and the rest of the page. */
	mem[1][3 * PAGE + 5] = 0x55;
	EXPECT_EQ(0x55, mem[0][3 * PAGE + 5]);
	EXPECT_EQ(0x55, mem[2][3 * PAGE + 5]);
	EXPECT_EQ(4, mem[2][3 * PAGE + 6]);
	/* A page nobody wrote is zero at its owner, so everywhere. */
	EXPECT_EQ(0, *word(2, 1000, 7));

	ASSERT_EQ(0, gvm_regions(&self->g[2], DOMAIN, &dump));
	ASSERT_EQ(1, dump.n);
	EXPECT_EQ(1, dump.e[0].region);
	EXPECT_EQ(BYTES, dump.e[0].region_bytes);
	EXPECT_EQ(NODES, dump.e[0].members);
	/*
	 * What the node keeps to track pages (README, gvmctl(8)): 112 bytes
	 * for each page it used or was asked about, in chunks, not for the
	 * whole region; three bits for every page. Node 2 used 17.
	 */
	meta = dump.e[0].region_meta;
	gvm_report("%llu bytes to track %d pages, 17 of them used\n",
		   (unsigned long long)meta, NPAGES);
	EXPECT_LE(17 * 112ULL + 3 * NPAGES / 8, meta);
	EXPECT_GT(NPAGES * 112ULL / 8, meta);
	EXPECT_LE(16, dump.e[0].rstats[GVM_RSTAT_READ_FAULTS]);
	EXPECT_LE(17, dump.e[0].rstats[GVM_RSTAT_PAGES_IN]);
	EXPECT_LE(1, dump.e[0].rstats[GVM_RSTAT_INV_RECEIVED]);
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS]);
	/* Each fault counted once: node 2 asked for all, node 0 had 16. */
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_LOCAL_FAULTS]);
	ASSERT_EQ(0, gvm_regions(&self->g[0], DOMAIN, &dump));
	EXPECT_EQ(16, dump.e[0].rstats[GVM_RSTAT_LOCAL_FAULTS]);
	/* And each that asked, with its latency. */
	for (n = 0; n < NODES; n++) {
		ASSERT_EQ(0, gvm_regions(&self->g[n], DOMAIN, &dump));
		EXPECT_EQ(gvm_faults_asked(&dump.e[0]),
			  gvm_faults_timed(&dump.e[0])) TH_LOG("node %d", n);
	}
	/* It grows with the pages used, and counts in the domain's memory. */
	for (p = 2000; p < 2100; p++)
		ASSERT_EQ(0, *word(2, p, 0));
	ASSERT_EQ(0, gvm_regions(&self->g[2], DOMAIN, &dump));
	gvm_report("%llu bytes after 100 more\n",
		   (unsigned long long)dump.e[0].region_meta);
	EXPECT_LE(meta + 100 * 112ULL, dump.e[0].region_meta);
	meta = dump.e[0].region_meta;
	ASSERT_EQ(0, gvm_domains(&self->g[2], &dump));
	EXPECT_LE(meta, dump.e[0].mem_bytes);
}

/* ---- read-ahead ------------------------------------------------------- */

#define RA_FIRST	200
#define RA_PAGES	256

static uint64_t ra_stamp(int page, int round)
{
	return 0xa4ead00000000000ULL | (uint64_t)round << 32 | page;
}

static void ra_counts(struct __test_metadata *_metadata,
		      FIXTURE_DATA(dsm) * self, int n, uint64_t *ahead,
		      uint64_t *faults)
{
	ASSERT_EQ(0, gvm_regions(&self->g[n], DOMAIN, &dump));
	ASSERT_EQ(1, dump.n);
	*ahead = dump.e[0].rstats[GVM_RSTAT_READ_AHEAD];
	*faults = dump.e[0].rstats[GVM_RSTAT_READ_FAULTS] +
		  dump.e[0].rstats[GVM_RSTAT_LOCAL_FAULTS];
	/* A fault that waited for a read-ahead is timed as any other. */
	EXPECT_EQ(gvm_faults_asked(&dump.e[0]), gvm_faults_timed(&dump.e[0]))
		TH_LOG("node %d", n);
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS]);
}

TEST_F(dsm, sequential_reads_are_read_ahead_and_stay_coherent)
{
	uint64_t ahead, faults, ahead2, faults2;
	int p, round;

	for (round = 0; round < 2; round++) {
		/* Node 0 (the owner) writes; node 1 reads front to back. */
		for (p = RA_FIRST; p < RA_FIRST + RA_PAGES; p++)
			*word(0, p, 3) = ra_stamp(p, round);
		for (p = RA_FIRST; p < RA_FIRST + RA_PAGES; p++)
			ASSERT_EQ(ra_stamp(p, round), *word(1, p, 3))
				TH_LOG("round %d page %d", round, p);
	}
	/*
	 * Most pages were asked for before their fault, both times: the
	 * second round read again what node 0's writes took away. Each
	 * fault is counted once, asked, joined or found.
	 */
	ra_counts(_metadata, self, 1, &ahead, &faults);
	EXPECT_LE(RA_PAGES, ahead);
	EXPECT_EQ(2 * RA_PAGES, faults);
	gvm_report("node 1 read %d pages twice: %llu of them read ahead\n",
		   RA_PAGES, (unsigned long long)ahead);

	/* A copy read ahead, touched or not, is taken by a write. */
	for (p = 1000; p < 1003; p++)
		ASSERT_EQ(0, *word(1, p, 0));
	ra_counts(_metadata, self, 1, &ahead2, &faults2);
	ASSERT_LT(ahead, ahead2);
	*word(2, 1004, 0) = 77;
	*word(2, 1002, 0) = 78;
	EXPECT_EQ(77, *word(1, 1004, 0));
	EXPECT_EQ(78, *word(1, 1002, 0));

	/* MADV_RANDOM: each fault asks for its page alone. */
	ra_counts(_metadata, self, 2, &ahead, &faults);
	ASSERT_EQ(0, madvise(mem[2], BYTES, MADV_RANDOM));
	for (p = 2000; p < 2064; p++)
		ASSERT_EQ(0, *word(2, p, 0));
	ra_counts(_metadata, self, 2, &ahead2, &faults2);
	EXPECT_EQ(ahead, ahead2);
	EXPECT_EQ(faults + 64, faults2);
}

/* ---- atomics ---------------------------------------------------------- */

#define INCS		10000
#define RUNS		10
#define SPREAD		64
/*
 * The spread runs take a counter for BLOCK increments in a row. One
 * increment per page visit makes every increment a page move whenever
 * the nodes run at once: up to 30,000 moves a run, which on these
 * machines is up to 150 s, so that worst case gets one shorter run of
 * its own (PINGPONG_INCS per node).
 */
#define BLOCK		8
#define PINGPONG_INCS	2000
static int run, spread_block, spread_incs;

static void *xadd_one(void *arg)
{
	long n = (long)arg;
	int i;

	for (i = 0; i < INCS; i++)
		__atomic_fetch_add(word(n, 10 + run, 0), 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * The counter that node n's i-th spread increment goes to. The nodes start
 * a third of the way round apart, so several pages are in flight at once.
 */
static int spread_counter(long n, int i)
{
	return (i / spread_block + n * SPREAD / NODES) % SPREAD;
}

static uint64_t *spread_word(int node, int k)
{
	return word(node, 100 + run * SPREAD + k, k % 8);
}

static void *xadd_spread(void *arg)
{
	long n = (long)arg;
	int i;

	for (i = 0; i < spread_incs; i++)
		__atomic_fetch_add(spread_word(n, spread_counter(n, i)), 1,
				   __ATOMIC_SEQ_CST);
	return NULL;
}

/* Every node reads every spread counter of this run exactly. */
static void check_spread(struct __test_metadata *_metadata)
{
	uint64_t want[SPREAD] = { 0 };
	int n, i, k;

	for (n = 0; n < NODES; n++)
		for (i = 0; i < spread_incs; i++)
			want[spread_counter(n, i)]++;
	for (n = 0; n < NODES; n++)
		for (k = 0; k < SPREAD; k++)
			ASSERT_EQ(want[k], *spread_word(n, k))
				TH_LOG("run %d, node %d, counter %d", run, n,
				       k);
}

/* Write faults that asked the network, on every node so far. */
static uint64_t transfers(FIXTURE_DATA(dsm) * self)
{
	uint64_t sum = 0;
	int n;

	for (n = 0; n < NODES; n++)
		if (!gvm_regions(&self->g[n], DOMAIN, &dump) && dump.n == 1)
			sum += dump.e[0].rstats[GVM_RSTAT_WRITE_FAULTS];
	return sum;
}

/*
 * RUNS runs, or fewer when GVM_XADD_RUNS says so: make check runs all
 * of them on its first kernel and fewer on the second, for time.
 */
TEST_F_TIMEOUT(dsm, lock_xadd_from_every_node_is_exact, 900)
{
	long start = gvm_now_ms(), one = 0, spread = 0, pingpong;
	uint64_t moves = transfers(self), pp_moves;
	int n, runs = gvm_env_num("GVM_XADD_RUNS", RUNS, RUNS);

	ASSERT_LT(0, runs) TH_LOG("GVM_XADD_RUNS: 1 to %d, not '%s'", RUNS,
				  getenv("GVM_XADD_RUNS"));
	spread_block = BLOCK;
	spread_incs = INCS;
	for (run = 0; run < runs; run++) {
		long t = gvm_now_ms();

		run_nodes(xadd_one);
		one += gvm_now_ms() - t;
		t = gvm_now_ms();
		run_nodes(xadd_spread);
		spread += gvm_now_ms() - t;
		for (n = 0; n < NODES; n++)
			ASSERT_EQ(NODES * INCS, *word(n, 10 + run, 0))
				TH_LOG("run %d, node %d", run, n);
		check_spread(_metadata);
	}
	moves = transfers(self) - moves;
	/* Each counter page went to every node at least once. */
	EXPECT_LE((NODES - 1) * runs * (1 + SPREAD), moves);

	/* The worst case: a page moves for each increment. */
	pp_moves = transfers(self);
	pingpong = gvm_now_ms();
	spread_block = 1;
	spread_incs = PINGPONG_INCS;
	run_nodes(xadd_spread);
	pingpong = gvm_now_ms() - pingpong;
	check_spread(_metadata);
	pp_moves = transfers(self) - pp_moves;
	gvm_report("%d runs of %d x %d increments: %ld ms on one counter, %ld ms over %d pages in blocks of %d (%lu pages moved for a write); %d x %d one per page: %ld ms (%lu moved); %ld ms in all\n",
		   runs, NODES, INCS, one, spread, SPREAD, BLOCK, moves,
		   NODES, PINGPONG_INCS, pingpong, pp_moves,
		   gvm_now_ms() - start);
	EXPECT_LE((NODES - 1) * SPREAD, pp_moves);
}

/* ---- a lock ----------------------------------------------------------- */

#define ACQUIRES	2000
#define LOCK_PAGE	2000
static int violations;

static void *lock_user(void *arg)
{
	long n = (long)arg;
	uint32_t *lock = (uint32_t *)word(n, LOCK_PAGE, 0);
	uint64_t *inside = word(n, LOCK_PAGE + 1, 0);
	uint64_t *data = word(n, LOCK_PAGE + 2, 0);
	int spin;
	int i;

	for (i = 0; i < ACQUIRES; i++) {
		uint32_t free = 0;

		/* Test, then test-and-set: waiting readers share the page. */
		while (__atomic_load_n(lock, __ATOMIC_RELAXED) ||
		       !__atomic_compare_exchange_n(lock, &free, 1, false,
						    __ATOMIC_ACQUIRE,
						    __ATOMIC_RELAXED)) {
			free = 0;
			sched_yield();
		}
		if (__atomic_add_fetch(inside, 1, __ATOMIC_SEQ_CST) != 1)
			__atomic_add_fetch(&violations, 1, __ATOMIC_SEQ_CST);
		/* Load and store, not atomic: the lock protects it. */
		__atomic_store_n(data, __atomic_load_n(data, __ATOMIC_RELAXED) + 1,
				 __ATOMIC_RELAXED);
		__atomic_sub_fetch(inside, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
		/* Some work outside, so the others get their turns. */
		for (spin = 0; spin < 2000; spin++)
			__asm__ __volatile__("" ::: "memory");
	}
	return NULL;
}

TEST_F(dsm, cmpxchg_lock_keeps_one_node_inside)
{
	long start = gvm_now_ms();
	uint64_t moves = transfers(self);
	int n;

	run_nodes(lock_user);
	moves = transfers(self) - moves;
	EXPECT_EQ(0, violations);
	for (n = 0; n < NODES; n++)
		EXPECT_EQ(NODES * ACQUIRES, *word(n, LOCK_PAGE + 2, 0));
	gvm_report("%d x %d lock acquisitions: %ld ms, %lu pages moved for a write\n",
		   NODES, ACQUIRES, gvm_now_ms() - start, moves);
	EXPECT_LE(3 * (NODES - 1), moves);
}

/* ---- random reads and exchanges: a linearizable history per page ------ */

#define OPS		4000
#define HOT		16	/* half the operations go to these pages */

struct op {
	uint64_t ts, te;	/* a shared logical clock around it */
	uint64_t val;		/* written (new value) or read */
	uint64_t old;		/* writes: the value it replaced */
	uint32_t page;
	uint8_t write;
};

static struct op ops[NODES][OPS];
static uint64_t clock_now, next_id;

static uint64_t tick(void)
{
	return __atomic_add_fetch(&clock_now, 1, __ATOMIC_SEQ_CST);
}

static void *random_ops(void *arg)
{
	long n = (long)arg;
	unsigned int seed = 1234 + n;
	int i;

	for (i = 0; i < OPS; i++) {
		struct op *o = &ops[n][i];
		uint64_t *w;

		o->page = rand_r(&seed) % 2 ? rand_r(&seed) % HOT :
					       rand_r(&seed) % NPAGES;
		o->write = rand_r(&seed) % 2;
		w = word(n, o->page, 0);
		if (o->write)
			o->val = __atomic_add_fetch(&next_id, 1,
						    __ATOMIC_SEQ_CST);
		o->ts = tick();
		if (o->write)
			o->old = __atomic_exchange_n(w, o->val,
						     __ATOMIC_SEQ_CST);
		else
			o->val = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		o->te = tick();
	}
	return NULL;
}

static struct op *by_val[NODES * OPS + 1];	/* write id -> its write */
static int64_t pos[NODES * OPS + 1];		/* its place in the chain */

/*
 * Each exchange names the write it replaced, so a page's writes form one
 * chain from 0: a fork is a lost update, a gap a write that vanished. A
 * write or read that started after another ended must not come before
 * it; a read returns 0 or a written value, at or after every write that
 * ended before the read began, and never one that began after it ended.
 */
static int check_history(struct __test_metadata *_metadata)
{
	static struct op *next[NODES * OPS + 1];
	int bad = 0, n, i, m, j;
	uint64_t v;

	memset(next, 0, sizeof(next));
	for (n = 0; n < NODES; n++)
		for (i = 0; i < OPS; i++)
			if (ops[n][i].write)
				by_val[ops[n][i].val] = &ops[n][i];
	for (n = 0; n < NODES; n++)
		for (i = 0; i < OPS; i++) {
			struct op *o = &ops[n][i];

			if (!o->write)
				continue;
			if (o->old && (o->old > NODES * OPS || !by_val[o->old] ||
				       by_val[o->old]->page != o->page)) {
				TH_LOG("page %u: write %lu replaced %lu, never written there",
				       o->page, o->val, o->old);
				bad++;
				continue;
			}
			if (o->old && next[o->old]) {
				TH_LOG("page %u: writes %lu and %lu both replaced %lu",
				       o->page, o->val, next[o->old]->val,
				       o->old);
				bad++;
			}
			if (o->old)
				next[o->old] = o;
		}
	/* Positions: walk each page's chain from its first write. */
	memset(pos, 0xff, sizeof(pos));
	for (n = 0; n < NODES; n++)
		for (i = 0; i < OPS; i++) {
			struct op *o = &ops[n][i];
			int64_t k = 1;

			if (!o->write || o->old)
				continue;
			for (v = o->val; v; v = next[v] ? next[v]->val : 0)
				pos[v] = k++;
		}
	for (n = 0; n < NODES; n++)
		for (i = 0; i < OPS; i++) {
			struct op *o = &ops[n][i];
			int64_t p;

			if (o->write && pos[o->val] < 0) {
				TH_LOG("page %u: write %lu is not in the chain",
				       o->page, o->val);
				bad++;
				continue;
			}
			if (!o->write && o->val &&
			    (o->val > NODES * OPS || !by_val[o->val] ||
			     by_val[o->val]->page != o->page)) {
				TH_LOG("page %u: read %lu, never written there",
				       o->page, o->val);
				bad++;
				continue;
			}
			p = o->val ? pos[o->val] : 0;
			if (!o->write && o->val && by_val[o->val]->ts > o->te) {
				TH_LOG("page %u: read %lu before it was written",
				       o->page, o->val);
				bad++;
			}
			for (m = 0; m < NODES; m++)
				for (j = 0; j < OPS; j++) {
					struct op *w = &ops[m][j];

					if (!w->write || w->page != o->page ||
					    w->te >= o->ts || w == o)
						continue;
					if (pos[w->val] > p ||
					    (o->write && pos[w->val] == p)) {
						TH_LOG("page %u: %s %lu comes before write %lu, which ended before it began",
						       o->page,
						       o->write ? "write" : "read",
						       o->val, w->val);
						bad++;
					}
				}
		}
	return bad;
}

TEST_F_TIMEOUT(dsm, random_reads_and_writes_are_linearizable, 300)
{
	long start = gvm_now_ms();
	int writes = 0, n, i;

	run_nodes(random_ops);
	for (n = 0; n < NODES; n++)
		for (i = 0; i < OPS; i++)
			writes += ops[n][i].write;
	gvm_report("%d operations (%d exchanges) over %d pages: %ld ms\n",
		   NODES * OPS, writes, NPAGES, gvm_now_ms() - start);
	EXPECT_EQ(0, check_history(_metadata));
}

/* ---- a failed owner --------------------------------------------------- */

/* In a child: touch the page; how the child ended, and when. */
static int touch_in_child(uint8_t *p, long *ms)
{
	long start = gvm_now_ms();
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		(void)__atomic_load_n(p, __ATOMIC_RELAXED);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	*ms = gvm_now_ms() - start;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST_F(dsm, failed_owner_gives_sigbus_never_zeros)
{
	/* Page 51: home node 0, owner node 2. Page 52: home and owner 1. */
	const int lost = 51, kept = 52;
	struct gvm_entry e;
	int sig, seen = 0;
	long ms, end;

	*word(2, lost, 0) = 0x77;
	*word(1, kept, 0) = 0x88;
	ASSERT_EQ(0x77, *word(0, lost, 0));
	/* Node 2 writes again and is the only holder. */
	*word(2, lost, 0) = 0x78;

	ASSERT_EQ(0, gvm_link_set(2, false));
	sig = touch_in_child(mem[0] + lost * PAGE, &ms);
	EXPECT_EQ(SIGBUS, sig);
	gvm_report("a fault on a failed node's page: SIGBUS after %ld ms (timeout %ld ms)\n",
		   ms, gvm_ms(TIMEOUT_MS));
	EXPECT_GE(gvm_ms(2 * TIMEOUT_MS + 1500), ms);
	end = gvm_deadline(5000);
	while (!seen && !gvm_nl_event_by(&self->ev[0], end, &e))
		seen = e.cmd == GVM_CMD_FAULT_FAIL && e.pfn == lost;
	EXPECT_TRUE(seen) TH_LOG("no fault-fail event on node 0");
	EXPECT_EQ(EHOSTDOWN, (int)e.err);

	/* Still not replaced by zeros: it fails again. */
	EXPECT_EQ(SIGBUS, touch_in_child(mem[1] + lost * PAGE, &ms));
	/* Pages node 2 did not hold go on as before. */
	EXPECT_EQ(0x88, *word(0, kept, 0));
	*word(0, kept, 0) = 0x89;
	EXPECT_EQ(0x89, *word(1, kept, 0));
	/* Including pages whose home was node 2, never touched. */
	*word(0, 53, 0) = 0x90;
	EXPECT_EQ(0x90, *word(1, 53, 0));

	ASSERT_EQ(0, gvm_regions(&self->g[0], DOMAIN, &dump));
	EXPECT_LE(1, dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS]);
}

static uint8_t *waiting_page;
static int ms_pipe[2];

/* In the child: while the main thread waits on a page, time an mmap. */
static void *mmap_meanwhile(void *arg)
{
	long start, ms;
	void *p;

	(void)arg;
	usleep(200 * 1000);
	start = gvm_now_ms();
	/* Takes the mmap lock for writing. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	ms = gvm_now_ms() - start;
	if (write(ms_pipe[1], &ms, sizeof(ms)) != sizeof(ms))
		_exit(3);
	return NULL;
}

/*
 * Node 0 reads (or, with @upgrade, writes to its mapped read copy of) a
 * page whose owner, node 2, is cut off: while that fault waits, an mmap
 * of the same process goes through at once; the fault gets SIGBUS.
 */
static void waiting_fault(struct __test_metadata *_metadata,
			  FIXTURE_DATA(dsm) * self, bool upgrade)
{
	const int lost = 51;	/* home node 0, owner node 2 */
	long start, ms = -1, total;
	struct gvm_entry e;
	int status, fails = 0;
	pthread_t t;
	pid_t pid;

	*word(2, lost, 0) = 0x77;
	if (upgrade)
		ASSERT_EQ(0x77, *word(0, lost, 0));
	ASSERT_EQ(0, pipe(ms_pipe));
	ASSERT_EQ(0, gvm_link_set(2, false));
	waiting_page = mem[0] + lost * PAGE;
	start = gvm_now_ms();
	pid = fork();
	if (pid == 0) {
		/* The read maps the copy read-only, the write upgrades it. */
		if (upgrade && __atomic_load_n(waiting_page, __ATOMIC_RELAXED) !=
			       0x77)
			_exit(4);
		pthread_create(&t, NULL, mmap_meanwhile, NULL);
		if (upgrade)
			__atomic_store_n(waiting_page, 0x79, __ATOMIC_RELAXED);
		else
			(void)__atomic_load_n(waiting_page, __ATOMIC_RELAXED);
		_exit(0);
	}
	close(ms_pipe[1]);
	EXPECT_EQ(sizeof(ms), read(ms_pipe[0], &ms, sizeof(ms)))
		TH_LOG("the child said nothing: its mmap never ended");
	close(ms_pipe[0]);
	waitpid(pid, &status, 0);
	total = gvm_now_ms() - start;
	gvm_report("an mmap while %s waits for a failed node: %ld ms; it: SIGBUS after %ld ms\n",
		   upgrade ? "an upgrade" : "a fault", ms, total);
	/* Not held up by the fault, which waits at least the timeout. */
	EXPECT_LE(0, ms);
	EXPECT_GT(gvm_ms(TIMEOUT_MS / 2), ms);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
	/* Fetched once: one failure, its retry not waiting again. */
	EXPECT_GE(gvm_ms(2 * TIMEOUT_MS + 1500), total);
	while (!gvm_nl_event(&self->ev[0], 1500, &e))
		fails += e.cmd == GVM_CMD_FAULT_FAIL && e.pfn == lost;
	EXPECT_EQ(1, fails);
}

TEST_F(dsm, a_waiting_fault_holds_up_no_mmap)
{
	waiting_fault(_metadata, self, false);
}

TEST_F(dsm, a_waiting_upgrade_holds_up_no_mmap)
{
	waiting_fault(_metadata, self, true);
}

/*
 * Many tasks (the vCPUs of a VM, say) wait for pages of a failed owner at
 * once: each gets SIGBUS once the owner is given up, within one timeout,
 * its retry taking the failure kept for it instead of waiting again; one
 * fault-fail event per task, however many fail together.
 */
TEST_F(dsm, many_faults_failing_at_once_each_fail_once)
{
	enum { TASKS = 24, PAGES = 4 };
	/* Owned by node 2, their homes nodes 0 and 1 (page % 3). */
	const int page[PAGES] = { 51, 52, 54, 55 };
	int i, status, sigbus = 0, fails = 0, go[2];
	pid_t pid[TASKS];
	struct gvm_entry e;
	long start, total;
	char c;

	for (i = 0; i < PAGES; i++)
		*word(2, page[i], 0) = 0x70 + i;
	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < TASKS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			close(go[1]);
			/* Together, once the owner is cut off. */
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			(void)__atomic_load_n(word(0, page[i % PAGES], 0),
					      __ATOMIC_RELAXED);
			_exit(0);
		}
	}
	close(go[0]);
	ASSERT_EQ(0, gvm_link_set(2, false));
	start = gvm_now_ms();
	close(go[1]);
	for (i = 0; i < TASKS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		sigbus += WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
	}
	total = gvm_now_ms() - start;
	gvm_report("%d faults on %d pages of a failed node: all ended after %ld ms (timeout %ld ms)\n",
		   TASKS, PAGES, total, gvm_ms(TIMEOUT_MS));
	EXPECT_EQ(TASKS, sigbus);
	EXPECT_GE(gvm_ms(2 * TIMEOUT_MS + 1500), total);
	while (!gvm_nl_event(&self->ev[0], 1500, &e))
		fails += e.cmd == GVM_CMD_FAULT_FAIL && e.pfn >= page[0] &&
			 e.pfn <= page[PAGES - 1];
	/* A retry that found no failure kept would have failed again. */
	EXPECT_EQ(TASKS, fails);
}

/* ---- detaching -------------------------------------------------------- */

static uint64_t stamp(int page)
{
	return 0x5eed000000000000ULL | (uint64_t)page << 8 | 0x42;
}

TEST_F(dsm, detach_hands_every_page_over)
{
	uint64_t took = 0, lost = 0, fails = 0;
	long start, ms;
	int p, n;

	/* Node 0 owns every page at start; it writes them all. */
	for (p = 0; p < NPAGES; p++)
		*word(0, p, 1) = stamp(p);
	/* Some have copies elsewhere too, and one is node 1's now. */
	for (p = 0; p < 64; p++)
		ASSERT_EQ(stamp(p), *word(2, p, 1));
	*word(1, 100, 2) = 7;

	start = gvm_now_ms();
	munmap(mem[0], BYTES);
	close(self->fd[0]);
	self->fd[0] = -1;
	ms = gvm_now_ms() - start;
	gvm_report("node 0 detached, handing %d pages off, in %ld ms\n",
		   NPAGES - 1, ms);
	ASSERT_EQ(0, gvm_regions(&self->g[0], DOMAIN, &dump));
	EXPECT_EQ(0, dump.n);

	/* Every page, from both nodes left; no SIGBUS, no zeros. */
	for (n = 1; n < NODES; n++)
		for (p = 0; p < NPAGES; p++)
			ASSERT_EQ(stamp(p), *word(n, p, 1))
				TH_LOG("node %d page %d", n, p);
	EXPECT_EQ(7, *word(2, 100, 2));
	/* And they go on writing. */
	*word(2, 5, 1) = 1;
	EXPECT_EQ(1, *word(1, 5, 1));
	for (n = 1; n < NODES; n++) {
		ASSERT_EQ(0, gvm_regions(&self->g[n], DOMAIN, &dump));
		ASSERT_EQ(1, dump.n);
		took += dump.e[0].rstats[GVM_RSTAT_TAKEOVERS];
		lost += dump.e[0].rstats[GVM_RSTAT_PAGES_LOST];
		fails += dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS];
	}
	/* One request per page, more only if a taker was slow. */
	EXPECT_LE(NPAGES - 1, took);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, fails);
}

static int detach_fd[NODES];

static void *detach_node(void *arg)
{
	long n = (long)arg;

	munmap(mem[n], BYTES);
	close(detach_fd[n]);
	return NULL;
}

TEST_F(dsm, two_nodes_detaching_at_once_lose_nothing)
{
	pthread_t t[2];
	uint64_t lost;
	long n;
	int p;

	for (p = 0; p < NPAGES; p++)
		*word(0, p, 1) = stamp(p);
	for (p = 0; p < 1000; p++)		/* node 1 takes these */
		*word(1, p, 1) = stamp(p) + 1;
	for (n = 0; n < 2; n++) {
		detach_fd[n] = self->fd[n];
		self->fd[n] = -1;
		pthread_create(&t[n], NULL, detach_node, (void *)n);
	}
	for (n = 0; n < 2; n++)
		pthread_join(t[n], NULL);
	/* Node 2, the last, has every page: no SIGBUS, no zeros. */
	for (p = 0; p < NPAGES; p++)
		ASSERT_EQ(stamp(p) + (p < 1000), *word(2, p, 1))
			TH_LOG("page %d", p);
	ASSERT_EQ(0, gvm_regions(&self->g[2], DOMAIN, &dump));
	lost = dump.e[0].rstats[GVM_RSTAT_PAGES_LOST];
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS]);
}

/* ---- get_user_pages: the path KVM and block I/O take -------------------- */

TEST_F(dsm, process_vm_readv_and_writev_see_coherent_data)
{
	uint64_t got[PAGE / 8], put[PAGE / 8];
	struct iovec local, remote;
	pid_t child;
	int i, status;

	/* A child holds the mapping too; we reach its memory by pid. */
	child = fork();
	if (!child) {
		pause();
		_exit(0);
	}
	for (i = 0; i < PAGE / 8; i++)
		*word(1, 200, i) = stamp(i);
	/* Node 0's page, read through get_user_pages: node 1's data. */
	local = (struct iovec){ got, PAGE };
	remote = (struct iovec){ word(0, 200, 0), PAGE };
	EXPECT_EQ(PAGE, process_vm_readv(child, &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	for (i = 0; i < PAGE / 8; i++)
		ASSERT_EQ(stamp(i), got[i]) TH_LOG("word %d", i);
	/* Written through get_user_pages on node 0, read on node 1. */
	for (i = 0; i < PAGE / 8; i++)
		put[i] = ~stamp(i);
	local = (struct iovec){ put, PAGE };
	remote = (struct iovec){ word(0, 201, 0), PAGE };
	EXPECT_EQ(PAGE, process_vm_writev(child, &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_writev: %s", strerror(errno));
	for (i = 0; i < PAGE / 8; i++)
		ASSERT_EQ(~stamp(i), *word(1, 201, i)) TH_LOG("word %d", i);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
}

/* O_DIRECT wants aligned buffers; file scope, safe from the harness's jumps. */
static uint64_t *buf;

/*
 * The disk is named, never guessed: its first 8 KiB are overwritten, and
 * in the VM a user runs these tests in, /dev/vda is the root disk.
 */
TEST_F(dsm, o_direct_io_to_and_from_region_memory)
{
	const char *path = getenv("GVM_TEST_DISK");
	int disk, i;

	if (!path || !*path)
		SKIP(return, "GVM_TEST_DISK names no scratch block device");
	disk = open(path, O_RDWR | O_DIRECT);
	ASSERT_LE(0, disk) TH_LOG("%s: %s", path, strerror(errno));
	if (!buf)
		ASSERT_EQ(0, posix_memalign((void **)&buf, PAGE, PAGE));
	/* The disk writes node 0's page, whose data is node 1's. */
	for (i = 0; i < PAGE / 8; i++)
		*word(1, 300, i) = stamp(i) ^ 0xd15c;
	ASSERT_EQ(PAGE, pwrite(disk, word(0, 300, 0), PAGE, 0))
		TH_LOG("pwrite: %s", strerror(errno));
	ASSERT_EQ(PAGE, pread(disk, buf, PAGE, 0));
	for (i = 0; i < PAGE / 8; i++)
		ASSERT_EQ(stamp(i) ^ 0xd15c, buf[i]) TH_LOG("word %d", i);
	/* The disk's data lands in node 0's page; node 1 reads it. */
	*word(1, 301, 0) = 1;		/* node 1 holds the page first */
	for (i = 0; i < PAGE / 8; i++)
		buf[i] = stamp(i) ^ 0xb10c;
	ASSERT_EQ(PAGE, pwrite(disk, buf, PAGE, PAGE));
	ASSERT_EQ(PAGE, pread(disk, word(0, 301, 0), PAGE, PAGE))
		TH_LOG("pread: %s", strerror(errno));
	for (i = 0; i < PAGE / 8; i++)
		ASSERT_EQ(stamp(i) ^ 0xb10c, *word(1, 301, i))
			TH_LOG("word %d", i);
	close(disk);
}

/* ---- bad input -------------------------------------------------------- */

/* REGION_GET of one region: @domain and @region, 0 to leave one out. */
static int region_get(struct gvm_nl *g, uint32_t domain, uint32_t region)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_REGION_GET, 0);

	if (domain)
		nla_put_u32(m, GVM_A_DOMAIN_ID, domain);
	if (region)
		nla_put_u32(m, GVM_A_REGION_ID, region);
	return gvm_nl_send(g, m, &dump);
}

TEST_F(dsm, region_get_names_what_is_wrong)
{
	ASSERT_EQ(0, region_get(&self->g[1], DOMAIN, 1));
	ASSERT_EQ(1, dump.n);
	EXPECT_EQ(1, dump.e[0].region);
	EXPECT_EQ(BYTES, dump.e[0].region_bytes);
	EXPECT_EQ(-EINVAL, region_get(&self->g[1], DOMAIN, 0));
	EXPECT_STREQ("missing region id", self->g[1].extack);
	EXPECT_EQ(-EINVAL, region_get(&self->g[1], 0, 1));
	EXPECT_STREQ("missing domain id", self->g[1].extack);
	EXPECT_EQ(-ENOENT, region_get(&self->g[1], DOMAIN, 2));
	EXPECT_STREQ("no such region open here", self->g[1].extack);
	EXPECT_EQ(-ENOENT, region_get(&self->g[1], 99, 1));
}

/* ---- members that disagree on a region ---------------------------------- */

/* Node @n opens region @id as @npages pages from @owner, mapped. */
static uint8_t *open_as(int n, uint32_t id, uint64_t npages, uint32_t owner,
			int *fd)
{
	uint8_t *p;

	if (gvm_enter_ns(n))
		return MAP_FAILED;
	*fd = gvm_region_open(DOMAIN, id, npages * PAGE, owner);
	gvm_leave_ns();
	if (*fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 *fd, 0);
	if (p == MAP_FAILED)
		close(*fd);
	return p;
}

/* Unmap and close what open_as() gave: the node detaches. */
static void close_as(uint8_t *p, uint64_t npages, int fd)
{
	munmap(p, npages * PAGE);
	close(fd);
}

/* Why node @g took region @id out of service, waited for; "" if not. */
static const char *conflict_of(struct gvm_nl *g, uint32_t id)
{
	long end = gvm_now_ms() + gvm_ms(5000);

	do {
		if (region_get(g, DOMAIN, id) == 0 && dump.e[0].conflict[0])
			return dump.e[0].conflict;
		usleep(20000);
	} while (gvm_now_ms() < end);
	return "";
}

/* A REGION_CONFLICT event about @node and region @id, with @reason. */
static bool conflict_event(struct gvm_nl *ev, uint32_t id, uint32_t node,
			   const char *reason)
{
	long end = gvm_deadline(5000);
	struct gvm_entry e;

	while (!gvm_nl_event_by(ev, end, &e))
		if (e.cmd == GVM_CMD_REGION_CONFLICT && e.region == id &&
		    e.node == node && strstr(e.reason, reason))
			return true;
	return false;
}

/*
 * Node 0 opens region @id as @n0 pages and writes @val to page 1; node 1
 * opens it after, as @n1 pages, and takes it out of service for @reason:
 * its access to page 1 gets SIGBUS, never its own zeros.
 */
static void refused_on_node1(struct __test_metadata *_metadata,
			     struct gvm_nl *g1, uint32_t id, uint64_t n0,
			     uint64_t n1, uint64_t val, const char *reason,
			     uint8_t *p[2], int fd[2])
{
	long ms;

	p[0] = open_as(0, id, n0, GVM_NODE_NONE, &fd[0]);
	ASSERT_NE(MAP_FAILED, p[0]);
	*(uint64_t *)(p[0] + PAGE) = val;
	p[1] = open_as(1, id, n1, GVM_NODE_NONE, &fd[1]);
	ASSERT_NE(MAP_FAILED, p[1]);
	EXPECT_STREQ(reason, conflict_of(g1, id));
	EXPECT_EQ(SIGBUS, touch_in_child(p[1] + PAGE, &ms));
}

/*
 * Node 1 opens regions 2 and 3 other than node 0 did (the size, then the
 * initial owner): node 1, the later, takes them out of service (SIGBUS,
 * never its own zeros), both nodes say so, and node 0 goes on with node 2.
 */
TEST_F(dsm, a_region_opened_differently_is_refused)
{
	int fd2, fd3, fd4, fd5, fd[2];
	uint8_t *a, *b, *c, *d, *e, *f, *p[2];
	long ms;

	refused_on_node1(_metadata, &self->g[1], 2, 8, 16, 0x11,
			 "node 0 has 8 pages, this node 16", p, fd);
	a = p[0];
	b = p[1];
	EXPECT_EQ(SIGBUS, touch_in_child(b + 12 * PAGE, &ms));
	EXPECT_TRUE(conflict_event(&self->ev[1], 2, 0, "node 0 has 8 pages"));
	EXPECT_TRUE(conflict_event(&self->ev[0], 2, 1,
				   "node 1 has 16 pages, this node 8"));
	ASSERT_EQ(0, region_get(&self->g[0], DOMAIN, 2));
	EXPECT_STREQ("", dump.e[0].conflict);

	/* Node 0 goes on, with node 2 that agrees, without node 1. */
	c = open_as(2, 2, 8, GVM_NODE_NONE, &fd2);
	ASSERT_NE(MAP_FAILED, c);
	EXPECT_EQ(0x11, *(uint64_t *)(c + PAGE));
	*(uint64_t *)(c + 4 * PAGE) = 0x22;
	EXPECT_EQ(0x22, *(uint64_t *)(a + 4 * PAGE));
	/* Pages whose home would have been node 1 too. */
	*(uint64_t *)(a + 7 * PAGE) = 0x33;
	EXPECT_EQ(0x33, *(uint64_t *)(c + 7 * PAGE));
	ASSERT_EQ(0, region_get(&self->g[2], DOMAIN, 2));
	EXPECT_STREQ("", dump.e[0].conflict);
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS]);

	/* The initial owner: node 0 says itself, node 1 says itself. */
	d = open_as(0, 3, 4, 0, &fd3);
	ASSERT_NE(MAP_FAILED, d);
	e = open_as(1, 3, 4, 1, &fd4);
	ASSERT_NE(MAP_FAILED, e);
	EXPECT_STREQ("node 0 has node 0 as the initial owner, this node 1",
		     conflict_of(&self->g[1], 3));
	EXPECT_EQ(SIGBUS, touch_in_child(e, &ms));
	f = open_as(2, 3, 4, 0, &fd5);
	ASSERT_NE(MAP_FAILED, f);
	*(uint64_t *)d = 0x44;
	EXPECT_EQ(0x44, *(uint64_t *)f);

	/* The one out of service first; the last member hands nothing off. */
	close_as(b, 16, fd[1]);
	close_as(c, 8, fd2);
	close_as(a, 8, fd[0]);
	close_as(e, 4, fd4);
	close_as(f, 4, fd5);
	close_as(d, 4, fd3);
}

/*
 * Node 1's domain has a member the others do not (node 3, never up): the
 * region it opens after node 0 lists other members, so node 1 takes it
 * out of service and node 0 goes on.
 */
TEST_F(dsm, a_region_opened_with_other_members_is_refused)
{
	uint8_t *p[2];
	int fd[2];

	ASSERT_EQ(0, gvm_node_add(&self->g[1], DOMAIN, 3, "10.1.0.4",
				  PORT + 3)) TH_LOG("%s", self->g[1].extack);
	refused_on_node1(_metadata, &self->g[1], 4, 4, 4, 0x55,
			 "node 0 has other members (3, this node 4)", p, fd);
	EXPECT_TRUE(conflict_event(&self->ev[0], 4, 1,
				   "node 1 has other members (4, this node 3)"));
	ASSERT_EQ(0, region_get(&self->g[0], DOMAIN, 4));
	EXPECT_STREQ("", dump.e[0].conflict);
	EXPECT_EQ(0x55, *(uint64_t *)(p[0] + PAGE));
	close_as(p[1], 4, fd[1]);
	close_as(p[0], 4, fd[0]);
}

static uint32_t at_once_id;
static int at_once_fd[NODES];
static uint8_t *at_once[NODES];

static void *open_at_once(void *arg)
{
	long n = (long)arg;

	at_once[n] = open_as(n, at_once_id, 4, GVM_NODE_NONE, &at_once_fd[n]);
	return NULL;
}

/*
 * Members that open a region at the same moment cross their ATTACHes, and
 * one may answer before it asked: none of that is a conflict.
 */
TEST_F(dsm, members_opening_at_once_agree)
{
	uint64_t v;
	int round, n;

	for (round = 0; round < 10; round++) {
		at_once_id = 10 + round;
		run_nodes(open_at_once);
		for (n = 0; n < NODES; n++)
			ASSERT_NE(MAP_FAILED, at_once[n]) TH_LOG("node %d", n);
		v = 0x100 + round;
		*(uint64_t *)(at_once[round % NODES] + PAGE) = v;
		for (n = 0; n < NODES; n++)
			EXPECT_EQ(v, *(uint64_t *)(at_once[n] + PAGE))
				TH_LOG("round %d node %d", round, n);
		for (n = 0; n < NODES; n++) {
			ASSERT_EQ(0, region_get(&self->g[n], DOMAIN,
						at_once_id));
			EXPECT_STREQ("", dump.e[0].conflict)
				TH_LOG("round %d node %d", round, n);
		}
		for (n = 0; n < NODES; n++)
			close_as(at_once[n], 4, at_once_fd[n]);
	}
}

static uint8_t *early_page;

static void *read_early(void *arg)
{
	return (void *)(uintptr_t)__atomic_load_n((uint64_t *)early_page,
						  __ATOMIC_RELAXED);
}

/*
 * A node reads a page before its home has opened the region: the home
 * drops the request unread. When the home opens, the reader asks again at
 * once; it does not wait for the request to time out (TIMEOUT_MS).
 */
TEST_F(dsm, a_home_opening_late_serves_who_asked_before)
{
	const uint64_t v = 0xea51e5;
	uint8_t *m0, *m1, *m2;
	int fd0, fd1, fd2;
	pthread_t t;
	void *got;

	m0 = open_as(0, 20, 4, 0, &fd0);
	ASSERT_NE(MAP_FAILED, m0);
	*(uint64_t *)(m0 + 2 * PAGE) = v;	/* page 2: home node 2 */
	m1 = open_as(1, 20, 4, 0, &fd1);
	ASSERT_NE(MAP_FAILED, m1);
	early_page = m1 + 2 * PAGE;
	ASSERT_EQ(0, pthread_create(&t, NULL, read_early, NULL));
	usleep(gvm_ms(TIMEOUT_MS) * 1000 / 4);
	m2 = open_as(2, 20, 4, 0, &fd2);
	ASSERT_NE(MAP_FAILED, m2);
	ASSERT_EQ(0, pthread_join(t, &got));
	EXPECT_EQ(v, (uint64_t)(uintptr_t)got);

	ASSERT_EQ(0, region_get(&self->g[1], DOMAIN, 20));
	EXPECT_LE(1, dump.e[0].rstats[GVM_RSTAT_RETRIES]);
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_TIMEOUTS]);
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS]);
	close_as(m0, 4, fd0);
	close_as(m1, 4, fd1);
	close_as(m2, 4, fd2);
}

static bool out_of_service(struct gvm_nl *g, uint32_t id)
{
	return region_get(g, DOMAIN, id) == 0 && dump.e[0].conflict[0];
}

/*
 * The fixture's domain again, without its region and with a failure
 * timeout of @timeout_ms: long enough for a link cut and TCP's
 * retransmissions after it, which a busy machine stretches past 1 s.
 */
static void rejoin_slow(struct __test_metadata *_metadata,
			FIXTURE_DATA(dsm) * self, uint32_t timeout_ms)
{
	struct gvm_ns_cfg slow = cfg;
	int i;

	slow.timeout_ms = timeout_ms;
	for (i = 0; i < NODES; i++) {
		munmap(mem[i], BYTES);
		close(self->fd[i]);
		self->fd[i] = -1;
	}
	for (i = 0; i < NODES; i++)
		ASSERT_EQ(0, gvm_domain_del(&self->g[i], DOMAIN));
	for (i = 0; i < NODES; i++)
		ASSERT_EQ(0, gvm_ns_join(&self->g[i], i, &slow))
			TH_LOG("node %d: %s", i, self->g[i].extack);
	for (i = 0; i < NODES; i++)
		ASSERT_LE(0, gvm_wait_state(self->g, &slow, 7 & ~(1u << i), i,
					    GVM_NODE_UP, 5000));
}

/*
 * Two nodes that open a region differently while their ATTACHes cross
 * (held up here by cutting node 1's link for the two opens): each drops
 * the other on its ask, then gets the other's answer. Exactly one goes out
 * of service, the higher id, never both.
 */
TEST_F_TIMEOUT(dsm, members_opening_differently_at_once_lose_one, 240)
{
	uint8_t *p[2];
	int round, fd[2];
	long end;

	rejoin_slow(_metadata, self, 3000);
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, gvm_link_set(1, false));
		p[0] = open_as(0, 30 + round, 8, GVM_NODE_NONE, &fd[0]);
		p[1] = open_as(1, 30 + round, 16, GVM_NODE_NONE, &fd[1]);
		ASSERT_EQ(0, gvm_link_set(1, true));
		ASSERT_NE(MAP_FAILED, p[0]);
		ASSERT_NE(MAP_FAILED, p[1]);
		/* The first verdict, then time for a second to follow. */
		end = gvm_now_ms() + gvm_ms(5000);
		while (!out_of_service(&self->g[1], 30 + round) &&
		       !out_of_service(&self->g[0], 30 + round) &&
		       gvm_now_ms() < end)
			usleep(10000);
		usleep(gvm_ms(500) * 1000);
		EXPECT_TRUE(out_of_service(&self->g[1], 30 + round))
			TH_LOG("round %d", round);
		EXPECT_FALSE(out_of_service(&self->g[0], 30 + round))
			TH_LOG("round %d", round);
		close_as(p[0], 8, fd[0]);
		close_as(p[1], 16, fd[1]);
	}
}

/*
 * A node that detached opens the region again: the others have it as gone
 * and its engine would start from the region's first state, so it is
 * refused at once (not after a timeout per fault), and nothing is lost.
 */
TEST_F(dsm, opening_again_after_detach_is_refused)
{
	uint8_t *again;
	long ms;
	int fd;

	*word(1, 5, 0) = 0xabc;
	munmap(mem[1], BYTES);
	close(self->fd[1]);
	self->fd[1] = -1;
	again = open_as(1, 1, NPAGES, GVM_NODE_NONE, &fd);
	ASSERT_NE(MAP_FAILED, again);
	mem[1] = again;
	self->fd[1] = fd;
	EXPECT_NE(NULL, strstr(conflict_of(&self->g[1], 1),
			       "has this node as gone from the region"))
		TH_LOG("%s", dump.e[0].conflict);
	EXPECT_EQ(SIGBUS, touch_in_child(again + 5 * PAGE, &ms));
	EXPECT_TRUE(conflict_event(&self->ev[0], 1, 1,
				   "node 1 opened the region again"));
	/* Node 1's page went to the others before it left, and stays. */
	EXPECT_EQ(0xabc, *word(0, 5, 0));
	*word(2, 5, 0) = 0xabd;
	EXPECT_EQ(0xabd, *word(0, 5, 0));
	ASSERT_EQ(0, gvm_regions(&self->g[0], DOMAIN, &dump));
	EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_PAGES_LOST]);
}

/*
 * Closed everywhere, a region may be opened again under its id: a new
 * region, zero everywhere and coherent, which takes none of the former
 * open's frames for its own (they name that open: test_transport).
 */
TEST_F(dsm, reopened_everywhere_under_its_id_starts_afresh)
{
	int n;

	*word(1, 5, 0) = 0xabc;
	*word(2, 6, 0) = 0xdef;
	for (n = NODES - 1; n >= 0; n--) {
		close_as(mem[n], NPAGES, self->fd[n]);
		self->fd[n] = -1;
	}
	for (n = 0; n < NODES; n++) {
		mem[n] = open_as(n, 1, NPAGES, GVM_NODE_NONE, &self->fd[n]);
		ASSERT_NE(MAP_FAILED, mem[n]) TH_LOG("node %d", n);
	}
	for (n = 0; n < NODES; n++) {
		EXPECT_EQ(0, *word(n, 5, 0)) TH_LOG("node %d", n);
		EXPECT_EQ(0, *word(n, 6, 0)) TH_LOG("node %d", n);
	}
	*word(2, 5, 0) = 0x123;
	EXPECT_EQ(0x123, *word(0, 5, 0));
	EXPECT_EQ(0x123, *word(1, 5, 0));
	*word(0, 5, 0) = 0x124;
	EXPECT_EQ(0x124, *word(2, 5, 0));
	EXPECT_EQ(0x124, *word(1, 5, 0));
	for (n = 0; n < NODES; n++) {
		ASSERT_EQ(0, gvm_regions(&self->g[n], DOMAIN, &dump));
		ASSERT_EQ(1, dump.n);
		EXPECT_STREQ("", dump.e[0].conflict) TH_LOG("node %d", n);
		EXPECT_EQ(0, dump.e[0].rstats[GVM_RSTAT_FAULT_FAILS]);
	}
}

static int create(struct gvm_region_create *rc)
{
	int dev = open("/dev/giantvm", O_RDWR), fd;

	fd = ioctl(dev, GVM_IOC_REGION_CREATE, rc);
	fd = fd < 0 ? -errno : fd;
	close(dev);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

TEST_F(dsm, bad_ioctls_and_mmaps_refused)
{
	struct gvm_region_create ok = {
		.size = sizeof(ok), .domain = DOMAIN, .region = 9,
		.bytes = 4 * PAGE, .owner = GVM_NODE_NONE,
	}, rc;
	struct {
		struct gvm_region_create rc;
		uint64_t tail;
	} big = { .rc = ok, .tail = 1 };
	static const struct {
		const char *what;
		size_t off;
		uint64_t val;
		int err;
	} bad[] = {
#define F(f) offsetof(struct gvm_region_create, f)
		{ "size 0", F(size), 0, EINVAL },
		{ "size too small", F(size), 16, EINVAL },
		{ "unknown flag", F(flags), 1, EINVAL },
		{ "reserved set", F(reserved), 1, EINVAL },
		{ "region 0", F(region), 0, EINVAL },
		{ "domain 0", F(domain), 0, EINVAL },
		{ "no such domain", F(domain), 99, ENOENT },
		{ "0 bytes", F(bytes), 0, EINVAL },
		{ "not whole pages", F(bytes), PAGE + 1, EINVAL },
		{ "more pages than memory", F(bytes), 1ULL << 52, ENOMEM },
		{ "owner not a member", F(owner), 5, EINVAL },
		{ "owner beyond any id", F(owner), GVM_MAX_NODES, EINVAL },
		{ "region already open", F(region), 1, EEXIST },
#undef F
	};
	int dev, fd, i;
	void *p;

	ASSERT_EQ(0, gvm_enter_ns(0));
	for (i = 0; i < (int)ARRAY_SIZE(bad); i++) {
		uint32_t v32 = bad[i].val;

		rc = ok;
		/* Every field is a __u32 but bytes. */
		if (bad[i].off == offsetof(struct gvm_region_create, bytes))
			rc.bytes = bad[i].val;
		else
			memcpy((char *)&rc + bad[i].off, &v32, sizeof(v32));
		EXPECT_EQ(-bad[i].err, create(&rc)) TH_LOG("%s", bad[i].what);
	}
	/* A longer struct is fine if its tail is zero, refused if not. */
	dev = open("/dev/giantvm", O_RDWR);
	big.rc.size = sizeof(big);
	EXPECT_EQ(-1, ioctl(dev, _IOW(GVM_IOC_MAGIC, 0x01, big), &big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(dev, _IOW(GVM_IOC_MAGIC, 0x7f, int), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(dev);
	/* Another namespace has no such domain. */
	ASSERT_EQ(0, gvm_leave_ns());
	EXPECT_EQ(-ENOENT, create(&ok));

	/* mmap: shared only, within the region. */
	ASSERT_EQ(0, gvm_enter_ns(0));
	fd = gvm_region_open(DOMAIN, 9, 4 * PAGE, GVM_NODE_NONE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd,
				   4 * PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 5 * PAGE, PROT_READ, MAP_SHARED, fd,
				   0));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 3 * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	/* A domain with an open region stays. */
	EXPECT_EQ(-EBUSY, gvm_domain_del(&self->g[0], DOMAIN));
	EXPECT_NE(0, strlen(self->g[0].extack));
	munmap(p, PAGE);
	close(fd);
	ASSERT_EQ(0, gvm_leave_ns());
}

GVM_HARNESS_MAIN
