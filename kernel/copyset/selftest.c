// SPDX-License-Identifier: GPL-2.0
/*
 * Copyset self-test, run by the module when loaded with selftest=1 and by
 * the userspace unit tests. The same assertions run over every
 * representation; coarse is exact here because the id space is small.
 */
#include <linux/giantvm.h>
#include "copyset.h"

#define CHECK(c) do {							\
		if (!(c)) {						\
			gvm_pr_err("copyset selftest: %s:%d: %s\n",	\
				   __FILE__, __LINE__, #c);		\
			goto err;					\
		}							\
	} while (0)

static int cs_selftest_kind(struct gvm_cs_ctx *ctx, enum gvm_cs_kind kind)
{
	static const u32 ids[] = { 5, 1, 90, 2, 3, 64, 0, 95 };
	struct gvm_copyset cs;
	struct gvm_cs_iter it = { 0 };
	struct gvm_range r;
	u32 i, seen = 0;

	gvm_copyset_init(&cs);
	CHECK(gvm_copyset_empty(&cs));
	CHECK(!gvm_copyset_convert(&cs, ctx, kind));
	CHECK(gvm_copyset_kind(&cs) == kind);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		CHECK(!gvm_copyset_add(&cs, ctx, ids[i]));
		CHECK(!gvm_copyset_add(&cs, ctx, ids[i]));	/* idempotent */
	}
	CHECK(gvm_copyset_add(&cs, ctx, ctx->id_space) == -EINVAL);
	CHECK(gvm_copyset_count(&cs, ctx) == ARRAY_SIZE(ids));
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		CHECK(gvm_copyset_test(&cs, ctx, ids[i]));
	CHECK(!gvm_copyset_test(&cs, ctx, 4));
	CHECK(!gvm_copyset_test(&cs, ctx, ctx->id_space));
	while (gvm_copyset_next_range(&cs, ctx, &it, &r)) {
		CHECK(r.count >= 1);
		seen += r.count;
	}
	CHECK(seen == ARRAY_SIZE(ids));
	gvm_copyset_clear(&cs, ctx);
	CHECK(gvm_copyset_empty(&cs));
	CHECK(gvm_copyset_kind(&cs) == GVM_CS_KIND_INLINE);
	return 0;
err:
	gvm_copyset_clear(&cs, ctx);
	return -EINVAL;
}

int gvm_copyset_selftest(void *(*alloc)(size_t), void (*free)(void *, size_t))
{
	struct gvm_cs_ctx ctx = {
		.id_space = GVM_CS_COARSE_BITS, .alloc = alloc, .free = free,
	};
	struct gvm_copyset cs;
	u32 i;

	gvm_copyset_init(&cs);
	CHECK(sizeof(cs) == 16);
	CHECK(!cs_selftest_kind(&ctx, GVM_CS_KIND_INLINE));
	CHECK(!cs_selftest_kind(&ctx, GVM_CS_KIND_SPARSE));
	CHECK(!cs_selftest_kind(&ctx, GVM_CS_KIND_COARSE));
	CHECK(ctx.ext_bytes == 0);

	/* Growth: inline, then out of line, then coarse, all ids kept. */
	ctx.id_space = GVM_MAX_NODES;
	for (i = 0; i < GVM_CS_SPARSE_MAX + 1; i++) {
		CHECK(!gvm_copyset_add(&cs, &ctx, i * 37 % GVM_MAX_NODES));
		if (i < GVM_CS_INLINE)
			CHECK(gvm_copyset_kind(&cs) == GVM_CS_KIND_INLINE);
		else if (i < GVM_CS_SPARSE_MAX)
			CHECK(gvm_copyset_kind(&cs) == GVM_CS_KIND_SPARSE);
	}
	CHECK(gvm_copyset_kind(&cs) == GVM_CS_KIND_COARSE);
	CHECK(ctx.ext_bytes == 0);
	for (i = 0; i < GVM_CS_SPARSE_MAX + 1; i++)
		CHECK(gvm_copyset_test(&cs, &ctx, i * 37 % GVM_MAX_NODES));
	gvm_copyset_clear(&cs, &ctx);
	return 0;
err:
	gvm_copyset_clear(&cs, &ctx);
	return -EINVAL;
}
