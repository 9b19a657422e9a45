// SPDX-License-Identifier: GPL-2.0
/*
 * Output of "status" and "monitor", for people and for programs. Names and
 * reasons come from the kernel, and another tool may have set any bytes
 * there: JSON gets them escaped into valid UTF-8, terminals get them
 * without control characters.
 */
#include <inttypes.h>
#include <string.h>
#include "format.h"
#include "parse.h"

static const char *const node_states[] = {
	[GVM_NODE_IDLE] = "idle",
	[GVM_NODE_CONNECTING] = "connecting",
	[GVM_NODE_UP] = "up",
	[GVM_NODE_DOWN] = "down",
	[GVM_NODE_LEFT] = "left",
	[GVM_NODE_SELF] = "self",
};

static const char *const connect_modes[] = {
	[GVM_CONNECT_LAZY] = "lazy",
	[GVM_CONNECT_EAGER] = "eager",
};

static const char *const events[] = {
	[GVM_CMD_DOMAIN_NEW] = "domain-new",
	[GVM_CMD_DOMAIN_DEL] = "domain-del",
	[GVM_CMD_NODE_ADD] = "node-add",
	[GVM_CMD_NODE_DEL] = "node-del",
	[GVM_CMD_NODE_UP] = "node-up",
	[GVM_CMD_NODE_DOWN] = "node-down",
	[GVM_CMD_NODE_LEFT] = "node-left",
	[GVM_CMD_HANDSHAKE_FAIL] = "handshake-fail",
	[GVM_CMD_FAULT_FAIL] = "fault-fail",
	[GVM_CMD_PAGE_LOST] = "page-lost",
	[GVM_CMD_REGION_CONFLICT] = "region-conflict",
};

static const char *const hello_reasons[] = {
	[GVM_HELLO_OK] = "ok",
	[GVM_HELLO_WRONG_DOMAIN] = "wrong-domain",
	[GVM_HELLO_NOT_MEMBER] = "not-member",
	[GVM_HELLO_WRONG_NODE] = "wrong-node",
	[GVM_HELLO_VERSION] = "version",
	[GVM_HELLO_MALFORMED] = "malformed",
	[GVM_HELLO_AUTH] = "auth",
};

/* JSON keys of enum gvm_stat; UNSPEC and PAD have none. */
static const char *const stat_keys[] = {
	[GVM_STAT_TX_FRAMES] = "tx_frames",
	[GVM_STAT_RX_FRAMES] = "rx_frames",
	[GVM_STAT_TX_BYTES] = "tx_bytes",
	[GVM_STAT_RX_BYTES] = "rx_bytes",
	[GVM_STAT_CONNECTS] = "connects",
	[GVM_STAT_CONNECT_FAILS] = "connect_fails",
	[GVM_STAT_HANDSHAKE_FAILS] = "handshake_fails",
	[GVM_STAT_HEARTBEATS_TX] = "heartbeats_tx",
	[GVM_STAT_HEARTBEATS_RX] = "heartbeats_rx",
	[GVM_STAT_DOWNS] = "downs",
	[GVM_STAT_BAD_FRAMES] = "bad_frames",
};

/* Region counters: words for the text, keys for JSON (the spec's names). */
static const struct {
	const char *text;
	const char *key;
} rstats[] = {
	[GVM_RSTAT_READ_FAULTS] = { "read faults", "read_faults" },
	[GVM_RSTAT_WRITE_FAULTS] = { "write faults", "write_faults" },
	[GVM_RSTAT_LOCAL_FAULTS] = { "local faults", "local_faults" },
	[GVM_RSTAT_PAGES_IN] = { "pages in", "pages_in" },
	[GVM_RSTAT_PAGES_OUT] = { "pages out", "pages_out" },
	[GVM_RSTAT_INV_SENT] = { "invalidations sent", "inv_sent" },
	[GVM_RSTAT_INV_RECEIVED] = { "invalidations received",
				     "inv_received" },
	[GVM_RSTAT_RETRIES] = { "retries", "retries" },
	[GVM_RSTAT_TIMEOUTS] = { "timeouts", "timeouts" },
	[GVM_RSTAT_FAULT_FAILS] = { "fault failures", "fault_fails" },
	[GVM_RSTAT_PAGES_LOST] = { "pages lost", "pages_lost" },
	[GVM_RSTAT_STALE] = { "stale", "stale" },
	[GVM_RSTAT_PROTOCOL_ERRORS] = { "protocol errors", "protocol_errors" },
	[GVM_RSTAT_TAKEOVERS] = { "takeovers", "takeovers" },
	[GVM_RSTAT_READ_AHEAD] = { "read ahead", "read_ahead" },
};
/* A counter added to giantvm.h needs its names here. */
_Static_assert(ARRAY_SIZE(rstats) == __GVM_RSTAT_MAX,
	       "every region counter has a name");

/* A newer kernel may report values this gvmctl has no name for. */
static const char *lookup(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

const char *node_state_name(uint8_t state)
{
	return lookup(node_states, ARRAY_SIZE(node_states), state);
}

const char *connect_name(uint8_t connect)
{
	return lookup(connect_modes, ARRAY_SIZE(connect_modes), connect);
}

const char *event_name(uint8_t cmd)
{
	return lookup(events, ARRAY_SIZE(events), cmd);
}

const char *hello_reason_name(int reason)
{
	return lookup(hello_reasons, ARRAY_SIZE(hello_reasons),
		      (unsigned int)reason);
}

/* Counts are the kernel's: saturate rather than wrap. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

int lat_percentile(const uint64_t lat[GVM_LAT_BUCKETS], unsigned int pct)
{
	uint64_t total = 0, seen = 0, rank;
	int i;

	for (i = 0; i < GVM_LAT_BUCKETS; i++)
		total = add_sat(total, lat[i]);
	if (!total)
		return -1;
	/* Nearest rank: ceil(total * pct / 100), without the overflow. */
	rank = total / 100 * pct + (total % 100 * pct + 99) / 100;
	for (i = 0; i < GVM_LAT_BUCKETS - 1; i++) {
		seen = add_sat(seen, lat[i]);
		if (seen >= rank)
			break;
	}
	return i;
}

/* Length of the well-formed UTF-8 sequence at @s, 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	/* A NUL is no continuation byte: never reads past the string. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	fputc('"', f);
	while (*p) {
		switch (*p) {
		case '"':
		case '\\':
			fprintf(f, "\\%c", *p);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20) {
				fprintf(f, "\\u%04x", *p);
				break;
			}
			len = utf8_len(p);
			if (!len) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(p, 1, len, f);
			p += len;
			continue;
		}
		p++;
	}
	fputc('"', f);
}

void text_string(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

const char *format_age(char buf[AGE_MAX], uint32_t ms)
{
	uint32_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, AGE_MAX, "%u.%us ago", s, ms % 1000 / 100);
	else if (s < 3600)
		snprintf(buf, AGE_MAX, "%um%02us ago", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, AGE_MAX, "%uh%02um ago", s / 3600, s / 60 % 60);
	else
		snprintf(buf, AGE_MAX, "%ud%02uh ago", s / 86400,
			 s / 3600 % 24);
	return buf;
}

const char *format_bytes(char buf[BYTES_MAX], uint64_t bytes)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, BYTES_MAX, "%" PRIu64 " B", bytes);
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, BYTES_MAX, "%.1f %s", v, units[u]);
	return buf;
}

const char *format_time(char buf[TIME_MAX], const struct timespec *t)
{
	struct tm tm;
	size_t len;

	gmtime_r(&t->tv_sec, &tm);
	len = strftime(buf, TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + len, TIME_MAX - len, ".%03ldZ", t->tv_nsec / 1000000);
	return buf;
}

/* ---- status ------------------------------------------------------------ */

/* The members, one line each, the address column as wide as needed. */
static void nodes_text(FILE *f, const struct gvm_node_info *nodes, size_t n)
{
	char ep[ENDPOINT_STR_MAX], b1[BYTES_MAX], b2[BYTES_MAX], age[AGE_MAX];
	int width = (int)strlen("ADDRESS");
	size_t i;

	for (i = 0; i < n; i++) {
		int len = (int)strlen(endpoint_str(&nodes[i].ep, ep));

		if (len > width)
			width = len;
	}
	fprintf(f, "\n  %5s  %-*s  %-10s  %-10s  %9s  %10s  %9s  %10s\n",
		"NODE", width, "ADDRESS", "STATE", "LAST HEARD", "TX FRAMES",
		"TX BYTES", "RX FRAMES", "RX BYTES");
	for (i = 0; i < n; i++) {
		const struct gvm_node_info *node = &nodes[i];
		const char *heard = "never";

		if (node->state == GVM_NODE_SELF)
			heard = "-";
		else if (node->heard)
			heard = format_age(age, node->last_rx_ms);
		fprintf(f, "  %5u  %-*s  %-10s  %-10s  %9" PRIu64 "  %10s  %9"
			PRIu64 "  %10s\n", node->id, width,
			endpoint_str(&node->ep, ep),
			node_state_name(node->state), heard,
			node->stats[GVM_STAT_TX_FRAMES],
			format_bytes(b1, node->stats[GVM_STAT_TX_BYTES]),
			node->stats[GVM_STAT_RX_FRAMES],
			format_bytes(b2, node->stats[GVM_STAT_RX_BYTES]));
	}
}

#define REGION_INDENT	"      "
#define REGION_WIDTH	80

/*
 * One region: what it is, then its counters that are not zero as
 * "name value" pairs wrapped at REGION_WIDTH, then fault latency.
 */
static void region_text(FILE *f, const struct gvm_region_info *r)
{
	int col = 0, p50 = lat_percentile(r->lat, 50);
	char b[BYTES_MAX];
	size_t i;

	fprintf(f, "    region %u: %s, %" PRIu64 " pages here, initial owner ",
		r->id, format_bytes(b, r->bytes), r->pages);
	if (r->owner == GVM_NODE_NONE)
		fputs("-", f);
	else
		fprintf(f, "%u", r->owner);
	fprintf(f, ", %u members\n", r->members);
	/* 0: a module that does not say. */
	if (r->meta_bytes)
		fprintf(f, REGION_INDENT "%s to track its pages here\n",
			format_bytes(b, r->meta_bytes));
	if (r->conflict[0]) {
		fputs(REGION_INDENT "out of service: ", f);
		text_string(f, r->conflict);
		fputc('\n', f);
	}
	for (i = GVM_RSTAT_READ_FAULTS; i < ARRAY_SIZE(rstats); i++) {
		char item[64];
		int len;

		if (!r->stats[i])
			continue;
		len = snprintf(item, sizeof(item), "%s %" PRIu64,
			       rstats[i].text, r->stats[i]);
		/* Room for the item and the comma that may follow it. */
		if (col && col + 2 + len + 1 > REGION_WIDTH) {
			fputs(",\n", f);
			col = 0;
		}
		col += fprintf(f, col ? ", %s" : REGION_INDENT "%s", item);
	}
	if (col)
		fputc('\n', f);
	if (p50 < 0)
		fputs(REGION_INDENT "fault latency -\n", f);
	else
		fprintf(f, REGION_INDENT "fault latency p50 %" PRIu64 "us p99 %"
			PRIu64 "us\n", (uint64_t)gvm_lat_lo(p50),
			(uint64_t)gvm_lat_lo(lat_percentile(r->lat, 99)));
}

void status_text(FILE *f, const struct gvm_domain_info *d)
{
	char ep[ENDPOINT_STR_MAX], b1[BYTES_MAX];
	const uint64_t *st = d->stats;
	size_t i;

	fprintf(f, "domain: %u\n", d->id);
	if (d->name[0]) {
		fputs("  name: ", f);
		text_string(f, d->name);
		fputc('\n', f);
	}
	fprintf(f, "  node: %u\n", d->self);
	fprintf(f, "  listen: %s\n", endpoint_str(&d->listen, ep));
	fprintf(f, "  members: %u\n", d->members);
	fprintf(f, "  memory: %s\n", format_bytes(b1, d->mem_bytes));
	fprintf(f, "  heartbeat: %u ms, timeout: %u ms, connect: %s\n",
		d->heartbeat_ms, d->timeout_ms, connect_name(d->connect));
	fprintf(f, "  frames: %s\n", d->auth ?
		"authenticated with a pre-shared key" :
		"not authenticated (no pre-shared key)");
	fprintf(f, "  sent: %" PRIu64 " frames, %s\n", st[GVM_STAT_TX_FRAMES],
		format_bytes(b1, st[GVM_STAT_TX_BYTES]));
	fprintf(f, "  received: %" PRIu64 " frames, %s\n",
		st[GVM_STAT_RX_FRAMES], format_bytes(b1, st[GVM_STAT_RX_BYTES]));
	fprintf(f, "  connections: %" PRIu64 " made, %" PRIu64 " failed, %"
		PRIu64 " failed handshakes\n", st[GVM_STAT_CONNECTS],
		st[GVM_STAT_CONNECT_FAILS], st[GVM_STAT_HANDSHAKE_FAILS]);
	fprintf(f, "  heartbeats: %" PRIu64 " sent, %" PRIu64 " received\n",
		st[GVM_STAT_HEARTBEATS_TX], st[GVM_STAT_HEARTBEATS_RX]);
	fprintf(f, "  down events: %" PRIu64 "\n", st[GVM_STAT_DOWNS]);
	fprintf(f, "  bad frames: %" PRIu64 "\n", st[GVM_STAT_BAD_FRAMES]);
	if (d->nnodes)
		nodes_text(f, d->nodes, d->nnodes);
	if (d->nregions) {
		fputs("\n  regions:\n", f);
		for (i = 0; i < d->nregions; i++)
			region_text(f, &d->regions[i]);
	}
}

/* @sep "key": value, and null when absent: keys never disappear. */
static void json_num(FILE *f, const char *sep, const char *key, bool present,
		     uint64_t v)
{
	if (present)
		fprintf(f, "%s\"%s\": %" PRIu64, sep, key, v);
	else
		fprintf(f, "%s\"%s\": null", sep, key);
}

static void json_str(FILE *f, const char *sep, const char *key,
		     const char *s)
{
	fprintf(f, "%s\"%s\": ", sep, key);
	if (s && *s)
		json_string(f, s);
	else
		fputs("null", f);
}

static void json_stats(FILE *f, const uint64_t *stats)
{
	const char *sep = "";
	size_t i;

	fputc('{', f);
	for (i = 0; i < ARRAY_SIZE(stat_keys); i++) {
		if (!stat_keys[i])
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, sep, stat_keys[i], stats[i]);
		sep = ", ";
	}
	fputc('}', f);
}

static void json_address(FILE *f, const struct gvm_endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN];

	json_str(f, "", "address", ep->family ? endpoint_addr(ep, addr) : NULL);
	fprintf(f, ", \"port\": %u", ep->port);
}

static void json_node(FILE *f, const struct gvm_node_info *n)
{
	fprintf(f, "{\"id\": %u, ", n->id);
	json_address(f, &n->ep);
	fprintf(f, ", \"state\": \"%s\"", node_state_name(n->state));
	json_num(f, ", ", "last_rx_ms", n->heard, n->last_rx_ms);
	fputs(", \"stats\": ", f);
	json_stats(f, n->stats);
	fputc('}', f);
}

/*
 * Every counter, zero or not, and the histogram as an array: element i
 * counts the faults that took gvm_lat_lo(i) us or more, and less than
 * gvm_lat_lo(i + 1) (uapi/linux/giantvm.h).
 */
static void json_region(FILE *f, const struct gvm_region_info *r)
{
	const char *sep = "";
	size_t i;

	fprintf(f, "{\"id\": %u, \"bytes\": %" PRIu64, r->id, r->bytes);
	json_num(f, ", ", "owner", r->owner != GVM_NODE_NONE, r->owner);
	fprintf(f, ", \"members\": %u, \"pages\": %" PRIu64, r->members,
		r->pages);
	json_num(f, ", ", "meta_bytes", r->meta_bytes, r->meta_bytes);
	json_str(f, ", ", "conflict", r->conflict);
	fputs(", \"stats\": {", f);
	for (i = GVM_RSTAT_READ_FAULTS; i < ARRAY_SIZE(rstats); i++) {
		fprintf(f, "%s\"%s\": %" PRIu64, sep, rstats[i].key,
			r->stats[i]);
		sep = ", ";
	}
	fputs("}, \"fault_latency\": [", f);
	for (i = 0; i < GVM_LAT_BUCKETS; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", r->lat[i]);
	fputs("]}", f);
}

static void json_domain(FILE *f, const struct gvm_domain_info *d)
{
	size_t i;

	fprintf(f, "    {\n      \"id\": %u", d->id);
	json_str(f, ",\n      ", "name", d->name);
	fprintf(f, ",\n      \"node\": %u,\n      \"listen\": {", d->self);
	json_address(f, &d->listen);
	fprintf(f, "},\n      \"heartbeat_ms\": %u,\n", d->heartbeat_ms);
	fprintf(f, "      \"timeout_ms\": %u,\n", d->timeout_ms);
	fprintf(f, "      \"connect\": \"%s\",\n", connect_name(d->connect));
	fprintf(f, "      \"auth\": %s,\n", d->auth ? "true" : "false");
	fprintf(f, "      \"members\": %u,\n", d->members);
	fprintf(f, "      \"mem_bytes\": %" PRIu64 ",\n", d->mem_bytes);
	fputs("      \"stats\": ", f);
	json_stats(f, d->stats);
	fputs(",\n      \"nodes\": [", f);
	for (i = 0; i < d->nnodes; i++) {
		fputs(i ? ",\n        " : "\n        ", f);
		json_node(f, &d->nodes[i]);
	}
	fputs(d->nnodes ? "\n      ],\n      \"regions\": [" :
	      "],\n      \"regions\": [", f);
	for (i = 0; i < d->nregions; i++) {
		fputs(i ? ",\n        " : "\n        ", f);
		json_region(f, &d->regions[i]);
	}
	fputs(d->nregions ? "\n      ]\n    }" : "]\n    }", f);
}

void status_json(FILE *f, const struct gvm_domain_info *d, size_t n)
{
	size_t i;

	fputs("{\n  \"domains\": [", f);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_domain(f, &d[i]);
	}
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
}

/* ---- events ------------------------------------------------------------ */

void event_text(FILE *f, const struct timespec *t,
		const struct gvm_event *ev)
{
	char when[TIME_MAX];

	fprintf(f, "%s %s", format_time(when, t), event_name(ev->cmd));
	if (ev->domain)
		fprintf(f, " domain %u", ev->domain);
	if (ev->node != GVM_NODE_NONE)
		fprintf(f, " node %u", ev->node);
	if (ev->region)
		fprintf(f, " region %u", ev->region);
	if (ev->pfn != UINT64_MAX)
		fprintf(f, " pfn %" PRIu64, ev->pfn);
	if (ev->hello_reason >= 0)
		fprintf(f, " %s", hello_reason_name(ev->hello_reason));
	if (ev->reason[0]) {
		fputs(": ", f);
		text_string(f, ev->reason);
	}
	if (ev->error)
		fprintf(f, ev->reason[0] ? " (%s)" : ": %s",
			strerror((int)ev->error));
	fputc('\n', f);
}

void event_json(FILE *f, const struct timespec *t,
		const struct gvm_event *ev)
{
	char when[TIME_MAX];

	fprintf(f, "{\"time\": \"%s\", \"event\": \"%s\"",
		format_time(when, t), event_name(ev->cmd));
	json_num(f, ", ", "domain", ev->domain, ev->domain);
	json_num(f, ", ", "node", ev->node != GVM_NODE_NONE, ev->node);
	json_str(f, ", ", "hello_reason", ev->hello_reason < 0 ? NULL :
		 hello_reason_name(ev->hello_reason));
	json_str(f, ", ", "reason", ev->reason);
	json_num(f, ", ", "region", ev->region, ev->region);
	if (ev->pfn != UINT64_MAX)
		fprintf(f, ", \"pfn\": %" PRIu64, ev->pfn);
	else
		fputs(", \"pfn\": null", f);
	json_num(f, ", ", "errno", ev->error, ev->error);
	fputs("}\n", f);
}
