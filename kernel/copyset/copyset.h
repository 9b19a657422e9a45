/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The copyset: the set of nodes holding a read-only copy of one page, kept by
 * the page's owner. It costs 16 bytes per page whatever the cluster size:
 *
 *   inline  up to GVM_CS_INLINE node ids stored in the 16 bytes (6 while
 *           ids fit in 16 bits);
 *   sparse  a sorted id array allocated out of line, up to GVM_CS_SPARSE_MAX;
 *   coarse  one bit per group of ceil(id_space / GVM_CS_COARSE_BITS) nodes,
 *           stored in the 16 bytes again; invalidation then goes to whole
 *           groups, so the set may hold nodes that were never added.
 *
 * Contract: the set always contains every id added and not removed since
 * (never a false negative). While not coarse it is exact. Adding never fails:
 * when the sparse array cannot grow the set turns coarse, which needs no
 * memory, and the degradation is counted.
 *
 * No locking: the caller serialises access to one set.
 */
#ifndef _GVM_COPYSET_H
#define _GVM_COPYSET_H

#include "../gvm_compat.h"
#include <linux/giantvm.h>

/* Inline ids are as narrow as GVM_MAX_NODES allows: 6 x 16 or 3 x 32 bits. */
#if GVM_MAX_NODES <= 0x10000
typedef u16 gvm_cs_id_t;
#define GVM_CS_INLINE		6
#else
typedef u32 gvm_cs_id_t;
#define GVM_CS_INLINE		3
#endif
#define GVM_CS_SPARSE_MIN	8
#define GVM_CS_SPARSE_MAX	256
#define GVM_CS_COARSE_WORDS	3
#define GVM_CS_COARSE_BITS	(GVM_CS_COARSE_WORDS * 32)

enum gvm_cs_kind {
	GVM_CS_KIND_INLINE = 0,
	GVM_CS_KIND_SPARSE = 1,
	GVM_CS_KIND_COARSE = 2,
};

/*
 * info: kind in the top two bits; below them the number of ids (inline,
 * sparse) or of group bits set (coarse).
 */
struct gvm_copyset {
	union {
		struct {
			u32 info;
			gvm_cs_id_t ids[GVM_CS_INLINE];
		} in;
		struct {
			u32 info;
			u32 cap;
			u32 *ids;
		} sp;
		struct {
			u32 info;
			u32 bits[GVM_CS_COARSE_WORDS];
		} co;
	};
};

/* A run of node ids, first .. first + count - 1 (host byte order). */
struct gvm_range {
	u32 first;
	u32 count;
};

/* Shared by all copysets of one engine: id space, allocator, accounting. */
struct gvm_cs_ctx {
	u32 id_space;			/* node ids are below this */
	void *(*alloc)(size_t bytes);	/* must not sleep; may fail */
	void (*free)(void *p, size_t bytes);
	u64 ext_bytes;			/* out-of-line bytes held now */
	u64 ext_peak;			/* most out-of-line bytes ever held */
	u64 degraded;			/* sets made coarse by a failed alloc */
};

struct gvm_cs_iter {
	u32 pos;
};

void gvm_copyset_init(struct gvm_copyset *cs);
void gvm_copyset_clear(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx);
int gvm_copyset_add(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx, u32 id);
void gvm_copyset_del(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx, u32 id);
bool gvm_copyset_test(const struct gvm_copyset *cs,
		      const struct gvm_cs_ctx *ctx, u32 id);
u32 gvm_copyset_count(const struct gvm_copyset *cs,
		      const struct gvm_cs_ctx *ctx);
bool gvm_copyset_next_range(const struct gvm_copyset *cs,
			    const struct gvm_cs_ctx *ctx,
			    struct gvm_cs_iter *it, struct gvm_range *r);
int gvm_copyset_convert(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx,
			enum gvm_cs_kind kind);
size_t gvm_copyset_ext_bytes(const struct gvm_copyset *cs);
u32 gvm_copyset_group_size(const struct gvm_cs_ctx *ctx);

static inline enum gvm_cs_kind gvm_copyset_kind(const struct gvm_copyset *cs)
{
	return cs->in.info >> 30;
}

/* Exact sets answer test() without false positives. */
static inline bool gvm_copyset_exact(const struct gvm_copyset *cs)
{
	return gvm_copyset_kind(cs) != GVM_CS_KIND_COARSE;
}

static inline bool gvm_copyset_empty(const struct gvm_copyset *cs)
{
	return (cs->in.info & ((1U << 30) - 1)) == 0;
}

int gvm_copyset_selftest(void *(*alloc)(size_t), void (*free)(void *, size_t));

#endif /* _GVM_COPYSET_H */
