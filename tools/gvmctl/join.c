// SPDX-License-Identifier: GPL-2.0
/*
 * gvmctl join: DOMAIN_NEW for this node, then NODE_ADD for every other
 * member. A domain is joined whole or not at all: when a member cannot be
 * added, the domain is deleted again, so a retry starts from nothing.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "nl.h"
#include "options.h"
#include "parse.h"
#include "psk.h"
#include "subcommands.h"

enum {
	OPT_DOMAIN = 256,
	OPT_NODE,
	OPT_LISTEN,
	OPT_PEER,
	OPT_HEARTBEAT,
	OPT_TIMEOUT,
	OPT_CONNECT,
	OPT_NAME,
	OPT_CONFIG,
	OPT_PSK_FILE,
};

static const struct option options[] = {
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "connect", required_argument, NULL, OPT_CONNECT },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "psk-file", required_argument, NULL, OPT_PSK_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const struct usage usage = {
	.command = "join",
	.synopsis =
		"join --domain ID --node ID --listen ADDR:PORT\n"
		"                   [--peer ID=ADDR:PORT]... [--heartbeat MS] [--timeout MS]\n"
		"                   [--connect lazy|eager] [--name NAME] [--psk-file FILE]\n"
		"       gvmctl join --config FILE [--domain ID] [--node ID] [--psk-file FILE]",
};

static void help(void)
{
	usage_print(stdout, &usage, false);
	printf("\nCreates domain ID on this node and adds the other members.\n"
	       "Addresses are numeric, IPv6 in brackets: [fd00::1]:7000.\n\n"
	       "  --domain ID           the domain, %u..%u\n"
	       "  --node ID             this node, 0..%u\n"
	       "  --listen ADDR:PORT    where this node accepts its peers\n"
	       "  --peer ID=ADDR:PORT   another member; once per member\n"
	       "  --heartbeat MS        heartbeat on idle links, %u..%u\n"
	       "                        (kernel default 1000)\n"
	       "  --timeout MS          silence after which a member is down,\n"
	       "                        %u..%u, above the heartbeat\n"
	       "                        (kernel default 5000)\n"
	       "  --connect lazy|eager  connect on first use, or to all now\n"
	       "                        (default: eager up to %u members)\n"
	       "  --name NAME           a label, up to %u bytes, no spaces\n"
	       "  --psk-file FILE       authenticate every frame between members\n"
	       "                        with the key in FILE (gvmctl genpsk), the\n"
	       "                        same on every member; FILE must be\n"
	       "                        readable by its owner alone\n"
	       "  --config FILE         read the domain from FILE, see gvmctl(8);\n"
	       "                        --domain, --node and --psk-file override it\n",
	       DOMAIN_ID_MIN, DOMAIN_ID_MAX, NODE_ID_MAX, GVM_HEARTBEAT_MS_MIN,
	       GVM_HEARTBEAT_MS_MAX, GVM_TIMEOUT_MS_MIN, GVM_TIMEOUT_MS_MAX,
	       EAGER_MAX_MEMBERS, GVM_NAME_MAX - 1);
}

/* --peer ID=ADDR:PORT */
static bool add_peer(struct gvm_cluster *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct gvm_endpoint ep;
	char why[ERR_MAX];
	uint32_t id;
	char *num;
	bool ok;

	if (!eq)
		return option_invalid("--peer", arg, "expected ID=ADDR:PORT");
	num = strndup(arg, (size_t)(eq - arg));
	if (!num)
		return option_invalid("--peer", arg, "out of memory");
	ok = parse_u32(num, 0, NODE_ID_MAX, &id, why, sizeof(why)) &&
	     parse_endpoint(eq + 1, &ep, why, sizeof(why)) &&
	     cluster_add(c, id, &ep, 0, why, sizeof(why));
	free(num);
	return ok || option_invalid("--peer", arg, why);
}

static const char *option_name(int opt)
{
	const struct option *o = options;

	while (o->val != opt)
		o++;
	return o->name;
}

static bool set_option(struct gvm_cluster *c, int opt, const char *arg)
{
	char why[ERR_MAX];
	uint8_t mode;

	switch (opt) {
	case OPT_PEER:
		return add_peer(c, arg);
	case OPT_HEARTBEAT:
		return option_u32("--heartbeat", arg, GVM_HEARTBEAT_MS_MIN,
				  GVM_HEARTBEAT_MS_MAX, &c->heartbeat_ms);
	case OPT_TIMEOUT:
		return option_u32("--timeout", arg, GVM_TIMEOUT_MS_MIN,
				  GVM_TIMEOUT_MS_MAX, &c->timeout_ms);
	case OPT_CONNECT:
		if (!parse_connect(arg, &mode, why, sizeof(why)))
			return option_invalid("--connect", arg, why);
		c->connect = mode;
		return true;
	case OPT_NAME:
		return parse_name(arg, c->name, why, sizeof(why)) ||
		       option_invalid("--name", arg, why);
	}
	return false;
}

/*
 * While the domain is being made, these signals wait and are looked for
 * between requests: an interrupted join is rolled back like a failed one,
 * and then the signal takes its course.
 */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static int stop_pending(void)
{
	sigset_t pending;
	size_t i;

	if (sigpending(&pending))
		return 0;
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		if (sigismember(&pending, stop_signals[i]) == 1)
			return stop_signals[i];
	return 0;
}

static void rollback(struct gvm_nl *nl, uint32_t domain)
{
	if (gvm_domain_del(nl, domain))
		fprintf(stderr, PROG_NAME ": cannot delete domain %u again: %s\n",
			domain, gvm_nl_error(nl));
}

/* Adds every member but this node; false (explained) when one fails. */
static bool add_members(struct gvm_nl *nl, const struct gvm_cluster *c,
			const char *src)
{
	size_t i;

	for (i = 0; i < c->nmembers; i++) {
		const struct gvm_member *m = &c->members[i];
		int sig = stop_pending();

		if (sig) {
			fprintf(stderr, PROG_NAME ": join: %s\n",
				strsignal(sig));
			return false;
		}
		if (m->id == c->self || !gvm_node_add(nl, c->domain, m))
			continue;
		if (src && m->line)
			fprintf(stderr, PROG_NAME ": %s:%u: ", src, m->line);
		else
			fprintf(stderr, PROG_NAME ": ");
		fprintf(stderr, "cannot add node %u to domain %u: %s\n", m->id,
			c->domain, gvm_nl_error(nl));
		return false;
	}
	return true;
}

/* @psk: the domain's pre-shared key, or NULL. */
static int join(const struct gvm_cluster *c, const char *src,
		const uint8_t *psk)
{
	struct gvm_domain_info d = {
		.id = c->domain,
		.self = c->self,
		.listen = cluster_member(c, c->self)->ep,
		.heartbeat_ms = c->heartbeat_ms,
		.timeout_ms = c->timeout_ms,
		.connect = cluster_connect(c),
	};
	sigset_t stop, old;
	struct gvm_nl *nl;
	int ret = 1;
	size_t i;

	memcpy(d.name, c->name, sizeof(d.name));
	if (psk) {
		memcpy(d.psk, psk, sizeof(d.psk));
		d.has_psk = true;
	}
	nl = gvm_nl_open();
	if (!nl)
		goto out;
	sigemptyset(&stop);
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&stop, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &stop, &old);
	if (gvm_domain_new(nl, &d)) {
		fprintf(stderr, PROG_NAME ": cannot create domain %u: %s\n",
			d.id, gvm_nl_error(nl));
	} else if (!add_members(nl, c, src)) {
		rollback(nl, d.id);
	} else {
		ret = 0;
	}
	gvm_nl_close(nl);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	explicit_bzero(d.psk, sizeof(d.psk));
	return ret;
}

/* cluster.conf; --domain and --node override it, so one file serves all. */
static bool from_config(struct gvm_cluster *c, const char *path,
			uint32_t domain, uint32_t node)
{
	char err[ERR_MAX];

	if (!config_read(c, path, err, sizeof(err))) {
		fprintf(stderr, PROG_NAME ": %s\n", err);
		return false;
	}
	cluster_override(c, domain, node);
	return true;
}

/* The --peer members are in; --listen makes this node's. */
static bool from_options(struct gvm_cluster *c, uint32_t domain,
			 uint32_t node, const struct gvm_endpoint *listen)
{
	char err[ERR_MAX];

	c->domain = domain;
	c->self = node;
	if (cluster_member(c, node)) {
		fprintf(stderr, PROG_NAME
			": join: node %u is both --node and a --peer\n", node);
		return false;
	}
	if (!cluster_add(c, node, listen, 0, err, sizeof(err))) {
		fprintf(stderr, PROG_NAME ": %s\n", err);
		return false;
	}
	return true;
}

int join_main(int argc, char *argv[])
{
	uint32_t domain = 0, node = GVM_NODE_NONE;
	const char *config = NULL, *inline_opt = NULL, *missing;
	const char *psk_file = NULL;
	uint8_t psk[GVM_PSK_LEN];
	struct gvm_endpoint listen = { 0 };
	struct gvm_cluster c;
	char err[ERR_MAX];
	int opt, ret = 1;

	cluster_init(&c);
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DOMAIN:
			if (!option_u32("--domain", optarg, DOMAIN_ID_MIN,
					DOMAIN_ID_MAX, &domain))
				goto out;
			break;
		case OPT_NODE:
			if (!option_u32("--node", optarg, 0, NODE_ID_MAX, &node))
				goto out;
			break;
		case OPT_LISTEN:
			if (!parse_endpoint(optarg, &listen, err, sizeof(err))) {
				option_invalid("--listen", optarg, err);
				goto out;
			}
			inline_opt = "listen";
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_PSK_FILE:
			psk_file = optarg;
			break;
		case 'h':
			help();
			ret = 0;
			goto out;
		case OPT_PEER:
		case OPT_HEARTBEAT:
		case OPT_TIMEOUT:
		case OPT_CONNECT:
		case OPT_NAME:
			if (!set_option(&c, opt, optarg))
				goto out;
			inline_opt = option_name(opt);
			break;
		default:
			option_error("join", opt, argv);
			goto bad_usage;
		}
	}
	if (!option_no_args("join", argc, argv))
		goto bad_usage;
	if (config && inline_opt) {
		fprintf(stderr, PROG_NAME
			": join: --config does not combine with --%s\n",
			inline_opt);
		goto bad_usage;
	}
	missing = !domain ? "--domain" : node == GVM_NODE_NONE ? "--node" :
		  "--listen";
	if (!config && (!domain || node == GVM_NODE_NONE || !listen.family)) {
		fprintf(stderr, PROG_NAME ": join: missing %s\n", missing);
		goto bad_usage;
	}
	if (config ? !from_config(&c, config, domain, node) :
		     !from_options(&c, domain, node, &listen))
		goto out;
	/* Overrides cluster.conf's, relative to the current directory. */
	if (psk_file && !*psk_file) {
		fprintf(stderr, PROG_NAME ": join: --psk-file: an empty path\n");
		goto bad_usage;
	}
	if (psk_file &&
	    snprintf(c.psk_file, sizeof(c.psk_file), "%s", psk_file) >=
	    (int)sizeof(c.psk_file)) {
		option_invalid("--psk-file", psk_file, "path too long");
		goto out;
	}
	if (!cluster_check(&c, config, err, sizeof(err))) {
		fprintf(stderr, PROG_NAME ": %s\n", err);
		goto out;
	}
	if (c.psk_file[0]) {
		if (!psk_read(c.psk_file, psk, err, sizeof(err))) {
			fprintf(stderr, PROG_NAME ": join: %s\n", err);
			goto out;
		}
		ret = join(&c, config, psk);
		explicit_bzero(psk, sizeof(psk));
		goto out;
	}
	ret = join(&c, config, NULL);
	goto out;
bad_usage:
	usage_print(stderr, &usage, false);
out:
	cluster_free(&c);
	return ret;
}
