// SPDX-License-Identifier: GPL-2.0
/*
 * Stock KVM on region memory: two nodes in network namespaces gvmns0..1 of
 * one VM (with -cpu max, QEMU's TCG emulates AMD SVM and Debian's kvm_amd
 * gives /dev/kvm). Each node's guest has its own mapping of the region as
 * its memory slot. Guest writes reach the other node; the other node's
 * writes reach the guest, which proves invalidations reach KVM's nested
 * page tables through the MMU notifiers (the module only unmaps pages).
 * Then one vCPU per node increments one counter with lock inc, exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gvm_harness.h"
#include "gvm_ns.h"

#define NODES		2
#define DOMAIN		9
#define PORT		7400
#define PAGE		4096
#define NPAGES		16
#define BYTES		(NPAGES * PAGE)

/* Guest physical layout: code in page 0 (home node 0), data in page 1. */
#define DATA		0x1000
#define COUNTER		0x2000
#define INCS		50000000

static const struct gvm_ns_cfg cfg = {
	.nodes = NODES, .domain = DOMAIN, .port = PORT,
	.heartbeat_ms = 200, .timeout_ms = 2000,
};

/* Real-mode guest code for page 0, three entry points. */
static const uint8_t code[] = {
	/* 0x00: store: mov eax, 0x5eed0001; mov [DATA], eax; hlt */
	0x66, 0xb8, 0x01, 0x00, 0xed, 0x5e,
	0x66, 0xa3, DATA & 0xff, DATA >> 8,
	0xf4,
	/* 0x0b: load: mov eax, [DATA + 4]; hlt */
	0x66, 0xa1, (DATA + 4) & 0xff, (DATA + 4) >> 8,
	0xf4,
	/* 0x10: count: mov ecx, INCS; lock inc dword [COUNTER]; dec ecx;
	 * jnz back; hlt
	 */
	0x66, 0xb9, INCS & 0xff, (INCS >> 8) & 0xff, (INCS >> 16) & 0xff,
	(INCS >> 24) & 0xff,
	0xf0, 0x66, 0xff, 0x06, COUNTER & 0xff, COUNTER >> 8,
	0x66, 0x49,
	0x75, 0xf6,
	0xf4,
};
#define ENTRY_STORE	0x00
#define ENTRY_LOAD	0x0b
#define ENTRY_COUNT	0x10

struct guest {
	int vm, vcpu;
	struct kvm_run *run;
};

static uint8_t *mem[NODES];

/* A one-vCPU guest whose memory is @hva (this node's mapping). */
static int guest_new(struct guest *g, void *hva)
{
	struct kvm_userspace_memory_region slot = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = BYTES,
		.userspace_addr = (uintptr_t)hva,
	};
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	struct kvm_sregs sregs;
	long size;

	if (kvm < 0)
		return -1;
	g->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	close(kvm);
	if (g->vm < 0 || size <= 0 ||
	    ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &slot))
		return -1;
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return -1;
	g->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu, 0);
	if (g->run == MAP_FAILED || ioctl(g->vcpu, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	return ioctl(g->vcpu, KVM_SET_SREGS, &sregs);
}

/* Run from @entry to its hlt; eax then, or -1. */
static long guest_call(struct guest *g, uint64_t entry)
{
	struct kvm_regs regs = { .rip = entry, .rflags = 2 };

	if (ioctl(g->vcpu, KVM_SET_REGS, &regs) ||
	    ioctl(g->vcpu, KVM_RUN, 0) || g->run->exit_reason != KVM_EXIT_HLT ||
	    ioctl(g->vcpu, KVM_GET_REGS, &regs))
		return -1;
	return (uint32_t)regs.rax;
}

FIXTURE(kvm) {
	struct gvm_nl g[NODES];
	int fd[NODES];
	struct guest guest[NODES];
};

FIXTURE_SETUP(kvm)
{
	int i;

	if (access("/dev/kvm", R_OK | W_OK))
		SKIP(return, "no /dev/kvm (kvm_amd not loaded?)");
	for (i = 0; i < NODES; i++) {
		self->fd[i] = -1;
		ASSERT_EQ(0, gvm_enter_ns(i));
		ASSERT_EQ(0, gvm_nl_open(&self->g[i]));
		ASSERT_EQ(0, gvm_ns_join(&self->g[i], i, &cfg))
			TH_LOG("node %d: %s", i, self->g[i].extack);
	}
	for (i = 0; i < NODES; i++)
		ASSERT_LE(0, gvm_wait_state(self->g, &cfg, 3 & ~(1u << i), i,
					    GVM_NODE_UP, 5000));
	for (i = 0; i < NODES; i++) {
		ASSERT_EQ(0, gvm_enter_ns(i));
		self->fd[i] = gvm_region_open(DOMAIN, 1, BYTES, GVM_NODE_NONE);
		ASSERT_LE(0, self->fd[i]);
		mem[i] = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
			      self->fd[i], 0);
		ASSERT_NE(MAP_FAILED, mem[i]);
	}
	ASSERT_EQ(0, gvm_leave_ns());
	/* Node 0 writes the code; both guests fetch it through the DSM. */
	memcpy(mem[0], code, sizeof(code));
	for (i = 0; i < NODES; i++)
		ASSERT_EQ(0, guest_new(&self->guest[i], mem[i]))
			TH_LOG("node %d: KVM: %s", i, strerror(errno));
}

FIXTURE_TEARDOWN(kvm)
{
	int i;

	for (i = 0; i < NODES; i++) {
		if (self->guest[i].vcpu > 0)
			close(self->guest[i].vcpu);
		if (self->guest[i].vm > 0)
			close(self->guest[i].vm);
		if (self->fd[i] >= 0) {
			munmap(mem[i], BYTES);
			close(self->fd[i]);
		}
		gvm_domain_del(&self->g[i], DOMAIN);
		gvm_nl_close(&self->g[i]);
	}
}

static uint32_t *at(int node, unsigned int gpa)
{
	return (uint32_t *)(mem[node] + gpa);
}

static struct gvm_dump dump;

TEST_F(kvm, guest_writes_reach_the_other_node_and_back)
{
	int round, n;

	for (round = 0; round < 3; round++) {
		uint32_t b = 0xb0b00000 | round;

		/* Node 0's guest stores; node 1 reads it through its mapping. */
		ASSERT_EQ(0x5eed0001, guest_call(&self->guest[0], ENTRY_STORE));
		EXPECT_EQ(0x5eed0001,
			  __atomic_load_n(at(1, DATA), __ATOMIC_SEQ_CST));
		/*
		 * Node 1 writes: node 0's copy is invalidated, which must zap
		 * its guest's nested page table entry, or the guest reads the
		 * old value.
		 */
		__atomic_store_n(at(1, DATA + 4), b, __ATOMIC_SEQ_CST);
		EXPECT_EQ(b, guest_call(&self->guest[0], ENTRY_LOAD))
			TH_LOG("round %d: node 0's guest missed node 1's write",
			       round);
		/* And the other way: node 1's guest sees node 0's host write. */
		__atomic_store_n(at(0, DATA + 4), b + 1, __ATOMIC_SEQ_CST);
		EXPECT_EQ(b + 1, guest_call(&self->guest[1], ENTRY_LOAD));
		__atomic_store_n(at(0, DATA), 0, __ATOMIC_SEQ_CST);
	}
	/*
	 * Every fault that asked the network, the guests' among them (KVM
	 * asks without waiting first, then comes back for the page), has
	 * its latency counted once.
	 */
	for (n = 0; n < NODES; n++) {
		ASSERT_EQ(0, gvm_regions(&self->g[n], DOMAIN, &dump));
		EXPECT_EQ(gvm_faults_asked(&dump.e[0]),
			  gvm_faults_timed(&dump.e[0]))
			TH_LOG("node %d: %llu local", n, (unsigned long long)
			       dump.e[0].rstats[GVM_RSTAT_LOCAL_FAULTS]);
	}
}

static int ready;

/* Both guests start together, so they contend for the counter's page. */
static void *count(void *arg)
{
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < NODES)
		;
	return (void *)guest_call(arg, ENTRY_COUNT);
}

/* Write faults that asked the network, on both nodes so far. */
static uint64_t moves(struct gvm_nl *g)
{
	uint64_t sum = 0;
	int n;

	for (n = 0; n < NODES; n++)
		if (!gvm_regions(&g[n], DOMAIN, &dump) && dump.n == 1)
			sum += dump.e[0].rstats[GVM_RSTAT_WRITE_FAULTS];
	return sum;
}

TEST_F(kvm, two_vcpus_on_two_nodes_count_exactly)
{
	uint64_t before = moves(self->g);
	long start = gvm_now_ms();
	pthread_t t[NODES];
	void *ret;
	int i;

	for (i = 0; i < NODES; i++)
		pthread_create(&t[i], NULL, count, &self->guest[i]);
	for (i = 0; i < NODES; i++) {
		pthread_join(t[i], &ret);
		EXPECT_NE(-1L, (long)ret) TH_LOG("node %d: guest failed", i);
	}
	EXPECT_EQ(NODES * INCS, __atomic_load_n(at(1, COUNTER),
						__ATOMIC_SEQ_CST));
	EXPECT_EQ(NODES * INCS, __atomic_load_n(at(0, COUNTER),
						__ATOMIC_SEQ_CST));
	gvm_report("2 x %d lock inc in guests on two nodes: %ld ms, %llu pages moved for a write\n",
		   INCS, gvm_now_ms() - start,
		   (unsigned long long)(moves(self->g) - before));
	/* The counter page went back and forth while they counted. */
	EXPECT_LE(4, moves(self->g) - before);
}

GVM_HARNESS_MAIN
