// SPDX-License-Identifier: GPL-2.0
/*
 * Peer transport over kernel TCP (see transport.h for the model).
 *
 * Lifetimes: a connection belongs to its domain. Socket callbacks only
 * queue work, reading sk_user_data under sk_callback_lock; closing a
 * connection restores the callbacks under that lock first, so no callback
 * can reach it afterwards, then hands it to the reaper, which stops its
 * works, sends what it still has queued (a LEAVE, say), drains what came in
 * so the close is a FIN and not a reset, and frees it. State changes happen
 * under the domain's mutex; works take it, so nothing that holds it waits
 * for a work.
 */
#include <linux/in.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "ivy/wire.h"
#include "netlink.h"
#include "region.h"
#include "transport.h"

#define GVM_HELLO_TIMEOUT	(5 * HZ)
#define GVM_BACKOFF_MIN_MS	100
#define GVM_BACKOFF_MAX_MS	30000
#define GVM_LISTEN_BACKLOG	128

struct gvm_frame {
	struct list_head node;
	u32 len;			/* the tag's room included */
	bool tagged;			/* its last GVM_TAG_LEN bytes: the tag */
	bool sealed;			/* the tag is there */
	u8 data[];
};

static const char * const gvm_hello_reasons[] = {
	[GVM_HELLO_OK] = "ok",
	[GVM_HELLO_WRONG_DOMAIN] = "not a member of that domain",
	[GVM_HELLO_NOT_MEMBER] = "the connecting node is not a member",
	[GVM_HELLO_WRONG_NODE] = "addressed to another node id",
	[GVM_HELLO_VERSION] = "wire protocol version mismatch",
	[GVM_HELLO_MALFORMED] = "malformed handshake",
	[GVM_HELLO_AUTH] = "pre-shared keys differ, or only one side has one",
};

static struct gvm_stats *gvm_conn_stats(struct gvm_conn *c)
{
	if (c->peer && c->peer->link)
		return &c->peer->link->stats;
	return &c->domain->gone;
}

static void gvm_stat_add(struct gvm_conn *c, int stat, u64 n)
{
	atomic64_add(n, &gvm_conn_stats(c)->c[stat]);
}

/* Is a frame of @type followed by a tag, in domain @d? */
static bool gvm_tagged(const struct gvm_domain *d, u8 type)
{
	return d->has_psk && type != GVM_MSG_HELLO &&
	       type != GVM_MSG_HELLO_NACK;
}

/* The direction of the frames we send on @c (auth.h), and of those we get. */
static int gvm_dir_out(const struct gvm_conn *c)
{
	return c->outgoing ? 0 : 1;
}

static int gvm_dir_in(const struct gvm_conn *c)
{
	return c->outgoing ? 1 : 0;
}

/*
 * With c->txmutex held, before frame @f goes: its tag, once, from the next
 * count. False while the connection has no key (a connector waiting for
 * HELLO_ACK): it waits.
 */
static bool gvm_frame_seal(struct gvm_conn *c, struct gvm_frame *f)
{
	struct kvec iov = { .iov_base = f->data,
			    .iov_len = f->len - GVM_TAG_LEN };

	if (!f->tagged || f->sealed)
		return true;
	/* Pairs with the release that publishes c->auth (receiving work). */
	if (!smp_load_acquire(&c->keyed))
		return false;
	gvm_auth_tag(&c->auth, gvm_dir_out(c), &iov, 1,
		     f->data + f->len - GVM_TAG_LEN);
	f->sealed = true;
	return true;
}

static int gvm_sockaddr(const struct gvm_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = a->port;
		sin->sin_addr.s_addr = a->v4;
		return sizeof(*sin);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_port = a->port;
	((struct sockaddr_in6 *)ss)->sin6_addr = a->v6;
	return sizeof(struct sockaddr_in6);
}

/* ---- socket callbacks: softirq context, only queue work --------------- */

static void gvm_sk_data_ready(struct sock *sk)
{
	struct gvm_conn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c)
		queue_work(gvm_wq, &c->rx_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void gvm_sk_write_space(struct sock *sk)
{
	struct gvm_conn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c)
		queue_work(gvm_wq, &c->tx_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void gvm_sk_state_change(struct sock *sk)
{
	struct gvm_conn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c) {
		/* Connected: send HELLO. Closed or failed: notice it. */
		if (sk->sk_state == TCP_ESTABLISHED)
			queue_work(gvm_wq, &c->tx_work);
		else
			queue_work(gvm_wq, &c->rx_work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void gvm_conn_attach(struct gvm_conn *c)
{
	struct sock *sk = c->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	/*
	 * An accepted socket inherited the listener's callback: it gets the
	 * listener's original one back, never gvm_listen_data_ready.
	 */
	c->saved_data_ready = c->outgoing ? sk->sk_data_ready :
			      c->domain->listener_data_ready;
	c->saved_state_change = sk->sk_state_change;
	c->saved_write_space = sk->sk_write_space;
	sk->sk_user_data = c;
	sk->sk_data_ready = gvm_sk_data_ready;
	sk->sk_state_change = gvm_sk_state_change;
	sk->sk_write_space = gvm_sk_write_space;
	/* Page faults will wait on these sockets: no reclaim through fs. */
	sk->sk_allocation = GFP_NOFS;
	sk->sk_use_task_frag = false;
	write_unlock_bh(&sk->sk_callback_lock);
}

static void gvm_conn_detach(struct gvm_conn *c)
{
	struct sock *sk = c->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = c->saved_data_ready;
	sk->sk_state_change = c->saved_state_change;
	sk->sk_write_space = c->saved_write_space;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* ---- connections ------------------------------------------------------ */

static void gvm_rx_work(struct work_struct *w);
static void gvm_tx_work(struct work_struct *w);

static struct gvm_conn *gvm_conn_new(struct gvm_domain *d,
				     struct socket *sock, bool outgoing)
{
	struct gvm_conn *c = gvm_alloc(d, sizeof(*c),
				       GFP_KERNEL | __GFP_ZERO);

	if (!c)
		return NULL;
	c->rxbuf = gvm_alloc(d, GVM_RXBUF, GFP_KERNEL | __GFP_ZERO);
	if (!c->rxbuf) {
		gvm_free(d, c, sizeof(*c));
		return NULL;
	}
	INIT_LIST_HEAD(&c->node);
	INIT_LIST_HEAD(&c->push);
	INIT_LIST_HEAD(&c->txq);
	spin_lock_init(&c->txlock);
	mutex_init(&c->txmutex);
	INIT_WORK(&c->rx_work, gvm_rx_work);
	INIT_WORK(&c->tx_work, gvm_tx_work);
	c->domain = d;
	c->sock = sock;
	c->outgoing = outgoing;
	c->since = jiffies;
	c->last_tx = jiffies;
	return c;
}

static int gvm_tx_flush(struct gvm_conn *c);

/* Every frame says which domain and node it comes from. */
static void gvm_conn_stamp(struct gvm_conn *c, struct gvm_msg *m)
{
	m->domain = c->domain->id;
	m->src = c->domain->self;
}

/* Queue one frame, at the head for a HELLO that overtakes queued data. */
static int gvm_conn_enqueue(struct gvm_conn *c, struct gvm_msg *m, bool head)
{
	struct gvm_domain *d = c->domain;
	size_t len = sizeof(struct gvm_wire_hdr) + gvm_wire_payload_len(m);
	bool tagged = gvm_tagged(d, m->type);
	size_t room = len + (tagged ? GVM_TAG_LEN : 0);
	struct gvm_frame *f;

	gvm_conn_stamp(c, m);
	f = gvm_alloc(d, sizeof(*f) + room, GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	if (gvm_wire_encode(m, f->data, len) != len) {
		gvm_free(d, f, sizeof(*f) + room);
		return -EINVAL;
	}
	f->len = room;
	f->tagged = tagged;
	f->sealed = false;
	spin_lock_bh(&c->txlock);
	if (head)
		list_add(&f->node, &c->txq);
	else
		list_add_tail(&f->node, &c->txq);
	spin_unlock_bh(&c->txlock);
	return 0;
}

/*
 * On an open connection the sender sends itself, when nobody else is: a
 * fault's round trip then waits for no worker to wake. The work takes
 * over what the socket would not take now, and errors.
 */
static void gvm_conn_kick(struct gvm_conn *c)
{
	if (READ_ONCE(c->state) == GVM_CONN_UP && !READ_ONCE(c->dead) &&
	    mutex_trylock(&c->txmutex)) {
		int ret = gvm_tx_flush(c);

		mutex_unlock(&c->txmutex);
		if (!ret)
			return;
	}
	queue_work(gvm_wq, &c->tx_work);
}

static int gvm_conn_queue(struct gvm_conn *c, struct gvm_msg *m, bool head)
{
	int ret = gvm_conn_enqueue(c, m, head);

	if (ret)
		return ret;
	if (head)
		queue_work(gvm_wq, &c->tx_work);
	else
		gvm_conn_kick(c);
	return 0;
}

static int gvm_conn_send(struct gvm_conn *c, struct gvm_msg *m)
{
	return gvm_conn_queue(c, m, false);
}

static int gvm_conn_control(struct gvm_conn *c, u8 type, u32 dst, u32 arg,
			    u64 txid)
{
	struct gvm_msg m = { .type = type, .dst = dst, .arg = arg,
			     .txid = txid };

	return gvm_conn_send(c, &m);
}

/* With d->lock held: no callback, no state; the reaper frees it. */
void gvm_conn_close(struct gvm_conn *c)
{
	struct gvm_domain *d = c->domain;
	struct gvm_link *l = c->peer ? c->peer->link : NULL;

	lockdep_assert_held(&d->lock);
	if (c->dead)
		return;
	c->dead = true;
	list_del_init(&c->push);
	/*
	 * Region frames in flight may be lost with a stream that carried
	 * them (ours) or may have (the member's): regions count the member
	 * as failed rather than wait for what never comes.
	 */
	if (c->peer && !d->dying &&
	    (c->outgoing ? c->carried : c->state == GVM_CONN_UP))
		gvm_regions_peer_failed(d, c->peer->id);
	gvm_conn_detach(c);
	if (l && l->tx == c)
		l->tx = NULL;
	if (l && l->rx == c)
		l->rx = NULL;
	/* The member may be freed before the reaper gets to @c. */
	c->peer = NULL;
	list_del(&c->node);
	list_add_tail(&c->node, &d->dead);
	queue_work(gvm_wq, &d->reap_work);
}

static bool gvm_conn_up(struct gvm_conn *c)
{
	return c && c->state == GVM_CONN_UP;
}

/*
 * With d->lock held: drop what @l holds. Frames of a region lost on the
 * way are the member's failure to the regions, as a broken stream is.
 */
static void gvm_link_drop_held(struct gvm_link *l)
{
	struct gvm_domain *d = l->peer->domain;
	struct gvm_frame *f, *tmp;

	if (list_empty(&l->held))
		return;
	list_for_each_entry_safe(f, tmp, &l->held, node) {
		list_del(&f->node);
		gvm_free(d, f, sizeof(*f) + f->len);
	}
	if (!d->dying)
		gvm_regions_peer_failed(d, l->peer->id);
}

/*
 * With d->lock held: our connection @c to a member that is up (it talks to
 * us) never connected: not a byte of its frames left, so they wait for the
 * next connection rather than be lost, which the regions would have to
 * count as the member's failure (a SYN lost to a link flap was enough to
 * take pages from a live node). Not for ever: a member we cannot reach for
 * three timeouts is failed for the regions all the same. True when held.
 */
static bool gvm_conn_hold(struct gvm_conn *c)
{
	struct gvm_peer *p = c->peer;
	struct gvm_domain *d = c->domain;
	struct gvm_link *l = p ? p->link : NULL;
	unsigned long limit = 3 * msecs_to_jiffies(d->timeout_ms);

	if (!l || !c->outgoing || c->state != GVM_CONN_CONNECTING ||
	    p->state != GVM_NODE_UP || d->dying)
		return false;
	if (!l->held_since)
		l->held_since = jiffies | 1;
	else if (time_after(jiffies, l->held_since + limit))
		return false;
	spin_lock_bh(&c->txlock);
	list_splice_tail_init(&c->txq, &l->held);
	spin_unlock_bh(&c->txlock);
	c->carried = false;
	return true;
}

/*
 * With d->lock held: @c broke. If it was the member's last connection in
 * use, the member is down (a member that said LEAVE stays left).
 */
static void gvm_conn_lost(struct gvm_conn *c, const char *why)
{
	struct gvm_peer *p = c->peer;
	struct gvm_link *l;

	if (c->state == GVM_CONN_PROVING) {
		atomic64_inc(&c->domain->gone.c[GVM_STAT_HANDSHAKE_FAILS]);
		gvm_notify_handshake(c->domain, c->claimed, GVM_HELLO_AUTH,
				     "the connection ended before the member proved the pre-shared key");
	}

	if (!gvm_conn_hold(c) && p && p->link)
		gvm_link_drop_held(p->link);
	gvm_conn_close(c);
	if (!p || !p->link)
		return;
	l = p->link;
	if (c->outgoing && c->state != GVM_CONN_UP) {
		atomic64_inc(&l->stats.c[GVM_STAT_CONNECT_FAILS]);
		l->next_connect = jiffies + msecs_to_jiffies(l->backoff_ms);
		l->backoff_ms = min(l->backoff_ms * 2, GVM_BACKOFF_MAX_MS);
	}
	if (p->state == GVM_NODE_LEFT || gvm_conn_up(l->tx) ||
	    gvm_conn_up(l->rx))
		return;
	if (p->state == GVM_NODE_UP || p->state == GVM_NODE_CONNECTING)
		gvm_peer_set_state(p, GVM_NODE_DOWN, why);
}

/* From a work: take the lock and give up on @c. */
static void gvm_conn_fail(struct gvm_conn *c, const char *why)
{
	struct gvm_domain *d = c->domain;

	mutex_lock(&d->lock);
	if (!c->dead)
		gvm_conn_lost(c, why);
	mutex_unlock(&d->lock);
}

/* Best effort: what is queued (LEAVE, HELLO_NACK) goes out, in a second. */
static void gvm_conn_flush_sync(struct gvm_conn *c)
{
	bool connected = c->sock->sk->sk_state == TCP_ESTABLISHED;
	struct gvm_frame *f, *tmp;
	u32 off = c->tx_off;

	sock_set_sndtimeo(c->sock->sk, 1);
	list_for_each_entry_safe(f, tmp, &c->txq, node) {
		struct kvec iov = { f->data + off, f->len - off };
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

		/* A frame without its tag would only be refused. */
		if (!gvm_frame_seal(c, f))
			connected = false;
		if (connected &&
		    kernel_sendmsg(c->sock, &msg, &iov, 1, iov.iov_len) ==
		    iov.iov_len)
			gvm_stat_add(c, GVM_STAT_TX_FRAMES, 1);
		off = 0;
		list_del(&f->node);
		gvm_free(c->domain, f, sizeof(*f) + f->len);
	}
}

static void gvm_conn_release(struct gvm_conn *c)
{
	struct gvm_domain *d = c->domain;
	struct kvec iov = { c->rxbuf, GVM_RXBUF };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	int i;

	cancel_work_sync(&c->rx_work);
	cancel_work_sync(&c->tx_work);
	mutex_lock(&c->txmutex);
	gvm_conn_flush_sync(c);
	mutex_unlock(&c->txmutex);
	kernel_sock_shutdown(c->sock, SHUT_WR);
	/* Unread input would turn the close into a reset (bounded). */
	for (i = 0; i < 64; i++)
		if (kernel_recvmsg(c->sock, &msg, &iov, 1, iov.iov_len,
				   MSG_DONTWAIT) <= 0)
			break;
	sock_release(c->sock);
	gvm_free(d, c->rxbuf, GVM_RXBUF);
	/* The connection's key dies with it. */
	memzero_explicit(&c->auth, sizeof(c->auth));
	gvm_free(d, c, sizeof(*c));
}

void gvm_reap(struct gvm_domain *d)
{
	struct gvm_conn *c, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&d->lock);
	list_splice_init(&d->dead, &dead);
	mutex_unlock(&d->lock);
	list_for_each_entry_safe(c, tmp, &dead, node) {
		list_del(&c->node);
		gvm_conn_release(c);
	}
}

void gvm_reap_work(struct work_struct *w)
{
	gvm_reap(container_of(w, struct gvm_domain, reap_work));
}

/* ---- links: the transport state of a member in use -------------------- */

static void gvm_link_tick(struct work_struct *w);

static struct gvm_link *gvm_link_get(struct gvm_peer *p)
{
	struct gvm_domain *d = p->domain;
	struct gvm_link *l = p->link;

	if (l)
		return l;
	l = gvm_alloc(d, sizeof(*l), GFP_KERNEL | __GFP_ZERO);
	if (!l)
		return NULL;
	l->peer = p;
	l->backoff_ms = GVM_BACKOFF_MIN_MS;
	l->next_connect = jiffies;
	INIT_LIST_HEAD(&l->held);
	INIT_DELAYED_WORK(&l->tick, gvm_link_tick);
	p->link = l;
	return l;
}

static void gvm_link_arm(struct gvm_link *l)
{
	struct gvm_peer *p = l->peer;
	struct gvm_domain *d = p->domain;
	unsigned long delay = msecs_to_jiffies(d->heartbeat_ms);
	unsigned long deadline;

	/*
	 * Wake at the heartbeat interval, or earlier when the member's
	 * timeout runs out first: it is declared down within the timeout,
	 * not up to one interval late.
	 */
	if (p->state == GVM_NODE_UP) {
		deadline = p->last_rx + msecs_to_jiffies(d->timeout_ms) + 1;
		if (time_before(deadline, jiffies + delay))
			delay = time_after(deadline, jiffies) ?
				deadline - jiffies : 0;
	}
	queue_delayed_work(gvm_wq, &l->tick, delay);
}

/*
 * Should we keep a connection to @p open (and reopen it when it fails)?
 * Always while frames wait for one.
 */
static bool gvm_link_wanted(const struct gvm_peer *p)
{
	return (p->domain->connect == GVM_CONNECT_EAGER ||
		(p->link && !list_empty(&p->link->held))) &&
	       p->state != GVM_NODE_LEFT && p->state != GVM_NODE_SELF;
}

/* With d->lock held: open our connection to @p. */
static void gvm_connect(struct gvm_peer *p)
{
	struct gvm_domain *d = p->domain;
	struct gvm_link *l = p->link;
	struct sockaddr_storage ss;
	struct socket *sock;
	struct gvm_conn *c;
	int len, ret;

	ret = sock_create_kern(d->net, p->addr.family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		goto err;
	tcp_sock_set_nodelay(sock->sk);
	c = gvm_conn_new(d, sock, true);
	if (!c) {
		sock_release(sock);
		ret = -ENOMEM;
		goto err;
	}
	c->peer = p;
	c->claimed = p->id;
	c->state = GVM_CONN_CONNECTING;
	c->nonce = get_random_u64() | 1;
	/* What the last one could not send goes first, behind the HELLO. */
	if (!list_empty(&l->held)) {
		list_splice_init(&l->held, &c->txq);
		c->carried = true;
	}
	l->tx = c;
	gvm_conn_attach(c);
	if (p->state != GVM_NODE_UP && p->state != GVM_NODE_DOWN)
		gvm_peer_set_state(p, GVM_NODE_CONNECTING, "connecting");
	len = gvm_sockaddr(&p->addr, &ss);
	ret = kernel_connect(sock, (struct sockaddr *)&ss, len, O_NONBLOCK);
	if (ret == 0 || ret == -EINPROGRESS) {
		if (ret == 0)
			queue_work(gvm_wq, &c->tx_work);
		return;
	}
	gvm_conn_lost(c, "cannot connect");
	return;
err:
	atomic64_inc(&l->stats.c[GVM_STAT_CONNECT_FAILS]);
	l->next_connect = jiffies + msecs_to_jiffies(l->backoff_ms);
}

/* With d->lock held: start using @p (connect if we keep it watched). */
int gvm_link_start(struct gvm_peer *p)
{
	struct gvm_link *l = gvm_link_get(p);

	if (!l)
		return -ENOMEM;
	if (!l->tx && gvm_link_wanted(p))
		gvm_connect(p);
	gvm_link_arm(l);
	return 0;
}

/*
 * With d->lock held: close both connections (the tick may reconnect). The
 * member is down or gone: held frames go too (the regions are told).
 */
void gvm_link_close(struct gvm_peer *p)
{
	struct gvm_link *l = p->link;

	if (!l)
		return;
	gvm_link_drop_held(l);
	if (l->tx)
		gvm_conn_close(l->tx);
	if (l->rx)
		gvm_conn_close(l->rx);
}

/* With d->lock held: tell @p we leave; the reaper sends it as it closes. */
void gvm_link_leave(struct gvm_peer *p)
{
	struct gvm_link *l = p->link;

	if (!l)
		return;
	if (gvm_conn_up(l->tx))
		gvm_conn_control(l->tx, GVM_MSG_LEAVE, p->id, 0, 0);
	if (gvm_conn_up(l->rx))
		gvm_conn_control(l->rx, GVM_MSG_LEAVE, p->id, 0, 0);
}

/* Without d->lock, once @p left the member table or its domain is dying. */
void gvm_link_free(struct gvm_peer *p)
{
	struct gvm_domain *d = p->domain;
	struct gvm_link *l = p->link;

	if (!l)
		return;
	cancel_delayed_work_sync(&l->tick);
	/* A connection accepted meanwhile must not outlive the link. */
	mutex_lock(&d->lock);
	gvm_link_close(p);
	p->link = NULL;
	mutex_unlock(&d->lock);
	gvm_free(d, l, sizeof(*l));
}

static void gvm_heartbeat(struct gvm_conn *c, unsigned long now,
			  unsigned long every)
{
	if (gvm_conn_up(c) && time_after_eq(now, c->last_tx + every) &&
	    !gvm_conn_control(c, GVM_MSG_HEARTBEAT, c->peer->id, 0, 0))
		gvm_stat_add(c, GVM_STAT_HEARTBEATS_TX, 1);
}

/*
 * Bytes from the member wait unread on @c: it spoke, and our receiving is
 * behind (a busy CPU, a long burst on another link). That is not silence.
 */
static bool gvm_conn_unread(struct gvm_conn *c)
{
	return c && !skb_queue_empty_lockless(&c->sock->sk->sk_receive_queue);
}

/*
 * Every heartbeat interval while a member is in use: heartbeats on idle
 * connections, the member declared down when silent for the timeout,
 * handshakes that take too long abandoned, our connection reopened with
 * exponential backoff.
 */
static void gvm_link_tick(struct work_struct *w)
{
	struct gvm_link *l = container_of(to_delayed_work(w), struct gvm_link,
					  tick);
	struct gvm_peer *p = l->peer;
	struct gvm_domain *d = p->domain;
	unsigned long now = jiffies;
	unsigned long timeout = msecs_to_jiffies(d->timeout_ms);

	mutex_lock(&d->lock);
	/* Stop for a dying domain and for a member being removed. */
	if (d->dying || p->link != l || xa_load(&d->peers, p->id) != p)
		goto out;
	if (p->state == GVM_NODE_UP && time_after(now, p->last_rx + timeout) &&
	    (gvm_conn_unread(l->rx) || gvm_conn_unread(l->tx)))
		p->last_rx = now;
	if (p->state == GVM_NODE_UP && time_after(now, p->last_rx + timeout)) {
		gvm_link_close(p);
		gvm_peer_set_state(p, GVM_NODE_DOWN, "silent for too long");
		l->next_connect = now;
	}
	if (l->tx && l->tx->state != GVM_CONN_UP &&
	    time_after(now, l->tx->since + timeout))
		gvm_conn_lost(l->tx, "no answer to connect");
	gvm_heartbeat(l->tx, now, msecs_to_jiffies(d->heartbeat_ms));
	gvm_heartbeat(l->rx, now, msecs_to_jiffies(d->heartbeat_ms));
	if (!l->tx && gvm_link_wanted(p) && time_after_eq(now, l->next_connect))
		gvm_connect(p);
	if (l->tx || l->rx || gvm_link_wanted(p))
		gvm_link_arm(l);
out:
	mutex_unlock(&d->lock);
}

/* ---- handshake -------------------------------------------------------- */

/* With d->lock held: refuse @c, tell the events group why, close it. */
static void gvm_hello_refuse(struct gvm_conn *c, u32 node, u8 reason)
{
	gvm_conn_control(c, GVM_MSG_HELLO_NACK, node, reason, c->nonce);
	atomic64_inc(&c->domain->gone.c[GVM_STAT_HANDSHAKE_FAILS]);
	gvm_notify_handshake(c->domain, node, reason,
			     gvm_hello_reasons[reason]);
	gvm_conn_close(c);
}

/*
 * With d->lock held: @c, accepted, is @p's connection to us now (its HELLO
 * taken and, with a pre-shared key, the key proven).
 */
static void gvm_hello_accept(struct gvm_conn *c, struct gvm_peer *p)
{
	struct gvm_link *l = gvm_link_get(p);

	if (!l) {
		gvm_conn_close(c);
		return;
	}
	/* A member that reconnects replaces its old connection. */
	if (l->rx)
		gvm_conn_close(l->rx);
	list_del_init(&c->node);
	c->peer = p;
	c->state = GVM_CONN_UP;
	c->since = jiffies;
	l->rx = c;
	atomic64_inc(&l->stats.c[GVM_STAT_CONNECTS]);
	p->last_rx = jiffies;
	gvm_peer_set_state(p, GVM_NODE_UP, "connected to us");
	/* It is back: reopen ours at once rather than at the next backoff. */
	l->next_connect = jiffies;
	l->backoff_ms = GVM_BACKOFF_MIN_MS;
	gvm_link_start(p);
}

/*
 * With d->lock held: an accepted connection says who it is. With a
 * pre-shared key, HELLO_ACK brings our nonce and the connection waits, in
 * the pending list, for its first tagged frame (gvm_rx_frame()).
 */
static void gvm_hello(struct gvm_conn *c, const struct gvm_msg *m)
{
	struct gvm_domain *d = c->domain;
	struct gvm_msg ack = { .type = GVM_MSG_HELLO_ACK, .dst = m->src,
			       .txid = m->txid };
	struct gvm_peer *p;

	c->nonce = m->txid;
	if (m->type != GVM_MSG_HELLO) {
		gvm_hello_refuse(c, m->src, GVM_HELLO_MALFORMED);
		return;
	}
	p = xa_load(&d->peers, m->src);
	if (!p || p->state == GVM_NODE_SELF) {
		gvm_hello_refuse(c, m->src, GVM_HELLO_NOT_MEMBER);
		return;
	}
	if (!(m->flags & GVM_F_AUTH) != !d->has_psk) {
		gvm_hello_refuse(c, m->src, GVM_HELLO_AUTH);
		return;
	}
	if (!d->has_psk) {
		gvm_hello_accept(c, p);
		if (!c->dead)
			gvm_conn_send(c, &ack);
		return;
	}
	ack.flags = GVM_F_AUTH;
	ack.version = get_random_u64() | 1;
	gvm_auth_derive(&c->auth, d->psk, d->id, m->src, d->self, m->txid,
			ack.version);
	/* c->auth before the senders see the key (gvm_frame_seal()). */
	smp_store_release(&c->keyed, true);
	c->state = GVM_CONN_PROVING;
	c->claimed = m->src;
	c->since = jiffies;
	gvm_conn_send(c, &ack);
}

/*
 * Is the frame @buf, @len bytes, followed by @tag authentic? A connector
 * learns its key from the first: HELLO_ACK brings the acceptor's nonce.
 * In c's receiving work, the only one that sets c->keyed but a HELLO's.
 */
static bool gvm_rx_authentic(struct gvm_conn *c, const u8 *buf, u32 len,
			     const u8 *tag)
{
	const struct gvm_wire_hdr *h = (const struct gvm_wire_hdr *)buf;
	struct gvm_domain *d = c->domain;
	u64 nonce = le64_to_cpu(h->pg_version);

	if (!c->keyed) {
		if (!c->outgoing || READ_ONCE(c->state) != GVM_CONN_HELLO_SENT ||
		    h->type != GVM_MSG_HELLO_ACK ||
		    !(le16_to_cpu(h->flags) & GVM_F_AUTH) || !nonce)
			return false;
		gvm_auth_derive(&c->auth, d->psk, d->id, d->self, c->claimed,
				c->nonce, nonce);
	}
	if (!gvm_auth_check(&c->auth, gvm_dir_in(c), buf, len, tag))
		return false;
	if (!c->keyed) {
		/* c->auth before the senders see the key (gvm_frame_seal()). */
		smp_store_release(&c->keyed, true);
	}
	return true;
}

/* With d->lock held: a frame on @c failed authentication. */
static void gvm_rx_forged(struct gvm_conn *c)
{
	struct gvm_domain *d = c->domain;

	gvm_stat_add(c, GVM_STAT_BAD_FRAMES, 1);
	switch (c->state) {
	case GVM_CONN_HELLO_SENT:
		atomic64_inc(&c->peer->link->stats.c[GVM_STAT_HANDSHAKE_FAILS]);
		gvm_notify_handshake(d, c->peer->id, GVM_HELLO_AUTH,
				     "its HELLO_ACK failed authentication: the pre-shared keys differ");
		gvm_conn_lost(c, "handshake refused");
		break;
	case GVM_CONN_PROVING:
		atomic64_inc(&d->gone.c[GVM_STAT_HANDSHAKE_FAILS]);
		gvm_notify_handshake(d, c->claimed, GVM_HELLO_AUTH,
				     "its first frame failed authentication: the pre-shared keys differ");
		gvm_conn_close(c);
		break;
	default:
		gvm_conn_lost(c, "a frame failed authentication");
	}
}

/* With d->lock held: the answer to our HELLO. */
static void gvm_hello_answer(struct gvm_conn *c, const struct gvm_msg *m)
{
	struct gvm_peer *p = c->peer;
	struct gvm_link *l = p->link;

	if (m->type == GVM_MSG_HELLO_ACK && m->txid == c->nonce &&
	    m->src == p->id && !(m->flags & GVM_F_AUTH) == !c->keyed) {
		c->state = GVM_CONN_UP;
		c->since = jiffies;
		l->backoff_ms = GVM_BACKOFF_MIN_MS;
		l->held_since = 0;
		atomic64_inc(&l->stats.c[GVM_STAT_CONNECTS]);
		p->last_rx = jiffies;
		gvm_peer_set_state(p, GVM_NODE_UP, "connected");
		/* Our first tagged frame proves the key; the queued follow. */
		if (c->keyed)
			gvm_conn_control(c, GVM_MSG_HEARTBEAT, p->id, 0, 0);
		return;
	}
	atomic64_inc(&l->stats.c[GVM_STAT_HANDSHAKE_FAILS]);
	if (m->type == GVM_MSG_HELLO_ACK && (m->flags & GVM_F_AUTH))
		gvm_notify_handshake(c->domain, p->id, GVM_HELLO_AUTH,
				     "the member has a pre-shared key, this node none");
	else if (m->type == GVM_MSG_HELLO_NACK)
		gvm_notify_handshake(c->domain, p->id, m->arg,
				     gvm_hello_reasons[m->arg]);
	else
		gvm_notify_handshake(c->domain, p->id, GVM_HELLO_MALFORMED,
				     "unexpected answer to HELLO");
	gvm_conn_lost(c, "handshake refused");
}

/* ---- receiving -------------------------------------------------------- */

/* Why a frame the codec refused is refused, as a handshake reason. */
static u8 gvm_hello_reason(enum gvm_wire_status st)
{
	switch (st) {
	case GVM_WIRE_EVERSION:
		return GVM_HELLO_VERSION;
	case GVM_WIRE_EDOMAIN:
		return GVM_HELLO_WRONG_DOMAIN;
	case GVM_WIRE_EDST:
		return GVM_HELLO_WRONG_NODE;
	default:
		return GVM_HELLO_MALFORMED;
	}
}

/*
 * One whole frame, @buf in c->rxbuf, and its tag when @tagged is true (or,
 * untagged, what came of one the codec refuses). False when @c was closed.
 */
static bool gvm_rx_frame(struct gvm_conn *c, u8 *buf, u32 len, bool tagged)
{
	struct gvm_domain *d = c->domain;
	struct gvm_wire_limits lim = {
		.domain = d->id, .self = d->self, .id_space = GVM_MAX_NODES,
	};
	struct gvm_region *r = NULL;
	enum gvm_wire_status st;
	struct gvm_peer *p;
	struct gvm_msg m;
	bool open = true, authentic;

	/* Checked before the codec, which converts INV ranges in place. */
	if (tagged) {
		len -= GVM_TAG_LEN;
		authentic = c->state == GVM_CONN_WAIT_HELLO ||
			    gvm_rx_authentic(c, buf, len, buf + len);
	} else {
		/* Only HELLO and its refusal come untagged. */
		authentic = !d->has_psk || c->state != GVM_CONN_PROVING;
	}
	st = gvm_wire_decode(buf, len, &lim, &m);
	mutex_lock(&d->lock);
	if (c->dead) {
		open = false;
		goto out;
	}
	if (!authentic) {
		gvm_rx_forged(c);
		open = false;
		goto out;
	}
	if (st) {
		gvm_stat_add(c, GVM_STAT_BAD_FRAMES, 1);
		if (c->state == GVM_CONN_WAIT_HELLO)
			gvm_hello_refuse(c, GVM_NODE_NONE,
					 gvm_hello_reason(st));
		else
			gvm_conn_lost(c, gvm_wire_strerror(st));
		open = false;
		goto out;
	}
	if (c->state == GVM_CONN_WAIT_HELLO) {
		gvm_hello(c, &m);
		open = !c->dead;
		goto out;
	}
	if (c->state == GVM_CONN_PROVING) {
		/* The key proven: the member it said it is, if still one. */
		p = xa_load(&d->peers, c->claimed);
		if (!p || p->state == GVM_NODE_SELF) {
			gvm_conn_close(c);
			open = false;
			goto out;
		}
		gvm_hello_accept(c, p);
		if (c->dead) {
			open = false;
			goto out;
		}
	}
	gvm_stat_add(c, GVM_STAT_RX_FRAMES, 1);
	gvm_stat_add(c, GVM_STAT_RX_BYTES, len);
	if (c->state == GVM_CONN_HELLO_SENT) {
		gvm_hello_answer(c, &m);
		open = !c->dead;
		goto out;
	}
	p = c->peer;
	if (m.src != p->id) {
		gvm_conn_lost(c, "frame from the wrong node");
		open = false;
		goto out;
	}
	p->last_rx = jiffies;
	switch (m.type) {
	case GVM_MSG_HEARTBEAT:
		gvm_stat_add(c, GVM_STAT_HEARTBEATS_RX, 1);
		break;
	case GVM_MSG_LEAVE:
		gvm_peer_set_state(p, GVM_NODE_LEFT, "left the domain");
		gvm_link_close(p);
		open = false;
		break;
	case GVM_MSG_HELLO:
	case GVM_MSG_HELLO_ACK:
	case GVM_MSG_HELLO_NACK:
		gvm_stat_add(c, GVM_STAT_BAD_FRAMES, 1);
		gvm_conn_lost(c, "handshake frame on an open connection");
		open = false;
		break;
	default:
		/* Coherence traffic, delivered below: the engine's lock ranks
		 * above ours. A region not open here drops it; its sender
		 * asks again.
		 */
		r = gvm_region_get(d, m.region);
		if (!r)
			gvm_stat_add(c, GVM_STAT_UNROUTED, 1);
		break;
	}
out:
	mutex_unlock(&d->lock);
	if (r) {
		/* m points into c->rxbuf, which only this work touches. */
		gvm_region_recv(r, &m);
		gvm_region_put(r);
	}
	return open;
}

/*
 * A burst on one connection (a node handing thousands of pages over) must
 * not hold this CPU's workers: the other links' frames and ticks, their
 * heartbeats among them, would wait behind it until members were taken
 * for dead. So a batch at a time, then the work goes to the back.
 */
#define GVM_RX_BATCH	64

/*
 * Neither end nor error seen yet: a later one calls gvm_sk_state_change(),
 * but an end that came with the data just read must be read for.
 */
static bool gvm_sock_open(struct sock *sk)
{
	return !(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) &&
	       !READ_ONCE(sk->sk_err);
}

/*
 * A read takes what the socket has, up to the buffer's end: a frame and
 * its page in one read, often the next frames too. A read that did not
 * fill the buffer emptied the socket, and what comes after it calls
 * gvm_sk_data_ready() again: no further read just to learn -EAGAIN.
 */
static void gvm_rx_work(struct work_struct *w)
{
	struct gvm_conn *c = container_of(w, struct gvm_conn, rx_work);
	unsigned int batch = GVM_RX_BATCH;
	enum gvm_wire_status st;
	bool drained = false;

	while (!READ_ONCE(c->dead)) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		size_t frame = sizeof(struct gvm_wire_hdr);
		bool tagged = false;
		u32 have = c->rxlen - c->rxoff;
		u8 *p = c->rxbuf + c->rxoff;
		struct kvec iov;
		int n;

		if (have >= frame) {
			st = gvm_wire_peek(p, have, &frame);
			if (st) {
				/* Refused with a reason by gvm_rx_frame(). */
				gvm_rx_frame(c, p, have, false);
				return;
			}
			tagged = gvm_tagged(c->domain,
					    ((struct gvm_wire_hdr *)p)->type);
			if (tagged)
				frame += GVM_TAG_LEN;
		}
		if (have >= frame) {
			c->rxoff += frame;
			if (!gvm_rx_frame(c, p, frame, tagged))
				return;
			if (!--batch) {
				queue_work(gvm_wq, &c->rx_work);
				return;
			}
			continue;
		}
		if (drained)
			return;
		/* The start of a frame goes to the front: all of it fits. */
		memmove(c->rxbuf, p, have);
		c->rxoff = 0;
		c->rxlen = have;
		iov.iov_base = c->rxbuf + have;
		iov.iov_len = GVM_RXBUF - have;
		n = kernel_recvmsg(c->sock, &msg, &iov, 1, iov.iov_len,
				   MSG_DONTWAIT);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			gvm_conn_fail(c, n ? "receive error" :
				      "connection closed");
			return;
		}
		c->rxlen += n;
		drained = n < iov.iov_len && gvm_sock_open(c->sock->sk);
	}
}

/* ---- sending ---------------------------------------------------------- */

/* An outgoing connection completed (or failed): say HELLO. */
static void gvm_connected(struct gvm_conn *c)
{
	struct gvm_domain *d = c->domain;

	mutex_lock(&d->lock);
	if (!c->dead && c->state == GVM_CONN_CONNECTING) {
		if (c->sock->sk->sk_state == TCP_ESTABLISHED) {
			struct gvm_msg m = { .type = GVM_MSG_HELLO,
					     .dst = c->peer->id,
					     .txid = c->nonce };

			if (d->has_psk)
				m.flags = GVM_F_AUTH;
			c->state = GVM_CONN_HELLO_SENT;
			c->since = jiffies;
			/*
			 * Frames queued while connecting follow it (with a
			 * pre-shared key, once HELLO_ACK gives the key).
			 */
			gvm_conn_queue(c, &m, true);
		} else if (c->sock->sk->sk_state == TCP_CLOSE) {
			gvm_conn_lost(c, "cannot connect");
		}
	}
	mutex_unlock(&d->lock);
}

static void gvm_tx_work(struct work_struct *w)
{
	struct gvm_conn *c = container_of(w, struct gvm_conn, tx_work);
	int ret;

	if (READ_ONCE(c->state) == GVM_CONN_CONNECTING) {
		gvm_connected(c);
		/* Nothing goes out before the HELLO. */
		if (READ_ONCE(c->state) == GVM_CONN_CONNECTING)
			return;
	}
	mutex_lock(&c->txmutex);
	ret = gvm_tx_flush(c);
	mutex_unlock(&c->txmutex);
	if (ret < 0)
		gvm_conn_fail(c, "send error");
}

/*
 * With c->txmutex held: send what is queued, as far as the socket takes
 * it now. 0 when done or the socket is full (sk_write_space queues the
 * work again), -errno when the connection broke.
 */
static int gvm_tx_flush(struct gvm_conn *c)
{
	while (!READ_ONCE(c->dead)) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
		struct gvm_frame *f;
		struct kvec iov;
		int n;

		spin_lock_bh(&c->txlock);
		f = list_first_entry_or_null(&c->txq, struct gvm_frame, node);
		spin_unlock_bh(&c->txlock);
		if (!f || !gvm_frame_seal(c, f))
			return 0;
		iov.iov_base = f->data + c->tx_off;
		iov.iov_len = f->len - c->tx_off;
		n = kernel_sendmsg(c->sock, &msg, &iov, 1, iov.iov_len);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return n;
		c->tx_off += n;
		c->last_tx = jiffies;
		if (c->tx_off < f->len)
			continue;
		c->tx_off = 0;
		spin_lock_bh(&c->txlock);
		list_del(&f->node);
		spin_unlock_bh(&c->txlock);
		gvm_stat_add(c, GVM_STAT_TX_FRAMES, 1);
		gvm_stat_add(c, GVM_STAT_TX_BYTES, f->len);
		gvm_free(c->domain, f, sizeof(*f) + f->len);
	}
	return 0;
}

/* ---- listening -------------------------------------------------------- */

static void gvm_listen_data_ready(struct sock *sk)
{
	struct gvm_domain *d;

	read_lock_bh(&sk->sk_callback_lock);
	/*
	 * Accepted sockets inherit this callback and sk_user_data, and TCP
	 * calls through a pointer it read without our lock: a child being
	 * attached may already hold its gvm_conn here. Only the listener
	 * holds a domain.
	 */
	d = sk->sk_state == TCP_LISTEN ? sk->sk_user_data : NULL;
	if (d)
		queue_work(gvm_wq, &d->accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void gvm_listen_error(int err, struct netlink_ext_ack *extack)
{
	switch (err) {
	case -EADDRINUSE:
		NL_SET_ERR_MSG(extack, "listen address already in use");
		break;
	case -EADDRNOTAVAIL:
		NL_SET_ERR_MSG(extack,
			       "listen address is not on this host (in this namespace)");
		break;
	case -EACCES:
		NL_SET_ERR_MSG(extack, "listen port needs more privilege");
		break;
	default:
		NL_SET_ERR_MSG(extack, "cannot listen on that address");
	}
}

int gvm_listen(struct gvm_domain *d, struct netlink_ext_ack *extack)
{
	struct sockaddr_storage ss;
	struct socket *sock;
	struct sock *sk;
	int ret;

	ret = sock_create_kern(d->net, d->listen.family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot create the listening socket");
		return ret;
	}
	sk = sock->sk;
	sock_set_reuseaddr(sk);
	ret = kernel_bind(sock, (struct sockaddr *)&ss,
			  gvm_sockaddr(&d->listen, &ss));
	if (!ret)
		ret = kernel_listen(sock, GVM_LISTEN_BACKLOG);
	if (ret) {
		gvm_listen_error(ret, extack);
		sock_release(sock);
		return ret;
	}
	write_lock_bh(&sk->sk_callback_lock);
	d->listener_data_ready = sk->sk_data_ready;
	sk->sk_user_data = d;
	sk->sk_data_ready = gvm_listen_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	d->listener = sock;
	return 0;
}

void gvm_listen_stop(struct gvm_domain *d)
{
	struct sock *sk;

	if (!d->listener)
		return;
	sk = d->listener->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = d->listener_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	cancel_work_sync(&d->accept_work);
	sock_release(d->listener);
	d->listener = NULL;
}

void gvm_accept_work(struct work_struct *w)
{
	struct gvm_domain *d = container_of(w, struct gvm_domain, accept_work);

	while (!READ_ONCE(d->dying)) {
		struct socket *sock;
		struct gvm_conn *c;

		if (kernel_accept(d->listener, &sock, O_NONBLOCK))
			return;
		tcp_sock_set_nodelay(sock->sk);
		c = gvm_conn_new(d, sock, false);
		if (!c) {
			sock_release(sock);
			continue;
		}
		mutex_lock(&d->lock);
		if (d->dying) {
			mutex_unlock(&d->lock);
			sock_release(sock);
			gvm_free(d, c->rxbuf, GVM_RXBUF);
			gvm_free(d, c, sizeof(*c));
			return;
		}
		c->state = GVM_CONN_WAIT_HELLO;
		list_add_tail(&c->node, &d->pending);
		gvm_conn_attach(c);
		queue_work(gvm_wq, &c->rx_work);
		queue_delayed_work(gvm_wq, &d->housekeeping, GVM_HELLO_TIMEOUT);
		mutex_unlock(&d->lock);
	}
}

/* Connections that never said HELLO, or never proved the key, are dropped. */
void gvm_housekeeping(struct work_struct *w)
{
	struct gvm_domain *d = container_of(to_delayed_work(w),
					    struct gvm_domain, housekeeping);
	struct gvm_conn *c, *tmp;

	mutex_lock(&d->lock);
	list_for_each_entry_safe(c, tmp, &d->pending, node) {
		if (time_before(jiffies, c->since + GVM_HELLO_TIMEOUT))
			continue;
		atomic64_inc(&d->gone.c[GVM_STAT_HANDSHAKE_FAILS]);
		if (c->state == GVM_CONN_PROVING)
			gvm_notify_handshake(d, c->claimed, GVM_HELLO_AUTH,
					     "the member did not prove the pre-shared key in time");
		else
			gvm_notify_handshake(d, GVM_NODE_NONE,
					     GVM_HELLO_MALFORMED,
					     "no HELLO in time");
		gvm_conn_close(c);
	}
	if (!list_empty(&d->pending) && !d->dying)
		queue_delayed_work(gvm_wq, &d->housekeeping, HZ);
	mutex_unlock(&d->lock);
}

/* ---- the regions' way out --------------------------------------------- */

/*
 * With d->lock held, on an open connection: a page goes to the socket
 * straight from where it is when no frame is queued before it. The socket
 * copies it as it would have copied a frame's copy of it; a frame (8 KiB,
 * zeroed whole by init_on_alloc, and a copy of the page) is made only when
 * the socket did not take it all now. 0: sent; 1: the rest is queued;
 * -EBUSY: another sender is at work, or nothing went out (an error is the
 * work's to report): the caller queues the frame; -ENOMEM: no memory for
 * the rest of a frame begun, so the connection is lost.
 */
static int gvm_conn_send_page(struct gvm_conn *c, struct gvm_msg *m)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	bool tagged = gvm_tagged(c->domain, m->type);
	size_t len = sizeof(struct gvm_wire_hdr) + GVM_PAGE_SIZE;
	u8 tag[GVM_TAG_LEN];
	struct gvm_wire_hdr h;
	struct kvec iov[3] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)m->page, .iov_len = GVM_PAGE_SIZE },
		{ .iov_base = tag, .iov_len = sizeof(tag) },
	};
	struct gvm_frame *f;
	bool idle;
	int n, ret;

	if (!mutex_trylock(&c->txmutex))
		return -EBUSY;
	spin_lock_bh(&c->txlock);
	idle = list_empty(&c->txq);
	spin_unlock_bh(&c->txlock);
	n = -EBUSY;
	/* Pairs with the release that publishes c->auth (receiving work). */
	if (tagged && !smp_load_acquire(&c->keyed))
		idle = false;
	if (idle && !READ_ONCE(c->dead)) {
		gvm_conn_stamp(c, m);
		gvm_wire_encode_hdr(m, &h);
		if (tagged)
			gvm_auth_tag(&c->auth, gvm_dir_out(c), iov, 2, tag);
		n = kernel_sendmsg(c->sock, &msg, iov, tagged ? 3 : 2,
				   len + (tagged ? sizeof(tag) : 0));
		if (tagged && n <= 0)
			/* Not one byte of it went: the frame will be another. */
			c->auth.seq[gvm_dir_out(c)]--;
	}
	if (n <= 0) {
		mutex_unlock(&c->txmutex);
		return -EBUSY;
	}
	if (tagged)
		len += sizeof(tag);
	c->last_tx = jiffies;
	if (n == len) {
		gvm_stat_add(c, GVM_STAT_TX_FRAMES, 1);
		gvm_stat_add(c, GVM_STAT_TX_BYTES, len);
		mutex_unlock(&c->txmutex);
		return 0;
	}
	/*
	 * The queue is empty and nobody else sends until we let go: the
	 * frame goes first, gvm_tx_flush() going on from where this left,
	 * with the tag this part was sent under.
	 */
	ret = gvm_conn_enqueue(c, m, false);
	if (!ret) {
		c->tx_off = n;
		f = list_first_entry(&c->txq, struct gvm_frame, node);
		if (tagged)
			memcpy(f->data + f->len - GVM_TAG_LEN, tag, sizeof(tag));
		f->sealed = true;
	}
	mutex_unlock(&c->txmutex);
	if (ret) {
		/* Part of a frame is on the stream: the link cannot go on. */
		gvm_conn_lost(c, ret == -ENOMEM ? "no memory for a frame" :
			      "a frame could not be encoded");
		return ret;
	}
	return 1;
}

/*
 * With d->lock held: queue @m for its destination, connecting if needed
 * (frames wait behind the HELLO); gvm_push() sends it. A page with nothing
 * queued before it goes at once (gvm_conn_send_page()): its contents are
 * taken now either way, as a frame's copy would take them. -EHOSTUNREACH
 * when it cannot go: the member left or is gone, or its connection is not
 * to be had.
 */
int gvm_send(struct gvm_domain *d, struct gvm_msg *m)
{
	struct gvm_peer *p = xa_load(&d->peers, m->dst);
	struct gvm_conn *c;
	struct gvm_link *l;
	int ret;

	lockdep_assert_held(&d->lock);
	if (!p || d->dying || p->state == GVM_NODE_SELF ||
	    p->state == GVM_NODE_LEFT)
		return -EHOSTUNREACH;
	l = gvm_link_get(p);
	if (!l)
		return -ENOMEM;
	if (!l->tx)
		gvm_connect(p);
	if (!l->tx)
		return -EHOSTUNREACH;
	gvm_link_arm(l);
	c = l->tx;
	c->carried = true;
	ret = -EBUSY;
	if (c->state == GVM_CONN_UP && m->page &&
	    m->type != GVM_MSG_INV &&
	    gvm_wire_payload_len(m) == GVM_PAGE_SIZE) {
		ret = gvm_conn_send_page(c, m);
		/* Sent, or lost with the connection. */
		if (ret <= 0 && ret != -EBUSY)
			return ret;
	}
	if (ret == -EBUSY) {
		ret = gvm_conn_enqueue(c, m, false);
		if (ret)
			return ret;
	}
	/* Not up yet: the frame follows the HELLO. */
	if (c->state != GVM_CONN_UP)
		queue_work(gvm_wq, &c->tx_work);
	else if (list_empty(&c->push))
		list_add_tail(&c->push, &d->push);
	return 0;
}

/*
 * Send the frames gvm_send() queued, once the caller let go of its
 * region's mutex. Sent under that mutex, a request's answer could come
 * back before the sender was done with it: the worker delivering it,
 * woken on this CPU by the send, would preempt the sender and then wait
 * for the mutex the sender holds, two needless switches on every fault.
 */
void gvm_push(struct gvm_domain *d)
{
	struct gvm_conn *c;

	/* Whoever queues after this look pushes for itself. */
	if (list_empty(&d->push))
		return;
	mutex_lock(&d->lock);
	while ((c = list_first_entry_or_null(&d->push, struct gvm_conn,
					     push))) {
		list_del_init(&c->push);
		gvm_conn_kick(c);
	}
	mutex_unlock(&d->lock);
}
