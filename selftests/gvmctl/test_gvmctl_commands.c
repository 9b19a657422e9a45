// SPDX-License-Identifier: GPL-2.0
/*
 * The subcommands against a fake kernel boundary (fake_nl.c): which
 * requests join, leave, status and monitor make and in what order, the
 * rollback of a half-joined domain, what they print, and that bad usage
 * is refused before any request.
 */
#include "kselftest_harness.h"
#include <sys/stat.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include "fake_nl.h"
#include "../../tools/gvmctl/format.h"
#include "../../tools/gvmctl/parse.h"
#include "../../tools/gvmctl/subcommands.h"

struct run {
	const char *out_path;		/* stdout goes here; NULL: captured */
	int ret;
	char out[1 << 16];
	char err[1 << 12];
};

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t len;

	rewind(f);
	len = fread(buf, 1, size - 1, f);
	buf[len] = '\0';
	fclose(f);
}

/* Runs @fn on the NULL-terminated @args, capturing stdout and stderr. */
static void run(struct run *r, int (*fn)(int argc, char *argv[]),
		const char *const *args)
{
	FILE *out = r->out_path ? fopen(r->out_path, "w") : tmpfile();
	FILE *err = tmpfile();
	int saved_out = dup(1), saved_err = dup(2);
	char *argv[64];
	int argc = 0;

	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	optind = 0;		/* glibc: a fresh getopt_long() scan */
	r->ret = fn(argc, argv);
	fflush(stdout);
	clearerr(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	if (r->out_path) {
		fclose(out);
		r->out[0] = '\0';
	} else {
		slurp(out, r->out, sizeof(r->out));
	}
	slurp(err, r->err, sizeof(r->err));
}

#define RUN(r, fn, ...) run(r, fn, (const char *const []){ __VA_ARGS__, NULL })

#define NOT_LOADED "gvmctl: giantvm-kvm is not loaded: modprobe giantvm-kvm\n"

FIXTURE(cmd) {
	struct run r;
	char dir[64];
	char path[128];
	char psk[128];
};

FIXTURE_SETUP(cmd)
{
	fake_nl_reset();
	memset(&self->r, 0, sizeof(self->r));
	strcpy(self->dir, "/tmp/gvmctl-cmd-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/cluster.conf",
		 self->dir);
	snprintf(self->psk, sizeof(self->psk), "%s/psk", self->dir);
}

FIXTURE_TEARDOWN(cmd)
{
	unlink(self->psk);
	unlink(self->path);
	rmdir(self->dir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST_F(cmd, join_options)
{
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "2",
	    "--listen", "10.0.0.2:7000", "--peer", "0=10.0.0.1:7000",
	    "--peer=1=[fd00::1]:7001", "--name", "lab", "--heartbeat", "200",
	    "--timeout", "1000");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("", self->r.out);
	EXPECT_STREQ("domain_new 7 node 2 listen 10.0.0.2:7000 heartbeat 200 timeout 1000 connect 1 name \"lab\"\n"
		     "node_add 7 node 0 10.0.0.1:7000\n"
		     "node_add 7 node 1 [fd00::1]:7001\n", fake_nl.log);
}

/* Optional values left out are left to the kernel (0: not sent). */
TEST_F(cmd, join_minimal)
{
	RUN(&self->r, join_main, "join", "--domain", "4294967295", "--node",
	    "10239", "--listen", "[::1]:1", "--connect", "lazy");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("domain_new 4294967295 node 10239 listen [::1]:1 heartbeat 0 timeout 0 connect 0 name \"\"\n",
		     fake_nl.log);
}

/* A member that cannot be added takes the domain down with it. */
TEST_F(cmd, join_rolls_back)
{
	fake_nl.fail = 1U << 2;
	fake_nl.err = -EADDRINUSE;
	fake_nl.why = "node 1 already uses that address";
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "3",
	    "--listen", "10.0.0.3:7000", "--peer", "0=10.0.0.1:7000",
	    "--peer", "1=10.0.0.2:7000", "--peer", "2=10.0.0.4:7000");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot add node 1 to domain 7: node 1 already uses that address\n",
		     self->r.err);
	EXPECT_STREQ("domain_new 7 node 3 listen 10.0.0.3:7000 heartbeat 0 timeout 0 connect 1 name \"\"\n"
		     "node_add 7 node 0 10.0.0.1:7000\n"
		     "node_add 7 node 1 10.0.0.2:7000\n"
		     "domain_del 7\n", fake_nl.log);
}

TEST_F(cmd, join_rollback_fails)
{
	fake_nl.fail = 1U << 1 | 1U << 2;
	fake_nl.err = -EIO;
	fake_nl.why = "Input/output error";
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "3",
	    "--listen", "10.0.0.3:7000", "--peer", "0=10.0.0.1:7000");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot add node 0 to domain 7: Input/output error\n"
		     "gvmctl: cannot delete domain 7 again: Input/output error\n",
		     self->r.err);
}

static int caught;

static void catch(int sig)
{
	caught = sig;
}

/* Interrupted half way, the domain goes too, then the signal arrives. */
TEST_F(cmd, join_interrupted)
{
	struct sigaction sa = { .sa_handler = catch };
	sigset_t mask;

	ASSERT_EQ(0, sigaction(SIGINT, &sa, NULL));
	fake_nl.signal = SIGINT;
	fake_nl.signal_at = 1;
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "3",
	    "--listen", "10.0.0.3:7000", "--peer", "0=10.0.0.1:7000",
	    "--peer", "1=10.0.0.2:7000");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: join: Interrupt\n", self->r.err);
	EXPECT_STREQ("domain_new 7 node 3 listen 10.0.0.3:7000 heartbeat 0 timeout 0 connect 1 name \"\"\n"
		     "node_add 7 node 0 10.0.0.1:7000\n"
		     "domain_del 7\n", fake_nl.log);
	EXPECT_EQ(SIGINT, caught);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, NULL, &mask));
	EXPECT_EQ(0, sigismember(&mask, SIGINT));
}

/* A domain this node did not create is not ours to delete. */
TEST_F(cmd, join_exists)
{
	fake_nl.fail = 1U << 0;
	fake_nl.err = -EEXIST;
	fake_nl.why = "domain 7 exists";
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "3",
	    "--listen", "10.0.0.3:7000", "--peer", "0=10.0.0.1:7000");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot create domain 7: domain 7 exists\n",
		     self->r.err);
	EXPECT_EQ(1, fake_nl.requests);
}

TEST_F(cmd, join_not_loaded)
{
	fake_nl.not_loaded = true;
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "3",
	    "--listen", "10.0.0.3:7000");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ(NOT_LOADED, self->r.err);
	EXPECT_EQ(0, fake_nl.requests);
}

/* A file shared by the domain: --node picks the local line. */
TEST_F(cmd, join_config)
{
	write_file(self->path, "domain 5\nname rack-1\n\n"
		   "0 10.0.0.1:7000\n1 10.0.0.2:7000\n2 10.0.0.3:7000\n");
	RUN(&self->r, join_main, "join", "--config", self->path, "--node",
	    "1");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("domain_new 5 node 1 listen 10.0.0.2:7000 heartbeat 0 timeout 0 connect 1 name \"rack-1\"\n"
		     "node_add 5 node 0 10.0.0.1:7000\n"
		     "node_add 5 node 2 10.0.0.3:7000\n", fake_nl.log);
}

/* Bytes 0..31, as gvmctl genpsk would print them. */
#define KEY_0_31	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
#define KEY_0_31_HEX	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* psk-file, relative to cluster.conf's directory: the key goes along. */
TEST_F(cmd, join_config_psk)
{
	write_file(self->psk, KEY_0_31);
	ASSERT_EQ(0, chmod(self->psk, 0600));
	write_file(self->path, "domain 5\npsk-file psk\n"
		   "0 10.0.0.1:7000\n1 10.0.0.2:7000\n");
	RUN(&self->r, join_main, "join", "--config", self->path, "--node",
	    "1");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("domain_new 5 node 1 listen 10.0.0.2:7000 heartbeat 0 timeout 0 connect 1 name \"\" psk " KEY_0_31_HEX "\n"
		     "node_add 5 node 0 10.0.0.1:7000\n", fake_nl.log);
}

/* A key file others may read is refused, before the kernel is asked. */
TEST_F(cmd, join_psk_open_to_others)
{
	char want[256];

	write_file(self->psk, KEY_0_31);
	ASSERT_EQ(0, chmod(self->psk, 0644));
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "1",
	    "--listen", "10.0.0.2:7000", "--psk-file", self->psk);
	EXPECT_EQ(1, self->r.ret);
	snprintf(want, sizeof(want),
		 "gvmctl: join: %s: others may read or change it (mode 644; chmod 600 it)\n",
		 self->psk);
	EXPECT_STREQ(want, self->r.err);
	EXPECT_STREQ("", fake_nl.log);
}

/* Not a key: said with the file's name, nothing joined. */
TEST_F(cmd, join_psk_not_a_key)
{
	char want[256];

	write_file(self->psk, "hunter2\n");
	ASSERT_EQ(0, chmod(self->psk, 0600));
	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "1",
	    "--listen", "10.0.0.2:7000", "--psk-file", self->psk);
	EXPECT_EQ(1, self->r.ret);
	snprintf(want, sizeof(want),
		 "gvmctl: join: %s: not a key: expected 44 characters of base64 for 32 bytes (gvmctl genpsk makes one)\n",
		 self->psk);
	EXPECT_STREQ(want, self->r.err);
	EXPECT_STREQ("", fake_nl.log);
}

/* An empty --psk-file is a mistake, not a domain without a key. */
TEST_F(cmd, join_psk_file_empty)
{
	static const char want[] =
		"gvmctl: join: --psk-file: an empty path\nUsage: ";

	RUN(&self->r, join_main, "join", "--domain", "7", "--node", "1",
	    "--listen", "10.0.0.2:7000", "--psk-file", "");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_EQ(0, strncmp(self->r.err, want, strlen(want)))
		TH_LOG("%s", self->r.err);
	EXPECT_STREQ("", fake_nl.log);
}

/* --domain and --node override the file, and the messages follow. */
TEST_F(cmd, join_config_overrides)
{
	char want[512];

	write_file(self->path, "domain 5\nnode 0\n"
		   "0 10.0.0.1:7000\n1 10.0.0.2:7000\n2 10.0.0.3:7000\n");
	RUN(&self->r, join_main, "join", "--config", self->path, "--domain",
	    "6", "--node", "9");
	EXPECT_EQ(1, self->r.ret);
	snprintf(want, sizeof(want),
		 "gvmctl: %s: node 9 is not a member: its member line gives the address it listens on\n",
		 self->path);
	EXPECT_STREQ(want, self->r.err);
	EXPECT_EQ(0, fake_nl.requests);

	fake_nl_reset();
	fake_nl.fail = 1U << 2;
	fake_nl.err = -EINVAL;
	fake_nl.why = "bad address";
	RUN(&self->r, join_main, "join", "--config", self->path, "--domain",
	    "6");
	EXPECT_EQ(1, self->r.ret);
	snprintf(want, sizeof(want),
		 "gvmctl: %s:5: cannot add node 2 to domain 6: bad address\n",
		 self->path);
	EXPECT_STREQ(want, self->r.err);
	EXPECT_NE(NULL, strstr(fake_nl.log, "domain_del 6\n"));
}

TEST_F(cmd, join_config_error)
{
	char want[512];

	write_file(self->path, "domain 5\nnode 0\n0 10.0.0.1:7000\n"
		   "heartbeat fast\n");
	RUN(&self->r, join_main, "join", "--config", self->path);
	EXPECT_EQ(1, self->r.ret);
	snprintf(want, sizeof(want),
		 "gvmctl: %s:4: heartbeat fast: not a number\n", self->path);
	EXPECT_STREQ(want, self->r.err);
	EXPECT_EQ(0, fake_nl.requests);
}

/* More than 64 members connect lazily unless told otherwise. */
TEST_F(cmd, join_large_is_lazy)
{
	FILE *f = fopen(self->path, "w");
	unsigned int id;

	ASSERT_NE(NULL, f);
	fputs("domain 3\nnode 0\n", f);
	for (id = 0; id < 65; id++)
		fprintf(f, "%u 10.0.%u.1:7000\n", id, id);
	fclose(f);
	RUN(&self->r, join_main, "join", "--config", self->path);
	EXPECT_EQ(0, self->r.ret);
	EXPECT_EQ(65, fake_nl.requests);
	EXPECT_NE(NULL, strstr(fake_nl.log, " connect 0 "));

	fake_nl_reset();
	f = fopen(self->path, "a");
	ASSERT_NE(NULL, f);
	fputs("connect eager\n", f);
	fclose(f);
	RUN(&self->r, join_main, "join", "--config", self->path);
	EXPECT_EQ(0, self->r.ret);
	EXPECT_NE(NULL, strstr(fake_nl.log, " connect 1 "));
}

static const struct {
	const char *argv[16];
	const char *err;		/* the first line of stderr */
	bool usage;			/* then the usage */
} bad_joins[] = {
	{ { "join" }, "gvmctl: join: missing --domain", true },
	{ { "join", "--domain", "7" },
	  "gvmctl: join: missing --node", true },
	{ { "join", "--domain", "7", "--node", "1" },
	  "gvmctl: join: missing --listen", true },
	{ { "join", "--domain", "7", "--node", "1", "--listen", "10.0.0.1:7",
	    "extra" }, "gvmctl: join: unexpected argument \"extra\"", true },
	{ { "join", "--bogus" },
	  "gvmctl: join: invalid option --bogus", true },
	{ { "join", "-x" }, "gvmctl: join: invalid option -x", true },
	{ { "join", "--domain" },
	  "gvmctl: join: option --domain needs a value", true },
	{ { "join", "--config", "x", "--peer", "1=10.0.0.1:7" },
	  "gvmctl: join: --config does not combine with --peer", true },
	{ { "join", "--listen", "10.0.0.1:7", "--config", "x" },
	  "gvmctl: join: --config does not combine with --listen", true },
	{ { "join", "--domain", "0" },
	  "gvmctl: --domain 0: out of range 1..4294967295", false },
	{ { "join", "--domain", "7x" },
	  "gvmctl: --domain 7x: not a number", false },
	{ { "join", "--node", "10240" },
	  "gvmctl: --node 10240: out of range 0..10239", false },
	{ { "join", "--listen", "10.0.0.1" },
	  "gvmctl: --listen 10.0.0.1: expected ADDR:PORT", false },
	{ { "join", "--listen", "::1:7" },
	  "gvmctl: --listen ::1:7: an IPv6 address goes in brackets: [ADDR]:PORT", false },
	{ { "join", "--peer", "1" },
	  "gvmctl: --peer 1: expected ID=ADDR:PORT", false },
	{ { "join", "--peer", "x=10.0.0.1:7" },
	  "gvmctl: --peer x=10.0.0.1:7: not a number", false },
	{ { "join", "--peer", "10240=10.0.0.1:7" },
	  "gvmctl: --peer 10240=10.0.0.1:7: out of range 0..10239", false },
	{ { "join", "--peer", "1=10.0.0.1:0" },
	  "gvmctl: --peer 1=10.0.0.1:0: port: out of range 1..65535", false },
	{ { "join", "--peer", "1=10.0.0.1:7", "--peer", "1=10.0.0.2:7" },
	  "gvmctl: --peer 1=10.0.0.2:7: node 1 given twice", false },
	{ { "join", "--domain", "7", "--node", "2", "--listen", "10.0.0.1:7",
	    "--peer", "2=10.0.0.2:7" },
	  "gvmctl: join: node 2 is both --node and a --peer", false },
	{ { "join", "--domain", "7", "--node", "2", "--listen", "10.0.0.1:7",
	    "--peer", "1=10.0.0.1:7" },
	  "gvmctl: member 2 has the same address as member 1", false },
	{ { "join", "--domain", "7", "--node", "2", "--listen", "10.0.0.1:7",
	    "--peer", "1=0.0.0.0:7" },
	  "gvmctl: member 1: 0.0.0.0:7 is not an address peers can connect to", false },
	{ { "join", "--heartbeat", "10" },
	  "gvmctl: --heartbeat 10: out of range 50..60000", false },
	{ { "join", "--timeout", "1e3" },
	  "gvmctl: --timeout 1e3: not a number", false },
	{ { "join", "--domain", "7", "--node", "2", "--listen", "10.0.0.1:7",
	    "--heartbeat", "1000", "--timeout", "1000" },
	  "gvmctl: timeout 1000 must be greater than heartbeat 1000", false },
	{ { "join", "--connect", "sometimes" },
	  "gvmctl: --connect sometimes: expected lazy or eager", false },
	{ { "join", "--name", "a b" },
	  "gvmctl: --name a b: white space or control character in the name", false },
	{ { "join", "--config", "/nonexistent/cluster.conf" },
	  "gvmctl: /nonexistent/cluster.conf: No such file or directory", false },
};

/* Refused before any request, with the option and why. */
TEST_F(cmd, join_bad_usage)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_joins); i++) {
		size_t len = strlen(bad_joins[i].err);

		fake_nl_reset();
		run(&self->r, join_main, bad_joins[i].argv);
		EXPECT_EQ(1, self->r.ret) TH_LOG("%s", bad_joins[i].err);
		EXPECT_EQ(0, strncmp(self->r.err, bad_joins[i].err, len))
			TH_LOG("want %s\ngot  %s", bad_joins[i].err,
			       self->r.err);
		EXPECT_EQ('\n', self->r.err[len]);
		if (bad_joins[i].usage) {
			EXPECT_EQ(0, strncmp(self->r.err + len + 1,
					     "Usage: gvmctl join ", 19));
		} else {
			EXPECT_EQ('\0', self->r.err[len + 1]);
		}
		EXPECT_EQ(0, fake_nl.requests);
		EXPECT_STREQ("", self->r.out);
	}
}

TEST_F(cmd, join_help)
{
	RUN(&self->r, join_main, "join", "--help");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_EQ(0, strncmp(self->r.out, "Usage: gvmctl join --domain ID", 30));
	EXPECT_NE(NULL, strstr(self->r.out, "--node ID             this node, 0..10239\n"));
}

TEST_F(cmd, leave)
{
	RUN(&self->r, leave_main, "leave", "--domain", "7");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("domain_del 7\n", fake_nl.log);

	fake_nl_reset();
	fake_nl.fail = 1;
	fake_nl.err = -ENOENT;
	fake_nl.why = "no domain 7 here";
	RUN(&self->r, leave_main, "leave", "--domain", "7");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot leave domain 7: no domain 7 here\n",
		     self->r.err);

	fake_nl_reset();
	RUN(&self->r, leave_main, "leave");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: leave: missing --domain\n"
		     "Usage: gvmctl leave --domain ID\n"
		     "       gvmctl leave --config FILE [--domain ID]\n", self->r.err);
	RUN(&self->r, leave_main, "leave", "--domain", "7", "8");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: leave: unexpected argument \"8\"\n"
		     "Usage: gvmctl leave --domain ID\n"
		     "       gvmctl leave --config FILE [--domain ID]\n", self->r.err);
	RUN(&self->r, leave_main, "leave", "-j");
	EXPECT_STREQ("gvmctl: leave: invalid option -j\n"
		     "Usage: gvmctl leave --domain ID\n"
		     "       gvmctl leave --config FILE [--domain ID]\n", self->r.err);
	RUN(&self->r, leave_main, "leave", "--domain", "0");
	EXPECT_STREQ("gvmctl: --domain 0: out of range 1..4294967295\n",
		     self->r.err);
	EXPECT_EQ(0, fake_nl.requests);

	fake_nl.not_loaded = true;
	RUN(&self->r, leave_main, "leave", "--domain", "7");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ(NOT_LOADED, self->r.err);
}

/* The domain cluster.conf joined, as gvmctl@.service's ExecStop leaves it. */
TEST_F(cmd, leave_config)
{
	write_file(self->path, "domain 5\nnode 1\n"
		   "0 10.0.0.1:7000\n1 10.0.0.2:7000\n");
	RUN(&self->r, leave_main, "leave", "--config", self->path);
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("domain_del 5\n", fake_nl.log);

	/* --domain overrides the file, as for join. */
	fake_nl_reset();
	RUN(&self->r, leave_main, "leave", "--config", self->path,
	    "--domain", "9");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("domain_del 9\n", fake_nl.log);

	/* A file with members only names no domain. */
	fake_nl_reset();
	write_file(self->path, "0 10.0.0.1:7000\n");
	RUN(&self->r, leave_main, "leave", "--config", self->path);
	EXPECT_EQ(1, self->r.ret);
	EXPECT_EQ(0, strncmp(self->r.err, "gvmctl: leave: ", 15));
	EXPECT_NE(NULL, strstr(self->r.err,
			       ": no domain line, and no --domain\n"));
	EXPECT_NE(NULL, strstr(self->r.err, self->path));
	RUN(&self->r, leave_main, "leave", "--config", self->path,
	    "--domain", "5");
	EXPECT_EQ(0, self->r.ret);

	/* A file join would refuse is refused here too, with its line. */
	fake_nl_reset();
	write_file(self->path, "domain 5\nfrob 1\n");
	RUN(&self->r, leave_main, "leave", "--config", self->path);
	EXPECT_EQ(1, self->r.ret);
	EXPECT_EQ(0, strncmp(self->r.err, "gvmctl: ", 8));
	EXPECT_NE(NULL, strstr(self->r.err, ":2: "));
	RUN(&self->r, leave_main, "leave", "--config", "/nonexistent/x.conf");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: /nonexistent/x.conf: No such file or directory\n",
		     self->r.err);
	/* Read even when --domain names the domain: a typo is not ignored. */
	RUN(&self->r, leave_main, "leave", "--config", "/nonexistent/x.conf",
	    "--domain", "5");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: /nonexistent/x.conf: No such file or directory\n",
		     self->r.err);
	RUN(&self->r, leave_main, "leave", "--config");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_EQ(0, strncmp(self->r.err,
			     "gvmctl: leave: option --config needs a value\n",
			     45));
	EXPECT_EQ(0, fake_nl.requests);
}

/* Two domains given out of order, members and regions too. */
static struct gvm_domain_info domains[2];
static struct gvm_node_info nodes[2];
static struct gvm_region_info regions[2];

static void status_script(void)
{
	char why[ERR_MAX];

	memset(domains, 0, sizeof(domains));
	memset(nodes, 0, sizeof(nodes));
	memset(regions, 0, sizeof(regions));
	domains[0].id = 9;
	domains[0].self = 1;
	domains[1].id = 7;
	domains[1].self = 1;
	strcpy(domains[1].name, "seven");
	parse_endpoint("10.0.0.2:7000", &domains[0].listen, why, sizeof(why));
	domains[1].listen = domains[0].listen;
	nodes[0].id = 1;
	nodes[0].ep = domains[0].listen;
	nodes[0].state = GVM_NODE_SELF;
	nodes[1].id = 0;
	parse_endpoint("10.0.0.1:7000", &nodes[1].ep, why, sizeof(why));
	nodes[1].state = GVM_NODE_DOWN;
	nodes[1].heard = true;
	nodes[1].last_rx_ms = 61000;
	fake_nl.domains = domains;
	fake_nl.ndomains = 2;
	regions[0].id = 5;
	regions[0].bytes = 1 << 20;
	regions[0].owner = 1;
	regions[0].members = 2;
	regions[0].stats[GVM_RSTAT_PAGES_LOST] = 1;
	regions[1].id = 2;
	regions[1].bytes = 8192;
	regions[1].owner = 0;
	regions[1].members = 2;
	regions[1].pages = 2;
	regions[1].stats[GVM_RSTAT_READ_FAULTS] = 4;
	regions[1].lat[gvm_lat_bucket(128)] = 4;
	fake_nl.nodes = nodes;
	fake_nl.nnodes = 2;
	fake_nl.regions = regions;
	fake_nl.nregions = 2;
}

/*
 * What format.c makes of the script, sorted by id; @with_regions false:
 * as a kernel without regions has it.
 */
static char *expected_status(bool json, bool with_nine, bool with_regions)
{
	struct gvm_node_info sorted_nodes[2] = { nodes[1], nodes[0] };
	struct gvm_region_info sorted_regions[2] = { regions[1], regions[0] };
	struct gvm_domain_info sorted[2] = { domains[1], domains[0] };
	size_t len, n = with_nine ? 2 : 1, i;
	char *buf;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < n; i++) {
		sorted[i].nodes = sorted_nodes;
		sorted[i].nnodes = 2;
		if (with_regions) {
			sorted[i].regions = sorted_regions;
			sorted[i].nregions = 2;
		}
	}
	if (json) {
		status_json(f, sorted, n);
	} else {
		for (i = 0; i < n; i++) {
			if (i)
				fputc('\n', f);
			status_text(f, &sorted[i]);
		}
	}
	fclose(f);
	return buf;
}

TEST_F(cmd, status)
{
	char *want;

	status_script();
	RUN(&self->r, status_main, "status");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("domain_get 0\nnode_get 7\nregion_get 7\n"
		     "node_get 9\nregion_get 9\n", fake_nl.log);
	want = expected_status(false, true, true);
	EXPECT_STREQ(want, self->r.out);
	free(want);
	EXPECT_NE(NULL, strstr(self->r.out, "      0  10.0.0.1:7000  down        1m01s ago"));
	EXPECT_NE(NULL, strstr(self->r.out,
			       "  regions:\n"
			       "    region 2: 8.0 KiB, 2 pages here, initial owner 0, 2 members\n"
			       "      read faults 4\n"
			       "      fault latency p50 128us p99 128us\n"
			       "    region 5: 1.0 MiB, 0 pages here, initial owner 1, 2 members\n"
			       "      pages lost 1\n"
			       "      fault latency -\n"));

	RUN(&self->r, status_main, "status", "-j");
	EXPECT_EQ(0, self->r.ret);
	want = expected_status(true, true, true);
	EXPECT_STREQ(want, self->r.out);
	free(want);
}

TEST_F(cmd, status_one)
{
	char *want;

	status_script();
	RUN(&self->r, status_main, "status", "--domain", "7", "--json");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("domain_get 7\nnode_get 7\nregion_get 7\n", fake_nl.log);
	want = expected_status(true, false, true);
	EXPECT_STREQ(want, self->r.out);
	free(want);

	RUN(&self->r, status_main, "status", "--domain", "5");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot read domain 5: no such domain\n",
		     self->r.err);
	EXPECT_STREQ("", self->r.out);
}

/* A domain deleted between the two dumps is gone, not an error. */
TEST_F(cmd, status_races_delete)
{
	char *want;

	status_script();
	fake_nl.vanished = 9;
	RUN(&self->r, status_main, "status");
	EXPECT_EQ(0, self->r.ret);
	want = expected_status(false, false, true);
	EXPECT_STREQ(want, self->r.out);
	free(want);

	/* ... unless it was the one asked for. */
	RUN(&self->r, status_main, "status", "--domain", "9");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot read the members of domain 9: no such domain\n",
		     self->r.err);
}

/* Deleted between its members and its regions: gone just the same. */
TEST_F(cmd, status_races_delete_regions)
{
	char *want;

	status_script();
	fake_nl.fail = 1U << 4;		/* region_get 9 */
	fake_nl.err = -ENOENT;
	fake_nl.why = "no such domain in this namespace";
	RUN(&self->r, status_main, "status", "-j");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("domain_get 0\nnode_get 7\nregion_get 7\n"
		     "node_get 9\nregion_get 9\n", fake_nl.log);
	want = expected_status(true, false, true);
	EXPECT_STREQ(want, self->r.out);
	free(want);

	fake_nl_reset();
	status_script();
	fake_nl.fail = 1U << 2;		/* region_get 9 */
	fake_nl.err = -ENOENT;
	fake_nl.why = "no such domain in this namespace";
	RUN(&self->r, status_main, "status", "--domain", "9");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot read the regions of domain 9: no such domain in this namespace\n",
		     self->r.err);
	EXPECT_STREQ("", self->r.out);
}

/* A kernel from before regions: no regions, and no error. */
TEST_F(cmd, status_no_region_support)
{
	static const int errs[] = { -EOPNOTSUPP, -EINVAL };
	char *want;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		fake_nl_reset();
		status_script();
		fake_nl.fail = 1U << 2 | 1U << 4;
		fake_nl.err = errs[i];
		fake_nl.why = "Operation not supported";
		RUN(&self->r, status_main, "status");
		EXPECT_EQ(0, self->r.ret) TH_LOG("errno %d", -errs[i]);
		EXPECT_STREQ("", self->r.err);
		want = expected_status(false, true, false);
		EXPECT_STREQ(want, self->r.out);
		free(want);
		EXPECT_EQ(NULL, strstr(self->r.out, "regions:"));
	}
	fake_nl.requests = 0;
	RUN(&self->r, status_main, "status", "-j");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_NE(NULL, strstr(self->r.out, "\"regions\": []"));
}

/* Any other failure to read regions fails the command, and says why. */
TEST_F(cmd, status_regions_fail)
{
	status_script();
	fake_nl.fail = 1U << 2;		/* region_get 7 */
	fake_nl.err = -EPROTO;
	fake_nl.why = "malformed reply from the kernel";
	RUN(&self->r, status_main, "status");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot read the regions of domain 7: malformed reply from the kernel\n",
		     self->r.err);
	EXPECT_STREQ("", self->r.out);
	EXPECT_STREQ("domain_get 0\nnode_get 7\nregion_get 7\n", fake_nl.log);
}

TEST_F(cmd, status_empty)
{
	RUN(&self->r, status_main, "status");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("", self->r.out);
	RUN(&self->r, status_main, "status", "-j");
	EXPECT_STREQ("{\n  \"domains\": []\n}\n", self->r.out);
}

TEST_F(cmd, status_errors)
{
	fake_nl.fail = 1;
	fake_nl.err = -EPERM;
	fake_nl.why = "Operation not permitted";
	RUN(&self->r, status_main, "status");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot list domains: Operation not permitted\n",
		     self->r.err);

	fake_nl_reset();
	RUN(&self->r, status_main, "status", "--json=yes");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: status: invalid option --json=yes\n"
		     "Usage: gvmctl status [--domain ID] [-j|--json]\n",
		     self->r.err);
	RUN(&self->r, status_main, "status", "-h");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("Usage: gvmctl status [--domain ID] [-j|--json]\n\n"
		     "Shows the domains of this node, or domain ID, with their\n"
		     "members, regions and counters; -j prints one JSON document.\n",
		     self->r.out);
	RUN(&self->r, status_main, "status", "all");
	EXPECT_EQ(0, strncmp(self->r.err,
			     "gvmctl: status: unexpected argument \"all\"\n", 42));
	EXPECT_EQ(0, fake_nl.requests);

	fake_nl.not_loaded = true;
	RUN(&self->r, status_main, "status");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ(NOT_LOADED, self->r.err);
}

static const struct gvm_event events[] = {
	{ .cmd = GVM_CMD_NODE_UP, .domain = 7, .node = 3, .hello_reason = -1,
	  .pfn = UINT64_MAX },
	{ .cmd = GVM_CMD_NODE_DOWN, .domain = 7, .node = 3, .hello_reason = -1,
	  .reason = "no heartbeat for 5000 ms", .pfn = UINT64_MAX },
	{ .cmd = GVM_CMD_PAGE_LOST, .domain = 7, .node = GVM_NODE_NONE,
	  .hello_reason = -1, .region = 2, .pfn = 17 },
};

/* Each line: a timestamp like 2025-01-02T03:04:05.678Z, then @rest. */
static bool event_line(const char **p, const char *rest)
{
	size_t len = strlen(rest);
	const char *s = *p;

	if (strlen(s) < 25 || s[4] != '-' || s[10] != 'T' || s[23] != 'Z' ||
	    s[24] != ' ' || strncmp(s + 25, rest, len))
		return false;
	*p = s + 25 + len;
	return true;
}

TEST_F(cmd, monitor)
{
	const char *p;

	fake_nl.events = events;
	fake_nl.nevents = 3;
	RUN(&self->r, monitor_main, "monitor");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot receive events: end of events\n",
		     self->r.err);
	p = self->r.out;
	EXPECT_TRUE(event_line(&p, "node-up domain 7 node 3\n"))
		TH_LOG("%s", self->r.out);
	EXPECT_TRUE(event_line(&p, "node-down domain 7 node 3: no heartbeat for 5000 ms\n"))
		TH_LOG("%s", self->r.out);
	EXPECT_TRUE(event_line(&p, "page-lost domain 7 region 2 pfn 17\n"))
		TH_LOG("%s", self->r.out);
	EXPECT_STREQ("", p);

	RUN(&self->r, monitor_main, "monitor", "--json");
	p = self->r.out;
	EXPECT_EQ(0, strncmp(p, "{\"time\": \"", 10));
	p = strchr(p, '\n') + 1;
	EXPECT_NE(NULL, strstr(p, "\"event\": \"node-down\", \"domain\": 7, \"node\": 3, \"hello_reason\": null, \"reason\": \"no heartbeat for 5000 ms\", \"region\": null, \"pfn\": null, \"errno\": null}\n"));
	EXPECT_NE(NULL, strstr(p, "\"event\": \"page-lost\", \"domain\": 7, \"node\": null, \"hello_reason\": null, \"reason\": null, \"region\": 2, \"pfn\": 17, \"errno\": null}\n"));
}

/* A line that cannot be written stops the monitor, and says why. */
TEST_F(cmd, monitor_write_error)
{
	fake_nl.events = events;
	fake_nl.nevents = 2;
	self->r.out_path = "/dev/full";
	RUN(&self->r, monitor_main, "monitor");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: cannot write events: No space left on device\n",
		     self->r.err);
}

TEST_F(cmd, monitor_usage)
{
	RUN(&self->r, monitor_main, "monitor", "-x");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: monitor: invalid option -x\n"
		     "Usage: gvmctl monitor [-j|--json]\n", self->r.err);
	RUN(&self->r, monitor_main, "monitor", "--domain", "7");
	EXPECT_EQ(1, self->r.ret);
	EXPECT_STREQ("gvmctl: monitor: invalid option --domain\n"
		     "Usage: gvmctl monitor [-j|--json]\n", self->r.err);
	RUN(&self->r, monitor_main, "monitor", "--help");
	EXPECT_EQ(0, self->r.ret);
	EXPECT_STREQ("Usage: gvmctl monitor [-j|--json]\n\n"
		     "Prints membership and region events until interrupted, one\n"
		     "line each; -j prints one JSON object per line.\n",
		     self->r.out);
	EXPECT_EQ(0, fake_nl.requests);
}

TEST_HARNESS_MAIN
