/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing the values a user types, on the command line or in cluster.conf.
 * The parse_*() functions say why a value is refused in @err, without a
 * prefix: the caller knows the option, or the file and line.
 */
#ifndef _GVMCTL_PARSE_H
#define _GVMCTL_PARSE_H

#include "domain.h"

#define ERR_MAX			256

#define DOMAIN_ID_MIN		1U
#define DOMAIN_ID_MAX		UINT32_MAX
#define NODE_ID_MAX		(GVM_MAX_NODES - 1)
/*
 * Heartbeat and timeout limits come from the uapi header (GVM_*_MS_*): the
 * kernel's policy, checked here as well so that a typo is reported with its
 * option or line.
 */

bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
	       char *err, size_t errlen);
bool parse_endpoint(const char *s, struct gvm_endpoint *ep, char *err,
		    size_t errlen);
bool parse_connect(const char *s, uint8_t *out, char *err, size_t errlen);
bool parse_name(const char *s, char out[GVM_NAME_MAX], char *err,
		size_t errlen);
bool endpoint_is_unspecified(const struct gvm_endpoint *ep);

/* "[" address "]:" port and a NUL; an unknown family reads "-". */
#define ENDPOINT_STR_MAX	(INET6_ADDRSTRLEN + 8)
const char *endpoint_addr(const struct gvm_endpoint *ep,
			  char buf[INET6_ADDRSTRLEN]);
const char *endpoint_str(const struct gvm_endpoint *ep,
			 char buf[ENDPOINT_STR_MAX]);

#endif /* _GVMCTL_PARSE_H */
