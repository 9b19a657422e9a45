// SPDX-License-Identifier: GPL-2.0
/*
 * Copyset representations; see copyset.h for the contract. Inline and
 * sparse sets keep their ids sorted, so equal sets have equal bytes.
 */
#include "copyset.h"

#define CS_COUNT_MASK	((1U << 30) - 1)

static inline u32 cs_count(const struct gvm_copyset *cs)
{
	return cs->in.info & CS_COUNT_MASK;
}

static inline void cs_set(struct gvm_copyset *cs, enum gvm_cs_kind kind,
			  u32 count)
{
	cs->in.info = ((u32)kind << 30) | count;
}

static inline bool cs_sparse(const struct gvm_copyset *cs)
{
	return gvm_copyset_kind(cs) == GVM_CS_KIND_SPARSE;
}

/* The i-th id of an inline or sparse set. */
static inline u32 cs_at(const struct gvm_copyset *cs, u32 i)
{
	return cs_sparse(cs) ? cs->sp.ids[i] : cs->in.ids[i];
}

u32 gvm_copyset_group_size(const struct gvm_cs_ctx *ctx)
{
	return DIV_ROUND_UP(ctx->id_space, GVM_CS_COARSE_BITS);
}

void gvm_copyset_init(struct gvm_copyset *cs)
{
	BUILD_BUG_ON(sizeof(struct gvm_copyset) != 16);
	BUILD_BUG_ON(GVM_MAX_NODES - 1 > (gvm_cs_id_t)~0U);
	memset(cs, 0, sizeof(*cs));
}

static void cs_free_ext(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx)
{
	size_t bytes = (size_t)cs->sp.cap * sizeof(u32);

	ctx->free(cs->sp.ids, bytes);
	ctx->ext_bytes -= bytes;
}

void gvm_copyset_clear(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx)
{
	if (cs_sparse(cs))
		cs_free_ext(cs, ctx);
	gvm_copyset_init(cs);
}

size_t gvm_copyset_ext_bytes(const struct gvm_copyset *cs)
{
	return cs_sparse(cs) ? (size_t)cs->sp.cap * sizeof(u32) : 0;
}

/* Index of the first id >= @id. */
static u32 cs_lower_bound(const struct gvm_copyset *cs, u32 id)
{
	u32 lo = 0, hi = cs_count(cs);

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (cs_at(cs, mid) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void cs_to_coarse(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx)
{
	u32 bits[GVM_CS_COARSE_WORDS] = { 0 };
	u32 g = gvm_copyset_group_size(ctx);
	u32 i, n = cs_count(cs), set = 0;

	if (gvm_copyset_kind(cs) == GVM_CS_KIND_COARSE)
		return;
	for (i = 0; i < n; i++) {
		u32 b = cs_at(cs, i) / g;

		if (!(bits[b / 32] & (1U << (b % 32)))) {
			bits[b / 32] |= 1U << (b % 32);
			set++;
		}
	}
	if (cs_sparse(cs))
		cs_free_ext(cs, ctx);
	memset(cs, 0, sizeof(*cs));
	memcpy(cs->co.bits, bits, sizeof(bits));
	cs_set(cs, GVM_CS_KIND_COARSE, set);
}

/* Move to an out-of-line array of @cap ids; -ENOMEM leaves @cs unchanged. */
static int cs_to_sparse(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx,
			u32 cap)
{
	size_t bytes = (size_t)cap * sizeof(u32);
	u32 n = cs_count(cs), i;
	u32 *ids = ctx->alloc(bytes);

	if (!ids)
		return -ENOMEM;
	memset(ids, 0, bytes);
	for (i = 0; i < n; i++)
		ids[i] = cs_at(cs, i);
	if (cs_sparse(cs))
		cs_free_ext(cs, ctx);
	memset(cs, 0, sizeof(*cs));
	cs->sp.ids = ids;
	cs->sp.cap = cap;
	cs_set(cs, GVM_CS_KIND_SPARSE, n);
	ctx->ext_bytes += bytes;
	if (ctx->ext_bytes > ctx->ext_peak)
		ctx->ext_peak = ctx->ext_bytes;
	return 0;
}

/* Back to inline once the ids fit: the memory is returned at once. */
static void cs_to_inline(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx)
{
	gvm_cs_id_t ids[GVM_CS_INLINE];
	u32 n = cs_count(cs), i;

	for (i = 0; i < n; i++)
		ids[i] = cs_at(cs, i);
	cs_free_ext(cs, ctx);
	memset(cs, 0, sizeof(*cs));
	memcpy(cs->in.ids, ids, n * sizeof(ids[0]));
	cs_set(cs, GVM_CS_KIND_INLINE, n);
}

static void cs_coarse_add(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx,
			  u32 id)
{
	u32 b = id / gvm_copyset_group_size(ctx);

	if (cs->co.bits[b / 32] & (1U << (b % 32)))
		return;
	cs->co.bits[b / 32] |= 1U << (b % 32);
	cs_set(cs, GVM_CS_KIND_COARSE, cs_count(cs) + 1);
}

int gvm_copyset_add(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx, u32 id)
{
	u32 n = cs_count(cs), pos, cap, i;

	if (id >= ctx->id_space)
		return -EINVAL;
	if (gvm_copyset_kind(cs) == GVM_CS_KIND_COARSE) {
		cs_coarse_add(cs, ctx, id);
		return 0;
	}
	pos = cs_lower_bound(cs, id);
	if (pos < n && cs_at(cs, pos) == id)
		return 0;

	cap = cs_sparse(cs) ? cs->sp.cap : GVM_CS_INLINE;
	if (n == cap) {
		if (cap >= GVM_CS_SPARSE_MAX) {
			cs_to_coarse(cs, ctx);
			cs_coarse_add(cs, ctx, id);
			return 0;
		}
		cap = clamp_t(u32, cap * 2, GVM_CS_SPARSE_MIN,
			      GVM_CS_SPARSE_MAX);
		if (cs_to_sparse(cs, ctx, cap)) {
			/* No memory: a coarse set is still correct. */
			ctx->degraded++;
			cs_to_coarse(cs, ctx);
			cs_coarse_add(cs, ctx, id);
			return 0;
		}
	}
	if (cs_sparse(cs)) {
		memmove(cs->sp.ids + pos + 1, cs->sp.ids + pos,
			(n - pos) * sizeof(u32));
		cs->sp.ids[pos] = id;
	} else {
		for (i = n; i > pos; i--)
			cs->in.ids[i] = cs->in.ids[i - 1];
		cs->in.ids[pos] = id;
	}
	cs_set(cs, gvm_copyset_kind(cs), n + 1);
	return 0;
}

void gvm_copyset_del(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx, u32 id)
{
	u32 n = cs_count(cs), pos, i;

	/* A group bit stands for other nodes too: keep it (superset). */
	if (gvm_copyset_kind(cs) == GVM_CS_KIND_COARSE)
		return;
	pos = cs_lower_bound(cs, id);
	if (pos >= n || cs_at(cs, pos) != id)
		return;
	n--;
	if (cs_sparse(cs)) {
		memmove(cs->sp.ids + pos, cs->sp.ids + pos + 1,
			(n - pos) * sizeof(u32));
		cs->sp.ids[n] = 0;
	} else {
		for (i = pos; i < n; i++)
			cs->in.ids[i] = cs->in.ids[i + 1];
		cs->in.ids[n] = 0;
	}
	cs_set(cs, gvm_copyset_kind(cs), n);
	if (cs_sparse(cs) && n <= GVM_CS_INLINE)
		cs_to_inline(cs, ctx);
}

bool gvm_copyset_test(const struct gvm_copyset *cs,
		      const struct gvm_cs_ctx *ctx, u32 id)
{
	u32 pos, b;

	if (id >= ctx->id_space)
		return false;
	if (gvm_copyset_kind(cs) == GVM_CS_KIND_COARSE) {
		b = id / gvm_copyset_group_size(ctx);
		return cs->co.bits[b / 32] & (1U << (b % 32));
	}
	pos = cs_lower_bound(cs, id);
	return pos < cs_count(cs) && cs_at(cs, pos) == id;
}

bool gvm_copyset_next_range(const struct gvm_copyset *cs,
			    const struct gvm_cs_ctx *ctx,
			    struct gvm_cs_iter *it, struct gvm_range *r)
{
	u32 n = cs_count(cs);

	if (gvm_copyset_kind(cs) == GVM_CS_KIND_COARSE) {
		u32 g = gvm_copyset_group_size(ctx);
		u32 b = it->pos, end;

		while (b < GVM_CS_COARSE_BITS &&
		       !(cs->co.bits[b / 32] & (1U << (b % 32))))
			b++;
		if (b >= GVM_CS_COARSE_BITS || b * g >= ctx->id_space)
			return false;
		end = b;
		while (end < GVM_CS_COARSE_BITS &&
		       (cs->co.bits[end / 32] & (1U << (end % 32))))
			end++;
		it->pos = end;
		r->first = b * g;
		r->count = min_t(u32, end * g, ctx->id_space) - r->first;
		return true;
	}
	if (it->pos >= n)
		return false;
	r->first = cs_at(cs, it->pos);
	r->count = 1;
	while (++it->pos < n && cs_at(cs, it->pos) == r->first + r->count)
		r->count++;
	return true;
}

u32 gvm_copyset_count(const struct gvm_copyset *cs,
		      const struct gvm_cs_ctx *ctx)
{
	struct gvm_cs_iter it = { 0 };
	struct gvm_range r;
	u32 total = 0;

	if (gvm_copyset_kind(cs) != GVM_CS_KIND_COARSE)
		return cs_count(cs);
	while (gvm_copyset_next_range(cs, ctx, &it, &r))
		total += r.count;
	return total;
}

int gvm_copyset_convert(struct gvm_copyset *cs, struct gvm_cs_ctx *ctx,
			enum gvm_cs_kind kind)
{
	enum gvm_cs_kind cur = gvm_copyset_kind(cs);

	if (kind == cur)
		return 0;
	if (kind < cur)
		return -EINVAL;
	if (kind == GVM_CS_KIND_SPARSE)
		return cs_to_sparse(cs, ctx, max_t(u32, GVM_CS_SPARSE_MIN,
						   cs_count(cs)));
	cs_to_coarse(cs, ctx);
	return 0;
}
