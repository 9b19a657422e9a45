// SPDX-License-Identifier: GPL-2.0
/*
 * gvm-hub: the shared L2 segment of the test VMs, on the loopback address
 * only so no test frame ever leaves this host.
 *
 *   gvm-hub VMPORT...
 *
 * Binds 127.0.0.1 on a free port, prints "ready PORT" and forwards every
 * datagram that arrives from VM i (QEMU's "-netdev socket,udp=127.0.0.1:PORT,
 * localaddr=127.0.0.1:VMPORT[i]") to the other VMs, as a learning switch
 * does: a frame for a MAC address seen as the source of VM j's frames goes
 * to VM j alone, any other (broadcast, ARP, a MAC not seen yet) to every
 * other VM. Flooding every frame would wake every VM's QEMU for the
 * traffic of two, on a host with two cores to share among them all.
 * Datagrams from any other local port are commands, answered with one
 * line:
 *
 *   cut I [J]      drop frames between I and every VM (or only J)
 *   restore I [J]  undo it
 *   stats          "ok" and per VM: frames in, out, dropped
 *   quit           exit
 *
 * Cutting a link lets a test take a VM off the network without killing it.
 * The hub dies with its parent, so a crashed runner leaves nothing behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_VMS 64
#define FRAME_MAX 65536

#define ETH_ALEN 6

struct vm {
	unsigned short port;	/* host byte order */
	bool learnt;
	unsigned char mac[ETH_ALEN];	/* source of its frames */
	unsigned long in, out, dropped;
};

static struct vm vms[MAX_VMS];
static int nr_vms;
/* blocked[i][j]: frames from i to j are dropped. */
static bool blocked[MAX_VMS][MAX_VMS];

static int vm_by_port(unsigned short port)
{
	int i;

	for (i = 0; i < nr_vms; i++)
		if (vms[i].port == port)
			return i;
	return -1;
}

static void set_link(int a, int b, bool cut)
{
	int j;

	for (j = 0; j < nr_vms; j++) {
		if (j == a || (b >= 0 && j != b))
			continue;
		blocked[a][j] = cut;
		blocked[j][a] = cut;
	}
}

static void send_to(int fd, unsigned short port, const void *buf, size_t len)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	/* A VM that is down refuses silently: nothing to handle. */
	sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
}

/* The VM whose frames come from @mac, or -1. */
static int vm_by_mac(const unsigned char *mac)
{
	int i;

	for (i = 0; i < nr_vms; i++)
		if (vms[i].learnt && !memcmp(vms[i].mac, mac, ETH_ALEN))
			return i;
	return -1;
}

static void forward(int fd, int from, const char *buf, size_t len)
{
	const unsigned char *eth = (const unsigned char *)buf;
	int j, to = -1;

	vms[from].in++;
	if (len >= 2 * ETH_ALEN) {
		/* Unicast sources only: a group address is nobody's. */
		if (!(eth[ETH_ALEN] & 1)) {
			memcpy(vms[from].mac, eth + ETH_ALEN, ETH_ALEN);
			vms[from].learnt = true;
		}
		if (!(eth[0] & 1))
			to = vm_by_mac(eth);
	}
	for (j = 0; j < nr_vms; j++) {
		if (j == from || (to >= 0 && j != to))
			continue;
		if (blocked[from][j]) {
			vms[from].dropped++;
			continue;
		}
		vms[j].out++;
		send_to(fd, vms[j].port, buf, len);
	}
}

/* Returns false on "quit". */
static bool control(int fd, struct sockaddr_in *from, char *buf, size_t len)
{
	char reply[4096], verb[16];
	int a = -1, b = -1, n, i;
	size_t off;
	bool ret = true;

	buf[len] = '\0';
	n = sscanf(buf, "%15s %d %d", verb, &a, &b);
	if (n >= 2 && (!strcmp(verb, "cut") || !strcmp(verb, "restore")) &&
	    a >= 0 && a < nr_vms && (n < 3 || (b >= 0 && b < nr_vms))) {
		set_link(a, n == 3 ? b : -1, !strcmp(verb, "cut"));
		snprintf(reply, sizeof(reply), "ok\n");
	} else if (n == 1 && !strcmp(verb, "stats")) {
		off = snprintf(reply, sizeof(reply), "ok");
		for (i = 0; i < nr_vms && off < sizeof(reply) - 64; i++)
			off += snprintf(reply + off, sizeof(reply) - off,
					" %d:%lu/%lu/%lu", i, vms[i].in,
					vms[i].out, vms[i].dropped);
		snprintf(reply + off, sizeof(reply) - off, "\n");
	} else if (n == 1 && !strcmp(verb, "quit")) {
		snprintf(reply, sizeof(reply), "ok\n");
		ret = false;
	} else {
		snprintf(reply, sizeof(reply), "error: bad command\n");
	}
	sendto(fd, reply, strlen(reply), 0, (struct sockaddr *)from,
	       sizeof(*from));
	return ret;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t alen = sizeof(addr);
	static char buf[FRAME_MAX + 1];
	int fd, i;

	if (argc < 2 || argc - 1 > MAX_VMS) {
		fprintf(stderr, "usage: gvm-hub VMPORT... (at most %d)\n",
			MAX_VMS);
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	for (i = 1; i < argc; i++) {
		long port = strtol(argv[i], NULL, 10);

		if (port <= 0 || port > 65535) {
			fprintf(stderr, "gvm-hub: bad port %s\n", argv[i]);
			return 2;
		}
		vms[nr_vms++].port = port;
	}

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(fd, (struct sockaddr *)&addr, &alen)) {
		perror("gvm-hub");
		return 1;
	}
	printf("ready %u\n", ntohs(addr.sin_port));
	fflush(stdout);

	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t len;
		int vm;

		len = recvfrom(fd, buf, FRAME_MAX, 0, (struct sockaddr *)&from,
			       &flen);
		if (len < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			perror("gvm-hub: recvfrom");
			return 1;
		}
		/* Only this host may talk to the hub. */
		if (from.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
			continue;
		vm = vm_by_port(ntohs(from.sin_port));
		if (vm >= 0)
			forward(fd, vm, buf, len);
		else if (!control(fd, &from, buf, len))
			break;
	}
	close(fd);
	return 0;
}
