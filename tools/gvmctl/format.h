/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How gvmctl shows things: the status table and JSON document, event lines
 * and JSON lines, and the pieces they are made of. The JSON keys are an
 * interface, documented in gvmctl(8): add keys, never rename them.
 */
#ifndef _GVMCTL_FORMAT_H
#define _GVMCTL_FORMAT_H

#include <stdio.h>
#include <time.h>
#include "domain.h"

#define AGE_MAX		24	/* "49d17h ago" and room to spare */
#define BYTES_MAX	24	/* "1023.9 EiB" likewise */
#define TIME_MAX	32	/* "2025-01-02T03:04:05.678Z" */

/* Quoted and escaped; bytes that are not UTF-8 become U+FFFD. */
void json_string(FILE *f, const char *s);
/* As is, but control characters (a terminal would obey them) as '?'. */
void text_string(FILE *f, const char *s);

const char *format_age(char buf[AGE_MAX], uint32_t ms);
const char *format_bytes(char buf[BYTES_MAX], uint64_t bytes);
const char *format_time(char buf[TIME_MAX], const struct timespec *t);

const char *node_state_name(uint8_t state);
const char *connect_name(uint8_t connect);
const char *event_name(uint8_t cmd);
const char *hello_reason_name(int reason);

/*
 * The latency histogram bucket (index into lat[]) that holds the @pct-th
 * percentile of the faults, 0 < @pct <= 100; -1 when there were none.
 * Bucket i starts at 2^i us.
 */
int lat_percentile(const uint64_t lat[GVM_LAT_BUCKETS], unsigned int pct);

/*
 * One domain, its members and its regions, as a block of "key: value", a
 * table and a block per region.
 */
void status_text(FILE *f, const struct gvm_domain_info *d);
/* All of them as one JSON document. */
void status_json(FILE *f, const struct gvm_domain_info *d, size_t n);

/* One line each, received at @t. */
void event_text(FILE *f, const struct timespec *t,
		const struct gvm_event *ev);
void event_json(FILE *f, const struct timespec *t,
		const struct gvm_event *ev);

#endif /* _GVMCTL_FORMAT_H */
