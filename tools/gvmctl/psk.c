// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-shared keys: base64 in and out, the key file, gvmctl genpsk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "options.h"
#include "parse.h"
#include "psk.h"
#include "subcommands.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void psk_encode(const uint8_t key[GVM_PSK_LEN], char out[PSK_TEXT_MAX])
{
	size_t i, o = 0;

	for (i = 0; i < GVM_PSK_LEN; i += 3) {
		uint32_t v = (uint32_t)key[i] << 16;
		size_t n = GVM_PSK_LEN - i < 3 ? GVM_PSK_LEN - i : 3;

		if (n > 1)
			v |= (uint32_t)key[i + 1] << 8;
		if (n > 2)
			v |= key[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = n > 1 ? b64[v >> 6 & 63] : '=';
		out[o++] = n > 2 ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

static int b64_value(char ch)
{
	const char *p = ch ? strchr(b64, ch) : NULL;

	return p ? (int)(p - b64) : -1;
}

bool psk_decode(const char *text, uint8_t out[GVM_PSK_LEN], char *err,
		size_t errlen)
{
	const size_t chars = PSK_TEXT_MAX - 1;
	uint8_t key[GVM_PSK_LEN];
	size_t len = strlen(text), i, o = 0;
	uint32_t v = 0;
	bool ok = false;
	int bits = 0;

	/* One line: what follows the key may only be its line's end. */
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		       text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len != chars || text[chars - 1] != '=' || text[chars - 2] == '=') {
		snprintf(err, errlen,
			 "not a key: expected %zu characters of base64 for %u bytes (gvmctl genpsk makes one)",
			 chars, GVM_PSK_LEN);
		return false;
	}
	for (i = 0; i < chars - 1; i++) {
		int x = b64_value(text[i]);

		/* Which character, not what it is: it may be the key's. */
		if (x < 0) {
			snprintf(err, errlen,
				 "not a key: character %zu is not base64",
				 i + 1);
			goto out;
		}
		v = v << 6 | (uint32_t)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			key[o++] = (uint8_t)(v >> bits);
		}
	}
	/* 43 characters carry 258 bits: the last 2 must be zero. */
	if (v & ((1u << bits) - 1)) {
		snprintf(err, errlen, "not a key: its last character is not canonical");
		goto out;
	}
	for (i = 0; i < GVM_PSK_LEN && !key[i]; i++)
		;
	if (i == GVM_PSK_LEN) {
		snprintf(err, errlen, "not a key: all zeros");
		goto out;
	}
	memcpy(out, key, sizeof(key));
	ok = true;
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(&v, sizeof(v));
	return ok;
}

bool psk_read(const char *path, uint8_t out[GVM_PSK_LEN], char *err,
	      size_t errlen)
{
	char text[2 * PSK_TEXT_MAX], why[ERR_MAX];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	bool ok = false;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
	} else if (st.st_mode & 0077) {
		snprintf(err, errlen,
			 "%s: others may read or change it (mode %03o; chmod 600 it)",
			 path, (unsigned int)(st.st_mode & 0777));
	} else {
		n = read(fd, text, sizeof(text) - 1);
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		} else {
			text[n] = '\0';
			ok = psk_decode(text, out, why, sizeof(why));
			if (!ok)
				snprintf(err, errlen, "%s: %s", path, why);
		}
	}
	explicit_bzero(text, sizeof(text));
	close(fd);
	return ok;
}

static const struct usage usage = {
	.command = "genpsk",
	.synopsis = "genpsk",
	.description =
		"Prints a new random pre-shared key for a domain, in base64.\n"
		"Keep it in a file only its owner may read (umask 077), the same\n"
		"on every member, named by cluster.conf's psk-file or by\n"
		"gvmctl join --psk-file.\n",
};

int genpsk_main(int argc, char *argv[])
{
	uint8_t key[GVM_PSK_LEN];
	char text[PSK_TEXT_MAX];
	int ret;

	ret = options_parse(argc, argv, &usage, NULL, NULL, NULL);
	if (ret >= 0)
		return ret;
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		fprintf(stderr, PROG_NAME ": genpsk: no random bytes: %s\n",
			strerror(errno));
		return 1;
	}
	psk_encode(key, text);
	explicit_bzero(key, sizeof(key));
	printf("%s\n", text);
	return fflush(stdout) ? 1 : 0;
}
