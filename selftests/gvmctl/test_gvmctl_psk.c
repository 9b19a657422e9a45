// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-shared keys: base64 both ways (a known vector, random keys), every
 * class of bad text refused with its reason, and the key file: read when
 * only its owner may, refused otherwise.
 */
#include "kselftest_harness.h"
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../tools/gvmctl/parse.h"
#include "../../tools/gvmctl/psk.h"

#define KEY_0_31	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

TEST(known_vector)
{
	uint8_t key[GVM_PSK_LEN], back[GVM_PSK_LEN];
	char text[PSK_TEXT_MAX], err[ERR_MAX];
	int i;

	for (i = 0; i < GVM_PSK_LEN; i++)
		key[i] = i;
	psk_encode(key, text);
	EXPECT_STREQ(KEY_0_31, text);
	ASSERT_TRUE(psk_decode(KEY_0_31 "\n", back, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(0, memcmp(key, back, sizeof(key)));
}

TEST(random_keys_round_trip)
{
	uint8_t key[GVM_PSK_LEN], back[GVM_PSK_LEN];
	char text[PSK_TEXT_MAX], err[ERR_MAX];
	int i;

	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(sizeof(key), getrandom(key, sizeof(key), 0));
		key[0] |= 1;	/* never all zeros */
		psk_encode(key, text);
		ASSERT_EQ(PSK_TEXT_MAX - 1, strlen(text));
		ASSERT_TRUE(psk_decode(text, back, err, sizeof(err)))
			TH_LOG("%s: %s", text, err);
		ASSERT_EQ(0, memcmp(key, back, sizeof(key)));
	}
}

TEST(bad_text_refused_with_its_reason)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "not a key: expected 44 characters of base64 for 32 bytes (gvmctl genpsk makes one)" },
		{ KEY_0_31 "A", "not a key: expected 44 characters of base64 for 32 bytes (gvmctl genpsk makes one)" },
		{ " " KEY_0_31, "not a key: expected 44 characters of base64 for 32 bytes (gvmctl genpsk makes one)" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh==", "not a key: expected 44 characters of base64 for 32 bytes (gvmctl genpsk makes one)" },
		{ "AAECAwQFBgcI*QoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "not a key: character 13 is not base64" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "not a key: its last character is not canonical" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not a key: all zeros" },
	};
	uint8_t key[GVM_PSK_LEN];
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(err, 0, sizeof(err));
		EXPECT_FALSE(psk_decode(bad[i].text, key, err, sizeof(err)))
			TH_LOG("\"%s\" taken", bad[i].text);
		EXPECT_STREQ(bad[i].why, err);
	}
}

FIXTURE(file) {
	char path[64];
};

FIXTURE_SETUP(file)
{
	int fd;

	strcpy(self->path, "/tmp/gvmctl-psk-XXXXXX");
	fd = mkstemp(self->path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(45, write(fd, KEY_0_31 "\n", 45));
	close(fd);
}

FIXTURE_TEARDOWN(file)
{
	unlink(self->path);
}

TEST_F(file, owner_only_read)
{
	uint8_t key[GVM_PSK_LEN];
	char err[ERR_MAX];

	ASSERT_EQ(0, chmod(self->path, 0400));
	ASSERT_TRUE(psk_read(self->path, key, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(31, key[31]);
}

TEST_F(file, others_may_read_refused)
{
	static const mode_t modes[] = { 0640, 0604, 0620, 0602 };
	uint8_t key[GVM_PSK_LEN];
	char err[ERR_MAX], want[ERR_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_EQ(0, chmod(self->path, modes[i]));
		EXPECT_FALSE(psk_read(self->path, key, err, sizeof(err)));
		snprintf(want, sizeof(want),
			 "%s: others may read or change it (mode %03o; chmod 600 it)",
			 self->path, (unsigned int)modes[i]);
		EXPECT_STREQ(want, err);
	}
}

TEST_F(file, missing_or_not_a_file)
{
	uint8_t key[GVM_PSK_LEN];
	char err[ERR_MAX];

	EXPECT_FALSE(psk_read("/nonexistent/psk", key, err, sizeof(err)));
	EXPECT_STREQ("/nonexistent/psk: No such file or directory", err);
	EXPECT_FALSE(psk_read("/tmp", key, err, sizeof(err)));
	EXPECT_STREQ("/tmp: not a regular file", err);
}

TEST_HARNESS_MAIN
