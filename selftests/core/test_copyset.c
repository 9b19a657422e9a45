// SPDX-License-Identifier: GPL-2.0
/*
 * Copyset unit tests. The "set" fixture runs the same assertions over the
 * inline, sparse and coarse representations (coarse is exact while the id
 * space fits in its bits); the rest tests growth, accounting, degradation
 * and the coarse superset contract.
 */
#include "kselftest_harness.h"
#include <linux/giantvm.h>
#include "../../kernel/copyset/copyset.h"

static u64 alloc_fail_after = ~0ULL;
static u64 allocs;

static void *t_alloc(size_t bytes)
{
	if (allocs++ >= alloc_fail_after)
		return NULL;
	return calloc(1, bytes);
}

static void t_free(void *p, size_t bytes)
{
	free(p);
}

FIXTURE(set) {
	struct gvm_cs_ctx ctx;
	struct gvm_copyset cs;
};

FIXTURE_VARIANT(set) {
	enum gvm_cs_kind kind;
};

FIXTURE_VARIANT_ADD(set, inline_ids) { .kind = GVM_CS_KIND_INLINE };
FIXTURE_VARIANT_ADD(set, sparse) { .kind = GVM_CS_KIND_SPARSE };
FIXTURE_VARIANT_ADD(set, coarse) { .kind = GVM_CS_KIND_COARSE };

FIXTURE_SETUP(set)
{
	alloc_fail_after = ~0ULL;
	self->ctx.id_space = GVM_CS_COARSE_BITS;	/* one node per bit */
	self->ctx.alloc = t_alloc;
	self->ctx.free = t_free;
	gvm_copyset_init(&self->cs);
	ASSERT_EQ(0, gvm_copyset_convert(&self->cs, &self->ctx, variant->kind));
	ASSERT_EQ(variant->kind, gvm_copyset_kind(&self->cs));
}

FIXTURE_TEARDOWN(set)
{
	gvm_copyset_clear(&self->cs, &self->ctx);
	EXPECT_EQ(0, self->ctx.ext_bytes);
}

TEST_F(set, empty)
{
	struct gvm_cs_iter it = { 0 };
	struct gvm_range r;

	EXPECT_TRUE(gvm_copyset_empty(&self->cs));
	EXPECT_EQ(0, gvm_copyset_count(&self->cs, &self->ctx));
	EXPECT_FALSE(gvm_copyset_test(&self->cs, &self->ctx, 0));
	EXPECT_FALSE(gvm_copyset_next_range(&self->cs, &self->ctx, &it, &r));
}

TEST_F(set, add_test_count)
{
	static const u32 ids[] = { 3, 1, 2, 40, 95, 0 };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ASSERT_EQ(0, gvm_copyset_add(&self->cs, &self->ctx, ids[i]));
		ASSERT_EQ(0, gvm_copyset_add(&self->cs, &self->ctx, ids[i]));
		ASSERT_EQ(i + 1, gvm_copyset_count(&self->cs, &self->ctx));
	}
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		EXPECT_TRUE(gvm_copyset_test(&self->cs, &self->ctx, ids[i]));
	EXPECT_FALSE(gvm_copyset_test(&self->cs, &self->ctx, 4));
	EXPECT_FALSE(gvm_copyset_test(&self->cs, &self->ctx, 94));
	EXPECT_FALSE(gvm_copyset_empty(&self->cs));
}

TEST_F(set, ranges_merge_runs)
{
	static const u32 ids[] = { 7, 5, 6, 9, 20, 21 };
	struct gvm_cs_iter it = { 0 };
	struct gvm_range r;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		ASSERT_EQ(0, gvm_copyset_add(&self->cs, &self->ctx, ids[i]));
	ASSERT_TRUE(gvm_copyset_next_range(&self->cs, &self->ctx, &it, &r));
	EXPECT_EQ(5, r.first);
	EXPECT_EQ(3, r.count);
	ASSERT_TRUE(gvm_copyset_next_range(&self->cs, &self->ctx, &it, &r));
	EXPECT_EQ(9, r.first);
	EXPECT_EQ(1, r.count);
	ASSERT_TRUE(gvm_copyset_next_range(&self->cs, &self->ctx, &it, &r));
	EXPECT_EQ(20, r.first);
	EXPECT_EQ(2, r.count);
	EXPECT_FALSE(gvm_copyset_next_range(&self->cs, &self->ctx, &it, &r));
}

TEST_F(set, out_of_range_id)
{
	EXPECT_EQ(-EINVAL, gvm_copyset_add(&self->cs, &self->ctx,
					   self->ctx.id_space));
	EXPECT_EQ(-EINVAL, gvm_copyset_add(&self->cs, &self->ctx, ~0U));
	EXPECT_FALSE(gvm_copyset_test(&self->cs, &self->ctx, ~0U));
	EXPECT_TRUE(gvm_copyset_empty(&self->cs));
}

TEST_F(set, del_is_exact_or_superset)
{
	ASSERT_EQ(0, gvm_copyset_add(&self->cs, &self->ctx, 10));
	ASSERT_EQ(0, gvm_copyset_add(&self->cs, &self->ctx, 11));
	gvm_copyset_del(&self->cs, &self->ctx, 10);
	gvm_copyset_del(&self->cs, &self->ctx, 12);	/* absent: no-op */
	EXPECT_TRUE(gvm_copyset_test(&self->cs, &self->ctx, 11));
	if (gvm_copyset_exact(&self->cs)) {
		EXPECT_FALSE(gvm_copyset_test(&self->cs, &self->ctx, 10));
		EXPECT_EQ(1, gvm_copyset_count(&self->cs, &self->ctx));
	} else {
		/* Coarse keeps the bit: never a false negative. */
		EXPECT_TRUE(gvm_copyset_test(&self->cs, &self->ctx, 10));
	}
}

TEST_F(set, clear_returns_inline)
{
	ASSERT_EQ(0, gvm_copyset_add(&self->cs, &self->ctx, 1));
	gvm_copyset_clear(&self->cs, &self->ctx);
	EXPECT_TRUE(gvm_copyset_empty(&self->cs));
	EXPECT_EQ(GVM_CS_KIND_INLINE, gvm_copyset_kind(&self->cs));
	EXPECT_EQ(0, gvm_copyset_ext_bytes(&self->cs));
}

TEST_F(set, no_downward_convert)
{
	if (variant->kind == GVM_CS_KIND_INLINE)
		SKIP(return, "nothing below inline");
	EXPECT_EQ(-EINVAL, gvm_copyset_convert(&self->cs, &self->ctx,
					       GVM_CS_KIND_INLINE));
}

TEST(size_is_16_bytes)
{
	EXPECT_EQ(16, sizeof(struct gvm_copyset));
}

TEST(grows_inline_sparse_coarse)
{
	struct gvm_cs_ctx ctx = { .id_space = GVM_MAX_NODES, .alloc = t_alloc,
				  .free = t_free };
	struct gvm_copyset cs;
	u32 i;

	alloc_fail_after = ~0ULL;
	gvm_copyset_init(&cs);
	for (i = 0; i < GVM_CS_SPARSE_MAX; i++) {
		ASSERT_EQ(0, gvm_copyset_add(&cs, &ctx, i * 39));
		ASSERT_EQ(i < GVM_CS_INLINE ? GVM_CS_KIND_INLINE :
			  GVM_CS_KIND_SPARSE, gvm_copyset_kind(&cs));
		ASSERT_EQ(gvm_copyset_ext_bytes(&cs), ctx.ext_bytes);
	}
	EXPECT_EQ(GVM_CS_SPARSE_MAX * sizeof(u32), ctx.ext_bytes);
	EXPECT_EQ(GVM_CS_SPARSE_MAX, gvm_copyset_count(&cs, &ctx));
	ASSERT_EQ(0, gvm_copyset_add(&cs, &ctx, 10239));
	EXPECT_EQ(GVM_CS_KIND_COARSE, gvm_copyset_kind(&cs));
	EXPECT_EQ(0, ctx.ext_bytes);
	for (i = 0; i < GVM_CS_SPARSE_MAX; i++)
		EXPECT_TRUE(gvm_copyset_test(&cs, &ctx, i * 39));
	EXPECT_TRUE(gvm_copyset_test(&cs, &ctx, 10239));
	/* A superset: the count is the size of the groups covered. */
	EXPECT_GE(gvm_copyset_count(&cs, &ctx), GVM_CS_SPARSE_MAX + 1);
	EXPECT_LE(gvm_copyset_count(&cs, &ctx), GVM_MAX_NODES);
	gvm_copyset_clear(&cs, &ctx);
	EXPECT_EQ(0, ctx.ext_bytes);
	EXPECT_GE(ctx.ext_peak, GVM_CS_SPARSE_MAX * sizeof(u32));
}

TEST(shrinks_back_inline)
{
	struct gvm_cs_ctx ctx = { .id_space = 100, .alloc = t_alloc,
				  .free = t_free };
	struct gvm_copyset cs;
	u32 i;

	alloc_fail_after = ~0ULL;
	gvm_copyset_init(&cs);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, gvm_copyset_add(&cs, &ctx, i));
	ASSERT_EQ(GVM_CS_KIND_SPARSE, gvm_copyset_kind(&cs));
	for (i = 0; i < 7; i++)
		gvm_copyset_del(&cs, &ctx, i);
	EXPECT_EQ(GVM_CS_KIND_INLINE, gvm_copyset_kind(&cs));
	EXPECT_EQ(0, ctx.ext_bytes);
	EXPECT_EQ(3, gvm_copyset_count(&cs, &ctx));
	for (i = 7; i < 10; i++)
		EXPECT_TRUE(gvm_copyset_test(&cs, &ctx, i));
	gvm_copyset_clear(&cs, &ctx);
}

TEST(alloc_failure_degrades_to_coarse)
{
	struct gvm_cs_ctx ctx = { .id_space = GVM_MAX_NODES, .alloc = t_alloc,
				  .free = t_free };
	struct gvm_copyset cs;
	u32 i;

	allocs = 0;
	alloc_fail_after = 0;	/* every allocation fails */
	gvm_copyset_init(&cs);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, gvm_copyset_add(&cs, &ctx, 1000 + i * 500));
	EXPECT_EQ(GVM_CS_KIND_COARSE, gvm_copyset_kind(&cs));
	EXPECT_EQ(1, ctx.degraded);
	for (i = 0; i < 8; i++)
		EXPECT_TRUE(gvm_copyset_test(&cs, &ctx, 1000 + i * 500));
	EXPECT_EQ(-ENOMEM, gvm_copyset_convert(&(struct gvm_copyset){ 0 },
					       &ctx, GVM_CS_KIND_SPARSE));
	alloc_fail_after = ~0ULL;
	gvm_copyset_clear(&cs, &ctx);
}

TEST(coarse_groups_cover_id_space)
{
	struct gvm_cs_ctx ctx = { .id_space = GVM_MAX_NODES, .alloc = t_alloc,
				  .free = t_free };
	struct gvm_copyset cs;
	struct gvm_cs_iter it = { 0 };
	struct gvm_range r;
	u32 g = gvm_copyset_group_size(&ctx), total = 0;

	gvm_copyset_init(&cs);
	ASSERT_EQ(0, gvm_copyset_convert(&cs, &ctx, GVM_CS_KIND_COARSE));
	ASSERT_EQ(0, gvm_copyset_add(&cs, &ctx, GVM_MAX_NODES - 1));
	ASSERT_EQ(0, gvm_copyset_add(&cs, &ctx, 0));
	EXPECT_EQ(DIV_ROUND_UP(GVM_MAX_NODES, GVM_CS_COARSE_BITS), g);
	while (gvm_copyset_next_range(&cs, &ctx, &it, &r)) {
		EXPECT_LE(r.first + r.count, GVM_MAX_NODES);
		total += r.count;
	}
	/* The last group is clipped to the id space. */
	EXPECT_EQ(g + (GVM_MAX_NODES - (GVM_MAX_NODES - 1) / g * g), total);
	EXPECT_TRUE(gvm_copyset_test(&cs, &ctx, 1));
	EXPECT_FALSE(gvm_copyset_test(&cs, &ctx, g));
}

TEST(kernel_selftest)
{
	alloc_fail_after = ~0ULL;
	EXPECT_EQ(0, gvm_copyset_selftest(t_alloc, t_free));
}

TEST_HARNESS_MAIN
