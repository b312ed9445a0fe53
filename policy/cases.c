/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "policy/internal.h"

size_t
policy_case_count(const struct policy *policy)
{
	return policy->n_cases;
}

struct tally {
	uint32_t *count;
	enum phiguard_confidence *level;
	size_t n;
};

static int
on_finding(const struct phiguard_finding *finding, void *ctx)
{
	struct tally *t = ctx;

	if (finding->detector_index < t->n) {
		t->count[finding->detector_index]++;
		if (finding->confidence > t->level[finding->detector_index])
			t->level[finding->detector_index] = finding->confidence;
	}
	return 0;
}

/* 0 scanned (or nothing to scan); 1 skipped, reason in @res. */
static int
scan_payload(const struct policy *policy, const struct policy_case *t, struct tally *tally,
             struct policy_case_result *res)
{
	struct phiguard_scratch *scratch = NULL;
	int r;

	if (t->payload == NULL)
		return 0;
	if (policy->matcher == NULL) {
		if (t->n_findings > 0)
			return 0; /* the stated findings stand in for the scan */
		snprintf(res->message, sizeof(res->message),
		         "skipped: the policy was loaded without its detectors");
		return 1;
	}
	if (phiguard_scratch_new(policy->matcher, &scratch) < 0) {
		snprintf(res->message, sizeof(res->message), "cannot allocate scratch space");
		return 1;
	}
	r = phiguard_scan_block(policy->matcher, scratch, t->payload, t->payload_len, on_finding,
	                        tally);
	phiguard_scratch_free(scratch);
	if (r < 0) {
		snprintf(res->message, sizeof(res->message), "scan failed (%d)", r);
		return 1;
	}
	return 0;
}

static const char *
detector_name(const struct policy *policy, size_t index)
{
	if (policy->matcher != NULL)
		return phiguard_matcher_detector_name(policy->matcher, index);
	return index < policy->detector_names.n ? policy->detector_names.v[index] : "?";
}

static void
describe_findings(const struct policy *policy, const struct tally *tally, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t d = 0; d < tally->n && used < size; d++) {
		const char *name;
		int n;

		if (tally->count[d] == 0)
			continue;
		name = detector_name(policy, d);
		n = snprintf(out + used, size - used, "%s%s x%u %s", used ? ", " : "", name,
		             tally->count[d], phiguard_confidence_name(tally->level[d]));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(out, size, "none");
}

static bool
default_cleartext(const struct policy_case *t)
{
	if (t->cleartext != TRI_ANY)
		return t->cleartext == TRI_YES;
	if (t->protocol != NULL)
		return strcmp(t->protocol, "tls") != 0 && strcmp(t->protocol, "quic") != 0;
	return t->payload != NULL || t->n_findings > 0;
}

/* Compare what happened with what the case expects; the message never carries content. */
static void
judge(const struct policy_case *t, enum phiguard_verdict verdict, const char *rule_name,
      const char *app_name, const char *found, struct policy_case_result *res)
{
	const char *rule = rule_name ? rule_name : "";
	const char *app = app_name ? app_name : "";
	char by[128];
	bool ok = verdict == t->expect;

	if (t->expect_rule != NULL && strcmp(t->expect_rule, rule) != 0)
		ok = false;
	if (t->expect_app != NULL && strcmp(t->expect_app, app) != 0)
		ok = false;
	res->passed = ok;
	if (rule[0] != '\0')
		snprintf(by, sizeof(by), "%s by rule '%s'", phiguard_verdict_name(verdict), rule);
	else
		snprintf(by, sizeof(by), "%s by the default action",
		         phiguard_verdict_name(verdict));
	snprintf(res->message, sizeof(res->message), "%s%s%s (app %s%s%s, findings: %s)",
	         ok ? "" : "expected ", ok ? "" : phiguard_verdict_name(t->expect), ok ? by : "",
	         app[0] ? "'" : "", app[0] ? app : "none", app[0] ? "'" : "", found);
	if (!ok)
		snprintf(res->message + strlen(res->message),
		         sizeof(res->message) - strlen(res->message), "; got %s", by);
	if (!ok && t->expect_rule != NULL && strcmp(t->expect_rule, rule) != 0)
		snprintf(res->message + strlen(res->message),
		         sizeof(res->message) - strlen(res->message), "; expected rule '%s'",
		         t->expect_rule[0] ? t->expect_rule : "none");
	if (!ok && t->expect_app != NULL && strcmp(t->expect_app, app) != 0)
		snprintf(res->message + strlen(res->message),
		         sizeof(res->message) - strlen(res->message), "; expected app '%s'",
		         t->expect_app[0] ? t->expect_app : "none");
}

/* A capture path relative to the policy file's folder, as people write it. */
static void
capture_path(const struct policy *policy, const char *pcap, char *out, size_t size)
{
	const char *slash = policy->filename ? strrchr(policy->filename, '/') : NULL;

	if (pcap[0] == '/' || slash == NULL)
		snprintf(out, size, "%s", pcap);
	else
		snprintf(out, size, "%.*s/%s", (int)(slash - policy->filename), policy->filename,
		         pcap);
}

static void
run_capture_case(const struct policy *policy, const struct policy_case *t,
                 policy_capture_fn *capture, void *capture_ctx, struct policy_case_result *res)
{
	struct policy_capture_outcome out = { 0 };
	char path[4096];

	if (capture == NULL) {
		res->skipped = true;
		snprintf(res->message, sizeof(res->message),
		         "skipped: capture cases need the packet pipeline");
		return;
	}
	capture_path(policy, t->pcap, path, sizeof(path));
	capture(policy, path, t->domain, t->family, t->addr, &out, capture_ctx);
	if (out.error[0] != '\0') {
		snprintf(res->message, sizeof(res->message), "capture '%s': %s", t->pcap,
		         out.error);
		return;
	}
	if (!out.found) {
		snprintf(res->message, sizeof(res->message),
		         "capture '%s' has no flow to the case's destination", t->pcap);
		return;
	}
	judge(t, out.verdict, out.rule, out.app, "from the capture", res);
}

static void
run_case(const struct policy *policy, const struct policy_case *t, policy_capture_fn *capture,
         void *capture_ctx, struct policy_case_result *res)
{
	struct policy_flow_facts f = { 0 };
	struct policy_decision d;
	struct tally tally = { 0 };
	char found[256];

	memset(res, 0, sizeof(*res));
	res->name = t->name;
	res->line = t->line;
	res->column = t->column;
	if (t->pcap != NULL) {
		run_capture_case(policy, t, capture, capture_ctx, res);
		return;
	}
	tally.n = policy->matcher ? phiguard_matcher_detector_count(policy->matcher)
	                          : policy->detector_names.n;
	tally.count = xcalloc(tally.n + 1, sizeof(*tally.count));
	tally.level = xcalloc(tally.n + 1, sizeof(*tally.level));
	if (scan_payload(policy, t, &tally, res) != 0) {
		res->skipped = true;
		goto out;
	}
	for (size_t i = 0; i < t->n_findings; i++) {
		int di = t->finding_detectors ? t->finding_detectors[i] : -1;

		if (di < 0 || (size_t)di >= tally.n)
			continue;
		tally.count[di] += t->finding_counts[i];
		if (t->finding_levels[i] > tally.level[di])
			tally.level[di] = t->finding_levels[i];
	}

	f.dest.domain = t->domain;
	f.dest.family = t->family;
	memcpy(f.dest.addr, t->addr, sizeof(f.dest.addr));
	f.dest.port = t->port;
	f.dest.ip_proto = t->ip_proto;
	f.dest.fingerprint = t->fingerprint;
	policy_classify(policy, &f.dest, &f.app);
	f.protocol = t->protocol;
	f.cleartext = default_cleartext(t);
	f.outbound = !t->inbound;
	f.bytes_out = t->has_bytes_out ? t->bytes_out : t->payload_len;
	f.has_uid = t->has_uid;
	f.uid = t->uid;
	f.gid = t->gid;
	f.user_name = t->user_name;
	f.group_name = t->group_name;
	f.executable = t->executable;
	f.n_detectors = tally.n;
	f.finding_count = tally.count;
	f.finding_level = tally.level;
	policy_decide(policy, &f, &d);

	describe_findings(policy, &tally, found, sizeof(found));
	judge(t, d.verdict, d.rule_name, f.app.app, found, res);
out:
	free(tally.count);
	free(tally.level);
}

unsigned
policy_run_cases_with(const struct policy *policy, policy_case_fn *cb, void *ctx,
                      policy_capture_fn *capture, void *capture_ctx, unsigned *ret_skipped)
{
	unsigned failed = 0, skipped = 0;

	for (size_t i = 0; i < policy->n_cases; i++) {
		struct policy_case_result res;

		run_case(policy, &policy->cases[i], capture, capture_ctx, &res);
		if (res.skipped)
			skipped++;
		else if (!res.passed)
			failed++;
		if (cb)
			cb(&res, ctx);
	}
	if (ret_skipped)
		*ret_skipped = skipped;
	return failed;
}

unsigned
policy_run_cases(const struct policy *policy, policy_case_fn *cb, void *ctx, unsigned *ret_skipped)
{
	return policy_run_cases_with(policy, cb, ctx, NULL, NULL, ret_skipped);
}
