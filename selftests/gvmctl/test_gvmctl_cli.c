// SPDX-License-Identifier: GPL-2.0
/*
 * The built gvmctl binaries, dynamic and static, run on this host, where
 * the giantvm family does not exist: every command that needs the kernel
 * says so in exactly one line and exits 1, after validating its arguments;
 * help, usage and version work without it. The static one must need no
 * shared library at all (it goes into test VMs' initramfs).
 */
#include "kselftest_harness.h"
#include <elf.h>
#include <fcntl.h>
#include <sys/wait.h>

#define NOT_LOADED "gvmctl: giantvm-kvm is not loaded: modprobe giantvm-kvm\n"

struct result {
	int status;			/* exit status, or 128 + signal */
	char out[8192];
	char err[8192];
};

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Runs @bin with the NULL-terminated @args; stdout to @out_path if set. */
static void run(struct result *r, const char *bin, const char *out_path,
		const char *const *args)
{
	char out_tmp[] = "/tmp/gvmctl-out-XXXXXX";
	char err_tmp[] = "/tmp/gvmctl-err-XXXXXX";
	int out = mkstemp(out_tmp), err = mkstemp(err_tmp), status;
	char *argv[32];
	pid_t pid;
	int i;

	unlink(out_tmp);
	unlink(err_tmp);
	argv[0] = (char *)bin;
	for (i = 0; args[i]; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = out_path ? open(out_path, O_WRONLY) : out;

		dup2(fd, 1);
		dup2(err, 2);
		execv(bin, argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

#define RUN(r, ...) run(r, variant->bin, NULL, \
			(const char *const []){ __VA_ARGS__, NULL })

FIXTURE(cli) {
	struct result r;
};

FIXTURE_VARIANT(cli) {
	const char *bin;
};

FIXTURE_VARIANT_ADD(cli, dynamic) { .bin = GVMCTL_DIR "/gvmctl" };
FIXTURE_VARIANT_ADD(cli, static) { .bin = GVMCTL_DIR "/gvmctl-static" };

FIXTURE_SETUP(cli)
{
	ASSERT_EQ(0, access(variant->bin, X_OK)) TH_LOG("%s", variant->bin);
	memset(&self->r, 0, sizeof(self->r));
	/* If this kernel has the family, the "not loaded" cases are moot. */
	RUN(&self->r, "status");
	if (self->r.status == 0)
		SKIP(return, "the giantvm family exists on this kernel");
}

FIXTURE_TEARDOWN(cli)
{
}

static const char *const *const needs_kernel[] = {
	(const char *const []){ "status", NULL },
	(const char *const []){ "status", "-j", NULL },
	(const char *const []){ "status", "--domain", "7", NULL },
	(const char *const []){ "leave", "--domain", "7", NULL },
	(const char *const []){ "monitor", NULL },
	(const char *const []){ "monitor", "--json", NULL },
	(const char *const []){ "join", "--domain", "7", "--node", "2",
				"--listen", "10.0.0.2:7000", "--peer",
				"1=[fd00::1]:7000", NULL },
};

TEST_F(cli, not_loaded)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(needs_kernel); i++) {
		run(&self->r, variant->bin, NULL, needs_kernel[i]);
		EXPECT_EQ(1, self->r.status) TH_LOG("%s", needs_kernel[i][0]);
		EXPECT_STREQ(NOT_LOADED, self->r.err);
		EXPECT_STREQ("", self->r.out);
	}
}

/* Arguments are checked before the kernel is asked. */
TEST_F(cli, validates_first)
{
	RUN(&self->r, "join", "--domain", "7", "--node", "2", "--listen",
	    "10.0.0.2:7000", "--peer", "1=10.0.0.1:65536");
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("gvmctl: --peer 1=10.0.0.1:65536: port: out of range 1..65535\n",
		     self->r.err);
	RUN(&self->r, "leave", "--domain", "0");
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("gvmctl: --domain 0: out of range 1..4294967295\n",
		     self->r.err);
	RUN(&self->r, "status", "--domain", "x");
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("gvmctl: --domain x: not a number\n", self->r.err);
}

TEST_F(cli, usage)
{
	RUN(&self->r, "frob");
	EXPECT_EQ(1, self->r.status);
	EXPECT_EQ(0, strncmp(self->r.err, "gvmctl: unknown command \"frob\"\n"
			     "Usage: gvmctl <command> [<options>]\n", 67));
	RUN(&self->r, "leave");
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("gvmctl: leave: missing --domain\n"
		     "Usage: gvmctl leave --domain ID\n"
		     "       gvmctl leave --config FILE [--domain ID]\n", self->r.err);
	RUN(&self->r, "help", "frob");
	EXPECT_EQ(1, self->r.status);
	RUN(&self->r, "help", "join", "leave");
	EXPECT_EQ(1, self->r.status);
}

TEST_F(cli, no_command)
{
	run(&self->r, variant->bin, NULL, (const char *const []){ NULL });
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("", self->r.out);
	EXPECT_EQ(0, strncmp(self->r.err, "Usage: gvmctl <command>", 23));
}

TEST_F(cli, help)
{
	RUN(&self->r, "help");
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("Usage: gvmctl <command> [<options>]\n\n"
		     "Commands:\n"
		     "  join     create a domain on this node and add its members\n"
		     "  leave    delete a domain from this node\n"
		     "  status   show domains, their members, regions and counters\n"
		     "  monitor  print membership and region events as they happen\n"
		"  genpsk   print a new pre-shared key for a domain\n"
		     "  help     show this, or a command's options\n\n"
		     "Run \"gvmctl <command> --help\" for a command's options.\n",
		     self->r.out);
	RUN(&self->r, "--help");
	EXPECT_EQ(0, self->r.status);
	RUN(&self->r, "help", "status");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, strncmp(self->r.out, "Usage: gvmctl status", 20));
	RUN(&self->r, "join", "-h");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, strncmp(self->r.out, "Usage: gvmctl join", 18));
}

TEST_F(cli, version)
{
	RUN(&self->r, "--version");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, strncmp(self->r.out, "gvmctl ", 7));
	EXPECT_NE(NULL, strstr(self->r.out,
			       " (netlink family giantvm version 2)\n"
			       "giantvm-kvm not loaded\n"));
}

/* A new key each time, one line of base64 for 32 bytes. */
TEST_F(cli, genpsk)
{
	char first[sizeof(self->r.out)];

	RUN(&self->r, "genpsk");
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("", self->r.err);
	ASSERT_EQ(45, strlen(self->r.out));
	EXPECT_EQ('=', self->r.out[43]);
	EXPECT_EQ('\n', self->r.out[44]);
	EXPECT_EQ(43, strspn(self->r.out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
	strcpy(first, self->r.out);
	RUN(&self->r, "genpsk");
	EXPECT_STRNE(first, self->r.out);
	RUN(&self->r, "genpsk", "extra");
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.err, "extra")) TH_LOG("%s", self->r.err);
}

/* Output that cannot be written is an error, not a silent success. */
TEST_F(cli, write_error)
{
	run(&self->r, variant->bin, "/dev/full",
	    (const char *const []){ "help", NULL });
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("gvmctl: cannot write output: No space left on device\n",
		     self->r.err);
}

/* No program interpreter: the kernel runs it with no ld.so, no libs. */
TEST(static_binary)
{
	int fd = open(GVMCTL_DIR "/gvmctl-static", O_RDONLY);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(eh), pread(fd, &eh, sizeof(eh), 0));
	ASSERT_EQ(0, memcmp(eh.e_ident, ELFMAG, SELFMAG));
	for (i = 0; i < eh.e_phnum; i++) {
		ASSERT_EQ(sizeof(ph), pread(fd, &ph, sizeof(ph),
					    eh.e_phoff + i * eh.e_phentsize));
		EXPECT_NE(PT_INTERP, ph.p_type);
		EXPECT_NE(PT_DYNAMIC, ph.p_type);
	}
	close(fd);
}

TEST_HARNESS_MAIN
