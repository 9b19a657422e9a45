/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thin libnl-genl helper for the kernel tests: build any request
 * (malformed ones included), send it, and get back the errno and the
 * kernel's extack message. gvmctl has its own, friendlier layer; the tests
 * need to say exactly what goes on the wire.
 */
#ifndef _GVM_NL_TEST_H
#define _GVM_NL_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/giantvm.h>

struct gvm_nl {
	struct nl_sock *sk;
	int family;
	char extack[256];	/* the last error's message, or "" */
};

/* What a dump or a reply carried, one entry per message. */
struct gvm_entry {
	uint32_t domain, node, members;
	uint8_t state;
	bool has_last_rx;
	bool auth;		/* GVM_A_AUTH said 1 */
	bool has_psk;		/* a key came back: it never should */
	uint64_t mem_bytes;
	uint64_t stats[__GVM_STAT_MAX];
	char name[GVM_NAME_MAX];
	char version[GVM_VERSION_MAX];	/* VERSION_GET */
	uint8_t cmd;		/* events */
	int hello_reason;	/* events: -1 when absent */
	char reason[128];	/* events */
	uint32_t region, err;	/* regions; FAULT_FAIL: errno */
	uint64_t region_bytes, region_pages, pfn;
	uint64_t region_meta;		/* bytes to track the region's pages */
	char conflict[128];	/* regions: "" while in service */
	uint64_t rstats[__GVM_RSTAT_MAX];
	uint64_t lat[GVM_LAT_BUCKETS];
};

#define GVM_MAX_ENTRIES 11000

/*
 * A measured figure, as a TAP comment. The harness runs each test in a
 * child that leaves with _exit(), so stdout is flushed here or lost.
 */
#define gvm_report(fmt, ...) \
	do { \
		printf("# " fmt, ##__VA_ARGS__); \
		fflush(stdout); \
	} while (0)

struct gvm_dump {
	int n;
	bool interrupted;	/* NLM_F_DUMP_INTR seen */
	struct gvm_entry e[GVM_MAX_ENTRIES];
};

int gvm_nl_open(struct gvm_nl *g);
void gvm_nl_close(struct gvm_nl *g);
struct nl_msg *gvm_nl_msg(struct gvm_nl *g, uint8_t cmd, int flags);
int gvm_nl_send(struct gvm_nl *g, struct nl_msg *m, struct gvm_dump *out);

int gvm_domain_new(struct gvm_nl *g, uint32_t domain, uint32_t node,
		   const char *ip4, uint16_t port, int connect);
int gvm_domain_del(struct gvm_nl *g, uint32_t domain);
int gvm_node_add(struct gvm_nl *g, uint32_t domain, uint32_t node,
		 const char *ip4, uint16_t port);
int gvm_domains(struct gvm_nl *g, struct gvm_dump *out);
int gvm_nodes(struct gvm_nl *g, uint32_t domain, struct gvm_dump *out);
int gvm_regions(struct gvm_nl *g, uint32_t domain, struct gvm_dump *out);
uint64_t gvm_faults_timed(const struct gvm_entry *e);
uint64_t gvm_faults_asked(const struct gvm_entry *e);

int gvm_nl_subscribe(struct gvm_nl *g);
int gvm_nl_event(struct gvm_nl *g, int timeout_ms, struct gvm_entry *ev);
int gvm_nl_event_by(struct gvm_nl *g, long end, struct gvm_entry *ev);

#endif /* _GVM_NL_TEST_H */
