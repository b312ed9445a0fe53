/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/agent_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "config.h"

#define CONFIG_FILE_MAX (1024 * 1024)

void
config_defaults(struct agent_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->policy_file, sizeof(c->policy_file), "%s/policy.yaml", PHIGUARD_SYSCONFDIR);
	snprintf(c->policy_directory, sizeof(c->policy_directory), "%s/policy.d",
	         PHIGUARD_SYSCONFDIR);
	c->pull_interval = 300;
	snprintf(c->state_directory, sizeof(c->state_directory), "%s", PHIGUARD_STATEDIR);
	c->tcp_queues[0] = 0;
	c->tcp_queues[1] = 1;
	c->n_tcp_queues = 2;
	c->has_udp_queue = true;
	c->udp_queue = 2;
	c->fail_open = true;
	c->max_flows = 65536;
	snprintf(c->control_socket, sizeof(c->control_socket), "%s/control.sock", PHIGUARD_RUNDIR);
	c->attribution = ATTRIBUTION_EVENTS;
	c->attribution_cache = 4096;
}

struct parser {
	yaml_document_t *doc;
	const char *path;
	struct phiguard_error *err;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct parser *p, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	snprintf(p->err->file, sizeof(p->err->file), "%s", p->path);
	/* libyaml marks are 0-based. */
	p->err->line = node ? (unsigned)node->start_mark.line + 1 : 0;
	p->err->column = node ? (unsigned)node->start_mark.column + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *
scalar(const yaml_node_t *node)
{
	return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value
	                                              : NULL;
}

static int
get_string(struct parser *p, const yaml_node_t *node, const char *key, char *dst, size_t len)
{
	const char *s = scalar(node);

	if (!s)
		return fail(p, node, "'%s' must be a string", key);
	if (strlen(s) >= len)
		return fail(p, node, "'%s' is longer than %zu bytes", key, len - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
get_bool(struct parser *p, const yaml_node_t *node, const char *key, bool *dst)
{
	const char *s = scalar(node);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		*dst = true;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		*dst = false;
	else
		return fail(p, node, "'%s' must be true or false", key);
	return 0;
}

static int
get_uint(struct parser *p, const yaml_node_t *node, const char *key, uint32_t min, uint32_t max,
         uint32_t *dst)
{
	const char *s = scalar(node);
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return fail(p, node, "'%s' must be a number", key);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return fail(p, node, "'%s' must be a number from %u to %u", key, min, max);
	*dst = (uint32_t)v;
	return 0;
}

typedef int section_fn(struct parser *p, const char *key, yaml_node_t *value,
                       struct agent_config *c);

/* Walk a mapping, calling @fn per key; unknown keys are the callee's to reject. */
static int
walk(struct parser *p, yaml_node_t *map, const char *what, section_fn *fn, struct agent_config *c)
{
	yaml_node_pair_t *pair;

	if (!map || map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'%s' must be a mapping", what);
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		const char *key = scalar(k);
		int r;

		if (!key)
			return fail(p, k, "keys in '%s' must be strings", what);
		r = fn(p, key, v, c);
		if (r == -ENOENT)
			return fail(p, k, "unknown key '%s' in '%s'", key, what);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
tls_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (!strcmp(key, "ca"))
		return get_string(p, v, key, c->tls_ca, sizeof(c->tls_ca));
	if (!strcmp(key, "cert"))
		return get_string(p, v, key, c->tls_cert, sizeof(c->tls_cert));
	if (!strcmp(key, "key"))
		return get_string(p, v, key, c->tls_key, sizeof(c->tls_key));
	return -ENOENT;
}

static int
trusted_keys(struct parser *p, yaml_node_t *v, struct agent_config *c)
{
	if (!v || v->type != YAML_SEQUENCE_NODE)
		return fail(p, v, "'trusted_keys' must be a list of files");
	c->n_trusted_keys = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, *it);
		int r;
		if (c->n_trusted_keys == CONFIG_MAX_KEYS)
			return fail(p, item, "at most %d trusted keys", CONFIG_MAX_KEYS);
		r = get_string(p, item, "trusted_keys", c->trusted_keys[c->n_trusted_keys],
		               CONFIG_PATH_MAX);
		if (r < 0)
			return r;
		c->n_trusted_keys++;
	}
	return 0;
}

static int
policy_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (!strcmp(key, "file")) {
		c->policy_file_set = true;
		return get_string(p, v, key, c->policy_file, sizeof(c->policy_file));
	}
	if (!strcmp(key, "directory"))
		return get_string(p, v, key, c->policy_directory, sizeof(c->policy_directory));
	if (!strcmp(key, "require_signature"))
		return get_bool(p, v, key, &c->require_signature);
	if (!strcmp(key, "trusted_keys"))
		return trusted_keys(p, v, c);
	if (!strcmp(key, "url"))
		return get_string(p, v, key, c->policy_url, sizeof(c->policy_url));
	if (!strcmp(key, "pull_interval"))
		return get_uint(p, v, key, 10, 86400, &c->pull_interval);
	if (!strcmp(key, "tls"))
		return walk(p, v, "tls", tls_key, c);
	if (!strcmp(key, "state_directory"))
		return get_string(p, v, key, c->state_directory, sizeof(c->state_directory));
	return -ENOENT;
}

static int
queue_number(struct parser *p, yaml_node_t *v, const char *key, uint16_t *dst)
{
	uint32_t n = 0;
	int r = get_uint(p, v, key, 0, 65535, &n);

	if (r == 0)
		*dst = (uint16_t)n;
	return r;
}

static int
tcp_queues(struct parser *p, yaml_node_t *v, struct agent_config *c)
{
	if (!v || v->type != YAML_SEQUENCE_NODE)
		return fail(p, v, "'tcp' must be a list of queue numbers");
	c->n_tcp_queues = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, *it);
		uint16_t num = 0;
		int r;
		if (c->n_tcp_queues == MARK_SHARD_MAX)
			return fail(p, item, "at most %d TCP queues", MARK_SHARD_MAX);
		r = queue_number(p, item, "tcp", &num);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < c->n_tcp_queues; i++)
			if (c->tcp_queues[i] == num)
				return fail(p, item, "queue %u is listed twice", num);
		c->tcp_queues[c->n_tcp_queues++] = num;
	}
	if (c->n_tcp_queues == 0)
		return fail(p, v, "'tcp' needs at least one queue");
	return 0;
}

static int
queues_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (!strcmp(key, "tcp"))
		return tcp_queues(p, v, c);
	if (!strcmp(key, "udp")) {
		const char *s = scalar(v);
		/* `udp: none` (or null) leaves UDP unqueued. */
		if (s && (!strcmp(s, "none") || !strcmp(s, "null") || !strcmp(s, "~") || !*s)) {
			c->has_udp_queue = false;
			return 0;
		}
		c->has_udp_queue = true;
		return queue_number(p, v, key, &c->udp_queue);
	}
	if (!strcmp(key, "fail_open"))
		return get_bool(p, v, key, &c->fail_open);
	if (!strcmp(key, "max_flows"))
		return get_uint(p, v, key, 64, 16 * 1024 * 1024, &c->max_flows);
	return -ENOENT;
}

static int
label_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (c->n_labels == CONFIG_MAX_LABELS)
		return fail(p, v, "at most %d labels", CONFIG_MAX_LABELS);
	if (strlen(key) >= sizeof(c->label_keys[0]))
		return fail(p, v, "label name '%s' is too long", key);
	snprintf(c->label_keys[c->n_labels], sizeof(c->label_keys[0]), "%s", key);
	if (get_string(p, v, key, c->label_values[c->n_labels], sizeof(c->label_values[0])) < 0)
		return -EINVAL;
	c->n_labels++;
	return 0;
}

static int
identity_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (!strcmp(key, "host_id"))
		return get_string(p, v, key, c->host_id, sizeof(c->host_id));
	if (!strcmp(key, "host_name"))
		return get_string(p, v, key, c->host_name, sizeof(c->host_name));
	if (!strcmp(key, "labels")) {
		c->n_labels = 0;
		return walk(p, v, "labels", label_key, c);
	}
	return -ENOENT;
}

static int
control_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (!strcmp(key, "socket"))
		return get_string(p, v, key, c->control_socket, sizeof(c->control_socket));
	return -ENOENT;
}

static int
attribution_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (!strcmp(key, "mode")) {
		const char *s = scalar(v);
		if (s && !strcmp(s, "events"))
			c->attribution = ATTRIBUTION_EVENTS;
		else if (s && !strcmp(s, "flows"))
			c->attribution = ATTRIBUTION_FLOWS;
		else if (s && !strcmp(s, "off"))
			c->attribution = ATTRIBUTION_OFF;
		else
			return fail(p, v, "'mode' must be events, flows or off");
		return 0;
	}
	if (!strcmp(key, "cache_entries"))
		return get_uint(p, v, key, 16, 1024 * 1024, &c->attribution_cache);
	return -ENOENT;
}

static int
top_key(struct parser *p, const char *key, yaml_node_t *v, struct agent_config *c)
{
	if (!strcmp(key, "policy"))
		return walk(p, v, "policy", policy_key, c);
	if (!strcmp(key, "queues"))
		return walk(p, v, "queues", queues_key, c);
	if (!strcmp(key, "identity"))
		return walk(p, v, "identity", identity_key, c);
	if (!strcmp(key, "control"))
		return walk(p, v, "control", control_key, c);
	if (!strcmp(key, "attribution"))
		return walk(p, v, "attribution", attribution_key, c);
	if (!strcmp(key, "report") || !strcmp(key, "spool")) {
		if (!v || v->type != YAML_MAPPING_NODE)
			return fail(p, v, "'%s' must be a mapping", key);
		if (!strcmp(key, "report"))
			c->report_node = v;
		else
			c->spool_node = v;
		return 0;
	}
	return -ENOENT;
}

static int
check(struct parser *p, struct agent_config *c)
{
	for (unsigned i = 0; i < c->n_tcp_queues; i++)
		if (c->has_udp_queue && c->tcp_queues[i] == c->udp_queue)
			return fail(p, NULL, "queue %u is both a TCP and the UDP queue",
			            c->udp_queue);
	return 0;
}

static int
read_file(const char *path, char **ret, size_t *ret_len, struct phiguard_error *err)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf = NULL;
	int r = 0;

	snprintf(err->file, sizeof(err->file), "%s", path);
	if (!f) {
		r = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno));
		return r;
	}
	if (fstat(fileno(f), &st) < 0 || st.st_size > CONFIG_FILE_MAX) {
		snprintf(err->msg, sizeof(err->msg), "larger than %d bytes", CONFIG_FILE_MAX);
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	*ret_len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*ret_len] = '\0';
	*ret = buf;
out:
	fclose(f);
	return r;
}

int
config_load(struct agent_config *c, const char *path, struct phiguard_error *err)
{
	struct parser p = { .doc = &c->document, .path = path, .err = err };
	yaml_parser_t parser;
	_cleanup_(freep) char *text = NULL;
	size_t len = 0;
	yaml_node_t *root;
	int r;

	memset(err, 0, sizeof(*err));
	r = read_file(path, &text, &len, err);
	if (r < 0)
		return r;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &c->document)) {
		err->line = (unsigned)parser.problem_mark.line + 1;
		err->column = (unsigned)parser.problem_mark.column + 1;
		snprintf(err->msg, sizeof(err->msg), "%s",
		         parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	c->have_document = true;
	root = yaml_document_get_root_node(&c->document);
	if (!root)
		return 0; /* an empty file: all defaults */
	r = walk(&p, root, "top level", top_key, c);
	if (r == 0)
		r = check(&p, c);
	return r;
}

void
config_release(struct agent_config *c)
{
	if (c->have_document)
		yaml_document_delete(&c->document);
	c->have_document = false;
	c->report_node = NULL;
	c->spool_node = NULL;
}
