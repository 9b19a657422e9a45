/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's pre-shared key, as gvmctl genpsk prints it and cluster.conf's
 * psk-file holds it: the GVM_PSK_LEN bytes in base64 (as wg genpsk's), one
 * line.
 */
#ifndef _GVMCTL_PSK_H
#define _GVMCTL_PSK_H

#include "domain.h"

/* base64 of GVM_PSK_LEN bytes and a NUL */
#define PSK_TEXT_MAX	(4 * ((GVM_PSK_LEN + 2) / 3) + 1)

bool psk_decode(const char *text, uint8_t out[GVM_PSK_LEN], char *err,
		size_t errlen);
void psk_encode(const uint8_t key[GVM_PSK_LEN], char out[PSK_TEXT_MAX]);
/*
 * Read @path's key. A file others may read is refused: the key is the
 * domain's only secret. @err says why, prefixed with the path.
 */
bool psk_read(const char *path, uint8_t out[GVM_PSK_LEN], char *err,
	      size_t errlen);

#endif /* _GVMCTL_PSK_H */
