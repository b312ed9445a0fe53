/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `rules:` section: a list of {name, when, action, severity}. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "base/xalloc.h"
#include "policy/parse.h"

static const char *const actions[] = { "allow", "flag", "block", NULL };

void
policy_rule_clear(struct rule *rule)
{
	free(rule->name);
	free(rule->description);
	free(rule->apps);
	free(rule->categories);
	strv_free(&rule->domains);
	free(rule->cidrs);
	free(rule->ports);
	strv_free(&rule->protocols);
	for (size_t i = 0; i < rule->n_findings; i++) {
		strv_free(&rule->findings[i].names);
		free(rule->findings[i].detectors);
	}
	free(rule->findings);
	free(rule->users.ids);
	strv_free(&rule->users.names);
	free(rule->groups.ids);
	strv_free(&rule->groups.names);
	strv_free(&rule->executables);
	memset(rule, 0, sizeof(*rule));
}

int
policy_check_known(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                   const char *name, const char *const *names, size_t n, size_t *ret_index)
{
	const char *near;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0) {
			if (ret_index)
				*ret_index = i;
			return 0;
		}
	}
	near = suggest_nearest(name, names, n);
	if (near != NULL)
		return node_error(c, node, "unknown %s '%s' (did you mean '%s'?)", what, name,
		                  near);
	return node_error(c, node, "unknown %s '%s'", what, name);
}

struct ref_ctx {
	struct policy *policy;
	struct rule *rule;
};

static int
add_app_ref(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct ref_ctx *x = ctx;
	const char *name = node_scalar(item);
	const char **names;
	size_t idx;
	int r;

	if (strcmp(name, "none") == 0) {
		x->rule->unknown_app = true;
		return 0;
	}
	names = xcalloc(x->policy->n_apps + 1, sizeof(*names));
	for (size_t i = 0; i < x->policy->n_apps; i++)
		names[i] = x->policy->apps[i].name;
	r = policy_check_known(c, item, "app", name, names, x->policy->n_apps, &idx);
	free(names);
	if (r < 0)
		return r;
	x->rule->apps = xrealloc(x->rule->apps, x->rule->n_apps + 1, sizeof(size_t));
	x->rule->apps[x->rule->n_apps++] = idx;
	return 0;
}

static int
add_category_ref(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct ref_ctx *x = ctx;
	const char *names[POLICY_MAX_CATEGORIES];
	size_t idx;
	int r;

	for (size_t i = 0; i < x->policy->n_categories; i++)
		names[i] = x->policy->categories[i].name;
	r = policy_check_known(c, item, "category", node_scalar(item), names,
	                       x->policy->n_categories, &idx);
	if (r < 0)
		return r;
	x->rule->categories =
	        xrealloc(x->rule->categories, x->rule->n_categories + 1, sizeof(size_t));
	x->rule->categories[x->rule->n_categories++] = idx;
	return 0;
}

static int
add_protocol(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	static const char *const protocols[] = { "tls", "quic", "http", "dns", "smtp", NULL };
	int idx;
	int r;

	r = node_enum(c, item, "protocol", protocols, &idx);
	if (r == 0)
		strv_push(ctx, protocols[idx]);
	return r;
}

static int
add_id(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct id_list *l = ctx;
	const char *s = node_scalar(item);
	char *end;
	unsigned long v;

	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end != '\0' || v > UINT32_MAX)
			return node_error(c, item, "'%.40s' is not a user or group id", s);
		l->ids = xrealloc(l->ids, l->n_ids + 1, sizeof(*l->ids));
		l->ids[l->n_ids++] = (uint32_t)v;
		return 0;
	}
	if (s[0] == '\0' || strlen(s) > POLICY_MAX_NAME)
		return node_error(c, item, "'%.40s' is not a user or group name", s);
	strv_push(&l->names, s);
	return 0;
}

static int
add_executable(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	const char *s = node_scalar(item);

	if (s[0] != '/' || strlen(s) > 4096)
		return node_error(
		        c, item,
		        "executable '%.60s' must be an absolute path or a glob such as /opt/*/bin/*",
		        s);
	strv_push(ctx, s);
	return 0;
}

static int
add_detector_name(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct ref_ctx *x = ctx;
	struct finding_cond *f = &x->rule->findings[x->rule->n_findings - 1];
	const char *name = node_scalar(item);
	int r;

	if (strcmp(name, "any") == 0)
		return 0;
	if (strv_contains(&x->policy->disabled_detectors, name))
		return node_error(c, item,
		                  "detector '%s' is disabled in this policy (detectors: disable)",
		                  name);
	r = policy_check_known(c, item, "detector", name,
	                       (const char *const *)x->policy->detector_names.v,
	                       x->policy->detector_names.n, NULL);
	if (r < 0)
		return r;
	strv_push(&f->names, name);
	return 0;
}

static int
parse_finding(const struct node_ctx *c, struct ref_ctx *x, const yaml_node_t *node)
{
	static const char *const keys[] = { "detector", "min_count", "min_confidence", NULL };
	static const char *const levels[] = { "low", "medium", "high", NULL };
	static const enum phiguard_confidence level_values[] = { PHIGUARD_CONFIDENCE_LOW,
		                                                 PHIGUARD_CONFIDENCE_MEDIUM,
		                                                 PHIGUARD_CONFIDENCE_HIGH };
	struct rule *rule = x->rule;
	struct finding_cond *f;
	yaml_node_t *n;
	uint64_t v;
	int level, r;

	r = node_check_map(c, node, "findings", keys);
	if (r < 0)
		return r;
	if (rule->n_findings >= 16)
		return node_error(c, node, "too many findings conditions in one rule (at most 16)");
	rule->findings = xrealloc(rule->findings, rule->n_findings + 1, sizeof(*rule->findings));
	f = &rule->findings[rule->n_findings++];
	memset(f, 0, sizeof(*f));
	f->line = (unsigned)node->start_mark.line + 1;
	f->column = (unsigned)node->start_mark.column + 1;
	f->min_count = 1;
	f->min_confidence = PHIGUARD_CONFIDENCE_MEDIUM;
	n = node_map_get(c, node, "detector");
	if (n == NULL)
		return node_error(c, node,
		                  "findings need a detector (a name, a list of names, or 'any')");
	r = node_each(c, n, "detector", add_detector_name, x);
	if (r < 0)
		return r;
	if ((n = node_map_get(c, node, "min_count"))) {
		r = node_uint(c, n, "min_count", 1, 1000000, &v);
		if (r < 0)
			return r;
		f->min_count = (uint32_t)v;
	}
	if ((n = node_map_get(c, node, "min_confidence"))) {
		r = node_enum(c, n, "min_confidence", levels, &level);
		if (r < 0)
			return r;
		f->min_confidence = level_values[level];
	}
	return 0;
}

static int
parse_findings(const struct node_ctx *c, struct ref_ctx *x, const yaml_node_t *node)
{
	int r;

	if (node->type == YAML_MAPPING_NODE)
		return parse_finding(c, x, node);
	r = node_expect(c, node, YAML_SEQUENCE_NODE, "findings");
	if (r < 0)
		return r;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		r = parse_finding(c, x, node_get(c, *it));
		if (r < 0)
			return r;
	}
	return 0;
}

static int
parse_tri(const struct node_ctx *c, const yaml_node_t *node, const char *what, enum tri *ret)
{
	bool b;
	int r = node_bool(c, node, what, &b);

	if (r == 0)
		*ret = b ? TRI_YES : TRI_NO;
	return r;
}

static int
parse_when(const struct node_ctx *c, struct ref_ctx *x, const yaml_node_t *when)
{
	static const char *const keys[] = { "app",   "category",  "destination",   "domains",
		                            "cidrs", "ports",     "protocol",      "cleartext",
		                            "media", "direction", "min_bytes_out", "findings",
		                            "user",  "group",     "executable",    NULL };
	static const char *const scopes[] = { "any", "external", "internal", NULL };
	static const char *const directions[] = { "any", "outbound", "inbound", NULL };
	struct rule *rule = x->rule;
	yaml_node_t *n;
	int v, r;

	r = node_check_map(c, when, "when", keys);
	if (r < 0)
		return r;
	if ((n = node_map_get(c, when, "app")) && (r = node_each(c, n, "app", add_app_ref, x)) < 0)
		return r;
	if ((n = node_map_get(c, when, "category")) &&
	    (r = node_each(c, n, "category", add_category_ref, x)) < 0)
		return r;
	if ((n = node_map_get(c, when, "destination"))) {
		r = node_enum(c, n, "destination", scopes, &v);
		if (r < 0)
			return r;
		rule->dest = (enum dest_scope)v;
	}
	if ((n = node_map_get(c, when, "domains")) &&
	    (r = policy_parse_domains(c, n, "domains", &rule->domains)) < 0)
		return r;
	if ((n = node_map_get(c, when, "cidrs")) &&
	    (r = policy_parse_cidrs(c, n, "cidrs", &rule->cidrs, &rule->n_cidrs)) < 0)
		return r;
	if ((n = node_map_get(c, when, "ports")) &&
	    (r = policy_parse_ports(c, n, "ports", &rule->ports, &rule->n_ports)) < 0)
		return r;
	if ((n = node_map_get(c, when, "protocol")) &&
	    (r = node_each(c, n, "protocol", add_protocol, &rule->protocols)) < 0)
		return r;
	if ((n = node_map_get(c, when, "cleartext")) &&
	    (r = parse_tri(c, n, "cleartext", &rule->cleartext)) < 0)
		return r;
	if ((n = node_map_get(c, when, "media")) &&
	    (r = parse_tri(c, n, "media", &rule->media)) < 0)
		return r;
	if ((n = node_map_get(c, when, "direction"))) {
		r = node_enum(c, n, "direction", directions, &v);
		if (r < 0)
			return r;
		rule->direction = (enum direction)v;
	}
	if ((n = node_map_get(c, when, "min_bytes_out")) &&
	    (r = node_size(c, n, "min_bytes_out", &rule->min_bytes_out)) < 0)
		return r;
	if ((n = node_map_get(c, when, "findings")) && (r = parse_findings(c, x, n)) < 0)
		return r;
	if ((n = node_map_get(c, when, "user")) &&
	    (r = node_each(c, n, "user", add_id, &rule->users)) < 0)
		return r;
	if ((n = node_map_get(c, when, "group")) &&
	    (r = node_each(c, n, "group", add_id, &rule->groups)) < 0)
		return r;
	if ((n = node_map_get(c, when, "executable")) &&
	    (r = node_each(c, n, "executable", add_executable, &rule->executables)) < 0)
		return r;
	return 0;
}

static int
parse_rule(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node,
           struct rule *rule)
{
	static const char *const keys[] = { "name",   "description", "when",
		                            "action", "severity",    NULL };
	static const uint8_t default_severity[] = { 0, 5, 8 };
	struct ref_ctx x = { policy, rule };
	yaml_node_t *n;
	uint64_t sev;
	int action, r;

	r = node_check_map(c, node, "rule", keys);
	if (r < 0)
		return r;
	rule->line = (unsigned)node->start_mark.line + 1;
	rule->column = (unsigned)node->start_mark.column + 1;
	n = node_map_get(c, node, "name");
	if (n == NULL)
		return node_error(c, node, "a rule needs a name (events carry it as rule.name)");
	r = node_name(c, n, "rule name", &rule->name);
	if (r < 0)
		return r;
	for (size_t i = 0; &policy->rules[i] != rule; i++)
		if (strcmp(policy->rules[i].name, rule->name) == 0)
			return node_error(c, n, "rule '%s' is defined twice (first at line %u)",
			                  rule->name, policy->rules[i].line);
	if ((n = node_map_get(c, node, "description")) &&
	    (r = node_string(c, n, "description", POLICY_MAX_STRING, &rule->description)) < 0)
		return r;
	if ((n = node_map_get(c, node, "when")) && (r = parse_when(c, &x, n)) < 0)
		return r;
	n = node_map_get(c, node, "action");
	if (n == NULL)
		return node_error(c, node, "rule '%s' needs an action: allow, flag or block",
		                  rule->name);
	r = node_enum(c, n, "action", actions, &action);
	if (r < 0)
		return r;
	rule->action = (enum phiguard_verdict)action;
	rule->severity = default_severity[action];
	if ((n = node_map_get(c, node, "severity"))) {
		r = node_uint(c, n, "severity", 0, 10, &sev);
		if (r < 0)
			return r;
		rule->severity = (uint8_t)sev;
	}
	if (rule->users.n_ids + rule->users.names.n + rule->groups.n_ids + rule->groups.names.n +
	            rule->executables.n >
	    0)
		policy->wants_process = true;
	return 0;
}

static bool
rule_has_conditions(const struct rule *r)
{
	return r->n_apps || r->unknown_app || r->n_categories || r->dest != DEST_ANY ||
	       r->domains.n || r->n_cidrs || r->n_ports || r->protocols.n ||
	       r->cleartext != TRI_ANY || r->media != TRI_ANY || r->direction != DIRECTION_ANY ||
	       r->min_bytes_out || r->n_findings || r->users.n_ids || r->users.names.n ||
	       r->groups.n_ids || r->groups.names.n || r->executables.n;
}

/*
 * First match wins, so a rule below one without conditions is dead: say so
 * rather than let someone believe it protects anything.
 */
static int
check_reachable(const struct node_ctx *c, const struct policy *policy, const yaml_node_t *node)
{
	for (size_t i = 0; i + 1 < policy->n_rules; i++) {
		if (!rule_has_conditions(&policy->rules[i]))
			return node_error(
			        c, node,
			        "rule '%s' is never reached: rule '%s' above it (line %u) has no conditions and matches every connection",
			        policy->rules[policy->n_rules - 1].name, policy->rules[i].name,
			        policy->rules[i].line);
	}
	return 0;
}

int
policy_parse_rules(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node)
{
	size_t n;
	int r;

	r = node_list(c, node, "rules", POLICY_MAX_RULES, &n);
	if (r < 0)
		return r;
	policy->rules = xcalloc(n, sizeof(*policy->rules));
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		struct rule *rule = &policy->rules[policy->n_rules];

		/* Counted before parsing, so a half-parsed rule is still freed. */
		policy->n_rules++;
		r = parse_rule(c, policy, node_get(c, *it), rule);
		if (r < 0)
			return r;
		r = check_reachable(c, policy, node_get(c, *it));
		if (r < 0)
			return r;
	}
	return 0;
}
