// SPDX-License-Identifier: GPL-2.0
/*
 * The memory side of a region: its own inode on a private pseudo
 * filesystem, whose page cache holds this node's copies of the pages, and
 * a MAP_SHARED mapping of it. Being ordinary page-cache pages in an
 * ordinary shared mapping, they work with get_user_pages, O_DIRECT and
 * KVM, whose MMU notifiers hear every unmap.
 *
 * A fault asks the engine for a valid copy (region.c), then maps it under
 * the folio lock if the page's valid/writable bit still allows it. Taking
 * access away clears the bit, then unmaps the page under the same lock, so
 * a fault either sees the bit cleared or has mapped the page before the
 * unmap removes it again: no stale mapping survives an invalidation.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>

#include "region.h"

#define GVM_FS_MAGIC	0x67766d31	/* "gvm1" */

static struct vfsmount *gvm_mnt;

/* ---- pages ------------------------------------------------------------ */

/* Pages stay where they are: the engine's copy must not move under it. */
static int gvm_migrate_folio(struct address_space *mapping,
			     struct folio *dst, struct folio *src,
			     enum migrate_mode mode)
{
	return -EBUSY;
}

static const struct address_space_operations gvm_aops = {
	.dirty_folio = noop_dirty_folio,
	.migrate_folio = gvm_migrate_folio,
};

/*
 * The local copy of @pfn, with a reference; NULL when there is none and
 * @create is false. Created zero-filled, so a page first touched at its
 * initial owner reads as zero there (and only there).
 */
struct folio *gvm_page_get(struct gvm_region *r, u64 pfn, bool create)
{
	struct address_space *mapping = r->inode->i_mapping;
	struct folio *folio;
	int ret;

	for (;;) {
		folio = filemap_get_folio(mapping, pfn);
		/* NULL on 6.1, ERR_PTR(-ENOENT) from 6.3 on. */
		if (!IS_ERR_OR_NULL(folio))
			return folio;
		if (!create)
			return NULL;
		folio = folio_alloc(GFP_HIGHUSER | __GFP_ZERO, 0);
		if (!folio)
			return ERR_PTR(-ENOMEM);
		ret = filemap_add_folio(mapping, folio, pfn, GFP_KERNEL);
		if (!ret) {
			folio_mark_uptodate(folio);
			folio_unlock(folio);
			atomic64_inc(&r->pages);
			return folio;
		}
		folio_put(folio);
		if (ret != -EEXIST)
			return ERR_PTR(ret);
	}
}

/*
 * With @folio locked and the access taken away cleared from its bits: a
 * fault maps it only under its lock, after checking those bits, so a
 * folio not mapped cannot gain that access, and the walk of every mapping
 * is not needed.
 */
static void gvm_page_unmap(struct gvm_region *r, struct folio *folio,
			   u64 pfn)
{
	if (folio_mapped(folio))
		unmap_mapping_range(r->inode->i_mapping,
				    (loff_t)pfn << PAGE_SHIFT, PAGE_SIZE, 0);
}

/* With r->lock held: take write access (or all access) to @pfn away. */
void gvm_page_revoke(struct gvm_region *r, u64 pfn, bool all)
{
	struct folio *folio;

	if (all)
		clear_bit(pfn, r->valid);
	clear_bit(pfn, r->writable);
	/* A page never allocated here was never mapped here. */
	folio = gvm_page_get(r, pfn, false);
	if (!folio)
		return;
	folio_lock(folio);
	gvm_page_unmap(r, folio, pfn);
	folio_unlock(folio);
	folio_put(folio);
}

/* With r->lock held: @data becomes the local copy of @pfn, unmapped. */
int gvm_page_install(struct gvm_region *r, u64 pfn, const void *data)
{
	struct folio *folio = gvm_page_get(r, pfn, true);
	void *dst;

	if (IS_ERR(folio))
		return PTR_ERR(folio);
	clear_bit(pfn, r->valid);
	clear_bit(pfn, r->writable);
	folio_lock(folio);
	gvm_page_unmap(r, folio, pfn);
	dst = kmap_local_folio(folio, 0);
	memcpy(dst, data, PAGE_SIZE);
	kunmap_local(dst);
	flush_dcache_folio(folio);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

/* ---- faults ----------------------------------------------------------- */

static vm_fault_t gvm_fault_errno(int err)
{
	return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/* This node has a valid (for @write, a writable) copy of @pfn. */
static bool gvm_page_ready(struct gvm_region *r, u64 pfn, bool write)
{
	return test_bit(pfn, r->valid) &&
	       (!write || test_bit(pfn, r->writable));
}

/*
 * A valid (writable) copy of @pfn in @folio, returned locked. Read
 * without the folio lock the bits only spare asking for a page that is
 * here; under it they decide.
 */
static vm_fault_t gvm_fault_lock(struct gvm_region *r, struct folio *folio,
				 u64 pfn, bool write)
{
	int ret;

	for (;;) {
		if (!gvm_page_ready(r, pfn, write)) {
			ret = gvm_region_acquire(r, pfn, write, NULL);
			if (ret)
				return gvm_fault_errno(ret);
		}
		folio_lock(folio);
		if (gvm_page_ready(r, pfn, write))
			return VM_FAULT_LOCKED;
		/* Taken away again before we could map it: ask again. */
		folio_unlock(folio);
	}
}

static void gvm_fault_unlock(struct vm_fault *vmf)
{
#ifdef GVM_HAVE_RELEASE_FAULT_LOCK
	/* The mmap lock, or only the VMA's. */
	release_fault_lock(vmf);
#else
	mmap_read_unlock(vmf->vma->vm_mm);
#endif
}

/*
 * A fault that may be retried does not wait for the network under the
 * mmap lock, which would hold up the process's mmap and munmap for as
 * long, and with them every fault queued behind such a writer (all the
 * vCPUs of a VM). A page that must be asked for is asked for under the
 * lock; unless the answer is in by then, the fault then waits without it
 * and has itself retried: the retry finds the page, or the failure kept
 * for it (a page is never fetched twice for one failed fault). Only a
 * retry, or a fault whose answer was in, waits under the lock, if the
 * page was taken away meanwhile. A caller that will not wait
 * (RETRY_NOWAIT: KVM's async page faults) gets RETRY, its lock still
 * held. 0: go on under the lock (the page is here).
 */
static vm_fault_t gvm_fault_unlocked(struct vm_fault *vmf,
				     struct gvm_region *r, bool write)
{
	u64 pfn = vmf->pgoff;
	bool asked = false;
	struct file *file;
	int err;

	if (gvm_page_ready(r, pfn, write)) {
		/* A retry's page was counted by the fault that asked. */
		if (!(vmf->flags & FAULT_FLAG_TRIED) &&
		    !test_and_clear_bit(pfn, r->fetched))
			atomic64_inc(&r->st[GVM_RSTAT_LOCAL_FAULTS]);
		if (!write)
			gvm_region_read_ahead(r, pfn, false,
					      vmf->vma->vm_flags);
		return 0;
	}
	if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY))
		return 0;
	if (vmf->flags & FAULT_FLAG_TRIED) {
		err = gvm_region_fail_take(r, pfn);
		return err ? gvm_fault_errno(err) : 0;
	}
	/* Ours already (no retry then), or asked for now. */
	err = gvm_region_acquire(r, pfn, write, &asked);
	if (!gvm_acquire_asked(err))
		return err ? gvm_fault_errno(err) : 0;
	/* Its own page asked first, the next ones follow it out. */
	if (!write)
		gvm_region_read_ahead(r, pfn, err == -EAGAIN,
				      vmf->vma->vm_flags);
	/*
	 * The answer may be in already: where the other node shares our
	 * CPU, its work (woken by the ask going out) preempts us and runs
	 * the whole round trip before we get here. Then no retry.
	 */
	if (gvm_region_answered(r, pfn, write))
		return 0;
	if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT)
		return VM_FAULT_RETRY;
	/* Keeps @r, which the VMA kept until now. */
	file = get_file(vmf->vma->vm_file);
	gvm_fault_unlock(vmf);
	/* Left by a failed try whose retry never came (a signal's). */
	gvm_region_fail_take(r, pfn);
	err = gvm_region_acquire(r, pfn, write, &asked);
	if (err)
		gvm_region_fail_keep(r, pfn, err);
	fput(file);
	/* Major: it waited for I/O; and from 6.5 so the retry is TRIED. */
	return VM_FAULT_RETRY | VM_FAULT_MAJOR;
}

static vm_fault_t gvm_vm_fault(struct vm_fault *vmf)
{
	struct gvm_region *r = vmf->vma->vm_file->private_data;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct folio *folio;
	vm_fault_t ret;

	if (vmf->pgoff >= r->npages)
		return VM_FAULT_SIGBUS;
	/* The page the answer goes to, allocated where we may. */
	folio = gvm_page_get(r, vmf->pgoff, true);
	if (IS_ERR(folio))
		return VM_FAULT_OOM;
	ret = gvm_fault_unlocked(vmf, r, write);
	/* A write to an absent page asks for ownership straight away. */
	if (!ret)
		ret = gvm_fault_lock(r, folio, vmf->pgoff, write);
	if (ret != VM_FAULT_LOCKED) {
		folio_put(folio);
		return ret;
	}
	vmf->page = folio_file_page(folio, vmf->pgoff);
	return ret;
}

/*
 * A write to a mapped read copy. page_mkwrite cannot have its fault
 * retried, so an upgrade that asks the network unmaps the page here and
 * ends the fault: the write faults again through .fault, which waits
 * without the mmap lock. If the page had been asked for already (the
 * read copy mapped again by a reader after such an unmap, say), the
 * upgrade waits here, under the lock, rather than go round again.
 */
static vm_fault_t gvm_vm_mkwrite(struct vm_fault *vmf)
{
	struct gvm_region *r = vmf->vma->vm_file->private_data;
	struct folio *folio = page_folio(vmf->page);
	u64 pfn = vmf->pgoff;
	bool asked = false;
	int err;

	/* Ask, unless ours alone or the write of a fault just counted. */
	if (!gvm_page_ready(r, pfn, true)) {
		err = gvm_region_acquire(r, pfn, true, &asked);
		if (err == -EAGAIN) {
			folio_lock(folio);
			gvm_page_unmap(r, folio, pfn);
			folio_unlock(folio);
			return VM_FAULT_NOPAGE;
		}
		if (err && err != -EALREADY)
			return gvm_fault_errno(err);
	}
	return gvm_fault_lock(r, folio, pfn, true);
}

static const struct vm_operations_struct gvm_vm_ops = {
	.fault = gvm_vm_fault,
	.page_mkwrite = gvm_vm_mkwrite,
};

/* ---- the file --------------------------------------------------------- */

static int gvm_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gvm_region *r = file->private_data;
	unsigned long pages = vma_pages(vma);

	/* A private copy would never see another node's writes. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= r->npages || pages > r->npages - vma->vm_pgoff)
		return -EINVAL;
#ifdef GVM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, VM_DONTEXPAND);
#else
	vma->vm_flags |= VM_DONTEXPAND;
#endif
	vma->vm_ops = &gvm_vm_ops;
	return 0;
}

static int gvm_region_file_release(struct inode *inode, struct file *file)
{
	/* NULL when creation failed after making the file. */
	if (file->private_data)
		gvm_region_release(file->private_data);
	return 0;
}

static const struct file_operations gvm_region_fops = {
	.owner = THIS_MODULE,
	.mmap = gvm_region_mmap,
	.release = gvm_region_file_release,
	.llseek = noop_llseek,
};

/* The region's file: its own inode, so unmaps reach only its mappings. */
struct file *gvm_map_file(struct gvm_region *r)
{
	struct inode *inode;
	struct file *file;

	/* The file's release runs our code: it holds the module. */
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENOENT);
	inode = alloc_anon_inode(gvm_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		module_put(THIS_MODULE);
		return ERR_CAST(inode);
	}
	inode->i_mode |= S_IFREG;
	inode->i_mapping->a_ops = &gvm_aops;
	mapping_set_unevictable(inode->i_mapping);
	i_size_write(inode, (loff_t)r->npages << PAGE_SHIFT);
	file = alloc_file_pseudo(inode, gvm_mnt, "giantvm-region", O_RDWR,
				 &gvm_region_fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(THIS_MODULE);
		return file;
	}
	/* The region keeps the pages until its frames are all delivered. */
	ihold(inode);
	r->inode = inode;
	file->private_data = r;
	return file;
}

static int gvm_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, GVM_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type gvm_fs_type = {
	.name = "giantvm",
	.init_fs_context = gvm_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int gvm_map_init(void)
{
	BUILD_BUG_ON(PAGE_SIZE != GVM_PAGE_SIZE);
	gvm_mnt = kern_mount(&gvm_fs_type);
	return PTR_ERR_OR_ZERO(gvm_mnt);
}

void gvm_map_exit(void)
{
	kern_unmount(gvm_mnt);
}
