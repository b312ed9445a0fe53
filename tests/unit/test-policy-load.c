/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loader limits and errors that a file on disk cannot easily show. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"
#include "tap.h"

static int
load(const char *text, size_t len, struct phiguard_error *err)
{
	struct policy *p = NULL;
	static const struct policy_load_options fast = { .skip_matcher = true };
	int r = policy_load_buffer_with(text, len, "t.yaml", &fast, &p, err);

	policy_unref(p);
	return r;
}

static int
on_finding(const struct phiguard_finding *finding, void *ctx)
{
	char *token = ctx;

	if (strcmp(finding->detector, "nhs_number") == 0)
		memcpy(token, finding->token, PHIGUARD_TOKEN_MAX);
	return 0;
}

static void
test_default(void)
{
	static const uint8_t key[32] = { 1, 2, 3 };
	static const char text[] = "NHS number 401 023 2137";
	struct policy_load_options options = { .token_key = key, .token_key_len = sizeof(key) };
	struct phiguard_scratch *scratch = NULL;
	char token[PHIGUARD_TOKEN_MAX] = "";
	struct phiguard_error err;
	struct policy *p = NULL;

	tap_ok(policy_load_buffer_with(policy_embedded_default, policy_embedded_default_len,
	                               "default.yaml", &options, &p, &err) == 0,
	       "embedded default loads with a token key");
	if (p == NULL)
		return;
	tap_eq_str(policy_version(p), "default-1", "default version");
	tap_eq_int(strlen(policy_hash(p)), 64, "sha256 hex");
	tap_eq_int(policy_evidence(p), POLICY_EVIDENCE_REDACTED, "evidence redacted by default");
	tap_ok(!policy_wants_process(p), "default needs no process attribution");
	tap_ok(policy_matcher(p) != NULL, "the default policy has a matcher");
	tap_ok(phiguard_scratch_new(policy_matcher(p), &scratch) == 0, "scratch");
	phiguard_scan_block(policy_matcher(p), scratch, text, strlen(text), on_finding, token);
	phiguard_scratch_free(scratch);
	tap_eq_int(strlen(token), PHIGUARD_TOKEN_MAX - 1, "the agent's key reaches the matcher");
	policy_unref(p);
}

static void
test_errors(void)
{
	static const char nul[] = "version: \"1\"\nrules: []\0\n";
	static const char minimal[] = "version: 1\nrules: [{name: a, action: allow}]\n";
	static const char full[] =
	        "version: 1\n"
	        "settings: {evidence: full, acknowledge_raw_phi_leaves_host: true}\n"
	        "rules: [{name: a, action: allow}]\n";
	struct phiguard_error err;
	char *deep;
	size_t n = 0;

	tap_eq_int(load(nul, sizeof(nul) - 1, &err), -EINVAL, "NUL byte refused");
	tap_eq_int(err.line, 2, "NUL byte line");
	tap_eq_int(err.column, 10, "NUL byte column");

	/* Block nesting (indentation), not brackets: refused by the tree walk. */
	deep = malloc(8192);
	n += (size_t)sprintf(deep, "version: x\nrules: []\nsettings:\n");
	for (int i = 1; i < 40; i++)
		n += (size_t)sprintf(deep + n, "%*sk%d:\n", 2 * i, "", i);
	n += (size_t)sprintf(deep + n, "%*sleaf: 1\n", 80, "");
	tap_eq_int(load(deep, n, &err), -EINVAL, "deep block nesting refused");
	tap_ok(strstr(err.msg, "nested too deeply") != NULL, "says why: %s", err.msg);
	free(deep);

	tap_eq_int(load("", 0, &err), -EINVAL, "empty refused");
	tap_eq_int(load(minimal, strlen(minimal), &err), 0, "minimal policy loads");
	tap_eq_int(load(full, strlen(full), &err), 0,
	           "evidence full with the acknowledgement loads");
}

static void
test_limits(void)
{
	struct phiguard_error err;
	size_t cap = 4 * 1024 * 1024, n = 0;
	char *text = malloc(cap);

	/* Many small nodes: refused before any model is built. */
	n += (size_t)sprintf(text, "version: x\nrules: [{name: a, action: allow}]\nx: [");
	while (n < POLICY_MAX_FILE_BYTES - 16)
		n += (size_t)sprintf(text + n, "1,");
	n += (size_t)sprintf(text + n, "1]\n");
	tap_eq_int(load(text, n, &err), -EINVAL, "node count limit");
	tap_ok(strstr(err.msg, "YAML nodes") != NULL, "says why: %s", err.msg);
	free(text);
}

int
main(void)
{
	test_default();
	test_errors();
	test_limits();
	return tap_done();
}
