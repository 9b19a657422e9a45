// SPDX-License-Identifier: GPL-2.0
/*
 * Frame authentication: keyed BLAKE2s, the kernel's own (lib/crypto, also
 * WireGuard's), so no crypto API transform to allocate or fail.
 */
#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <linux/string.h>

#include "auth.h"

void gvm_auth_derive(struct gvm_auth *a, const u8 *psk, u32 domain,
		     u32 connector, u32 acceptor, u64 connector_nonce,
		     u64 acceptor_nonce)
{
	struct {
		__le32 domain, connector, acceptor;
		__le64 nc, na;
	} __packed in = {
		cpu_to_le32(domain), cpu_to_le32(connector),
		cpu_to_le32(acceptor), cpu_to_le64(connector_nonce),
		cpu_to_le64(acceptor_nonce),
	};

	BUILD_BUG_ON(sizeof(in) != 28);
	blake2s(a->key, (const u8 *)&in, psk, sizeof(a->key), sizeof(in),
		GVM_PSK_LEN);
	a->seq[0] = 0;
	a->seq[1] = 0;
}

/* The tag of the next frame @dir, made of @iov: the count moves on. */
void gvm_auth_tag(struct gvm_auth *a, int dir, const struct kvec *iov,
		  int n, u8 *tag)
{
	struct blake2s_state st;
	__le64 seq = cpu_to_le64(a->seq[dir]++);
	u8 d = dir;
	int i;

	blake2s_init_key(&st, GVM_TAG_LEN, a->key, sizeof(a->key));
	blake2s_update(&st, &d, 1);
	blake2s_update(&st, (const u8 *)&seq, sizeof(seq));
	for (i = 0; i < n; i++)
		blake2s_update(&st, iov[i].iov_base, iov[i].iov_len);
	blake2s_final(&st, tag);
}

/* Is @tag that of the next frame @dir? The count moves on either way. */
bool gvm_auth_check(struct gvm_auth *a, int dir, const void *frame,
		    size_t len, const u8 *tag)
{
	struct kvec iov = { .iov_base = (void *)frame, .iov_len = len };
	u8 want[GVM_TAG_LEN];
	bool ok;

	gvm_auth_tag(a, dir, &iov, 1, want);
	ok = !crypto_memneq(want, tag, sizeof(want));
	memzero_explicit(want, sizeof(want));
	return ok;
}

/* An all-zero key is a key nobody chose. */
bool gvm_psk_valid(const u8 *psk)
{
	return memchr_inv(psk, 0, GVM_PSK_LEN) != NULL;
}

/*
 * Known answers, from an implementation of the uapi header's words alone
 * (Python's hashlib.blake2s): the construction is the documented one, so
 * another implementation of the protocol can interoperate.
 */
int gvm_auth_selftest(void)
{
	static const u8 want_key[GVM_PSK_LEN] = {
		0x5f, 0xab, 0xad, 0xbf, 0x04, 0xfb, 0xf3, 0x81,
		0x25, 0x2c, 0x20, 0x2b, 0xe2, 0xb7, 0x25, 0xb0,
		0x76, 0xa0, 0x13, 0x60, 0x79, 0x48, 0xff, 0xd1,
		0xa9, 0x46, 0x34, 0x79, 0x96, 0x8e, 0x59, 0x7c,
	};
	static const u8 want_tag0[GVM_TAG_LEN] = {
		0xf8, 0x7a, 0x78, 0x93, 0x46, 0x5c, 0x96, 0x3b,
		0xd9, 0xc6, 0x14, 0x92, 0xb2, 0x32, 0x40, 0x83,
	};
	static const u8 want_tag1[GVM_TAG_LEN] = {
		0x19, 0xd6, 0x3a, 0x2c, 0x94, 0x77, 0x25, 0xd7,
		0x48, 0xc8, 0x41, 0x88, 0xfc, 0xb9, 0xe7, 0xe0,
	};
	u8 psk[GVM_PSK_LEN], frame[100], tag[GVM_TAG_LEN];
	struct kvec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	struct gvm_auth a;
	int i;

	for (i = 0; i < GVM_PSK_LEN; i++)
		psk[i] = i;
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = i;
	gvm_auth_derive(&a, psk, 7, 1, 2, 0x0123456789abcdefULL,
			0xfedcba9876543210ULL);
	if (memcmp(a.key, want_key, sizeof(want_key)))
		return -EINVAL;
	/* Frame 0 from the connector; frame 5 from the acceptor. */
	gvm_auth_tag(&a, 0, &iov, 1, tag);
	if (memcmp(tag, want_tag0, sizeof(tag)))
		return -EINVAL;
	a.seq[1] = 5;
	if (!gvm_auth_check(&a, 1, frame, sizeof(frame), want_tag1) ||
	    a.seq[1] != 6)
		return -EINVAL;
	/* One bit off, anywhere: refused. */
	frame[50] ^= 1;
	a.seq[1] = 5;
	if (gvm_auth_check(&a, 1, frame, sizeof(frame), want_tag1))
		return -EINVAL;
	return 0;
}
