/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peer transport over kernel TCP. Each node opens one connection to each
 * member it sends to; data flows only from the connector to the acceptor,
 * so every ordered pair of nodes is one FIFO stream, which the protocol
 * engine relies on. The acceptor sends back only HELLO_ACK/NACK and
 * heartbeats, so either end of any connection in use knows whether the
 * other is alive. All socket work runs on one workqueue: no thread per
 * peer, and members that exchange nothing cost nothing.
 */
#ifndef _GVM_TRANSPORT_H
#define _GVM_TRANSPORT_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include "auth.h"
#include "domain.h"

enum gvm_conn_state {
	GVM_CONN_CONNECTING,	/* outgoing: TCP handshake under way */
	GVM_CONN_HELLO_SENT,	/* outgoing: waiting for HELLO_ACK */
	GVM_CONN_WAIT_HELLO,	/* incoming: waiting for HELLO */
	/* incoming, pre-shared key: HELLO_ACK sent, its first frame proves */
	GVM_CONN_PROVING,
	GVM_CONN_UP,
};

struct gvm_conn {
	struct list_head node;		/* domain's pending or dead list */
	struct list_head push;		/* in the domain's push list */
	struct gvm_domain *domain;
	struct gvm_peer *peer;		/* NULL until an accepted HELLO */
	struct socket *sock;
	bool outgoing;
	bool dead;
	bool carried;			/* outgoing: region frames queued */
	u8 state;			/* enum gvm_conn_state */
	/* auth holds the connection's key: tagged frames may go and come */
	bool keyed;
	/*
	 * The member at the other end, for the receiving work without the
	 * lock (c->peer goes when @c closes): whom we called, or whom its
	 * HELLO named.
	 */
	u32 claimed;
	u64 nonce;
	unsigned long since;		/* jiffies: entered this state */
	unsigned long last_tx;
	struct work_struct rx_work;
	struct work_struct tx_work;
	spinlock_t txlock;		/* txq */
	struct list_head txq;
	/* One sender at a time, tx_work or a direct send: the socket, tx_off. */
	struct mutex txmutex;
	u32 tx_off;			/* bytes of the head frame sent */
	u8 *rxbuf;			/* GVM_RXBUF: rxbuf[rxoff, rxlen) unread */
	u32 rxoff;
	u32 rxlen;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	struct gvm_auth auth;
};

/* Room for a whole frame behind the part of one left over from a read. */
#define GVM_RXBUF	(2 * (GVM_WIRE_MAX_FRAME + GVM_TAG_LEN))

/* The transport state of a member in use. */
struct gvm_link {
	struct gvm_peer *peer;
	struct gvm_conn *tx;		/* ours to it: carries our frames */
	struct gvm_conn *rx;		/* its to us */
	struct delayed_work tick;	/* heartbeat, timeout, reconnect */
	u32 backoff_ms;
	unsigned long next_connect;	/* jiffies */
	/*
	 * Frames of a connection that never connected (nothing of them left
	 * us), for the next one, while the member is up; since when we have
	 * failed to connect (0: our last connection came up).
	 */
	struct list_head held;
	unsigned long held_since;
	struct gvm_stats stats;
};

int gvm_listen(struct gvm_domain *d, struct netlink_ext_ack *extack);
void gvm_listen_stop(struct gvm_domain *d);
int gvm_link_start(struct gvm_peer *p);
void gvm_link_close(struct gvm_peer *p);
void gvm_link_free(struct gvm_peer *p);
void gvm_link_leave(struct gvm_peer *p);
void gvm_conn_close(struct gvm_conn *c);
void gvm_reap(struct gvm_domain *d);
void gvm_reap_work(struct work_struct *w);
void gvm_accept_work(struct work_struct *w);
void gvm_housekeeping(struct work_struct *w);
int gvm_send(struct gvm_domain *d, struct gvm_msg *m);
void gvm_push(struct gvm_domain *d);

#endif /* _GVM_TRANSPORT_H */
