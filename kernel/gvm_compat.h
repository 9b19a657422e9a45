/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel helpers the sans-IO core (kernel/ivy, kernel/copyset) uses,
 * mapped to userspace, so the identical files build into the module, the
 * unit tests, the model checker, the fuzzers and the simulator.
 */
#ifndef _GVM_COMPAT_H
#define _GVM_COMPAT_H

#ifdef __KERNEL__

#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/byteorder.h>

#define gvm_pr_err(fmt, ...) pr_err("giantvm: " fmt, ##__VA_ARGS__)

#else /* userspace */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define le16_to_cpu(x) le16toh(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)
#define cpu_to_le16(x) htole16(x)
#define cpu_to_le32(x) htole32(x)
#define cpu_to_le64(x) htole64(x)

#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define U16_MAX ((u16)~0U)
#define U32_MAX ((u32)~0U)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((__fallthrough__))
#define __must_check __attribute__((__warn_unused_result__))
#ifndef min
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#endif
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp_t(t, v, lo, hi) min_t(t, max_t(t, v, lo), hi)

#define gvm_pr_err(fmt, ...) fprintf(stderr, "giantvm: " fmt, ##__VA_ARGS__)

/*
 * A WARN in the core is a bug: userspace builds abort so tests, the model
 * checker and the fuzzers report it instead of carrying on.
 */
#define WARN_ON_ONCE(c) ({						\
	int __c = !!(c);						\
	if (unlikely(__c)) {						\
		fprintf(stderr, "WARNING at %s:%d: %s\n",		\
			__FILE__, __LINE__, #c);			\
		abort();						\
	}								\
	__c;								\
})

#endif /* __KERNEL__ */

#endif /* _GVM_COMPAT_H */
