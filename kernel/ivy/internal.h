/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the engine's files: engine.c (faults, requests, the
 * home directory, data and ownership transfer), invalidate.c (rounds, the
 * relay tree, acks) and failure.c (node failure, queries, rehoming).
 */
#ifndef _GVM_IVY_INTERNAL_H
#define _GVM_IVY_INTERNAL_H

#include "ivy.h"

static inline u32 ivy_chunk_pages(const struct gvm_ivy *ivy)
{
	return 1U << ivy->chunk_shift;
}

/* Where @pfn's state is: its chunk's index, and its place in it in *@off. */
static inline u64 ivy_chunk_of(const struct gvm_ivy *ivy, u64 pfn, u32 *off)
{
	u32 n = ivy->cfg.nmembers, slot;
	u64 j;

	/* On every fault and message: one 32-bit division up to 16 TiB. */
	if (likely(pfn <= U32_MAX)) {
		u32 p = pfn;

		j = p / n;
		slot = p % n;
	} else {
		j = pfn / n;
		slot = pfn % n;
	}
	*off = j & (ivy_chunk_pages(ivy) - 1);
	return (u64)slot * ivy->slot_chunks + (j >> ivy->chunk_shift);
}

/* The first page of chunk @c. */
static inline u64 ivy_chunk_pfn(const struct gvm_ivy *ivy, u64 c)
{
	u64 slot = c / ivy->slot_chunks, j = c % ivy->slot_chunks;

	return slot + (j << ivy->chunk_shift) * ivy->cfg.nmembers;
}

/*
 * Each page of chunk @c in the region (a slot's last chunk may run past
 * it), at @off in the chunk, when the chunk is there.
 */
#define ivy_for_each_chunk_page(ivy, c, off, pfn)			\
	for ((off) = 0, (pfn) = ivy_chunk_pfn(ivy, c);			\
	     (ivy)->chunks[c] && (off) < ivy_chunk_pages(ivy) &&	\
	     (pfn) < (ivy)->cfg.npages;					\
	     (off)++, (pfn) += (ivy)->cfg.nmembers)

/* The state of @pfn, or NULL while it is as it started (no chunk). */
static inline struct gvm_ivy_page *ivy_page_if(struct gvm_ivy *ivy, u64 pfn)
{
	u32 off;
	u64 c = ivy_chunk_of(ivy, pfn, &off);

	return ivy->chunks[c] ? &ivy->chunks[c][off] : NULL;
}

/*
 * The state of @pfn to change: its chunk is there (every entry point makes
 * it so, ivy_materialize(), before it acts on a page).
 */
static inline struct gvm_ivy_page *ivy_page(struct gvm_ivy *ivy, u64 pfn)
{
	u32 off;
	u64 c = ivy_chunk_of(ivy, pfn, &off);

	return &ivy->chunks[c][off];
}

int __must_check ivy_materialize(struct gvm_ivy *ivy, u64 pfn);

/*
 * The home forgets the write transaction it recorded (whom it is for, where
 * it went, its txid); the caller clears the directory flags.
 */
static inline void ivy_dir_txn_clear(struct gvm_ivy_page *pg)
{
	pg->dir_req = 0;
	pg->dir_fwd = 0;
	pg->dir_txid = 0;
}

/* Bitmaps of u64 words: alive by node id, barriers by member index. */
static inline bool ivy_bit_test(const u64 *map, u32 i)
{
	return map[i / 64] & (1ULL << (i % 64));
}

static inline void ivy_bit_set(u64 *map, u32 i)
{
	map[i / 64] |= 1ULL << (i % 64);
}

static inline void ivy_bit_clear(u64 *map, u32 i)
{
	map[i / 64] &= ~(1ULL << (i % 64));
}

static inline void ivy_emit(struct gvm_ivy *ivy, const struct gvm_ivy_action *a)
{
	ivy->ops->emit(ivy->priv, a);
}

#define IVY_TXID_SHIFT	40

static inline u64 ivy_new_txid(struct gvm_ivy *ivy)
{
	/* Unique across the domain: the node id sits above the counter. */
	return ((u64)(ivy->cfg.self + 1) << IVY_TXID_SHIFT) |
	       (ivy->next_txid++ & ((1ULL << IVY_TXID_SHIFT) - 1));
}

void ivy_send(struct gvm_ivy *ivy, u8 type, u32 dst, u64 pfn, u64 txid,
	      u64 version, u32 arg, u32 aux, u16 flags);
void ivy_send_msg(struct gvm_ivy *ivy, struct gvm_msg *m);
void ivy_act(struct gvm_ivy *ivy, u8 type, u64 pfn);
void ivy_map(struct gvm_ivy *ivy, u64 pfn, bool write);
void ivy_complete(struct gvm_ivy *ivy, u64 pfn, int err);
void ivy_timer(struct gvm_ivy *ivy, enum gvm_timer timer, u64 pfn, u64 txid);
/*
 * The homes of slots asked for in ascending order (some may be skipped):
 * the first member at or after each that is alive or is @also_alive
 * (GVM_NODE_NONE: none), O(members) for a whole walk over the slots, not
 * for each. Start from { .also_alive = x }.
 */
struct ivy_home_walk {
	u32 also_alive;
	u32 home;
	u32 end;	/* slots below it (unwrapped, < 2 * members) have @home */
};

u32 ivy_walk_home(const struct gvm_ivy *ivy, struct ivy_home_walk *w,
		  u32 slot);
u32 ivy_succ_with(const struct gvm_ivy *ivy, u32 i, u32 also_alive);
u32 ivy_member_index(const struct gvm_ivy *ivy, u32 node);

static inline bool ivy_is_member(const struct gvm_ivy *ivy, u32 node)
{
	return ivy_member_index(ivy, node) != GVM_NODE_NONE;
}

/* engine.c */
void ivy_request(struct gvm_ivy *ivy, u64 pfn);
void ivy_dir_drain(struct gvm_ivy *ivy, u64 pfn);
void ivy_dir_lost(struct gvm_ivy *ivy, u64 pfn);
void ivy_dir_requeue(struct gvm_ivy *ivy, u64 pfn);
void ivy_dir_claim(struct gvm_ivy *ivy, u64 pfn, u32 owner, u64 version,
		   bool ends_txn);
void ivy_dir_forget(struct gvm_ivy *ivy, u64 pfn, u32 requester);
void ivy_drop_copy(struct gvm_ivy *ivy, u64 pfn);

/* invalidate.c */
void ivy_round_start(struct gvm_ivy *ivy, u64 pfn, u32 req, u64 txid,
		     bool have);
void ivy_round_restart(struct gvm_ivy *ivy, u64 pfn);
void ivy_round_abort(struct gvm_ivy *ivy, u64 pfn);
void ivy_round_finish(struct gvm_ivy *ivy, u64 pfn);
void ivy_relay_fail(struct gvm_ivy *ivy, u64 pfn, u32 failed);
int ivy_recv_inv(struct gvm_ivy *ivy, const struct gvm_msg *m);
int ivy_recv_inv_ack(struct gvm_ivy *ivy, const struct gvm_msg *m);

/* failure.c */
int ivy_learn_down(struct gvm_ivy *ivy, u32 node);
int ivy_recv_query(struct gvm_ivy *ivy, const struct gvm_msg *m);
int ivy_recv_announce(struct gvm_ivy *ivy, const struct gvm_msg *m);
int ivy_recv_rehome_done(struct gvm_ivy *ivy, const struct gvm_msg *m);

#endif /* _GVM_IVY_INTERNAL_H */
