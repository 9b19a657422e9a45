// SPDX-License-Identifier: GPL-2.0
/*
 * Read-ahead. A task reading a region front to back (a guest booting from
 * it, a memcpy out of it) would otherwise wait one round trip per page.
 * When a read fault asks the network for the page right after the one the
 * last such fault asked for, the next pages are asked for too, without
 * waiting: a window that doubles on each step of the stream, up to
 * GVM_RA_MAX pages. When the stream reaches the first page of the window
 * (the mark), the next window goes out, so the answers keep ahead of it.
 *
 * A copy read ahead is an ordinary read copy: a write anywhere invalidates
 * it as any other. It completes no fault; one that comes while it is in
 * flight waits for it, and one that comes after finds it here. A read
 * ahead that fails costs nothing: the page stays invalid and its fault
 * asks again. madvise(MADV_RANDOM) turns read-ahead off for a mapping,
 * MADV_SEQUENTIAL starts it at the full window.
 */
#include "region.h"

/* First window, and the largest: 128 KiB, as the block layer's default. */
#define GVM_RA_MIN	4
#define GVM_RA_MAX	32

/* With r->lock held: ask for [@first, @first + r->ra_size). */
static void gvm_ahead_window(struct gvm_region *r, u64 first)
{
	u64 end = min_t(u64, first + r->ra_size, r->npages), pfn;

	for (pfn = first; pfn < end; pfn++)
		gvm_ivy_read_ahead(&r->ivy, pfn);
	gvm_region_drain(r);
	WRITE_ONCE(r->ra_mark, first);
	r->ra_end = end;
}

/*
 * A read fault on @pfn through a mapping with @vm_flags: @asked when it
 * asked the network for the page just now, else it found the page here or
 * asked for already (by a read-ahead, perhaps). Most faults are no step
 * of a stream: they are told apart without the lock, which every fault
 * takes anyway, and a race between two tasks costs only a window.
 */
void gvm_region_read_ahead(struct gvm_region *r, u64 pfn, bool asked,
			   unsigned long vm_flags)
{
	bool seq = vm_flags & VM_SEQ_READ;

	if (vm_flags & VM_RAND_READ)
		return;
	if (pfn != READ_ONCE(r->ra_mark) &&
	    !(asked && (seq || pfn == READ_ONCE(r->ra_next)))) {
		if (asked)
			WRITE_ONCE(r->ra_next, pfn + 1);
		return;
	}
	mutex_lock(&r->lock);
	if (r->conflict[0] || r->leaving || r->dying)
		goto out;
	if (pfn == r->ra_mark && r->ra_size) {
		/* The stream reached the window: the next one goes out. */
		r->ra_size = min_t(u32, 2 * r->ra_size, GVM_RA_MAX);
		gvm_ahead_window(r, r->ra_end);
	} else if (asked) {
		/* It starts, or it got past the window: grow only then. */
		if (seq)
			r->ra_size = GVM_RA_MAX;
		else if (pfn == r->ra_end && r->ra_size)
			r->ra_size = min_t(u32, 2 * r->ra_size, GVM_RA_MAX);
		else
			r->ra_size = GVM_RA_MIN;
		gvm_ahead_window(r, pfn + 1);
	}
	WRITE_ONCE(r->ra_next, pfn + 1);
out:
	gvm_region_unlock(r);
}
