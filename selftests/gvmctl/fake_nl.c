// SPDX-License-Identifier: GPL-2.0
/*
 * The fake kernel boundary: nl.h's functions over struct fake_nl.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_nl.h"
#include "../../tools/gvmctl/parse.h"

struct fake_nl fake_nl;

struct gvm_nl {
	char why[256];
};

void fake_nl_reset(void)
{
	memset(&fake_nl, 0, sizeof(fake_nl));
}

/* Logs one request; returns its scripted error, 0 or negative. */
static int request(struct gvm_nl *nl, const char *fmt, ...)
{
	size_t len = strlen(fake_nl.log);
	unsigned int n = fake_nl.requests++;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_nl.log + len, sizeof(fake_nl.log) - len, fmt, ap);
	va_end(ap);
	if (fake_nl.signal && n == fake_nl.signal_at)
		raise(fake_nl.signal);
	if (n >= 32 || !(fake_nl.fail & (1U << n)))
		return 0;
	snprintf(nl->why, sizeof(nl->why), "%s", fake_nl.why);
	return fake_nl.err;
}

struct gvm_nl *gvm_nl_open(void)
{
	if (fake_nl.not_loaded) {
		fprintf(stderr, PROG_NAME
			": giantvm-kvm is not loaded: modprobe giantvm-kvm\n");
		return NULL;
	}
	return calloc(1, sizeof(struct gvm_nl));
}

void gvm_nl_close(struct gvm_nl *nl)
{
	free(nl);
}

const char *gvm_nl_error(const struct gvm_nl *nl)
{
	return nl->why;
}

int gvm_domain_new(struct gvm_nl *nl, const struct gvm_domain_info *d)
{
	char ep[ENDPOINT_STR_MAX];

	char psk[2 * GVM_PSK_LEN + 8] = "";
	size_t i;

	/* Only with a key, so that the other tests' lines stay as they were. */
	if (d->has_psk) {
		strcpy(psk, " psk ");
		for (i = 0; i < GVM_PSK_LEN; i++)
			sprintf(psk + 5 + 2 * i, "%02x", d->psk[i]);
	}
	return request(nl, "domain_new %u node %u listen %s heartbeat %u timeout %u connect %u name \"%s\"%s\n",
		       d->id, d->self, endpoint_str(&d->listen, ep),
		       d->heartbeat_ms, d->timeout_ms, d->connect, d->name,
		       psk);
}

int gvm_domain_del(struct gvm_nl *nl, uint32_t domain)
{
	return request(nl, "domain_del %u\n", domain);
}

int gvm_node_add(struct gvm_nl *nl, uint32_t domain,
		 const struct gvm_member *m)
{
	char ep[ENDPOINT_STR_MAX];

	return request(nl, "node_add %u node %u %s\n", domain, m->id,
		       endpoint_str(&m->ep, ep));
}

static void *copy(const void *v, size_t n, size_t size)
{
	void *out = malloc(n * size + 1);

	if (out && n)
		memcpy(out, v, n * size);
	return out;
}

int gvm_domains_get(struct gvm_nl *nl, uint32_t domain,
		    struct gvm_domain_info **out, size_t *n)
{
	int err = request(nl, "domain_get %u\n", domain);
	size_t i;

	if (err)
		return err;
	if (!domain) {
		*out = copy(fake_nl.domains, fake_nl.ndomains, sizeof(**out));
		*n = fake_nl.ndomains;
		return *out ? 0 : -ENOMEM;
	}
	for (i = 0; i < fake_nl.ndomains; i++) {
		if (fake_nl.domains[i].id == domain) {
			*out = copy(&fake_nl.domains[i], 1, sizeof(**out));
			*n = 1;
			return *out ? 0 : -ENOMEM;
		}
	}
	snprintf(nl->why, sizeof(nl->why), "no such domain");
	return -ENOENT;
}

int gvm_nodes_get(struct gvm_nl *nl, uint32_t domain,
		  struct gvm_node_info **out, size_t *n)
{
	int err = request(nl, "node_get %u\n", domain);

	if (err)
		return err;
	if (domain == fake_nl.vanished) {
		snprintf(nl->why, sizeof(nl->why), "no such domain");
		return -ENOENT;
	}
	*out = copy(fake_nl.nodes, fake_nl.nnodes, sizeof(**out));
	*n = fake_nl.nnodes;
	return *out ? 0 : -ENOMEM;
}

int gvm_regions_get(struct gvm_nl *nl, uint32_t domain,
		    struct gvm_region_info **out, size_t *n)
{
	int err = request(nl, "region_get %u\n", domain);

	if (err)
		return err;
	*out = copy(fake_nl.regions, fake_nl.nregions, sizeof(**out));
	*n = fake_nl.nregions;
	return *out ? 0 : -ENOMEM;
}

int gvm_monitor(struct gvm_nl *nl,
		int (*fn)(const struct gvm_event *ev, void *arg), void *arg)
{
	int err = request(nl, "monitor\n");
	size_t i;

	if (err)
		return err;
	for (i = 0; i < fake_nl.nevents; i++) {
		err = fn(&fake_nl.events[i], arg);
		if (err)
			return err;
	}
	snprintf(nl->why, sizeof(nl->why), "end of events");
	return -EIO;
}
