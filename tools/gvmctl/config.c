// SPDX-License-Identifier: GPL-2.0
/*
 * cluster.conf: one directive per line, "#" starts a comment.
 *
 *	domain ID		node ID			name NAME
 *	heartbeat MS		timeout MS		connect lazy|eager
 *	psk-file PATH		(relative to the directory of the file)
 *	member ID ADDR:PORT	(or just ID ADDR:PORT)
 *
 * The same file can serve every node of a domain: the local node comes
 * from "node" or from gvmctl join --node, and its member line gives the
 * address it listens on. The first bad line stops the parse, reported as
 * FILE:LINE: why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "parse.h"

void cluster_init(struct gvm_cluster *c)
{
	memset(c, 0, sizeof(*c));
	c->self = GVM_NODE_NONE;
	c->connect = -1;
}

void cluster_free(struct gvm_cluster *c)
{
	free(c->members);
	free(c->slot);
	cluster_init(c);
}

const struct gvm_member *cluster_member(const struct gvm_cluster *c,
					uint32_t id)
{
	if (!c->slot || id >= GVM_MAX_NODES || !c->slot[id])
		return NULL;
	return &c->members[c->slot[id] - 1];
}

bool cluster_add(struct gvm_cluster *c, uint32_t id,
		 const struct gvm_endpoint *ep, unsigned int line, char *err,
		 size_t errlen)
{
	const struct gvm_member *old = cluster_member(c, id);
	struct gvm_member *m;

	if (old && old->line) {
		snprintf(err, errlen, "member %u already listed at line %u",
			 id, old->line);
		return false;
	}
	if (old) {
		snprintf(err, errlen, "node %u given twice", id);
		return false;
	}
	if (!c->slot) {
		c->slot = calloc(GVM_MAX_NODES, sizeof(*c->slot));
		if (!c->slot)
			goto nomem;
	}
	if (c->nmembers == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;

		m = realloc(c->members, cap * sizeof(*m));
		if (!m)
			goto nomem;
		c->members = m;
		c->cap = cap;
	}
	m = &c->members[c->nmembers++];
	m->id = id;
	m->ep = *ep;
	m->line = line;
	c->slot[id] = (uint32_t)c->nmembers;
	return true;
nomem:
	snprintf(err, errlen, "out of memory");
	return false;
}

uint8_t cluster_connect(const struct gvm_cluster *c)
{
	if (c->connect >= 0)
		return (uint8_t)c->connect;
	return c->nmembers <= EAGER_MAX_MEMBERS ? GVM_CONNECT_EAGER :
						  GVM_CONNECT_LAZY;
}

void cluster_override(struct gvm_cluster *c, uint32_t domain, uint32_t node)
{
	if (domain) {
		c->domain = domain;
		c->line.domain = 0;
	}
	if (node != GVM_NODE_NONE) {
		c->self = node;
		c->line.self = 0;
	}
}

/* "FILE:LINE: ", "FILE: " or nothing, before a message. */
static void where(char *err, size_t errlen, const char *src,
		  unsigned int line, const char *why)
{
	if (src && line)
		snprintf(err, errlen, "%s:%u: %s", src, line, why);
	else if (src)
		snprintf(err, errlen, "%s: %s", src, why);
	else
		snprintf(err, errlen, "%s", why);
}

static int endpoint_cmp(const struct gvm_endpoint *x,
			const struct gvm_endpoint *y)
{
	size_t len = x->family == AF_INET6 ? sizeof(x->v6) : sizeof(x->v4);
	int d;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	d = memcmp(&x->v6, &y->v6, len);
	if (d)
		return d;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* By endpoint, then in the order given, so the later one is reported. */
static int member_cmp(const void *a, const void *b)
{
	const struct gvm_member *x = *(const struct gvm_member * const *)a;
	const struct gvm_member *y = *(const struct gvm_member * const *)b;
	int d = endpoint_cmp(&x->ep, &y->ep);

	if (d)
		return d;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Two members cannot both listen on one address and port. */
static bool check_endpoints(const struct gvm_cluster *c, const char *src,
			    char *err, size_t errlen)
{
	const struct gvm_member **by_ep, *a = NULL, *b = NULL;
	char why[ERR_MAX];
	size_t i;

	if (c->nmembers < 2)
		return true;
	by_ep = malloc(c->nmembers * sizeof(*by_ep));
	if (!by_ep) {
		where(err, errlen, src, 0, "out of memory");
		return false;
	}
	for (i = 0; i < c->nmembers; i++)
		by_ep[i] = &c->members[i];
	qsort(by_ep, c->nmembers, sizeof(*by_ep), member_cmp);
	for (i = 1; i < c->nmembers && !b; i++) {
		if (!endpoint_cmp(&by_ep[i - 1]->ep, &by_ep[i]->ep)) {
			a = by_ep[i - 1];
			b = by_ep[i];
		}
	}
	free(by_ep);
	if (!b)
		return true;
	if (a->line)
		snprintf(why, sizeof(why),
			 "member %u has the same address as member %u (line %u)",
			 b->id, a->id, a->line);
	else
		snprintf(why, sizeof(why),
			 "member %u has the same address as member %u",
			 b->id, a->id);
	where(err, errlen, src, b->line, why);
	return false;
}

bool cluster_check(const struct gvm_cluster *c, const char *src, char *err,
		   size_t errlen)
{
	const struct gvm_member *self;
	char why[ERR_MAX], addr[ENDPOINT_STR_MAX];
	size_t i;

	if (!c->domain) {
		where(err, errlen, src, 0,
		      "no domain: add \"domain ID\" or use --domain");
		return false;
	}
	if (c->self == GVM_NODE_NONE) {
		where(err, errlen, src, 0,
		      "no local node: add \"node ID\" or use --node");
		return false;
	}
	self = cluster_member(c, c->self);
	if (!self) {
		snprintf(why, sizeof(why),
			 "node %u is not a member: its member line gives the address it listens on",
			 c->self);
		where(err, errlen, src, c->line.self, why);
		return false;
	}
	if (c->heartbeat_ms && c->timeout_ms &&
	    c->timeout_ms <= c->heartbeat_ms) {
		snprintf(why, sizeof(why),
			 "timeout %u must be greater than heartbeat %u",
			 c->timeout_ms, c->heartbeat_ms);
		where(err, errlen, src,
		      c->line.timeout > c->line.heartbeat ?
		      c->line.timeout : c->line.heartbeat, why);
		return false;
	}
	for (i = 0; i < c->nmembers; i++) {
		const struct gvm_member *m = &c->members[i];

		if (m == self || !endpoint_is_unspecified(&m->ep))
			continue;
		snprintf(why, sizeof(why),
			 "member %u: %s is not an address peers can connect to",
			 m->id, endpoint_str(&m->ep, addr));
		where(err, errlen, src, m->line, why);
		return false;
	}
	return check_endpoints(c, src, err, errlen);
}

/* ---- cluster.conf ---------------------------------------------------- */

static bool set_domain(struct gvm_cluster *c, const char *v, char *err,
		       size_t errlen)
{
	return parse_u32(v, DOMAIN_ID_MIN, DOMAIN_ID_MAX, &c->domain, err,
			 errlen);
}

static bool set_node(struct gvm_cluster *c, const char *v, char *err,
		     size_t errlen)
{
	return parse_u32(v, 0, NODE_ID_MAX, &c->self, err, errlen);
}

static bool set_heartbeat(struct gvm_cluster *c, const char *v, char *err,
			  size_t errlen)
{
	return parse_u32(v, GVM_HEARTBEAT_MS_MIN, GVM_HEARTBEAT_MS_MAX,
			 &c->heartbeat_ms, err, errlen);
}

static bool set_timeout(struct gvm_cluster *c, const char *v, char *err,
			size_t errlen)
{
	return parse_u32(v, GVM_TIMEOUT_MS_MIN, GVM_TIMEOUT_MS_MAX, &c->timeout_ms,
			 err, errlen);
}

static bool set_connect(struct gvm_cluster *c, const char *v, char *err,
			size_t errlen)
{
	uint8_t mode;

	if (!parse_connect(v, &mode, err, errlen))
		return false;
	c->connect = mode;
	return true;
}

static bool set_name(struct gvm_cluster *c, const char *v, char *err,
		     size_t errlen)
{
	return parse_name(v, c->name, err, errlen);
}

/* Kept as a path; gvmctl join reads the key (psk.h) when it needs it. */
static bool set_psk_file(struct gvm_cluster *c, const char *v, char *err,
			 size_t errlen)
{
	const char *slash = c->src ? strrchr(c->src, '/') : NULL;
	int dir = v[0] == '/' || !slash ? 0 : (int)(slash - c->src) + 1;
	int n;

	n = snprintf(c->psk_file, sizeof(c->psk_file), "%.*s%s", dir,
		     dir ? c->src : "", v);
	if (n < 0 || (size_t)n >= sizeof(c->psk_file)) {
		c->psk_file[0] = '\0';
		snprintf(err, errlen, "path too long");
		return false;
	}
	return true;
}

/* The directives that take one value and may appear once. */
static const struct directive {
	const char *name;
	const char *arg;		/* what "missing ..." names */
	bool (*set)(struct gvm_cluster *c, const char *v, char *err,
		    size_t errlen);
	size_t line;			/* offsetof its line in gvm_cluster */
} directives[] = {
	{ "domain", "ID", set_domain, offsetof(struct gvm_cluster, line.domain) },
	{ "node", "ID", set_node, offsetof(struct gvm_cluster, line.self) },
	{ "heartbeat", "MS", set_heartbeat,
	  offsetof(struct gvm_cluster, line.heartbeat) },
	{ "timeout", "MS", set_timeout,
	  offsetof(struct gvm_cluster, line.timeout) },
	{ "connect", "lazy|eager", set_connect,
	  offsetof(struct gvm_cluster, line.connect) },
	{ "name", "NAME", set_name, offsetof(struct gvm_cluster, line.name) },
	{ "psk-file", "PATH", set_psk_file,
	  offsetof(struct gvm_cluster, line.psk_file) },
};

static bool apply(struct gvm_cluster *c, const struct directive *d,
		  char **w, int n, unsigned int line, char *err,
		  size_t errlen)
{
	unsigned int *seen = (unsigned int *)((char *)c + d->line);
	char why[ERR_MAX];

	if (n < 2) {
		snprintf(err, errlen, "%s: missing %s", d->name, d->arg);
		return false;
	}
	if (n > 2) {
		snprintf(err, errlen, "%s: unexpected \"%s\"", d->name, w[2]);
		return false;
	}
	if (*seen) {
		snprintf(err, errlen, "%s already set at line %u", d->name,
			 *seen);
		return false;
	}
	if (!d->set(c, w[1], why, sizeof(why))) {
		snprintf(err, errlen, "%s %s: %s", d->name, w[1], why);
		return false;
	}
	*seen = line;
	return true;
}

/* @w: ID ADDR:PORT */
static bool add_member(struct gvm_cluster *c, char **w, int n,
		       unsigned int line, char *err, size_t errlen)
{
	struct gvm_endpoint ep;
	char why[ERR_MAX];
	uint32_t id;

	if (n < 2) {
		snprintf(err, errlen, "member: expected ID ADDR:PORT");
		return false;
	}
	if (n > 2) {
		snprintf(err, errlen, "member %s: unexpected \"%s\"", w[0],
			 w[2]);
		return false;
	}
	if (!parse_u32(w[0], 0, NODE_ID_MAX, &id, why, sizeof(why))) {
		snprintf(err, errlen, "member %s: %s", w[0], why);
		return false;
	}
	if (!parse_endpoint(w[1], &ep, why, sizeof(why))) {
		snprintf(err, errlen, "member %u: %s: %s", id, w[1], why);
		return false;
	}
	return cluster_add(c, id, &ep, line, err, errlen);
}

#define MAX_WORDS	4	/* "member ID ADDR:PORT" and one too many */

/* Words of @line before any "#"; counts them all, stores MAX_WORDS. */
static int split(char *line, char *w[MAX_WORDS])
{
	static const char space[] = " \t\r\n\v\f";
	char *word, *save, *hash = strchr(line, '#');
	int n = 0;

	if (hash)
		*hash = '\0';
	for (word = strtok_r(line, space, &save); word;
	     word = strtok_r(NULL, space, &save)) {
		if (n < MAX_WORDS)
			w[n] = word;
		n++;
	}
	return n;
}

static bool parse_line(struct gvm_cluster *c, char *text, unsigned int line,
		       char *err, size_t errlen)
{
	char *w[MAX_WORDS];
	int n = split(text, w);
	size_t i;

	if (!n)
		return true;
	if (!strcmp(w[0], "member"))
		return add_member(c, w + 1, n - 1, line, err, errlen);
	if (w[0][0] >= '0' && w[0][0] <= '9')
		return add_member(c, w, n, line, err, errlen);
	for (i = 0; i < ARRAY_SIZE(directives); i++)
		if (!strcmp(w[0], directives[i].name))
			return apply(c, &directives[i], w, n, line, err,
				     errlen);
	snprintf(err, errlen, "unknown directive \"%s\"", w[0]);
	return false;
}

bool config_parse(struct gvm_cluster *c, FILE *f, const char *src, char *err,
		  size_t errlen)
{
	char why[ERR_MAX], *text = NULL;
	unsigned int line = 0;
	size_t cap = 0;
	bool ok = true;

	c->src = src;
	while (ok && getline(&text, &cap, f) >= 0) {
		line++;
		ok = parse_line(c, text, line, why, sizeof(why));
		if (!ok)
			where(err, errlen, src, line, why);
	}
	c->src = NULL;
	if (ok && ferror(f)) {
		where(err, errlen, src, 0, strerror(errno));
		ok = false;
	}
	free(text);
	return ok;
}

bool config_read(struct gvm_cluster *c, const char *path, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f) {
		where(err, errlen, path, 0, strerror(errno));
		return false;
	}
	ok = config_parse(c, f, path, err, errlen);
	fclose(f);
	return ok;
}
