/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

void
report_config_defaults(struct report_config *c)
{
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->spool_directory, sizeof(c->spool_directory), "%s/spool",
	               PHIGUARD_STATEDIR);
	c->spool_max_bytes = 268435456;
	c->fsync = REPORT_FSYNC_BATCH;
	c->stdout_mode = REPORT_STDOUT_AUTO;
	c->stdout_format = REPORT_STDOUT_TEXT;
	c->collector.enabled = false;
	c->collector.transport = REPORT_TRANSPORT_RELP;
	c->collector.port = 2514;
	(void)snprintf(c->collector.ca, sizeof(c->collector.ca), "%s/tls/ca.pem",
	               PHIGUARD_SYSCONFDIR);
	(void)snprintf(c->collector.cert, sizeof(c->collector.cert), "%s/tls/client.pem",
	               PHIGUARD_SYSCONFDIR);
	(void)snprintf(c->collector.key, sizeof(c->collector.key), "%s/tls/client.key",
	               PHIGUARD_SYSCONFDIR);
	c->collector.format = REPORT_FORMAT_ECS;
	(void)snprintf(c->collector.path, sizeof(c->collector.path), "/services/collector/event");
	c->heartbeat_interval = 60;
	(void)snprintf(c->token_key_file, sizeof(c->token_key_file), "%s/token.key",
	               PHIGUARD_SYSCONFDIR);
	c->ring_size = 1024; /* 4.7 KB per slot: ~5 MB */
	c->window = 128;
	c->stop_timeout_ms = 2000;
	c->backoff_max_ms = 30000;
}

struct parse {
	yaml_document_t *doc;
	const char *filename;
	struct phiguard_error *err;
};

__attribute__((format(printf, 3, 4))) static int
parse_fail(struct parse *p, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	(void)snprintf(p->err->file, sizeof(p->err->file), "%s", p->filename);
	p->err->line = (unsigned)node->start_mark.line + 1;
	p->err->column = (unsigned)node->start_mark.column + 1;
	va_start(ap, fmt);
	(void)vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
get_scalar(struct parse *p, const yaml_node_t *node, const char *key, const char **ret)
{
	*ret = "";
	if (node->type != YAML_SCALAR_NODE)
		return parse_fail(p, node, "'%s': expected a scalar", key);
	*ret = (const char *)node->data.scalar.value;
	return 0;
}

static int
get_string(struct parse *p, const yaml_node_t *node, const char *key, char *dst, size_t size)
{
	const char *s;
	int r = get_scalar(p, node, key, &s);

	if (r < 0)
		return r;
	if (strlen(s) >= size)
		return parse_fail(p, node, "'%s': longer than %zu bytes", key, size - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
get_uint(struct parse *p, const yaml_node_t *node, const char *key, uint64_t min, uint64_t max,
         uint64_t *ret)
{
	const char *s;
	char *end;
	unsigned long long v;
	int r = get_scalar(p, node, key, &s);

	if (r < 0)
		return r;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max)
		return parse_fail(p, node, "'%s': expected an integer from %llu to %llu, not '%s'",
		                  key, (unsigned long long)min, (unsigned long long)max, s);
	*ret = v;
	return 0;
}

/* One of @names (NULL-terminated); the index goes to *ret. */
static int
get_enum(struct parse *p, const yaml_node_t *node, const char *key, const char *const *names,
         int *ret)
{
	const char *s;
	int r = get_scalar(p, node, key, &s);

	if (r < 0)
		return r;
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	}
	return parse_fail(p, node, "'%s': unknown value '%s'", key, s);
}

typedef int parse_pair_fn(struct parse *p, struct report_config *c, const char *key,
                          yaml_node_t *value);

static int
parse_mapping(struct parse *p, struct report_config *c, yaml_node_t *node, const char *what,
              parse_pair_fn *fn)
{
	if (node->type == YAML_SCALAR_NODE && node->data.scalar.length == 0)
		return 0; /* "report:" with nothing under it */
	if (node->type != YAML_MAPPING_NODE)
		return parse_fail(p, node, "'%s': expected a mapping", what);
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		int r;

		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			return parse_fail(p, k != NULL ? k : node, "'%s': keys must be scalars",
			                  what);
		r = fn(p, c, (const char *)k->data.scalar.value, v);
		if (r == -ENOENT)
			return parse_fail(p, k, "'%s': unknown key '%s'", what,
			                  (const char *)k->data.scalar.value);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
spool_pair(struct parse *p, struct report_config *c, const char *key, yaml_node_t *v)
{
	static const char *const fsyncs[] = { "always", "batch", "never", NULL };
	uint64_t n = 0;
	int e = 0, r;

	if (strcmp(key, "directory") == 0)
		return get_string(p, v, key, c->spool_directory, sizeof(c->spool_directory));
	if (strcmp(key, "max_bytes") == 0) {
		/* below 64 KiB a single large event could not be kept */
		r = get_uint(p, v, key, 65536, UINT64_C(1) << 40, &n);
		if (r == 0)
			c->spool_max_bytes = n;
		return r;
	}
	if (strcmp(key, "fsync") == 0) {
		r = get_enum(p, v, key, fsyncs, &e);
		if (r == 0)
			c->fsync = (enum report_fsync)e;
		return r;
	}
	return -ENOENT;
}

static int
collector_pair(struct parse *p, struct report_config *c, const char *key, yaml_node_t *v)
{
	static const char *const transports[] = { "relp", "syslog-tls", "https", NULL };
	static const char *const formats[] = { "ecs", "cef", NULL };
	struct report_collector *col = &c->collector;
	uint64_t n = 0;
	int e = 0, r;

	col->enabled = true;
	if (strcmp(key, "transport") == 0) {
		r = get_enum(p, v, key, transports, &e);
		if (r == 0)
			col->transport = (enum report_transport)e;
		return r;
	}
	if (strcmp(key, "address") == 0)
		return get_string(p, v, key, col->address, sizeof(col->address));
	if (strcmp(key, "port") == 0) {
		r = get_uint(p, v, key, 1, 65535, &n);
		if (r == 0)
			col->port = (uint16_t)n;
		return r;
	}
	if (strcmp(key, "server_name") == 0)
		return get_string(p, v, key, col->server_name, sizeof(col->server_name));
	if (strcmp(key, "ca") == 0)
		return get_string(p, v, key, col->ca, sizeof(col->ca));
	if (strcmp(key, "cert") == 0)
		return get_string(p, v, key, col->cert, sizeof(col->cert));
	if (strcmp(key, "key") == 0)
		return get_string(p, v, key, col->key, sizeof(col->key));
	if (strcmp(key, "token_file") == 0)
		return get_string(p, v, key, col->token_file, sizeof(col->token_file));
	if (strcmp(key, "path") == 0) {
		r = get_string(p, v, key, col->path, sizeof(col->path));
		if (r == 0 && (col->path[0] != '/' || strpbrk(col->path, " \r\n") != NULL))
			return parse_fail(p, v, "'path': must start with '/' and hold no spaces");
		return r;
	}
	if (strcmp(key, "format") == 0) {
		r = get_enum(p, v, key, formats, &e);
		if (r == 0)
			col->format = (enum report_format)e;
		return r;
	}
	return -ENOENT;
}

static int
report_pair(struct parse *p, struct report_config *c, const char *key, yaml_node_t *v)
{
	static const char *const modes[] = { "auto", "always", "never", NULL };
	static const char *const formats[] = { "text", "json", NULL };
	uint64_t n = 0;
	int e = 0, r;

	if (strcmp(key, "stdout") == 0) {
		r = get_enum(p, v, key, modes, &e);
		if (r == 0)
			c->stdout_mode = (enum report_stdout)e;
		return r;
	}
	if (strcmp(key, "stdout_format") == 0) {
		r = get_enum(p, v, key, formats, &e);
		if (r == 0)
			c->stdout_format = (enum report_stdout_format)e;
		return r;
	}
	if (strcmp(key, "collector") == 0) {
		r = parse_mapping(p, c, v, "collector", collector_pair);
		if (r == 0 && c->collector.enabled && c->collector.address[0] == '\0')
			return parse_fail(p, v, "'collector': 'address' is required");
		return r;
	}
	if (strcmp(key, "heartbeat_interval") == 0) {
		r = get_uint(p, v, key, 0, 86400, &n);
		if (r == 0)
			c->heartbeat_interval = (unsigned)n;
		return r;
	}
	if (strcmp(key, "token_key_file") == 0)
		return get_string(p, v, key, c->token_key_file, sizeof(c->token_key_file));
	return -ENOENT;
}

int
report_config_parse(struct report_config *config, yaml_document_t *doc, yaml_node_t *report,
                    yaml_node_t *spool, const char *filename, struct phiguard_error *err)
{
	struct parse p = { .doc = doc, .filename = filename, .err = err };
	int r = 0;

	if (spool != NULL)
		r = parse_mapping(&p, config, spool, "spool", spool_pair);
	if (r == 0 && report != NULL)
		r = parse_mapping(&p, config, report, "report", report_pair);
	return r;
}
