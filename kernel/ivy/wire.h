/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one codec between struct gvm_msg (host order, what the protocol engine
 * consumes and produces) and frames on the wire (uapi/linux/giantvm.h).
 */
#ifndef _GVM_WIRE_H
#define _GVM_WIRE_H

#include "../gvm_compat.h"
#include "../copyset/copyset.h"
#include <linux/giantvm.h>

struct gvm_msg {
	u8 type;			/* enum gvm_msg_type */
	u16 flags;			/* GVM_F_* */
	u32 domain;
	u32 src;
	u32 dst;
	u32 region;
	u32 arg;
	u32 aux;
	u64 txid;
	u64 pfn;
	u64 version;
	u32 src_open, dst_open;		/* region frames: see the uapi */
	u32 nranges;			/* INV payload */
	struct gvm_range *ranges;
	const void *page;		/* DATA/GRANT payload, GVM_PAGE_SIZE */
};

/* Every malformed class has its own code, so peers and tests can tell. */
enum gvm_wire_status {
	GVM_WIRE_OK = 0,
	GVM_WIRE_ETRUNC,	/* fewer bytes than the header or frame needs */
	GVM_WIRE_EMAGIC,
	GVM_WIRE_EVERSION,
	GVM_WIRE_EHDRLEN,
	GVM_WIRE_ETYPE,		/* unknown message type */
	GVM_WIRE_EFLAGS,	/* flag not defined for this type */
	GVM_WIRE_ERESERVED,	/* reserved or unused field not zero */
	GVM_WIRE_ELEN,		/* payload length wrong for the type */
	GVM_WIRE_ENODE,		/* node id out of range */
	GVM_WIRE_EDOMAIN,	/* another domain */
	GVM_WIRE_EDST,		/* not addressed to this node */
	GVM_WIRE_EREGION,	/* unknown region */
	GVM_WIRE_EPAGE,		/* page outside the region */
	GVM_WIRE_ERANGE,	/* malformed node range in the payload */
	GVM_WIRE_EARG,		/* argument not valid for the type */
	GVM_WIRE_ETXID,		/* transaction id missing or unexpected */
	__GVM_WIRE_STATUS_MAX
};

/* What the receiver accepts; see gvm_wire_decode(). */
struct gvm_wire_limits {
	u32 domain;
	u32 self;		/* dst must equal it (GVM_NODE_NONE: any) */
	u32 id_space;		/* node ids are below it */
	u32 region;		/* the region page messages must be for */
	u64 npages;		/* pfn is below it; 0: neither is checked */
};

enum gvm_wire_status gvm_wire_peek(const void *buf, size_t len,
				   size_t *frame_len);
enum gvm_wire_status gvm_wire_decode(void *buf, size_t len,
				     const struct gvm_wire_limits *lim,
				     struct gvm_msg *m);
size_t gvm_wire_payload_len(const struct gvm_msg *m);
u64 gvm_members_digest(const u32 *ids, u32 n);
void gvm_wire_encode_hdr(const struct gvm_msg *m, struct gvm_wire_hdr *h);
int gvm_wire_encode(const struct gvm_msg *m, void *buf, size_t len);
const char *gvm_wire_strerror(enum gvm_wire_status st);
const char *gvm_msg_name(unsigned int type);

#endif /* _GVM_WIRE_H */
