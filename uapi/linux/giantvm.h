/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * giantvm: distributed shared memory for virtual machines.
 *
 * This header is the whole boundary between the module, its peers and
 * userspace: limits, the peer-to-peer wire format, and (later) the ioctls of
 * /dev/giantvm and the attributes of the "giantvm" generic netlink family.
 * Everything on the wire is little-endian with explicit padding; the layout
 * is pinned by the static asserts at the end.
 */
#ifndef _UAPI_LINUX_GIANTVM_H
#define _UAPI_LINUX_GIANTVM_H

#include <linux/types.h>

/* Raising the cluster size limit changes this constant and nothing else. */
#define GVM_MAX_NODES		10240U
#define GVM_NODE_NONE		0xffffffffU	/* "no node" in id fields */

#define GVM_PAGE_SHIFT		12
#define GVM_PAGE_SIZE		(1U << GVM_PAGE_SHIFT)

/* ---------------------------------------------------------------------- */
/* Peer wire format, version 1.                                           */
/* ---------------------------------------------------------------------- */

#define GVM_WIRE_MAGIC		0x314d5647U	/* "GVM1" read as LE bytes */
#define GVM_WIRE_VERSION	1

/*
 * Coherence messages (Ivy, fixed distributed manager). "home" is the node
 * that keeps the owner pointer of a page, "owner" holds the page and its
 * copyset. Field use per type; unlisted fields must be zero.
 *
 * READ_REQ	requester -> home	txid, pfn
 * WRITE_REQ	requester -> home	txid, pfn
 * FWD_READ	home -> owner		txid, pfn, arg = requester
 * FWD_WRITE	home -> owner		txid, pfn, arg = requester
 * DATA		owner -> requester	txid, pfn, pg_version; payload: the page
 * GRANT	owner -> requester	txid, pfn, pg_version (new); payload: the
 *					page, or none with GVM_F_NODATA when the
 *					requester holds the current copy
 * CONFIRM	new owner -> home	txid, pfn, pg_version
 * INV		owner/relay -> sharer	txid (round), pfn, pg_version (of the
 *					copies to drop); payload: node ranges
 *					the receiver relays the invalidation to
 * INV_ACK	sharer -> INV sender	txid (round), pfn, arg = nodes covered;
 *					GVM_F_FAILED: aux = a node that failed
 * NACK		home -> requester	txid, pfn, arg = positive errno
 * BOUNCE	non-owner -> home	txid, pfn, arg = requester,
 *					aux = probable owner; GVM_F_WRITE
 * QUERY	home -> owner		txid, pfn, arg = failed node
 * ANNOUNCE	owner -> home		txid, pfn, pg_version; GVM_F_DISOWN:
 *					not the owner, aux = probable owner
 * REHOME_DONE	any -> new home		arg = failed node
 */
enum gvm_msg_type {
	GVM_MSG_READ_REQ = 1,
	GVM_MSG_WRITE_REQ,
	GVM_MSG_FWD_READ,
	GVM_MSG_FWD_WRITE,
	GVM_MSG_DATA,
	GVM_MSG_GRANT,
	GVM_MSG_CONFIRM,
	GVM_MSG_INV,
	GVM_MSG_INV_ACK,
	GVM_MSG_NACK,
	GVM_MSG_BOUNCE,
	GVM_MSG_QUERY,
	GVM_MSG_ANNOUNCE,
	GVM_MSG_REHOME_DONE,
	__GVM_MSG_MAX
};
#define GVM_MSG_MAX (__GVM_MSG_MAX - 1)

/* Header flags. Each is valid only on the types named beside it. */
#define GVM_F_NODATA		(1U << 0)	/* GRANT */
#define GVM_F_FAILED		(1U << 1)	/* INV_ACK */
#define GVM_F_WRITE		(1U << 2)	/* BOUNCE */
#define GVM_F_DISOWN		(1U << 3)	/* ANNOUNCE */

struct gvm_wire_hdr {
	__le32 magic;
	__u8 version;
	__u8 type;		/* enum gvm_msg_type */
	__le16 flags;
	__le16 hdr_len;		/* sizeof(struct gvm_wire_hdr) */
	__le16 reserved;	/* zero */
	__le32 payload_len;	/* bytes after the header */
	__le32 domain;
	__le32 src;
	__le32 dst;
	__le32 region;
	__le32 arg;
	__le32 aux;
	__le64 txid;
	__le64 pfn;
	__le64 pg_version;
};

/* INV payload element: nodes first .. first + count - 1. */
struct gvm_wire_range {
	__le32 first;
	__le32 count;
};

/* The largest INV payload equals one page, so frames never exceed one page. */
#define GVM_INV_MAX_RANGES	(GVM_PAGE_SIZE / sizeof(struct gvm_wire_range))
#define GVM_WIRE_MAX_PAYLOAD	GVM_PAGE_SIZE
#define GVM_WIRE_MAX_FRAME	(sizeof(struct gvm_wire_hdr) + GVM_WIRE_MAX_PAYLOAD)

#ifdef __cplusplus
#define GVM_UAPI_ASSERT(c, m) static_assert(c, m)
#else
#define GVM_UAPI_ASSERT(c, m) _Static_assert(c, m)
#endif

GVM_UAPI_ASSERT(sizeof(struct gvm_wire_hdr) == 64, "wire header is 64 bytes");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, payload_len) == 12,
		"payload_len offset");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, aux) == 36, "aux offset");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, txid) == 40, "txid offset");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, pg_version) == 56,
		"pg_version offset");
GVM_UAPI_ASSERT(sizeof(struct gvm_wire_range) == 8, "range is 8 bytes");
GVM_UAPI_ASSERT(GVM_MAX_NODES < GVM_NODE_NONE, "node ids fit below NONE");

#endif /* _UAPI_LINUX_GIANTVM_H */
