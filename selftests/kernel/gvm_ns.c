// SPDX-License-Identifier: GPL-2.0
/* Clusters of namespaces and their regions, for the VM tests (gvm_ns.h). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gvm_env.h"
#include "gvm_ns.h"

static struct gvm_dump dump;
static int initial_ns = -1;

static int enter(int fd)
{
	int ret = setns(fd, CLONE_NEWNET);

	close(fd);
	return ret;
}

/* This thread moves to namespace gvmns<i>; gvm_leave_ns() comes back. */
int gvm_enter_ns(int i)
{
	char path[64];
	int fd;

	if (initial_ns < 0)
		initial_ns = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "/run/netns/gvmns%d", i);
	fd = open(path, O_RDONLY);
	return fd < 0 ? -1 : enter(fd);
}

int gvm_leave_ns(void)
{
	return initial_ns < 0 ? 0 : setns(initial_ns, CLONE_NEWNET);
}

/*
 * Node @i's link (gvmveth<i>, from the namespace the test started in) up
 * or down, at once: ip(8) under TCG can take long enough to fail nodes.
 */
int gvm_link_set(int i, bool up)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "gvmveth%d", i);
	ret = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags = up ? ifr.ifr_flags | IFF_UP :
				     ifr.ifr_flags & ~IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	ret = ret ? -errno : 0;
	close(s);
	return ret;
}

/*
 * Node @i's domain, with every other node a member; eager connections.
 * Its heartbeat and timeout stretched by gvm_ms() for a slow kernel.
 */
int gvm_ns_join(struct gvm_nl *g, int i, const struct gvm_ns_cfg *c)
{
	struct nl_msg *m = gvm_nl_msg(g, GVM_CMD_DOMAIN_NEW, NLM_F_ACK);
	uint8_t ip[4] = { 10, 1, 0, i + 1 };
	int j, ret;

	nla_put_u32(m, GVM_A_DOMAIN_ID, c->domain);
	nla_put_u32(m, GVM_A_NODE_ID, i);
	nla_put(m, GVM_A_ADDR4, 4, ip);
	nla_put_u16(m, GVM_A_PORT, c->port);
	nla_put_u32(m, GVM_A_HEARTBEAT_MS, gvm_ms(c->heartbeat_ms));
	nla_put_u32(m, GVM_A_TIMEOUT_MS, gvm_ms(c->timeout_ms));
	nla_put_u8(m, GVM_A_CONNECT, GVM_CONNECT_EAGER);
	if (c->psk && c->psk[i])
		nla_put(m, GVM_A_PSK, GVM_PSK_LEN, c->psk[i]);
	ret = gvm_nl_send(g, m, NULL);
	for (j = 0; j < c->nodes && !ret; j++) {
		char addr[24];

		if (j == i)
			continue;
		snprintf(addr, sizeof(addr), "10.1.0.%d", j + 1);
		ret = gvm_node_add(g, c->domain, j, addr, c->port);
	}
	return ret;
}

/* Node @who's state as @g's node sees it, or -1. */
int gvm_state_of(struct gvm_nl *g, uint32_t domain, int who)
{
	int k;

	if (gvm_nodes(g, domain, &dump))
		return -1;
	for (k = 0; k < dump.n; k++)
		if (dump.e[k].node == (uint32_t)who)
			return dump.e[k].state;
	return -1;
}

/*
 * Until every node in @seers sees @who in @state, within @limit_ms (by
 * gvm_ms()): the ms taken, or -1.
 */
long gvm_wait_state(struct gvm_nl *g, const struct gvm_ns_cfg *c,
		    unsigned int seers, int who, int state, long limit_ms)
{
	long start = gvm_now_ms();

	limit_ms = gvm_ms(limit_ms);
	while (gvm_now_ms() - start < limit_ms) {
		int i, seen = 0;

		for (i = 0; i < c->nodes; i++)
			if (!(seers & 1u << i) ||
			    gvm_state_of(&g[i], c->domain, who) == state)
				seen++;
		if (seen == c->nodes)
			return gvm_now_ms() - start;
		usleep(20000);
	}
	return -1;
}

/* A region of this namespace's domain @domain, as a descriptor; -errno. */
int gvm_region_open(uint32_t domain, uint32_t region, uint64_t bytes,
		    uint32_t owner)
{
	struct gvm_region_create rc = {
		.size = sizeof(rc), .domain = domain, .region = region,
		.bytes = bytes, .owner = owner,
	};
	int dev = open("/dev/giantvm", O_RDWR | O_CLOEXEC);
	int fd;

	if (dev < 0)
		return -errno;
	fd = ioctl(dev, GVM_IOC_REGION_CREATE, &rc);
	if (fd < 0)
		fd = -errno;
	close(dev);
	return fd;
}
