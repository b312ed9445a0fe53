/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy/node.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/suggest.h"
#include "base/xalloc.h"

void
node_set_error(struct phiguard_error *err, const char *filename, unsigned line, unsigned column,
               const char *fmt, va_list ap)
{
	if (err == NULL)
		return;
	snprintf(err->file, sizeof(err->file), "%s", filename ? filename : "<policy>");
	err->line = line;
	err->column = column;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int
node_error_at(const struct node_ctx *c, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* libyaml marks count from 0. */
	node_set_error(c->err, c->filename, (unsigned)mark.line + 1, (unsigned)mark.column + 1, fmt,
	               ap);
	va_end(ap);
	return -EINVAL;
}

int
node_error(const struct node_ctx *c, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;
	yaml_mark_t mark = { 0 };

	if (node != NULL)
		mark = node->start_mark;
	va_start(ap, fmt);
	node_set_error(c->err, c->filename, (unsigned)mark.line + 1, (unsigned)mark.column + 1, fmt,
	               ap);
	va_end(ap);
	return -EINVAL;
}

yaml_node_t *
node_get(const struct node_ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

const char *
node_scalar(const yaml_node_t *node)
{
	if (node == NULL || node->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)node->data.scalar.value;
}

yaml_node_t *
node_map_get(const struct node_ctx *c, const yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = node_scalar(node_get(c, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return node_get(c, p->value);
	}
	return NULL;
}

static const char *
type_name(yaml_node_type_t type)
{
	switch (type) {
	case YAML_SCALAR_NODE:
		return "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

int
node_expect(const struct node_ctx *c, const yaml_node_t *node, yaml_node_type_t type,
            const char *what)
{
	if (node == NULL)
		return node_error(c, node, "%s: missing", what);
	if (node->type != type)
		return node_error(c, node, "%s must be %s, not %s", what, type_name(type),
		                  type_name(node->type));
	return 0;
}

/* Keys people put in the wrong place; say where they belong. */
static const char *
misplaced_hint(const char *key, const char *what)
{
	static const char *const conditions[] = {
		"app",       "category",      "findings", "destination", "domains",
		"cidrs",     "ports",         "protocol", "cleartext",   "media",
		"direction", "min_bytes_out", "user",     "group",       "executable",
	};
	static const struct {
		const char *key;
		const char *where;
		const char *hint;
	} table[] = {
		{ "fail_mode", "settings",
		  "fail_mode is set per category: categories: NAME: fail_mode" },
		{ "evidence", "the policy", "evidence belongs under 'settings:'" },
		{ "default_action", "the policy", "default_action belongs under 'settings:'" },
		{ "cases", "the policy", "test cases go under 'tests:'" },
		{ "destination", "test", "a test names its destination with 'domain:' or 'ip:'" },
		{ "action", "test", "a test states what it expects with 'expect:'" },
		{ "expect", "rule", "expectations belong to a test case under 'tests:'" },
		{ "severity", "when", "severity belongs to the rule, next to 'action:'" },
		{ "action", "when", "action belongs to the rule, next to 'when:'" },
	};

	if (strcmp(what, "rule") == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(conditions); i++)
			if (strcmp(conditions[i], key) == 0)
				return "conditions go under 'when:'";
	}
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].key, key) == 0 && strcmp(table[i].where, what) == 0)
			return table[i].hint;
	return NULL;
}

int
node_check_map(const struct node_ctx *c, const yaml_node_t *map, const char *what,
               const char *const *allowed)
{
	size_t n_allowed = 0;
	int r;

	r = node_expect(c, map, YAML_MAPPING_NODE, what);
	if (r < 0)
		return r;
	while (allowed[n_allowed] != NULL)
		n_allowed++;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *key = node_get(c, p->key);
		const char *k = node_scalar(key);
		bool known = false;

		if (k == NULL)
			return node_error(c, key, "%s: keys must be plain names", what);
		for (size_t i = 0; i < n_allowed && !known; i++)
			known = strcmp(k, allowed[i]) == 0;
		if (!known) {
			const char *near = suggest_nearest(k, allowed, n_allowed);
			const char *hint = misplaced_hint(k, what);

			if (hint != NULL)
				return node_error(c, key, "unknown key '%s' in %s (%s)", k, what,
				                  hint);

			if (near != NULL)
				return node_error(c, key,
				                  "unknown key '%s' in %s (did you mean '%s'?)", k,
				                  what, near);
			return node_error(c, key, "unknown key '%s' in %s", k, what);
		}
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			const char *k2 = node_scalar(node_get(c, q->key));

			if (k2 != NULL && strcmp(k, k2) == 0)
				return node_error(c, key, "duplicate key '%s' in %s", k, what);
		}
	}
	return 0;
}

/* The text of scalar @node, or NULL with node_expect()'s error in *ret_r. */
static const char *
expect_scalar(const struct node_ctx *c, const yaml_node_t *node, const char *what, int *ret_r)
{
	*ret_r = node_expect(c, node, YAML_SCALAR_NODE, what);
	return *ret_r < 0 ? NULL : node_scalar(node);
}

int
node_string(const struct node_ctx *c, const yaml_node_t *node, const char *what, size_t max_len,
            char **ret)
{
	const char *s;
	int r;

	s = expect_scalar(c, node, what, &r);
	if (s == NULL)
		return r;
	if (node->data.scalar.length > max_len)
		return node_error(c, node, "%s is too long (%zu bytes, at most %zu)", what,
		                  node->data.scalar.length, max_len);
	if (strlen(s) != node->data.scalar.length)
		return node_error(c, node, "%s contains a NUL byte", what);
	*ret = xstrdup(s);
	return 0;
}

int
node_name(const struct node_ctx *c, const yaml_node_t *node, const char *what, char **ret)
{
	const char *s;
	int r;

	s = expect_scalar(c, node, what, &r);
	if (s == NULL)
		return r;
	if (s[0] == '\0')
		return node_error(c, node, "%s must not be empty", what);
	if (node->data.scalar.length > POLICY_NODE_MAX_WORD)
		return node_error(c, node, "%s '%.20s...' is too long (at most %d characters)",
		                  what, s, POLICY_NODE_MAX_WORD);
	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return node_error(c, node,
			                  "%s '%s': use letters, digits, '-', '_' and '.' only",
			                  what, s);
	}
	*ret = xstrdup(s);
	return 0;
}

int
node_bool(const struct node_ctx *c, const yaml_node_t *node, const char *what, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	const char *s;
	int r;

	s = expect_scalar(c, node, what, &r);
	if (s == NULL)
		return r;
	for (size_t i = 0; yes[i]; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return node_error(c, node, "%s must be true or false, not '%.40s'", what, s);
}

static int
parse_u64(const char *s, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

int
node_uint(const struct node_ctx *c, const yaml_node_t *node, const char *what, uint64_t min,
          uint64_t max, uint64_t *ret)
{
	const char *s, *end;
	uint64_t v;
	int r;

	s = expect_scalar(c, node, what, &r);
	if (s == NULL)
		return r;
	if (parse_u64(s, &v, &end) < 0 || *end != '\0' || v < min || v > max)
		return node_error(c, node,
		                  "%s must be a whole number from %" PRIu64 " to %" PRIu64
		                  ", not '%.40s'",
		                  what, min, max, s);
	*ret = v;
	return 0;
}

int
node_size(const struct node_ctx *c, const yaml_node_t *node, const char *what, uint64_t *ret)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {
		{ "", 1 },
		{ "B", 1 },
		{ "kB", 1000 },
		{ "KB", 1000 },
		{ "KiB", 1024 },
		{ "MB", 1000 * 1000 },
		{ "MiB", 1024 * 1024 },
		{ "GB", 1000 * 1000 * 1000 },
		{ "GiB", 1024 * 1024 * 1024 },
	};
	const char *s, *end;
	uint64_t v;
	int r;

	s = expect_scalar(c, node, what, &r);
	if (s == NULL)
		return r;
	if (parse_u64(s, &v, &end) < 0)
		goto bad;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			if (v > UINT64_MAX / units[i].mult)
				goto bad;
			*ret = v * units[i].mult;
			return 0;
		}
	}
bad:
	return node_error(c, node,
	                  "%s must be a size such as 1048576, '500 kB' or '10 MiB', not '%.40s'",
	                  what, s);
}

int
node_enum(const struct node_ctx *c, const yaml_node_t *node, const char *what,
          const char *const *choices, int *ret)
{
	char list[256] = "";
	const char *s;
	size_t n = 0;
	int r;

	s = expect_scalar(c, node, what, &r);
	if (s == NULL)
		return r;
	for (; choices[n] != NULL; n++) {
		if (strcmp(s, choices[n]) == 0) {
			*ret = (int)n;
			return 0;
		}
		if (n > 0)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[n], sizeof(list) - strlen(list) - 1);
	}
	return node_error(c, node, "%s must be one of %s, not '%.40s'", what, list, s);
}

int
node_list(const struct node_ctx *c, const yaml_node_t *node, const char *what, size_t max,
          size_t *ret_n)
{
	size_t n;
	int r;

	r = node_expect(c, node, YAML_SEQUENCE_NODE, what);
	if (r < 0)
		return r;
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (n > max)
		return node_error(c, node_get(c, node->data.sequence.items.start[max]),
		                  "too many %s (%zu, at most %zu)", what, n, max);
	*ret_n = n;
	return 0;
}

int
node_each(const struct node_ctx *c, const yaml_node_t *node, const char *what, node_item_fn *fn,
          void *ctx)
{
	size_t n;
	int r;

	if (node == NULL)
		return node_error(c, node, "%s: missing", what);
	if (node->type == YAML_SCALAR_NODE)
		return fn(c, node, ctx);
	if (node->type != YAML_SEQUENCE_NODE)
		return node_error(c, node, "%s must be a value or a list of values", what);
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (n > POLICY_NODE_MAX_LIST)
		return node_error(
		        c, node_get(c, node->data.sequence.items.start[POLICY_NODE_MAX_LIST]),
		        "%s has %zu entries, at most %d are allowed", what, n,
		        POLICY_NODE_MAX_LIST);
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *item = node_get(c, *it);

		r = node_expect(c, item, YAML_SCALAR_NODE, what);
		if (r < 0)
			return r;
		r = fn(c, item, ctx);
		if (r < 0)
			return r;
	}
	return 0;
}
