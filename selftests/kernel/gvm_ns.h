/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clusters in one kernel for the VM tests: node i lives in network
 * namespace gvmns<i> at 10.1.0.<i+1> (the role script builds them, see
 * selftests/vm/gvm.sh gvm_netns), with one domain each; and the regions
 * they share through /dev/giantvm.
 */
#ifndef _GVM_NS_TEST_H
#define _GVM_NS_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include "gvm_env.h"
#include "gvm_nl.h"

struct gvm_ns_cfg {
	int nodes;
	uint32_t domain;
	uint16_t port;
	uint32_t heartbeat_ms, timeout_ms;
	/* Node i's pre-shared key, GVM_PSK_LEN bytes (none: NULL, psk[i] NULL). */
	const uint8_t *const *psk;
};

int gvm_enter_ns(int i);
int gvm_leave_ns(void);
int gvm_link_set(int i, bool up);
int gvm_ns_join(struct gvm_nl *g, int i, const struct gvm_ns_cfg *c);
int gvm_state_of(struct gvm_nl *g, uint32_t domain, int who);
long gvm_wait_state(struct gvm_nl *g, const struct gvm_ns_cfg *c,
		    unsigned int seers, int who, int state, long limit_ms);
int gvm_region_open(uint32_t domain, uint32_t region, uint64_t bytes,
		    uint32_t owner);

#endif /* _GVM_NS_TEST_H */
