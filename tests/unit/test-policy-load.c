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
	int r = policy_load_buffer(text, len, "t.yaml", &p, err);

	policy_unref(p);
	return r;
}

static void
test_default(void)
{
	struct phiguard_error err;
	struct policy *p = NULL;

	tap_ok(policy_load_default(&p, &err) == 0, "embedded default loads");
	if (p == NULL)
		return;
	tap_eq_str(policy_version(p), "default-1", "default version");
	tap_eq_int(strlen(policy_hash(p)), 64, "sha256 hex");
	tap_eq_int(policy_evidence(p), POLICY_EVIDENCE_REDACTED, "evidence redacted by default");
	tap_ok(!policy_wants_process(p), "default needs no process attribution");
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
