/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `detectors:` section: which built-in detectors run, and the policy's
 * own. Definitions of custom detectors share the schema of the built-in
 * packs, so the matcher library reads them (detector_yaml.h); this file
 * only decides which set the policy compiles.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "policy/parse.h"

#include "match/detector_yaml.h"

static int
add_builtin(const struct node_ctx *c, struct policy *policy)
{
	int r;

	r = phiguard_detector_set_add_builtin(policy->detector_set, c->err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < phiguard_detector_set_count(policy->detector_set); i++)
		strv_push(&policy->detector_names,
		          phiguard_detector_set_name(policy->detector_set, i));
	return 0;
}

static int
check_pattern_lengths(const struct node_ctx *c, const yaml_node_t *node, int depth)
{
	int r;

	if (node == NULL || depth > 8)
		return 0;
	if (node->type == YAML_SCALAR_NODE) {
		if (node->data.scalar.length > POLICY_MAX_PATTERN)
			return node_error(c, node, "pattern is too long (%zu bytes, at most %d)",
			                  node->data.scalar.length, POLICY_MAX_PATTERN);
		return 0;
	}
	if (node->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++)
			if ((r = check_pattern_lengths(c, node_get(c, *it), depth + 1)) < 0)
				return r;
	} else if (node->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++)
			if ((r = check_pattern_lengths(c, node_get(c, p->value), depth + 1)) < 0)
				return r;
	}
	return 0;
}

/* Only the keys that hold Hyperscan expressions carry the pattern limit. */
static int
check_expressions(const struct node_ctx *c, const yaml_node_t *def)
{
	static const char *const keys[] = { "patterns", "hotwords", "structural", "require" };
	int r;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		r = check_pattern_lengths(c, node_map_get(c, def, keys[i]), 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
parse_custom(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node)
{
	struct strv custom = { 0 };
	size_t n;
	int r;

	r = node_list(c, node, "custom detectors", POLICY_MAX_DETECTORS, &n);
	if (r < 0)
		return r;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *def = node_get(c, *it), *name_node;
		const char *name;

		r = node_expect(c, def, YAML_MAPPING_NODE, "custom detector");
		if (r < 0)
			goto out;
		name_node = node_map_get(c, def, "name");
		if (name_node == NULL) {
			r = node_error(c, def, "a custom detector needs a name");
			goto out;
		}
		r = node_expect(c, name_node, YAML_SCALAR_NODE, "detector name");
		if (r < 0)
			goto out;
		name = node_scalar(name_node);
		/* A policy may redefine a built-in detector (tuning), never its own twice. */
		if (strv_contains(&custom, name)) {
			r = node_error(c, name_node, "custom detector '%s' is defined twice", name);
			goto out;
		}
		r = check_expressions(c, def);
		if (r < 0)
			goto out;
		r = detector_set_add_yaml_node(policy->detector_set, c->doc, def, c->filename,
		                               c->err);
		if (r < 0)
			goto out;
		strv_push(&custom, name);
		if (!strv_contains(&policy->detector_names, name))
			strv_push(&policy->detector_names, name);
	}
out:
	strv_free(&custom);
	return r;
}

static int
add_disabled(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct policy *policy = ctx;
	const char *name = node_scalar(item);
	int r;

	r = policy_check_known(c, item, "detector", name,
	                       (const char *const *)policy->detector_names.v,
	                       policy->detector_names.n, NULL);
	if (r < 0)
		return r;
	if (phiguard_detector_set_enable(policy->detector_set, name, false) < 0)
		return node_error(c, item, "detector '%s' cannot be disabled", name);
	strv_push(&policy->disabled_detectors, name);
	return 0;
}

int
policy_parse_detectors(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node)
{
	static const char *const keys[] = { "builtin", "disable", "custom", NULL };
	yaml_node_t *n;
	int r;

	if (node != NULL) {
		r = node_check_map(c, node, "detectors", keys);
		if (r < 0)
			return r;
		if ((n = node_map_get(c, node, "builtin")) &&
		    (r = node_bool(c, n, "builtin", &policy->builtin_detectors)) < 0)
			return r;
	}
	policy->detector_set = phiguard_detector_set_new();
	if (policy->builtin_detectors) {
		r = add_builtin(c, policy);
		if (r < 0)
			return r;
	}
	if (node == NULL)
		return 0;
	if ((n = node_map_get(c, node, "custom")) && (r = parse_custom(c, policy, n)) < 0)
		return r;
	if ((n = node_map_get(c, node, "disable")) &&
	    (r = node_each(c, n, "disable", add_disabled, policy)) < 0)
		return r;
	return 0;
}
