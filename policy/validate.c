/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The top level of a policy file and its settings. Sections are read in the
 * order their references need: settings, catalogue, detectors, rules, tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "policy/parse.h"

static int
parse_settings(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node)
{
	static const char *const keys[] = { "evidence", "acknowledge_raw_phi_leaves_host",
		                            "default_action", "builtin_apps", NULL };
	static const char *const evidence[] = { "none", "redacted", "token", "full", NULL };
	static const char *const actions[] = { "allow", "flag", "block", NULL };
	bool ack = false;
	yaml_node_t *n, *ev = NULL;
	int v, r;

	r = node_check_map(c, node, "settings", keys);
	if (r < 0)
		return r;
	if ((ev = node_map_get(c, node, "evidence"))) {
		r = node_enum(c, ev, "evidence", evidence, &v);
		if (r < 0)
			return r;
		policy->evidence = (enum policy_evidence)v;
	}
	if ((n = node_map_get(c, node, "acknowledge_raw_phi_leaves_host")) &&
	    (r = node_bool(c, n, "acknowledge_raw_phi_leaves_host", &ack)) < 0)
		return r;
	/*
	 * Raw patient data in events leaves the host and lands in the SIEM: that
	 * must be a decision written down twice, never a typo away.
	 */
	if (policy->evidence == POLICY_EVIDENCE_FULL && !ack)
		return node_error(
		        c, ev,
		        "evidence: full sends raw patient data to the collector; add 'acknowledge_raw_phi_leaves_host: true' to settings if that is intended");
	if ((n = node_map_get(c, node, "default_action"))) {
		r = node_enum(c, n, "default_action", actions, &v);
		if (r < 0)
			return r;
		policy->default_action = (enum phiguard_verdict)v;
	}
	if ((n = node_map_get(c, node, "builtin_apps")) &&
	    (r = node_bool(c, n, "builtin_apps", &policy->builtin_apps)) < 0)
		return r;
	return 0;
}

static int
parse_version(const struct node_ctx *c, struct policy *policy, const yaml_node_t *root)
{
	yaml_node_t *n = node_map_get(c, root, "version");
	int r;

	if (n == NULL)
		return node_error(
		        c, root,
		        "the policy needs a version (events carry it as phiguard.policy_version), e.g. version: \"2026-11-29.1\"");
	r = node_string(c, n, "version", POLICY_MAX_NAME, &policy->version);
	if (r < 0)
		return r;
	if (policy->version[0] == '\0')
		return node_error(c, n, "version must not be empty");
	return 0;
}

int
policy_parse_document(struct policy *policy, yaml_document_t *doc, const char *filename,
                      struct phiguard_error *err)
{
	static const char *const keys[] = { "version",    "description", "settings",
		                            "categories", "apps",        "detectors",
		                            "rules",      "tests",       NULL };
	struct node_ctx c = { doc, filename, err };
	yaml_node_t *root = yaml_document_get_root_node(doc), *n;
	int r;

	if (root == NULL)
		return node_error(&c, NULL, "the policy is empty");
	r = node_check_map(&c, root, "the policy", keys);
	if (r < 0)
		return r;
	r = parse_version(&c, policy, root);
	if (r < 0)
		return r;
	if ((n = node_map_get(&c, root, "description")) &&
	    (r = node_string(&c, n, "description", POLICY_MAX_STRING, &policy->description)) < 0)
		return r;
	if ((n = node_map_get(&c, root, "settings")) && (r = parse_settings(&c, policy, n)) < 0)
		return r;
	if (policy->builtin_apps) {
		r = policy_builtin_catalogue(policy, err);
		if (r < 0)
			return r;
	}
	r = policy_parse_catalogue(policy, doc, filename, false, err);
	if (r < 0)
		return r;
	r = policy_parse_detectors(&c, policy, node_map_get(&c, root, "detectors"));
	if (r < 0)
		return r;
	n = node_map_get(&c, root, "rules");
	if (n == NULL)
		return node_error(&c, root, "the policy has no rules: add a 'rules:' list");
	r = policy_parse_rules(&c, policy, n);
	if (r < 0)
		return r;
	if ((n = node_map_get(&c, root, "tests")) && (r = policy_parse_cases(&c, policy, n)) < 0)
		return r;
	return 0;
}
