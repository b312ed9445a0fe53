/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built only while policy/ has no implementation in the tree: a policy is
 * any well-formed YAML mapping, its `version:` is reported, and nothing is
 * decided. Enough for the agent's reload path (a broken file is refused,
 * the old one stays); meson drops this file once the policy compiler exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy/policy.h"

struct policy {
	int refs;
	char version[64];
	char hash[72];
};

static int
parse(const char *text, size_t len, const char *filename, struct policy **ret,
      struct phiguard_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct policy *p;
	int r = 0;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", filename);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err->line = (unsigned)parser.problem_mark.line + 1;
		err->column = (unsigned)parser.problem_mark.column + 1;
		snprintf(err->msg, sizeof(err->msg), "%s",
		         parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		snprintf(err->msg, sizeof(err->msg), "a policy must be a mapping");
		r = -EINVAL;
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto out;
	}
	p->refs = 1;
	snprintf(p->version, sizeof(p->version), "unversioned");
	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
		if (k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, "version"))
			snprintf(p->version, sizeof(p->version), "%s",
			         (const char *)v->data.scalar.value);
	}
	*ret = p;
out:
	yaml_document_delete(&doc);
	return r;
}

int
policy_load_buffer(const char *text, size_t len, const char *filename, struct policy **ret_policy,
                   struct phiguard_error *err)
{
	return parse(text, len, filename, ret_policy, err);
}

int
policy_load_file(const char *path, struct policy **ret_policy, struct phiguard_error *err)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int r;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (!f) {
		r = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno));
		return r;
	}
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	r = parse(buf, n, path, ret_policy, err);
	free(buf);
	return r;
}

int
policy_load_file_with(const char *path, const struct policy_load_options *options,
                      struct policy **ret_policy, struct phiguard_error *err)
{
	return policy_load_file(path, ret_policy, err);
}

int
policy_load_default(struct policy **ret_policy, struct phiguard_error *err)
{
	static const char text[] = "version: builtin\n";

	return parse(text, sizeof(text) - 1, "<default>", ret_policy, err);
}

struct policy *
policy_ref(struct policy *policy)
{
	if (policy)
		__atomic_add_fetch(&policy->refs, 1, __ATOMIC_RELAXED);
	return policy;
}

struct policy *
policy_unref(struct policy *policy)
{
	if (policy && __atomic_sub_fetch(&policy->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(policy);
	return NULL;
}

const char *
policy_version(const struct policy *policy)
{
	return policy->version;
}

const char *
policy_hash(const struct policy *policy)
{
	return policy->hash;
}
