/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives agent/daemon/policy_source the way the daemon does, one step per
 * run (each run is a fresh start: last good and source state come from disk),
 * and prints one line of JSON for the test to check.
 *
 *   policy-pull --state DIR --url URL --key-file PEM [--ca F] [--cert F] [--key F]
 *               [--directory DIR] [--last-good] [--commit]
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/policy_source.h"

/* For a JSON string: drops quotes and backslashes (ETags are quoted strings). */
static const char *
plain(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < len; s++)
		if (*s != '"' && *s != '\\')
			buf[n++] = *s;
	buf[n] = '\0';
	return buf;
}

static void
print_result(const char *what, const struct policy_candidate *c,
             const struct policy_source_report *r)
{
	char etag[256], detail[256];

	printf("{\"result\":\"%s\",\"origin\":\"%s\",\"sha256\":\"%s\",\"signed\":%s,\"refusal\":\"%s\","
	       "\"etag\":\"%s\",\"detail\":\"%s\"}\n",
	       what, policy_origin_name(c->text ? c->origin : r->origin),
	       c->text ? c->sha256 : r->sha256, c->is_signed ? "true" : "false",
	       policy_refusal_name(r->refusal), plain(c->etag, etag, sizeof(etag)),
	       plain(r->detail, detail, sizeof(detail)));
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "ca", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'K' },
		{ "directory", required_argument, NULL, 'd' },
		{ "last-good", no_argument, NULL, 'l' },
		{ "commit", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_source_config cfg = { .pull_interval = 300 };
	struct policy_candidate c = { 0 };
	struct policy_source_report rep = { 0 };
	struct policy_source *ps = NULL;
	bool last_good = false, commit = false;
	struct timespec ts;
	char err[256] = "";
	int opt, r;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			cfg.state_directory = optarg;
			break;
		case 'u':
			cfg.url = optarg;
			break;
		case 'k':
			cfg.trusted_keys[cfg.n_trusted_keys++] = optarg;
			break;
		case 'a':
			cfg.tls_ca = optarg;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'K':
			cfg.tls_key = optarg;
			break;
		case 'd':
			cfg.directory = optarg;
			break;
		case 'l':
			last_good = true;
			break;
		case 'C':
			commit = true;
			break;
		default:
			return 2;
		}
	}
	r = policy_source_new(&cfg, &ps, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "policy-pull: %s\n", err);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (last_good)
		r = policy_source_last_good(ps, &c, &rep);
	else
		r = policy_source_poll(ps, (uint64_t)ts.tv_sec * 1000u + 1, &c, &rep);
	if (r < 0)
		print_result("error", &c, &rep);
	else if (r == POLICY_POLL_CANDIDATE)
		print_result("candidate", &c, &rep);
	else if (r == POLICY_POLL_REFUSED)
		print_result("refused", &c, &rep);
	else
		print_result("nothing", &c, &rep);
	if (r == POLICY_POLL_CANDIDATE && commit && !last_good && policy_source_commit(ps, &c) < 0)
		r = -1;
	policy_candidate_clear(&c);
	policy_source_free(ps);
	return r < 0 ? 1 : 0;
}
