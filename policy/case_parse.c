/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `tests:` section: cases `phiguard policy test` runs through decide. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "policy/parse.h"

void
policy_case_clear(struct policy_case *t)
{
	free(t->name);
	free(t->domain);
	free(t->protocol);
	free(t->fingerprint);
	free(t->payload);
	free(t->pcap);
	free(t->user_name);
	free(t->group_name);
	free(t->executable);
	strv_free(&t->finding_names);
	free(t->finding_detectors);
	free(t->finding_counts);
	free(t->finding_levels);
	free(t->expect_rule);
	free(t->expect_app);
	memset(t, 0, sizeof(*t));
}

static int
parse_hex(const struct node_ctx *c, const yaml_node_t *node, struct policy_case *t)
{
	const char *s = node_scalar(node);
	size_t n = 0;

	t->payload = xmalloc(strlen(s) / 2 + 1);
	for (const char *p = s; *p;) {
		unsigned hi, lo;

		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return node_error(c, node, "payload_hex: '%.2s' is not a hex byte", p);
		hi = (unsigned)(isdigit((unsigned char)p[0]) ? p[0] - '0'
		                                             : (tolower(p[0]) - 'a' + 10));
		lo = (unsigned)(isdigit((unsigned char)p[1]) ? p[1] - '0'
		                                             : (tolower(p[1]) - 'a' + 10));
		t->payload[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	t->payload_len = n;
	return 0;
}

static int
parse_stated_finding(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node,
                     struct policy_case *t)
{
	static const char *const keys[] = { "detector", "count", "confidence", NULL };
	static const char *const levels[] = { "low", "medium", "high", NULL };
	static const enum phiguard_confidence level_values[] = { PHIGUARD_CONFIDENCE_LOW,
		                                                 PHIGUARD_CONFIDENCE_MEDIUM,
		                                                 PHIGUARD_CONFIDENCE_HIGH };
	yaml_node_t *n;
	uint64_t count = 1;
	int level = 2, r;

	r = node_check_map(c, node, "test finding", keys);
	if (r < 0)
		return r;
	if (t->n_findings >= 32)
		return node_error(c, node, "too many findings in one test (at most 32)");
	n = node_map_get(c, node, "detector");
	if (n == NULL)
		return node_error(c, node, "a test finding needs a detector");
	r = node_expect(c, n, YAML_SCALAR_NODE, "detector");
	if (r < 0)
		return r;
	r = policy_check_known(c, n, "detector", node_scalar(n),
	                       (const char *const *)policy->detector_names.v,
	                       policy->detector_names.n, NULL);
	if (r < 0)
		return r;
	if ((n = node_map_get(c, node, "count")) &&
	    (r = node_uint(c, n, "count", 1, 1000000, &count)) < 0)
		return r;
	if ((n = node_map_get(c, node, "confidence")) &&
	    (r = node_enum(c, n, "confidence", levels, &level)) < 0)
		return r;
	strv_push(&t->finding_names, node_scalar(node_map_get(c, node, "detector")));
	t->finding_counts = xrealloc(t->finding_counts, t->n_findings + 1, sizeof(uint32_t));
	t->finding_levels =
	        xrealloc(t->finding_levels, t->n_findings + 1, sizeof(*t->finding_levels));
	t->finding_counts[t->n_findings] = (uint32_t)count;
	t->finding_levels[t->n_findings] = level_values[level];
	t->n_findings++;
	return 0;
}

static int
parse_expect(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node,
             struct policy_case *t)
{
	static const char *const verdicts[] = { "allow", "flag", "block", NULL };
	int v, r;

	if (node == NULL)
		return node_error(c, node, "missing");
	r = node_enum(c, node, "expect", verdicts, &v);
	if (r < 0)
		return r;
	t->expect = (enum phiguard_verdict)v;
	return 0;
}

static int
parse_case_fields(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node,
                  struct policy_case *t)
{
	static const char *const transports[] = { "tcp", "udp", NULL };
	static const char *const directions[] = { "outbound", "inbound", NULL };
	static const char *const protocols[] = { "tls", "quic", "http", "dns", "smtp", NULL };
	yaml_node_t *n;
	uint64_t v;
	int e, r;

	if ((n = node_map_get(c, node, "domain"))) {
		char norm[POLICY_MAX_DOMAIN + 3];

		r = node_expect(c, n, YAML_SCALAR_NODE, "domain");
		if (r < 0)
			return r;
		if (policy_normalize_domain(node_scalar(n), norm, sizeof(norm)) < 0 ||
		    norm[0] == '*')
			return node_error(c, n, "'%.80s' is not a domain name", node_scalar(n));
		t->domain = xstrdup(norm);
	}
	if ((n = node_map_get(c, node, "ip"))) {
		r = node_expect(c, n, YAML_SCALAR_NODE, "ip");
		if (r < 0)
			return r;
		if (inet_pton(AF_INET, node_scalar(n), t->addr) == 1)
			t->family = AF_INET;
		else if (inet_pton(AF_INET6, node_scalar(n), t->addr) == 1)
			t->family = AF_INET6;
		else
			return node_error(c, n, "'%.60s' is not an IPv4 or IPv6 address",
			                  node_scalar(n));
	}
	t->port = 443;
	if ((n = node_map_get(c, node, "port"))) {
		r = node_uint(c, n, "port", 1, 65535, &v);
		if (r < 0)
			return r;
		t->port = (uint16_t)v;
	}
	t->ip_proto = IPPROTO_TCP;
	if ((n = node_map_get(c, node, "transport"))) {
		r = node_enum(c, n, "transport", transports, &e);
		if (r < 0)
			return r;
		t->ip_proto = e ? IPPROTO_UDP : IPPROTO_TCP;
	}
	if ((n = node_map_get(c, node, "protocol"))) {
		r = node_enum(c, n, "protocol", protocols, &e);
		if (r < 0)
			return r;
		t->protocol = xstrdup(protocols[e]);
	}
	if ((n = node_map_get(c, node, "cleartext"))) {
		bool b;

		r = node_bool(c, n, "cleartext", &b);
		if (r < 0)
			return r;
		t->cleartext = b ? TRI_YES : TRI_NO;
	}
	if ((n = node_map_get(c, node, "direction"))) {
		r = node_enum(c, n, "direction", directions, &e);
		if (r < 0)
			return r;
		t->inbound = e == 1;
	}
	if ((n = node_map_get(c, node, "fingerprint")) &&
	    (r = node_name(c, n, "fingerprint", &t->fingerprint)) < 0)
		return r;
	if ((n = node_map_get(c, node, "payload"))) {
		char *s = NULL;

		r = node_string(c, n, "payload", POLICY_MAX_PAYLOAD, &s);
		if (r < 0)
			return r;
		t->payload = (uint8_t *)s;
		t->payload_len = strlen(s);
	}
	if ((n = node_map_get(c, node, "payload_hex"))) {
		if (t->payload != NULL)
			return node_error(c, n, "give payload or payload_hex, not both");
		r = node_expect(c, n, YAML_SCALAR_NODE, "payload_hex");
		if (r < 0)
			return r;
		if (n->data.scalar.length > 2 * POLICY_MAX_PAYLOAD)
			return node_error(c, n, "payload_hex is too long (at most %d bytes)",
			                  POLICY_MAX_PAYLOAD);
		r = parse_hex(c, n, t);
		if (r < 0)
			return r;
	}
	if ((n = node_map_get(c, node, "pcap")) &&
	    (r = node_string(c, n, "pcap", 4096, &t->pcap)) < 0)
		return r;
	if ((n = node_map_get(c, node, "bytes_out"))) {
		r = node_size(c, n, "bytes_out", &t->bytes_out);
		if (r < 0)
			return r;
		t->has_bytes_out = true;
	}
	if ((n = node_map_get(c, node, "uid"))) {
		r = node_uint(c, n, "uid", 0, UINT32_MAX, &v);
		if (r < 0)
			return r;
		t->uid = (uint32_t)v;
		t->has_uid = true;
	}
	if ((n = node_map_get(c, node, "gid"))) {
		r = node_uint(c, n, "gid", 0, UINT32_MAX, &v);
		if (r < 0)
			return r;
		t->gid = (uint32_t)v;
		t->has_uid = true;
	}
	if ((n = node_map_get(c, node, "user")) && (r = node_name(c, n, "user", &t->user_name)) < 0)
		return r;
	if ((n = node_map_get(c, node, "group")) &&
	    (r = node_name(c, n, "group", &t->group_name)) < 0)
		return r;
	if ((n = node_map_get(c, node, "executable")) &&
	    (r = node_string(c, n, "executable", 4096, &t->executable)) < 0)
		return r;
	if ((n = node_map_get(c, node, "findings"))) {
		r = node_expect(c, n, YAML_SEQUENCE_NODE, "findings");
		if (r < 0)
			return r;
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			if ((r = parse_stated_finding(c, policy, node_get(c, *it), t)) < 0)
				return r;
	}
	return 0;
}

static int
parse_case(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node,
           struct policy_case *t)
{
	static const char *const keys[] = { "name",        "domain",     "ip",          "port",
		                            "transport",   "protocol",   "cleartext",   "direction",
		                            "fingerprint", "payload",    "payload_hex", "pcap",
		                            "bytes_out",   "uid",        "gid",         "user",
		                            "group",       "executable", "findings",    "expect",
		                            "expect_rule", "expect_app", NULL };
	yaml_node_t *n;
	int r;

	r = node_check_map(c, node, "test", keys);
	if (r < 0)
		return r;
	t->line = (unsigned)node->start_mark.line + 1;
	t->column = (unsigned)node->start_mark.column + 1;
	n = node_map_get(c, node, "name");
	if (n == NULL)
		return node_error(c, node, "a test needs a name");
	r = node_name(c, n, "test name", &t->name);
	if (r < 0)
		return r;
	for (size_t i = 0; i < policy->n_cases; i++)
		if (strcmp(policy->cases[i].name, t->name) == 0)
			return node_error(c, n, "test '%s' is defined twice", t->name);
	r = parse_case_fields(c, policy, node, t);
	if (r < 0)
		return r;
	if (t->domain == NULL && t->family == 0 && t->fingerprint == NULL && t->pcap == NULL)
		return node_error(c, node,
		                  "test '%s' needs a destination: domain, ip, fingerprint or pcap",
		                  t->name);
	n = node_map_get(c, node, "expect");
	if (n == NULL)
		return node_error(c, node, "test '%s' needs expect: allow, flag or block", t->name);
	r = parse_expect(c, policy, n, t);
	if (r < 0)
		return r;
	if ((n = node_map_get(c, node, "expect_rule"))) {
		r = node_string(c, n, "expect_rule", POLICY_MAX_NAME, &t->expect_rule);
		if (r < 0)
			return r;
		if (t->expect_rule[0] != '\0' && strcmp(t->expect_rule, "none") != 0 &&
		    policy_find_rule(policy, t->expect_rule) == NULL) {
			const char **names = xcalloc(policy->n_rules + 1, sizeof(*names));

			for (size_t i = 0; i < policy->n_rules; i++)
				names[i] = policy->rules[i].name;
			r = policy_check_known(c, n, "rule", t->expect_rule, names, policy->n_rules,
			                       NULL);
			free(names);
			return r;
		}
		if (strcmp(t->expect_rule, "none") == 0)
			t->expect_rule[0] = '\0';
	}
	if ((n = node_map_get(c, node, "expect_app"))) {
		r = node_string(c, n, "expect_app", POLICY_MAX_NAME, &t->expect_app);
		if (r < 0)
			return r;
		if (strcmp(t->expect_app, "none") == 0) {
			t->expect_app[0] = '\0';
		} else {
			const char **names = xcalloc(policy->n_apps + 1, sizeof(*names));

			for (size_t i = 0; i < policy->n_apps; i++)
				names[i] = policy->apps[i].name;
			r = policy_check_known(c, n, "app", t->expect_app, names, policy->n_apps,
			                       NULL);
			free(names);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int
policy_parse_cases(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node)
{
	size_t n;
	int r;

	r = node_list(c, node, "tests", POLICY_MAX_CASES, &n);
	if (r < 0)
		return r;
	policy->cases = xcalloc(n, sizeof(*policy->cases));
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		r = parse_case(c, policy, node_get(c, *it), &policy->cases[policy->n_cases]);
		policy->n_cases++;
		if (r < 0)
			return r;
	}
	return 0;
}
