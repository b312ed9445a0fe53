/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading: bytes -> YAML document (with limits) -> model -> compiled policy.
 * Each step returns an error with a position; nothing is logged here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include <openssl/evp.h>

#include "base/macro.h"
#include "base/xalloc.h"
#include "policy/node.h"
#include "policy/parse.h"
#include "policy/sign.h"

static int set_error(struct phiguard_error *err, const char *filename, unsigned line,
                     unsigned column, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
set_error(struct phiguard_error *err, const char *filename, unsigned line, unsigned column,
          const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	node_set_error(err, filename, line, column, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void
strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void
strv_push(struct strv *s, const char *text)
{
	s->v = xrealloc(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = xstrdup(text);
}

bool
strv_contains(const struct strv *s, const char *text)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], text) == 0)
			return true;
	return false;
}

struct policy *
policy_alloc(void)
{
	struct policy *p = xcalloc(1, sizeof(*p));

	atomic_init(&p->refs, 1);
	p->evidence = POLICY_EVIDENCE_REDACTED;
	p->default_action = PHIGUARD_VERDICT_ALLOW;
	p->builtin_apps = true;
	p->builtin_detectors = true;
	return p;
}

static void
policy_free(struct policy *p)
{
	free(p->filename);
	free(p->version);
	free(p->description);
	for (size_t i = 0; i < p->n_categories; i++) {
		free(p->categories[i].name);
		free(p->categories[i].description);
	}
	free(p->categories);
	for (size_t i = 0; i < p->n_apps; i++)
		policy_app_clear(&p->apps[i]);
	free(p->apps);
	for (size_t i = 0; i < p->n_rules; i++)
		policy_rule_clear(&p->rules[i]);
	free(p->rules);
	for (size_t i = 0; i < p->n_cases; i++)
		policy_case_clear(&p->cases[i]);
	free(p->cases);
	strv_free(&p->detector_names);
	strv_free(&p->disabled_detectors);
	phiguard_detector_set_free(p->detector_set);
	phiguard_matcher_free(p->matcher);
	policy_index_free(p->index);
	free(p);
}

struct policy *
policy_ref(struct policy *policy)
{
	if (policy != NULL)
		atomic_fetch_add_explicit(&policy->refs, 1, memory_order_relaxed);
	return policy;
}

struct policy *
policy_unref(struct policy *policy)
{
	if (policy == NULL)
		return NULL;
	if (atomic_fetch_sub_explicit(&policy->refs, 1, memory_order_acq_rel) == 1)
		policy_free(policy);
	return NULL;
}

/*
 * Aliases would let a small file expand into a huge walk (the "billion
 * laughs"), and a policy has no use for them: every node must be reached
 * exactly once, and no deeper than POLICY_MAX_DEPTH.
 */
static int
check_tree(yaml_document_t *doc, int id, unsigned depth, uint8_t *seen, const char *filename,
           struct phiguard_error *err)
{
	yaml_node_t *node = yaml_document_get_node(doc, id);
	int r;

	if (node == NULL)
		return 0;
	if (seen[id])
		return set_error(err, filename, (unsigned)node->start_mark.line + 1,
		                 (unsigned)node->start_mark.column + 1,
		                 "anchors and aliases are not allowed in a policy");
	seen[id] = 1;
	if (depth > POLICY_MAX_DEPTH)
		return set_error(err, filename, (unsigned)node->start_mark.line + 1,
		                 (unsigned)node->start_mark.column + 1,
		                 "nested too deeply (at most %d levels)", POLICY_MAX_DEPTH);
	if (node->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++)
			if ((r = check_tree(doc, *it, depth + 1, seen, filename, err)) < 0)
				return r;
	} else if (node->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			if ((r = check_tree(doc, p->key, depth + 1, seen, filename, err)) < 0)
				return r;
			if ((r = check_tree(doc, p->value, depth + 1, seen, filename, err)) < 0)
				return r;
		}
	}
	return 0;
}

/*
 * libyaml's parser recurses once per nesting level, so depth is checked on
 * the raw text before it sees it: count open brackets and indentation
 * cheaply and refuse anything far beyond what a policy needs.
 */
static int
precheck_text(const char *text, size_t len, const char *filename, struct phiguard_error *err)
{
	unsigned line = 1, col = 1, flow = 0;

	if (len > POLICY_MAX_FILE_BYTES)
		return set_error(err, filename, 1, 1,
		                 "the policy is %zu bytes; at most %d are allowed", len,
		                 POLICY_MAX_FILE_BYTES);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\0')
			return set_error(err, filename, line, col,
			                 "the policy contains a NUL byte");
		if (ch == '[' || ch == '{') {
			if (++flow > POLICY_MAX_DEPTH)
				return set_error(err, filename, line, col,
				                 "nested too deeply (at most %d levels)",
				                 POLICY_MAX_DEPTH);
		} else if ((ch == ']' || ch == '}') && flow > 0) {
			flow--;
		} else if (ch == '\n') {
			line++;
			col = 0;
		}
		col++;
	}
	return 0;
}

int
policy_yaml_parse(const char *text, size_t len, const char *filename, yaml_document_t *doc,
                  struct phiguard_error *err)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	uint8_t *seen = NULL;
	size_t n_nodes;
	int r;

	r = precheck_text(text, len, filename, err);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&parser))
		return set_error(err, filename, 0, 0, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc)) {
		yaml_mark_t m = parser.problem_mark;

		r = set_error(err, filename, (unsigned)m.line + 1, (unsigned)m.column + 1,
		              "YAML syntax: %s%s%s", parser.problem ? parser.problem : "error",
		              parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return r;
	}
	/* One document per file: a second one would be silently ignored otherwise. */
	if (yaml_parser_load(&parser, &extra)) {
		yaml_node_t *root = yaml_document_get_root_node(&extra);

		if (root != NULL)
			r = set_error(err, filename, (unsigned)root->start_mark.line + 1,
			              (unsigned)root->start_mark.column + 1,
			              "only one YAML document per policy file");
		yaml_document_delete(&extra);
	} else {
		yaml_mark_t m = parser.problem_mark;

		r = set_error(err, filename, (unsigned)m.line + 1, (unsigned)m.column + 1,
		              "YAML syntax: %s", parser.problem ? parser.problem : "error");
	}
	yaml_parser_delete(&parser);
	if (r < 0)
		goto fail;
	n_nodes = (size_t)(doc->nodes.top - doc->nodes.start);
	if (n_nodes > POLICY_MAX_NODES) {
		r = set_error(err, filename, 1, 1, "the policy has %zu YAML nodes; at most %d",
		              n_nodes, POLICY_MAX_NODES);
		goto fail;
	}
	seen = xcalloc(n_nodes + 2, 1);
	if (n_nodes > 0)
		r = check_tree(doc, 1, 0, seen, filename, err);
	free(seen);
	if (r < 0)
		goto fail;
	return 0;
fail:
	yaml_document_delete(doc);
	return r;
}

int
policy_builtin_catalogue(struct policy *policy, struct phiguard_error *err)
{
	yaml_document_t doc;
	int r;

	r = policy_yaml_parse(policy_embedded_apps, policy_embedded_apps_len, "apps/messaging.yaml",
	                      &doc, err);
	if (r < 0)
		return r;
	r = policy_parse_catalogue(policy, &doc, "apps/messaging.yaml", true, err);
	yaml_document_delete(&doc);
	return r;
}

static void
hash_text(const char *text, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!EVP_Digest(text, len, md, &md_len, EVP_sha256(), NULL))
		md_len = 0;
	for (unsigned i = 0; i < md_len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * MIN(md_len, 32u)] = '\0';
}

int
policy_load_buffer(const char *text, size_t len, const char *filename, struct policy **ret_policy,
                   struct phiguard_error *err)
{
	return policy_load_buffer_with(text, len, filename, NULL, ret_policy, err);
}

int
policy_load_buffer_with(const char *text, size_t len, const char *filename,
                        const struct policy_load_options *options, struct policy **ret_policy,
                        struct phiguard_error *err)
{
	struct policy *policy = NULL;
	yaml_document_t doc;
	int r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (filename == NULL)
		filename = "<policy>";
	r = policy_yaml_parse(text, len, filename, &doc, err);
	if (r < 0)
		return r;
	policy = policy_alloc();
	policy->filename = xstrdup(filename);
	if (options != NULL)
		policy->options = *options;
	hash_text(text, len, policy->hash);
	r = policy_parse_document(policy, &doc, filename, err);
	if (r == 0)
		r = policy_compile(policy, &doc, err);
	/* the key belongs to the caller; the matcher keeps its own copy */
	policy->options.token_key = NULL;
	policy->options.token_key_len = 0;
	yaml_document_delete(&doc);
	if (r < 0) {
		policy_unref(policy);
		return r;
	}
	*ret_policy = policy;
	return 0;
}

int
policy_read_file(const char *path, char **ret_text, size_t *ret_len, struct phiguard_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		set_error(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		set_error(err, path, 0, 0, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		set_error(err, path, 0, 0, "not a regular file");
		goto out;
	}
	/* Read one byte more than allowed, so an oversized file is reported as such. */
	buf = xmalloc(POLICY_MAX_FILE_BYTES + 2);
	for (;;) {
		ssize_t n = read(fd, buf + len, POLICY_MAX_FILE_BYTES + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			set_error(err, path, 0, 0, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > POLICY_MAX_FILE_BYTES) {
			r = set_error(err, path, 1, 1,
			              "the policy is larger than %d bytes, the most allowed",
			              POLICY_MAX_FILE_BYTES);
			goto out;
		}
	}
	buf[len] = '\0';
	*ret_text = TAKE_PTR(buf);
	*ret_len = len;
out:
	free(buf);
	close(fd);
	return r;
}

int
policy_load_file(const char *path, struct policy **ret_policy, struct phiguard_error *err)
{
	return policy_load_file_with(path, NULL, ret_policy, err);
}

int
policy_load_file_with(const char *path, const struct policy_load_options *options,
                      struct policy **ret_policy, struct phiguard_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	r = policy_read_file(path, &text, &len, err);
	if (r < 0)
		return r;
	r = policy_load_buffer_with(text, len, path, options, ret_policy, err);
	free(text);
	return r;
}

int
policy_load_default(struct policy **ret_policy, struct phiguard_error *err)
{
	return policy_load_buffer(policy_embedded_default, policy_embedded_default_len,
	                          "policy/default.yaml", ret_policy, err);
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

enum policy_evidence
policy_evidence(const struct policy *policy)
{
	return policy->evidence;
}

bool
policy_wants_process(const struct policy *policy)
{
	return policy->wants_process;
}

const struct phiguard_matcher *
policy_matcher(const struct policy *policy)
{
	return policy->matcher;
}
