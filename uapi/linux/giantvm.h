/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * giantvm: distributed shared memory for virtual machines.
 *
 * This header is the whole boundary between the module, its peers and
 * userspace: limits, the peer-to-peer wire format, the ioctls of /dev/giantvm
 * and the attributes of the "giantvm" generic netlink family.
 * Everything on the wire is little-endian with explicit padding; the layout
 * is pinned by the static asserts at the end.
 */
#ifndef _UAPI_LINUX_GIANTVM_H
#define _UAPI_LINUX_GIANTVM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Raising the cluster size limit changes this constant and nothing else. */
#define GVM_MAX_NODES		10240U
#define GVM_NODE_NONE		0xffffffffU	/* "no node" in id fields */

#define GVM_PAGE_SHIFT		12
#define GVM_PAGE_SIZE		(1U << GVM_PAGE_SHIFT)

/* ---------------------------------------------------------------------- */
/* Peer wire format, version 7.                                           */
/* ---------------------------------------------------------------------- */

#define GVM_WIRE_MAGIC		0x314d5647U	/* "GVM1" read as LE bytes */
/*
 * 2: HANDOFF, DETACH, SYNC; 3: ATTACH; 4: GVM_F_HAVE; 5: open ids;
 * 6: REHOME_DONE may ask for one (GVM_F_REPLY); 7: pre-shared keys
 */
#define GVM_WIRE_VERSION	7

/*
 * Coherence messages (Ivy, fixed distributed manager). "home" is the node
 * that keeps the owner pointer of a page, "owner" holds the page and its
 * copyset. Field use per type; unlisted fields must be zero.
 *
 * READ_REQ	requester -> home	txid, pfn
 * WRITE_REQ	requester -> home	txid, pfn; GVM_F_HAVE: the requester
 *					holds a read copy, pg_version = its
 *					version (else pg_version is zero)
 * FWD_READ	home -> owner		txid, pfn, arg = requester
 * FWD_WRITE	home -> owner		txid, pfn, arg = requester; GVM_F_HAVE
 *					and pg_version as in the WRITE_REQ
 * DATA		owner -> requester	txid, pfn, pg_version; payload: the page
 * GRANT	owner -> requester	txid, pfn, pg_version (new); payload: the
 *					page, or none with GVM_F_NODATA when the
 *					request said GVM_F_HAVE of the current
 *					version and the owner's copyset is
 *					exact and holds the requester
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
 * REHOME_DONE	any -> new home		arg = failed node: the sender has
 *					announced every page homed there that
 *					it owns.
 *					GVM_F_REPLY (new home -> any): the new
 *					home lacked room to wait before, answer
 *					with yours
 * HANDOFF	detaching -> taker	pfn: take the page over (a write fault)
 * DETACH	detaching -> all	the sender left the region, owning nothing
 * SYNC		detaching -> all	txid: answer once every earlier frame of
 *					mine is handled (before DETACH)
 * SYNC_ACK	all -> detaching	txid: that of the SYNC
 * ATTACH	creator -> all		what it took the region to be: pfn = pages,
 *					arg = initial owner, aux = members,
 *					txid = gvm_members_digest() of the
 *					ascending member ids. GVM_F_REPLY: the
 *					sender just opened it, answer with yours.
 *					An answer may say GVM_F_REFUSED (you left
 *					or failed here: no re-attach) or
 *					GVM_F_BROKEN (the sender's region is out
 *					of service); at most one flag is set
 *
 * Every frame of a region (all but the transport's) names the open of the
 * region it comes from and the one it is for: each time a node opens a
 * region it draws a random nonzero id, src_open, sent on every frame of
 * it; dst_open is the receiver's as the sender learned it from the
 * receiver's ATTACH, zero while it has none. A receiver drops a frame for
 * another open of its own, or from another open of a sender whose ATTACH
 * it has: one in flight when the region was closed everywhere and opened
 * again under the same id. Transport frames carry zeros.
 *
 * Each node opens one TCP connection to each peer it sends to and accepts
 * one from each peer that sends to it, so every ordered pair is one FIFO
 * stream. A connection starts with HELLO (domain, src, dst, nonce), answered
 * by HELLO_ACK or by HELLO_NACK with an enum gvm_hello_reason and a close.
 *
 * A domain may have a pre-shared key (GVM_A_PSK, the same on every member).
 * Then HELLO and HELLO_ACK say GVM_F_AUTH, and HELLO_ACK's pg_version is the
 * acceptor's nonce, nonzero. Both ends derive the connection's key
 *
 *	K = BLAKE2s-256, keyed with the pre-shared key, of le32 domain,
 *	    le32 connector, le32 acceptor, le64 connector's nonce,
 *	    le64 acceptor's nonce (28 bytes)
 *
 * and every frame after the HELLO, both ways, but a HELLO_NACK, is
 * followed by GVM_TAG_LEN bytes: BLAKE2s-128, keyed with K, of one byte
 * (0 from the connector, 1 from the acceptor), le64 the number of tagged
 * frames sent that way on the connection before it, and the frame. So
 * the HELLO_ACK is the acceptor's frame 0; the connector's frame 0 (a
 * HEARTBEAT when it has nothing else to send) proves that it holds the
 * key, and until it comes the acceptor takes the member for neither up
 * nor connected. A frame whose tag is wrong ends the connection. Frames
 * are authenticated, not encrypted.
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
	GVM_MSG_HANDOFF,
	GVM_MSG_DETACH,
	GVM_MSG_SYNC,
	GVM_MSG_SYNC_ACK,
	GVM_MSG_ATTACH,

	/* Transport: connection set-up and liveness, never reach the engine. */
	GVM_MSG_HELLO,		/* connector -> acceptor: txid = nonce */
	GVM_MSG_HELLO_ACK,	/* acceptor -> connector: txid = nonce */
	GVM_MSG_HELLO_NACK,	/* acceptor -> connector: arg = reason */
	GVM_MSG_HEARTBEAT,	/* either way, when a link is otherwise idle */
	GVM_MSG_LEAVE,		/* the sender leaves the domain for good */
	__GVM_MSG_MAX
};
#define GVM_MSG_MAX (__GVM_MSG_MAX - 1)

/* Header flags. Each is valid only on the types named beside it. */
#define GVM_F_NODATA		(1U << 0)	/* GRANT */
#define GVM_F_FAILED		(1U << 1)	/* INV_ACK */
#define GVM_F_WRITE		(1U << 2)	/* BOUNCE */
#define GVM_F_DISOWN		(1U << 3)	/* ANNOUNCE */
#define GVM_F_REPLY		(1U << 4)	/* ATTACH, REHOME_DONE */
#define GVM_F_REFUSED		(1U << 5)	/* ATTACH */
#define GVM_F_BROKEN		(1U << 6)	/* ATTACH */
#define GVM_F_HAVE		(1U << 7)	/* WRITE_REQ, FWD_WRITE */
#define GVM_F_AUTH		(1U << 8)	/* HELLO, HELLO_ACK */

/* A domain's pre-shared key, and the tag that follows each frame. */
#define GVM_PSK_LEN		32
#define GVM_TAG_LEN		16

/*
 * ATTACH's member digest: FNV-1a (64 bits) over the member ids, ascending,
 * each as four little-endian bytes; 0 becomes 1, as txid 0 means none.
 */
#define GVM_DIGEST_BASIS	0xcbf29ce484222325ULL
#define GVM_DIGEST_PRIME	0x100000001b3ULL

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
	__le32 src_open;	/* the sender's open of the region */
	__le32 dst_open;	/* the receiver's, 0 when not known */
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

/* Why a HELLO was refused (HELLO_NACK arg, and the handshake event). */
enum gvm_hello_reason {
	GVM_HELLO_OK = 0,
	GVM_HELLO_WRONG_DOMAIN,		/* no such domain here */
	GVM_HELLO_NOT_MEMBER,		/* the connector is not a member */
	GVM_HELLO_WRONG_NODE,		/* dst is not this node */
	GVM_HELLO_VERSION,		/* wire version not spoken here */
	GVM_HELLO_MALFORMED,		/* not a HELLO frame */
	/* one side has a pre-shared key and the other none, or they differ */
	GVM_HELLO_AUTH,
	__GVM_HELLO_MAX
};

/* ---------------------------------------------------------------------- */
/* /dev/giantvm: the data plane. Structs start with their size.           */
/* ---------------------------------------------------------------------- */

#define GVM_ABI_VERSION		1

struct gvm_ioc_version {
	__u32 size;		/* in: sizeof(struct gvm_ioc_version) */
	__u32 abi;		/* out: GVM_ABI_VERSION */
	__u32 wire;		/* out: GVM_WIRE_VERSION */
	__u32 genl;		/* out: GVM_GENL_VERSION */
	__u32 max_nodes;	/* out: GVM_MAX_NODES */
	__u32 reserved;
};

/*
 * A region: memory shared by the members of a domain, kept coherent page by
 * page (one writer or many readers). Every member that takes part calls
 * GVM_IOC_REGION_CREATE with the same region id, size and owner; the ioctl
 * returns a file descriptor (close-on-exec) whose mmap(MAP_SHARED) is the
 * region. The members of the region are the domain's members at that
 * moment, and must be the same on every node. Pages are allocated on first
 * touch; the owner holds every page at start (untouched pages read as
 * zero). A page that cannot be fetched is never replaced by zeros: the
 * fault gets SIGBUS (EFAULT for get_user_pages callers) and an event.
 */
struct gvm_region_create {
	__u32 size;		/* in: sizeof(struct gvm_region_create) */
	__u32 flags;		/* in: none defined yet, 0 */
	__u32 domain;		/* in: a domain of the caller's namespace */
	__u32 region;		/* in: region id, >= 1, unique in the domain */
	__u64 bytes;		/* in: a multiple of GVM_PAGE_SIZE, > 0 */
	/* in: node owning every page at start, or GVM_NODE_NONE (lowest id) */
	__u32 owner;
	__u32 reserved;		/* in: 0 */
};

#define GVM_IOC_MAGIC		0xb7
#define GVM_IOC_VERSION		_IOWR(GVM_IOC_MAGIC, 0x00, struct gvm_ioc_version)
#define GVM_IOC_REGION_CREATE	_IOW(GVM_IOC_MAGIC, 0x01, struct gvm_region_create)

/* ---------------------------------------------------------------------- */
/* Generic netlink family "giantvm": the control plane.                   */
/* ---------------------------------------------------------------------- */

#define GVM_GENL_NAME		"giantvm"
/* 2: GVM_A_FAULT_LAT in 92 buckets, no longer 24 powers of two. */
#define GVM_GENL_VERSION	2
#define GVM_GENL_MCGRP_EVENTS	"events"

/*
 * Commands. DOMAIN_NEW/DEL and NODE_ADD/DEL need CAP_NET_ADMIN over the
 * caller's network namespace; GETs are open to everyone. DOMAIN_NEW,
 * DOMAIN_DEL and the NODE_* events are also sent to the "events" group.
 * A domain lives in the network namespace that created it.
 *
 *   DOMAIN_NEW      DOMAIN_ID NODE_ID ADDR4|ADDR6 PORT
 *                   [HEARTBEAT_MS TIMEOUT_MS CONNECT NAME PSK]
 *   DOMAIN_DEL      DOMAIN_ID; connected peers are told LEAVE
 *   DOMAIN_GET      DOMAIN_ID, or a dump of every domain
 *   NODE_ADD        DOMAIN_ID NODE_ID ADDR4|ADDR6 PORT
 *   NODE_DEL        DOMAIN_ID NODE_ID
 *   NODE_GET        DOMAIN_ID NODE_ID, or DOMAIN_ID and a dump
 *   NODE_UP         event: DOMAIN_ID NODE_ID REASON
 *   NODE_DOWN       event: DOMAIN_ID NODE_ID REASON (a member that was up)
 *   NODE_LEFT       event: DOMAIN_ID NODE_ID REASON
 *   HANDSHAKE_FAIL  event: DOMAIN_ID [NODE_ID] HELLO_REASON REASON; NODE_ID
 *                   is the other end when known (the member we connected
 *                   to, or the id an incoming HELLO claimed)
 *   REGION_GET      DOMAIN_ID REGION_ID, or a dump of the regions of
 *                   DOMAIN_ID (or of every domain without it)
 *   FAULT_FAIL      event: DOMAIN_ID REGION_ID PFN ERRNO REASON: a fault
 *                   on this node failed (the task got SIGBUS)
 *   PAGE_LOST       event: DOMAIN_ID REGION_ID PFN: the page's owner
 *                   failed with the only copy (sent by the page's home)
 *   VERSION_GET     no attributes; the reply: VERSION, the module's own
 *                   (its package's) version, as modinfo shows it
 *   REGION_CONFLICT event: DOMAIN_ID REGION_ID NODE_ID REASON: that member
 *                   opened the region with another size, owner or member
 *                   list, opened it again after leaving it, or put its own
 *                   out of service. The member that opened it last takes
 *                   its region out of service (every fault: SIGBUS, and
 *                   REGION_GET shows REGION_CONFLICT); the others go on
 *                   without that member, as if it had failed
 *
 * The DOMAIN_NEW and DOMAIN_DEL events carry DOMAIN_ID, NODE_ID (this node)
 * and NAME when set.
 */
enum gvm_cmd {
	GVM_CMD_UNSPEC,
	GVM_CMD_DOMAIN_NEW,
	GVM_CMD_DOMAIN_DEL,
	GVM_CMD_DOMAIN_GET,
	GVM_CMD_NODE_ADD,
	GVM_CMD_NODE_DEL,
	GVM_CMD_NODE_GET,
	GVM_CMD_NODE_UP,
	GVM_CMD_NODE_DOWN,
	GVM_CMD_NODE_LEFT,
	GVM_CMD_HANDSHAKE_FAIL,
	GVM_CMD_REGION_GET,
	GVM_CMD_FAULT_FAIL,
	GVM_CMD_PAGE_LOST,
	GVM_CMD_VERSION_GET,
	GVM_CMD_REGION_CONFLICT,
	__GVM_CMD_MAX
};
#define GVM_CMD_MAX (__GVM_CMD_MAX - 1)

enum gvm_attr {
	GVM_A_UNSPEC,
	GVM_A_PAD,
	GVM_A_DOMAIN_ID,	/* u32, >= 1 */
	GVM_A_NODE_ID,		/* u32, < GVM_MAX_NODES */
	GVM_A_ADDR4,		/* 4 bytes, network order */
	GVM_A_ADDR6,		/* 16 bytes, network order */
	GVM_A_PORT,		/* u16, host order, >= 1 */
	GVM_A_HEARTBEAT_MS,	/* u32: send a heartbeat on idle links */
	GVM_A_TIMEOUT_MS,	/* u32: silent this long = down */
	GVM_A_CONNECT,		/* u8, enum gvm_connect */
	GVM_A_NAME,		/* string, < GVM_NAME_MAX bytes */
	GVM_A_NODE_STATE,	/* u8, enum gvm_node_state (out) */
	GVM_A_LAST_RX_MS,	/* u32: ms since last heard, capped (out) */
	GVM_A_MEMBERS,		/* u32: members, this node included (out) */
	GVM_A_MEM_BYTES,	/* u64: memory the domain holds (out) */
	GVM_A_STATS,		/* nested, enum gvm_stat (out) */
	GVM_A_HELLO_REASON,	/* u8, enum gvm_hello_reason (event) */
	GVM_A_REASON,		/* string, for humans (event) */
	GVM_A_REGION_ID,	/* u32, >= 1 */
	GVM_A_REGION_BYTES,	/* u64 (out) */
	GVM_A_REGION_OWNER,	/* u32: the owner at start (out) */
	GVM_A_REGION_PAGES,	/* u64: pages allocated on this node (out) */
	GVM_A_REGION_STATS,	/* nested, enum gvm_rstat (out) */
	GVM_A_FAULT_LAT,	/* nested: u64 per latency bucket (out) */
	GVM_A_PFN,		/* u64: page number in the region (event) */
	GVM_A_ERRNO,		/* u32: positive errno (event) */
	GVM_A_VERSION,		/* string, < GVM_VERSION_MAX bytes (out) */
	GVM_A_REGION_CONFLICT,	/* string: why the region is out of service
				 * on this node; absent while it works (out)
				 */
	GVM_A_PSK,		/* GVM_PSK_LEN bytes, not all zero: frames
				 * between members are authenticated (in,
				 * DOMAIN_NEW; never read back)
				 */
	GVM_A_AUTH,		/* u8 1: the domain has a pre-shared key (out) */
	GVM_A_REGION_META_BYTES,/* u64: memory this node keeps to track the
				 * region's pages, whether here or not: the
				 * engine's state, page bitmaps (out)
				 */
	__GVM_A_MAX
};
#define GVM_A_MAX (__GVM_A_MAX - 1)

#define GVM_NAME_MAX		32
#define GVM_VERSION_MAX		64

/* Liveness settings, ms: heartbeat on idle links, silence that means down. */
#define GVM_HEARTBEAT_MS_MIN	50U
#define GVM_HEARTBEAT_MS_MAX	60000U
#define GVM_HEARTBEAT_MS_DEFAULT 1000U
#define GVM_TIMEOUT_MS_MIN	150U
#define GVM_TIMEOUT_MS_MAX	600000U
#define GVM_TIMEOUT_MS_DEFAULT	5000U

enum gvm_connect {
	GVM_CONNECT_LAZY = 0,	/* connect to a member when there is traffic */
	GVM_CONNECT_EAGER = 1,	/* connect to every member, watch them all */
};

enum gvm_node_state {
	GVM_NODE_IDLE = 0,	/* no connection, none needed */
	GVM_NODE_CONNECTING,
	GVM_NODE_UP,
	GVM_NODE_DOWN,		/* failed: silent too long, or unreachable */
	GVM_NODE_LEFT,		/* said it left */
	GVM_NODE_SELF,		/* this node */
	__GVM_NODE_STATE_MAX
};

/* Counters, per domain and per member; all u64. */
enum gvm_stat {
	GVM_STAT_UNSPEC,
	GVM_STAT_PAD,
	GVM_STAT_TX_FRAMES,
	GVM_STAT_RX_FRAMES,
	GVM_STAT_TX_BYTES,
	GVM_STAT_RX_BYTES,
	GVM_STAT_CONNECTS,		/* connections made */
	GVM_STAT_CONNECT_FAILS,
	GVM_STAT_HANDSHAKE_FAILS,
	GVM_STAT_HEARTBEATS_TX,
	GVM_STAT_HEARTBEATS_RX,
	GVM_STAT_DOWNS,			/* times a member went down */
	GVM_STAT_BAD_FRAMES,		/* frames the codec refused */
	GVM_STAT_UNROUTED,		/* frames for a region not open here */
	__GVM_STAT_MAX
};
#define GVM_STAT_MAX (__GVM_STAT_MAX - 1)

/* Counters per region on this node; all u64. */
enum gvm_rstat {
	GVM_RSTAT_UNSPEC,
	GVM_RSTAT_PAD,
	GVM_RSTAT_READ_FAULTS,		/* faults that asked the network */
	GVM_RSTAT_WRITE_FAULTS,
	GVM_RSTAT_LOCAL_FAULTS,		/* faults served by the local copy */
	GVM_RSTAT_PAGES_IN,		/* pages received */
	GVM_RSTAT_PAGES_OUT,		/* pages sent */
	GVM_RSTAT_INV_SENT,		/* invalidations sent */
	GVM_RSTAT_INV_RECEIVED,		/* local copies dropped by one */
	GVM_RSTAT_RETRIES,		/* requests sent again */
	GVM_RSTAT_TIMEOUTS,		/* requests that timed out */
	GVM_RSTAT_FAULT_FAILS,		/* faults that got SIGBUS */
	GVM_RSTAT_PAGES_LOST,		/* pages whose owner failed */
	GVM_RSTAT_STALE,		/* messages ignored as stale */
	GVM_RSTAT_PROTOCOL_ERRORS,	/* messages that broke the protocol */
	GVM_RSTAT_TAKEOVERS,		/* pages taken from a detaching node */
	GVM_RSTAT_READ_AHEAD,		/* read copies asked for ahead */
	__GVM_RSTAT_MAX
};
#define GVM_RSTAT_MAX (__GVM_RSTAT_MAX - 1)

/*
 * Latency of the faults that asked the network: in GVM_A_FAULT_LAT,
 * attribute GVM_LAT_FIRST + i (u64) counts the faults that took from
 * gvm_lat_lo(i) to gvm_lat_lo(i + 1) - 1 us, the last one also slower
 * ones. Up to 8 us a bucket is one microsecond; above, every power of two
 * is cut in four, so a latency is less than a quarter over its bucket's
 * lower bound (a percentile reads as the lower bound). The last bucket
 * starts at 14,680,064 us. Attribute 1 is padding, as in the counter
 * nests.
 */
#define GVM_LAT_BUCKETS		92
#define GVM_LAT_FIRST		2

/* The bucket of a fault that took @us microseconds. */
static inline unsigned int gvm_lat_bucket(__u64 us)
{
	unsigned int e;

	if (us < 4)
		return us;
	e = 63 - __builtin_clzll(us);	/* us >= 2^e, e >= 2 */
	if (4 * (e - 1) + 3 >= GVM_LAT_BUCKETS)
		return GVM_LAT_BUCKETS - 1;
	return 4 * (e - 1) + ((us >> (e - 2)) & 3);
}

/* The least latency, in microseconds, that bucket @i counts. */
static inline __u64 gvm_lat_lo(unsigned int i)
{
	if (i < 4)
		return i;
	return (__u64)(4 + i % 4) << (i / 4 - 1);
}

#ifdef __cplusplus
#define GVM_UAPI_ASSERT(c, m) static_assert(c, m)
#else
#define GVM_UAPI_ASSERT(c, m) _Static_assert(c, m)
#endif

GVM_UAPI_ASSERT(sizeof(struct gvm_wire_hdr) == 72, "wire header is 72 bytes");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, payload_len) == 12,
		"payload_len offset");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, aux) == 36, "aux offset");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, txid) == 40, "txid offset");
GVM_UAPI_ASSERT(__builtin_offsetof(struct gvm_wire_hdr, pg_version) == 56,
		"pg_version offset");
GVM_UAPI_ASSERT(sizeof(struct gvm_wire_range) == 8, "range is 8 bytes");
GVM_UAPI_ASSERT(GVM_MAX_NODES < GVM_NODE_NONE, "node ids fit below NONE");
GVM_UAPI_ASSERT(sizeof(struct gvm_region_create) == 32,
		"gvm_region_create is 32 bytes");

#endif /* _UAPI_LINUX_GIANTVM_H */
