/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames authenticated with a domain's pre-shared key (see the uapi header
 * for the construction): a key per connection from both ends' nonces, and
 * a tag on every frame that binds its direction and place in the stream.
 */
#ifndef _GVM_AUTH_H
#define _GVM_AUTH_H

#include <linux/types.h>
#include <linux/uio.h>
#include <linux/giantvm.h>

/* A connection's key. Directions: 0 from the connector, 1 back. */
struct gvm_auth {
	u8 key[GVM_PSK_LEN];
	u64 seq[2];		/* tagged frames so far, each way */
};

void gvm_auth_derive(struct gvm_auth *a, const u8 *psk, u32 domain,
		     u32 connector, u32 acceptor, u64 connector_nonce,
		     u64 acceptor_nonce);
void gvm_auth_tag(struct gvm_auth *a, int dir, const struct kvec *iov,
		  int n, u8 *tag);
bool gvm_auth_check(struct gvm_auth *a, int dir, const void *frame,
		    size_t len, const u8 *tag);
bool gvm_psk_valid(const u8 *psk);
int gvm_auth_selftest(void);

#endif /* _GVM_AUTH_H */
