// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers, addresses, connect modes and names, as typed on the command line
 * or in cluster.conf. Everything is strict: decimal digits only (no sign,
 * no white space, nothing after the number), numeric addresses only (the
 * kernel takes addresses, and a static binary cannot rely on NSS).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "parse.h"

bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
	       char *err, size_t errlen)
{
	uint64_t v = 0;
	const char *p;

	if (!*s) {
		snprintf(err, errlen, "not a number");
		return false;
	}
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "not a number");
			return false;
		}
		/* Saturate: anything past 2^32 is out of range all the same. */
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max) {
		snprintf(err, errlen, "out of range %u..%u", min, max);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_port(const char *s, uint16_t *port, char *err,
		       size_t errlen)
{
	char why[ERR_MAX];
	uint32_t v;

	if (!*s) {
		snprintf(err, errlen, "missing port");
		return false;
	}
	if (!parse_u32(s, 1, UINT16_MAX, &v, why, sizeof(why))) {
		snprintf(err, errlen, "port: %s", why);
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

/* The @len bytes at @s as an address of @family, then @port. */
static bool parse_addr_port(int family, const char *s, size_t len,
			    const char *port, struct gvm_endpoint *ep,
			    char *err, size_t errlen)
{
	void *dst = family == AF_INET6 ? (void *)&ep->v6 : (void *)&ep->v4;
	char addr[INET6_ADDRSTRLEN];

	if (len < sizeof(addr)) {
		memcpy(addr, s, len);
		addr[len] = '\0';
	}
	if (len >= sizeof(addr) || inet_pton(family, addr, dst) != 1) {
		snprintf(err, errlen, "not an %s address",
			 family == AF_INET6 ? "IPv6" : "IPv4");
		return false;
	}
	ep->family = family;
	return parse_port(port, &ep->port, err, errlen);
}

/* "A.B.C.D:PORT" or "[IPV6]:PORT"; an IPv6 address needs its brackets. */
bool parse_endpoint(const char *s, struct gvm_endpoint *ep, char *err,
		    size_t errlen)
{
	const char *colon, *end;

	memset(ep, 0, sizeof(*ep));
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end) {
			snprintf(err, errlen, "missing ']' after the address");
			return false;
		}
		if (end[1] != ':') {
			snprintf(err, errlen, "expected [ADDR]:PORT");
			return false;
		}
		return parse_addr_port(AF_INET6, s + 1, (size_t)(end - s - 1),
				       end + 2, ep, err, errlen);
	}
	colon = strrchr(s, ':');
	if (!colon) {
		snprintf(err, errlen, "expected ADDR:PORT");
		return false;
	}
	if (memchr(s, ':', (size_t)(colon - s))) {
		snprintf(err, errlen,
			 "an IPv6 address goes in brackets: [ADDR]:PORT");
		return false;
	}
	return parse_addr_port(AF_INET, s, (size_t)(colon - s), colon + 1, ep,
			       err, errlen);
}

bool endpoint_is_unspecified(const struct gvm_endpoint *ep)
{
	if (ep->family == AF_INET)
		return ep->v4.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&ep->v6);
}

const char *endpoint_addr(const struct gvm_endpoint *ep,
			  char buf[INET6_ADDRSTRLEN])
{
	const void *a = ep->family == AF_INET6 ? (const void *)&ep->v6 :
						 (const void *)&ep->v4;

	if (!inet_ntop(ep->family, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "-");
	return buf;
}

const char *endpoint_str(const struct gvm_endpoint *ep,
			 char buf[ENDPOINT_STR_MAX])
{
	char addr[INET6_ADDRSTRLEN];

	endpoint_addr(ep, addr);
	if (ep->family == AF_INET6)
		snprintf(buf, ENDPOINT_STR_MAX, "[%s]:%u", addr, ep->port);
	else if (ep->family == AF_INET)
		snprintf(buf, ENDPOINT_STR_MAX, "%s:%u", addr, ep->port);
	else
		snprintf(buf, ENDPOINT_STR_MAX, "-");
	return buf;
}

bool parse_connect(const char *s, uint8_t *out, char *err, size_t errlen)
{
	if (!strcmp(s, "lazy")) {
		*out = GVM_CONNECT_LAZY;
		return true;
	}
	if (!strcmp(s, "eager")) {
		*out = GVM_CONNECT_EAGER;
		return true;
	}
	snprintf(err, errlen, "expected lazy or eager");
	return false;
}

/*
 * One word of printable bytes: cluster.conf splits lines at white space,
 * and a name is shown on terminals. Other bytes (UTF-8) pass as they are.
 */
bool parse_name(const char *s, char out[GVM_NAME_MAX], char *err,
		size_t errlen)
{
	size_t len = strlen(s), i;

	if (!len) {
		snprintf(err, errlen, "empty name");
		return false;
	}
	if (len >= GVM_NAME_MAX) {
		snprintf(err, errlen, "longer than %u bytes", GVM_NAME_MAX - 1);
		return false;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) {
			snprintf(err, errlen,
				 "white space or control character in the name");
			return false;
		}
	}
	memcpy(out, s, len + 1);
	return true;
}
