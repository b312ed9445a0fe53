/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rule evaluation. First match in file order wins, as in a firewall: an
 * administrator reads the file top to bottom and the first rule whose
 * conditions all hold is the answer. No rule: settings.default_action.
 *
 * Some facts only grow while a flow lives (findings, bytes sent). A rule
 * that fails on those alone is "pending": a later packet may make it match.
 * A verdict is final only when no earlier rule is pending (or it is block:
 * a reset connection sends nothing more). Pending rules on findings are also
 * what tells the pipeline to keep scanning a flow (policy_wants_content).
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/internal.h"

enum eval {
	EVAL_FAIL = 0,
	EVAL_PENDING,
	EVAL_MATCH,
};

const struct rule *
policy_find_rule(const struct policy *policy, const char *name)
{
	for (size_t i = 0; i < policy->n_rules; i++)
		if (strcmp(policy->rules[i].name, name) == 0)
			return &policy->rules[i];
	return NULL;
}

static bool
id_in(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/*
 * Loopback, RFC 1918, CGNAT, link-local, unique-local: never "external".
 * Written pre-parsed because this runs for every decision.
 */
static const struct cidr internal_ranges[] = {
	{ AF_INET, { 127 }, 8 },      { AF_INET, { 10 }, 8 },
	{ AF_INET, { 172, 16 }, 12 }, { AF_INET, { 192, 168 }, 16 },
	{ AF_INET, { 100, 64 }, 10 }, { AF_INET, { 169, 254 }, 16 },
	{ AF_INET, { 0 }, 8 },        { AF_INET6, { [15] = 1 }, 128 },
	{ AF_INET6, { 0xfc }, 7 },    { AF_INET6, { 0xfe, 0x80 }, 10 },
};

static bool
addr_internal(int family, const uint8_t *a)
{
	for (size_t i = 0; i < sizeof(internal_ranges) / sizeof(internal_ranges[0]); i++)
		if (policy_cidr_contains(&internal_ranges[i], family, a))
			return true;
	return false;
}

static bool
app_ok(const struct policy *policy, const struct rule *rule, const struct policy_flow_facts *f)
{
	bool ok;

	if (rule->n_apps > 0 || rule->unknown_app) {
		ok = rule->unknown_app && f->app.app == NULL;
		for (size_t i = 0; i < rule->n_apps && !ok && f->app.app; i++)
			ok = strcmp(policy->apps[rule->apps[i]].name, f->app.app) == 0;
		if (!ok)
			return false;
	}
	if (rule->n_categories > 0) {
		ok = false;
		for (size_t i = 0; i < rule->n_categories && !ok && f->app.category; i++)
			ok = strcmp(policy->categories[rule->categories[i]].name,
			            f->app.category) == 0;
		if (!ok)
			return false;
	}
	return true;
}

static bool
dest_ok(const struct rule *rule, const struct policy_destination *d)
{
	bool internal = (d->family == AF_INET || d->family == AF_INET6) &&
	                addr_internal(d->family, d->addr);

	if (rule->dest == DEST_EXTERNAL && internal)
		return false;
	if (rule->dest == DEST_INTERNAL && !internal)
		return false;
	if (rule->domains.n > 0) {
		bool any = false;

		for (size_t i = 0; i < rule->domains.n && !any && d->domain; i++)
			any = policy_domain_matches(rule->domains.v[i], d->domain);
		if (!any)
			return false;
	}
	if (rule->n_cidrs > 0) {
		bool any = false;

		for (size_t i = 0; i < rule->n_cidrs && !any; i++)
			any = policy_cidr_contains(&rule->cidrs[i], d->family, d->addr);
		if (!any)
			return false;
	}
	if (rule->n_ports > 0) {
		bool any = false;

		for (size_t i = 0; i < rule->n_ports && !any; i++) {
			const struct port_range *p = &rule->ports[i];

			any = (p->ip_proto == 0 || p->ip_proto == d->ip_proto) &&
			      d->port >= p->lo && d->port <= p->hi;
		}
		if (!any)
			return false;
	}
	return true;
}

static bool
tri_ok(enum tri want, bool have)
{
	return want == TRI_ANY || (want == TRI_YES) == have;
}

static bool
process_ok(const struct rule *rule, const struct policy_flow_facts *f)
{
	if (rule->users.n_ids + rule->users.names.n > 0) {
		bool ok = f->has_uid && id_in(rule->users.ids, rule->users.n_ids, f->uid);

		if (!ok && f->user_name)
			ok = strv_contains(&rule->users.names, f->user_name);
		if (!ok)
			return false;
	}
	if (rule->groups.n_ids + rule->groups.names.n > 0) {
		bool ok = f->has_uid && id_in(rule->groups.ids, rule->groups.n_ids, f->gid);

		for (size_t i = 0; i < f->n_groups && !ok && f->groups; i++)
			ok = id_in(rule->groups.ids, rule->groups.n_ids, f->groups[i]);
		if (!ok && f->group_name)
			ok = strv_contains(&rule->groups.names, f->group_name);
		if (!ok)
			return false;
	}
	if (rule->executables.n > 0) {
		bool ok = false;

		for (size_t i = 0; i < rule->executables.n && !ok && f->executable; i++)
			ok = fnmatch(rule->executables.v[i], f->executable, FNM_PATHNAME) == 0;
		if (!ok)
			return false;
	}
	return true;
}

static bool
findings_ok(const struct finding_cond *fc, const struct policy_flow_facts *f)
{
	uint64_t total = 0;

	if (f->finding_count == NULL || f->finding_level == NULL)
		return false;
	if (fc->names.n == 0) {
		for (size_t d = 0; d < f->n_detectors; d++)
			if (f->finding_level[d] >= fc->min_confidence)
				total += f->finding_count[d];
	} else {
		for (size_t i = 0; i < fc->names.n; i++) {
			int d = fc->detectors ? fc->detectors[i] : -1;

			if (d >= 0 && (size_t)d < f->n_detectors &&
			    f->finding_level[d] >= fc->min_confidence)
				total += f->finding_count[d];
		}
	}
	return total >= fc->min_count;
}

static enum eval
rule_eval(const struct policy *policy, const struct rule *rule, const struct policy_flow_facts *f,
          bool *ret_needs_content)
{
	bool grow_fail = false;

	*ret_needs_content = false;
	if (!app_ok(policy, rule, f) || !dest_ok(rule, &f->dest))
		return EVAL_FAIL;
	if (rule->protocols.n > 0 &&
	    (f->protocol == NULL || !strv_contains(&rule->protocols, f->protocol)))
		return EVAL_FAIL;
	if (!tri_ok(rule->cleartext, f->cleartext) || !tri_ok(rule->media, f->app.media))
		return EVAL_FAIL;
	if ((rule->direction == DIRECTION_OUTBOUND && !f->outbound) ||
	    (rule->direction == DIRECTION_INBOUND && f->outbound))
		return EVAL_FAIL;
	if (!process_ok(rule, f))
		return EVAL_FAIL;
	if (rule->min_bytes_out > 0 && f->bytes_out < rule->min_bytes_out)
		grow_fail = true;
	for (size_t i = 0; i < rule->n_findings; i++) {
		if (findings_ok(&rule->findings[i], f))
			continue;
		/* Findings only grow where content is visible. */
		if (!f->cleartext)
			return EVAL_FAIL;
		grow_fail = true;
		*ret_needs_content = true;
	}
	return grow_fail ? EVAL_PENDING : EVAL_MATCH;
}

/* Shared walk for decide and wants_content: first match, and what is pending before it. */
static const struct rule *
first_match(const struct policy *policy, const struct policy_flow_facts *facts, bool *ret_pending,
            bool *ret_content)
{
	*ret_pending = false;
	*ret_content = false;
	for (size_t i = 0; i < policy->n_rules; i++) {
		bool needs_content;
		enum eval e = rule_eval(policy, &policy->rules[i], facts, &needs_content);

		if (e == EVAL_MATCH)
			return &policy->rules[i];
		if (e == EVAL_PENDING) {
			*ret_pending = true;
			*ret_content |= needs_content;
		}
	}
	return NULL;
}

void
policy_decide(const struct policy *policy, const struct policy_flow_facts *facts,
              struct policy_decision *ret)
{
	const struct rule *rule;
	bool pending, content;

	memset(ret, 0, sizeof(*ret));
	ret->verdict = PHIGUARD_VERDICT_ALLOW;
	if (policy == NULL || facts == NULL) {
		ret->final = true;
		return;
	}
	rule = first_match(policy, facts, &pending, &content);
	if (rule == NULL) {
		ret->verdict = policy->default_action;
		ret->final = !pending || policy->default_action == PHIGUARD_VERDICT_BLOCK;
		return;
	}
	ret->verdict = rule->action;
	ret->rule_name = rule->name;
	ret->severity = rule->severity;
	ret->final = !pending || rule->action == PHIGUARD_VERDICT_BLOCK;
}

bool
policy_wants_content(const struct policy *policy, const struct policy_flow_facts *facts)
{
	const struct rule *rule;
	bool pending, content;

	if (policy == NULL || facts == NULL || !facts->cleartext)
		return false;
	rule = first_match(policy, facts, &pending, &content);
	if (rule != NULL && rule->action == PHIGUARD_VERDICT_BLOCK)
		return false;
	return content;
}
