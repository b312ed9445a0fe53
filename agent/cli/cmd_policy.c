/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * phiguard policy check|test|show|keygen|sign|verify
 *
 * Exit codes: 0 ok, 1 the policy is invalid (or a test case failed, or a
 * signature does not verify), 2 anything else went wrong (usage, I/O).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <ctype.h>

#include "base/log.h"
#include "base/macro.h"
#include "capture/capture.h"
#include "cli/cli.h"
#include "pipeline/pipeline.h"
#include "policy/cases.h"
#include "policy/policy.h"
#include "policy/show.h"
#include "policy/sign.h"

static void
print_error(const struct phiguard_error *err)
{
	if (err->line > 0)
		fprintf(stderr, "%s:%u:%u: %s\n", err->file, err->line, err->column, err->msg);
	else
		fprintf(stderr, "%s: %s\n", err->file[0] ? err->file : "policy", err->msg);
}

/* A load failure is "invalid" (1) when it has a position, else an error (2). */
static int
load_exit(const struct phiguard_error *err, int r)
{
	print_error(err);
	return (r == -EINVAL || r == -EBADMSG) ? CLI_EXIT_FOUND : CLI_EXIT_ERROR;
}

static int
load(const char *path, struct policy **ret, struct phiguard_error *err)
{
	if (strcmp(path, "--default") == 0 || strcmp(path, "default") == 0)
		return policy_load_default(ret, err);
	return policy_load_file(path, ret, err);
}

static int
policy_check(int argc, char **argv)
{
	static const struct option opts[] = { { "verbose", no_argument, NULL, 'v' },
		                              { "quiet", no_argument, NULL, 'q' },
		                              { NULL, 0, NULL, 0 } };
	struct phiguard_error err;
	struct policy *policy = NULL;
	bool verbose = false, quiet = false;
	int c, r, ret = CLI_EXIT_OK;

	while ((c = getopt_long(argc, argv, "vq", opts, NULL)) != -1) {
		if (c == 'v')
			verbose = true;
		else if (c == 'q')
			quiet = true;
		else
			return CLI_EXIT_ERROR;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: phiguard policy check [--verbose] FILE...\n");
		return CLI_EXIT_ERROR;
	}
	for (; optind < argc; optind++) {
		const char *path = argv[optind];
		struct policy_stats st;

		r = load(path, &policy, &err);
		if (r < 0) {
			int e = load_exit(&err, r);

			ret = MAX(ret, e);
			continue;
		}
		policy_get_stats(policy, &st);
		if (!quiet)
			printf("%s: configuration OK (version '%s', %zu rules, %zu apps, %zu tests)\n",
			       path, policy_version(policy), st.rules, st.apps, st.cases);
		if (verbose) {
			printf("  sha256: %s\n", policy_hash(policy));
			printf("  categories: %zu, detectors: %zu\n", st.categories, st.detectors);
			printf("  compile: %.1f ms wall, Hyperscan %.1f ms CPU\n",
			       (double)st.compile_us / 1000.0, (double)st.matcher_cpu_us / 1000.0);
			printf("  matcher database: %zu bytes\n", st.matcher_db_bytes);
			printf("  evidence: %s\n",
			       (const char *[]){ "none", "redacted", "token",
			                         "full" }[policy_evidence(policy)]);
		}
		policy = policy_unref(policy);
	}
	return ret;
}

static void
print_case(const struct policy_case_result *res, void *ctx)
{
	const char *file = ctx;

	if (res->skipped)
		printf("SKIP %s (%s:%u:%u): %s\n", res->name, file, res->line, res->column,
		       res->message);
	else if (res->passed)
		printf("ok   %s: %s\n", res->name, res->message);
	else
		printf("FAIL %s (%s:%u:%u): %s\n", res->name, file, res->line, res->column,
		       res->message);
}

struct capture_filter {
	const char *domain;
	char ip[INET6_ADDRSTRLEN];
	struct policy_capture_outcome *out;
};

static bool
same_name(const char *a, const char *b)
{
	return a[0] != '\0' && strcasecmp(a, b) == 0;
}

/* Keep the most severe verdict among the flows to the case's destination. */
static void
on_capture_event(const struct phiguard_event *ev, void *ctx)
{
	struct capture_filter *f = ctx;
	bool match = f->domain == NULL && f->ip[0] == '\0';

	if (f->domain != NULL)
		match = same_name(ev->destination_domain, f->domain) ||
		        same_name(ev->tls_server_name, f->domain);
	if (f->ip[0] != '\0' && !match)
		match = strcmp(ev->destination_ip, f->ip) == 0;
	if (!match)
		return;
	if (f->out->found && ev->verdict <= f->out->verdict)
		return;
	f->out->found = true;
	f->out->verdict = ev->verdict;
	snprintf(f->out->rule, sizeof(f->out->rule), "%s", ev->rule_name);
	snprintf(f->out->app, sizeof(f->out->app), "%s", ev->app);
}

/*
 * A capture case: the capture through the pipeline `run` and `replay` use,
 * with this policy, every flow reported (allowed ones too).
 */
static void
run_capture(const struct policy *policy, const char *path, const char *domain, int family,
            const uint8_t *addr, struct policy_capture_outcome *ret, void *ctx)
{
	struct capture_filter filter = { .domain = domain, .out = ret };
	struct pipeline_config config;
	struct pipeline *pipeline = NULL;
	struct capture_pcap *cap = NULL;
	struct pipeline_result res;
	struct capture_pkt pkt;
	struct pkt_meta meta = { .outbound = true };
	int r;

	if (family != 0 && inet_ntop(family, addr, filter.ip, sizeof(filter.ip)) == NULL)
		filter.ip[0] = '\0';
	r = capture_pcap_open(path, &cap, ret->error, sizeof(ret->error));
	if (r < 0)
		return;
	pipeline_config_defaults(&config);
	config.flow_records = true;
	/* The pipeline holds a reference while it runs; the policy outlives it. */
	pipeline = pipeline_new(&config, (struct policy *)policy, on_capture_event, &filter);
	if (pipeline == NULL) {
		snprintf(ret->error, sizeof(ret->error), "out of memory");
		goto out;
	}
	while ((r = capture_pcap_next(cap, &pkt)) > 0) {
		meta.ts_us = pkt.ts_us;
		pipeline_packet(pipeline, pkt.l3, pkt.l3_len, &meta, &res);
	}
	if (r < 0)
		snprintf(ret->error, sizeof(ret->error), "read error");
	pipeline_flush(pipeline);
out:
	pipeline_free(pipeline);
	capture_pcap_close(cap);
}

static int
policy_test(int argc, char **argv)
{
	struct phiguard_error err;
	struct policy *policy = NULL;
	unsigned failed, skipped;
	size_t n;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: phiguard policy test FILE\n");
		return CLI_EXIT_ERROR;
	}
	r = load(argv[1], &policy, &err);
	if (r < 0)
		return load_exit(&err, r);
	n = policy_case_count(policy);
	if (n == 0) {
		printf("%s: no test cases (add a 'tests:' list)\n", argv[1]);
		policy_unref(policy);
		return CLI_EXIT_OK;
	}
	failed = policy_run_cases_with(policy, print_case, argv[1], run_capture, NULL, &skipped);
	printf("%s: %zu tests, %zu passed, %u failed, %u skipped\n", argv[1], n,
	       n - failed - skipped, failed, skipped);
	policy_unref(policy);
	return failed ? CLI_EXIT_FOUND : CLI_EXIT_OK;
}

static int
policy_show_cmd(int argc, char **argv)
{
	struct phiguard_error err;
	struct policy *policy = NULL;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: phiguard policy show FILE\n");
		return CLI_EXIT_ERROR;
	}
	r = load(argv[1], &policy, &err);
	if (r < 0)
		return load_exit(&err, r);
	policy_show(policy, stdout);
	policy_unref(policy);
	return CLI_EXIT_OK;
}

static int
policy_keygen_cmd(int argc, char **argv)
{
	struct phiguard_error err = { 0 };
	char pub[4096];
	const char *priv;
	int r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: phiguard policy keygen PRIVATE.pem [PUBLIC.pem]\n");
		return CLI_EXIT_ERROR;
	}
	priv = argv[1];
	if (argc == 3)
		snprintf(pub, sizeof(pub), "%s", argv[2]);
	else if (strlen(priv) > 4 && strcmp(priv + strlen(priv) - 4, ".pem") == 0)
		snprintf(pub, sizeof(pub), "%.*s.pub.pem", (int)(strlen(priv) - 4), priv);
	else
		snprintf(pub, sizeof(pub), "%s.pub", priv);
	r = policy_keygen(priv, pub, &err);
	if (r < 0) {
		print_error(&err);
		return CLI_EXIT_ERROR;
	}
	printf("private key: %s (keep it off the workstations)\npublic key:  %s\n", priv, pub);
	return CLI_EXIT_OK;
}

static int
policy_sign_cmd(int argc, char **argv)
{
	static const struct option opts[] = { { "key", required_argument, NULL, 'k' },
		                              { "output", required_argument, NULL, 'o' },
		                              { NULL, 0, NULL, 0 } };
	struct phiguard_error err = { 0 };
	struct policy *policy = NULL;
	const char *key = NULL, *sig = NULL;
	char sig_buf[4096];
	int c, r;

	while ((c = getopt_long(argc, argv, "k:o:", opts, NULL)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 'o')
			sig = optarg;
		else
			return CLI_EXIT_ERROR;
	}
	if (key == NULL || optind + 1 != argc) {
		fprintf(stderr,
		        "usage: phiguard policy sign --key PRIVATE.pem [--output SIG] FILE\n");
		return CLI_EXIT_ERROR;
	}
	/* Never sign what would not load. */
	r = policy_load_file(argv[optind], &policy, &err);
	if (r < 0)
		return load_exit(&err, r);
	policy_unref(policy);
	if (sig == NULL) {
		snprintf(sig_buf, sizeof(sig_buf), "%s.sig", argv[optind]);
		sig = sig_buf;
	}
	r = policy_sign_file(key, argv[optind], sig, &err);
	if (r < 0) {
		print_error(&err);
		return CLI_EXIT_ERROR;
	}
	printf("%s: signed, signature in %s\n", argv[optind], sig);
	return CLI_EXIT_OK;
}

static int
policy_verify_cmd(int argc, char **argv)
{
	static const struct option opts[] = { { "pubkey", required_argument, NULL, 'p' },
		                              { "signature", required_argument, NULL, 's' },
		                              { NULL, 0, NULL, 0 } };
	struct phiguard_error err = { 0 };
	const char *keys[16];
	size_t n_keys = 0;
	const char *sig = NULL;
	char sig_buf[4096];
	int c, r;

	while ((c = getopt_long(argc, argv, "p:s:", opts, NULL)) != -1) {
		if (c == 'p' && n_keys < ARRAY_SIZE(keys))
			keys[n_keys++] = optarg;
		else if (c == 's')
			sig = optarg;
		else
			return CLI_EXIT_ERROR;
	}
	if (n_keys == 0 || optind + 1 != argc) {
		fprintf(stderr,
		        "usage: phiguard policy verify --pubkey PUBLIC.pem [--signature SIG] FILE\n");
		return CLI_EXIT_ERROR;
	}
	if (sig == NULL) {
		snprintf(sig_buf, sizeof(sig_buf), "%s.sig", argv[optind]);
		sig = sig_buf;
	}
	r = policy_verify_file(argv[optind], sig, keys, n_keys, &err);
	if (r < 0) {
		print_error(&err);
		return r == -EBADMSG ? CLI_EXIT_FOUND : CLI_EXIT_ERROR;
	}
	printf("%s: signature OK\n", argv[optind]);
	return CLI_EXIT_OK;
}

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: phiguard policy <command> ...\n\n"
	        "  check [--verbose] FILE...          validate and compile (file:line:column errors)\n"
	        "  test FILE                          run the policy's embedded test cases\n"
	        "  show FILE                          print the effective policy, defaults filled in\n"
	        "  keygen PRIVATE.pem [PUBLIC.pem]    make an Ed25519 signing key pair\n"
	        "  sign --key PRIVATE.pem FILE        write FILE.sig (detached Ed25519)\n"
	        "  verify --pubkey PUBLIC.pem FILE    check FILE against FILE.sig\n"
	        "\nFILE may be 'default' for the built-in default policy. See phiguard-policy(5).\n");
}

int
cmd_policy(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "check", policy_check },   { "test", policy_test },
		{ "show", policy_show_cmd }, { "keygen", policy_keygen_cmd },
		{ "sign", policy_sign_cmd }, { "verify", policy_verify_cmd },
	};

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			optind = 1;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "phiguard policy: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_ERROR;
}
