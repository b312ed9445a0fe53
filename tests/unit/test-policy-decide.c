/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule semantics: first match, pending rules, final verdicts, wants_content. */
#include <string.h>

#include "policy/internal.h"
#include "tap.h"

/* Classification and rules need no Hyperscan database: skip its compile. */
static const struct policy_load_options fast = { .skip_matcher = true };

static const char rules_policy[] =
        "version: t\n"
        "settings: {default_action: allow}\n"
        "rules:\n"
        "  - name: allow-teams\n"
        "    when: {app: teams}\n"
        "    action: allow\n"
        "  - name: block-phi\n"
        "    when:\n"
        "      category: consumer-messaging\n"
        "      findings: {detector: [nhs_number], min_count: 2, min_confidence: high}\n"
        "    action: block\n"
        "  - name: flag-big\n"
        "    when: {category: consumer-messaging, min_bytes_out: 1000}\n"
        "    action: flag\n"
        "    severity: 6\n"
        "  - name: flag-messaging\n"
        "    when: {category: consumer-messaging}\n"
        "    action: flag\n";

struct fixture {
	struct policy *p;
	uint32_t count[64];
	enum phiguard_confidence level[64];
	struct policy_flow_facts f;
};

static void
facts_for(struct fixture *x, const char *domain, bool cleartext)
{
	memset(&x->f, 0, sizeof(x->f));
	memset(x->count, 0, sizeof(x->count));
	memset(x->level, 0, sizeof(x->level));
	x->f.dest.domain = domain;
	x->f.cleartext = cleartext;
	x->f.outbound = true;
	policy_classify(x->p, &x->f.dest, &x->f.app);
	x->f.n_detectors = 64;
	x->f.finding_count = x->count;
	x->f.finding_level = x->level;
}

int
main(void)
{
	struct phiguard_error err;
	struct fixture x = { 0 };
	struct policy_decision d;
	int nhs, r;

	r = policy_load_buffer_with(rules_policy, strlen(rules_policy), "t.yaml", &fast, &x.p,
	                            &err);
	if (!tap_ok(r == 0, "policy loads")) {
		tap_diag("%s:%u:%u: %s", err.file, err.line, err.column, err.msg);
		return tap_done();
	}
	nhs = policy_detector_lookup(x.p, "nhs_number");
	tap_ok(nhs >= 0 && nhs < 64, "nhs_number has an index");

	facts_for(&x, "teams.microsoft.com", true);
	policy_decide(x.p, &x.f, &d);
	tap_eq_int(d.verdict, PHIGUARD_VERDICT_ALLOW, "teams allowed");
	tap_eq_str(d.rule_name, "allow-teams", "by the first rule");
	tap_ok(d.final, "nothing pending before it: final");
	tap_ok(!policy_wants_content(x.p, &x.f), "no content needed for teams");

	facts_for(&x, "web.whatsapp.com", true);
	policy_decide(x.p, &x.f, &d);
	tap_eq_str(d.rule_name, "flag-messaging", "whatsapp flagged by the catch-all");
	tap_eq_int(d.severity, 5, "default flag severity");
	tap_ok(!d.final, "PHI and size rules pending: not final");
	tap_ok(policy_wants_content(x.p, &x.f), "cleartext whatsapp: scan it");

	x.count[nhs] = 1;
	x.level[nhs] = PHIGUARD_CONFIDENCE_HIGH;
	policy_decide(x.p, &x.f, &d);
	tap_eq_str(d.rule_name, "flag-messaging", "one finding is below min_count");
	x.count[nhs] = 2;
	x.level[nhs] = PHIGUARD_CONFIDENCE_MEDIUM;
	policy_decide(x.p, &x.f, &d);
	tap_eq_str(d.rule_name, "flag-messaging", "medium is below min_confidence");
	x.level[nhs] = PHIGUARD_CONFIDENCE_HIGH;
	policy_decide(x.p, &x.f, &d);
	tap_eq_int(d.verdict, PHIGUARD_VERDICT_BLOCK, "two high findings block");
	tap_eq_int(d.severity, 8, "default block severity");
	tap_ok(d.final, "block is final");
	tap_ok(!policy_wants_content(x.p, &x.f), "nothing more to scan once blocked");

	facts_for(&x, "web.whatsapp.com", false);
	policy_decide(x.p, &x.f, &d);
	tap_ok(!d.final, "encrypted: size rule still pending");
	tap_ok(!policy_wants_content(x.p, &x.f), "encrypted content is never wanted");
	x.f.bytes_out = 1000;
	policy_decide(x.p, &x.f, &d);
	tap_eq_str(d.rule_name, "flag-big", "size reached");
	tap_eq_int(d.severity, 6, "stated severity");
	tap_ok(d.final, "encrypted and past the size: final");

	facts_for(&x, "www.example.org", true);
	policy_decide(x.p, &x.f, &d);
	tap_eq_int(d.verdict, PHIGUARD_VERDICT_ALLOW, "default action");
	tap_ok(d.rule_name == NULL, "no rule name for the default");
	tap_ok(d.final, "no rule could match later");

	policy_decide(NULL, NULL, &d);
	tap_eq_int(d.verdict, PHIGUARD_VERDICT_ALLOW, "no policy: allow (fail open)");

	tap_ok(policy_ref(x.p) == x.p, "ref");
	tap_ok(policy_unref(x.p) == NULL, "unref returns NULL");
	policy_unref(x.p);
	return tap_done();
}
