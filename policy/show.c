/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy/show.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>

#include "policy/internal.h"

static void
quote(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void
strv_line(FILE *out, const char *indent, const char *key, const struct strv *v)
{
	if (v->n == 0)
		return;
	fprintf(out, "%s%s: [", indent, key);
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			fputs(", ", out);
		quote(out, v->v[i]);
	}
	fputs("]\n", out);
}

static void
cidr_line(FILE *out, const char *indent, const char *key, const struct cidr *v, size_t n)
{
	if (n == 0)
		return;
	fprintf(out, "%s%s: [", indent, key);
	for (size_t i = 0; i < n; i++) {
		char buf[INET6_ADDRSTRLEN];

		inet_ntop(v[i].family, v[i].addr, buf, sizeof(buf));
		fprintf(out, "%s\"%s/%u\"", i ? ", " : "", buf, v[i].len);
	}
	fputs("]\n", out);
}

static void
ports_line(FILE *out, const char *indent, const struct port_range *v, size_t n)
{
	if (n == 0)
		return;
	fprintf(out, "%sports: [", indent);
	for (size_t i = 0; i < n; i++) {
		const char *proto = v[i].ip_proto == IPPROTO_TCP   ? "tcp/"
		                    : v[i].ip_proto == IPPROTO_UDP ? "udp/"
		                                                   : "";

		if (v[i].lo == v[i].hi)
			fprintf(out, "%s\"%s%u\"", i ? ", " : "", proto, v[i].lo);
		else
			fprintf(out, "%s\"%s%u-%u\"", i ? ", " : "", proto, v[i].lo, v[i].hi);
	}
	fputs("]\n", out);
}

static void
ids_line(FILE *out, const char *key, const struct id_list *l)
{
	if (l->n_ids + l->names.n == 0)
		return;
	fprintf(out, "      %s: [", key);
	for (size_t i = 0; i < l->names.n; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", l->names.v[i]);
	/* ids resolved from names follow the numeric ones the file gave; print all */
	for (size_t i = 0; i < l->n_ids; i++)
		fprintf(out, "%s%" PRIu32, (i || l->names.n) ? ", " : "", l->ids[i]);
	fputs("]\n", out);
}

static const char *const evidence_names[] = { "none", "redacted", "token", "full" };
static const char *const scope_names[] = { "any", "external", "internal" };
static const char *const direction_names[] = { "any", "outbound", "inbound" };

static void
show_rule(const struct policy *policy, const struct rule *r, FILE *out)
{
	fprintf(out, "  - name: \"%s\"\n", r->name);
	if (r->description) {
		fputs("    description: ", out);
		quote(out, r->description);
		fputc('\n', out);
	}
	fputs("    when:\n", out);
	if (r->n_apps || r->unknown_app) {
		fputs("      app: [", out);
		for (size_t i = 0; i < r->n_apps; i++)
			fprintf(out, "%s\"%s\"", i ? ", " : "", policy->apps[r->apps[i]].name);
		if (r->unknown_app)
			fprintf(out, "%s\"none\"", r->n_apps ? ", " : "");
		fputs("]\n", out);
	}
	if (r->n_categories) {
		fputs("      category: [", out);
		for (size_t i = 0; i < r->n_categories; i++)
			fprintf(out, "%s\"%s\"", i ? ", " : "",
			        policy->categories[r->categories[i]].name);
		fputs("]\n", out);
	}
	fprintf(out, "      destination: %s\n", scope_names[r->dest]);
	strv_line(out, "      ", "domains", &r->domains);
	cidr_line(out, "      ", "cidrs", r->cidrs, r->n_cidrs);
	ports_line(out, "      ", r->ports, r->n_ports);
	strv_line(out, "      ", "protocol", &r->protocols);
	if (r->cleartext != TRI_ANY)
		fprintf(out, "      cleartext: %s\n", r->cleartext == TRI_YES ? "true" : "false");
	if (r->media != TRI_ANY)
		fprintf(out, "      media: %s\n", r->media == TRI_YES ? "true" : "false");
	fprintf(out, "      direction: %s\n", direction_names[r->direction]);
	if (r->min_bytes_out)
		fprintf(out, "      min_bytes_out: %" PRIu64 "\n", r->min_bytes_out);
	if (r->n_findings) {
		fputs("      findings:\n", out);
		for (size_t i = 0; i < r->n_findings; i++) {
			const struct finding_cond *fc = &r->findings[i];

			if (fc->names.n == 0) {
				fputs("        - detector: any\n", out);
			} else {
				fputs("        - ", out);
				strv_line(out, "", "detector", &fc->names);
			}
			fprintf(out, "          min_count: %" PRIu32 "\n", fc->min_count);
			fprintf(out, "          min_confidence: %s\n",
			        phiguard_confidence_name(fc->min_confidence));
		}
	}
	ids_line(out, "user", &r->users);
	ids_line(out, "group", &r->groups);
	strv_line(out, "      ", "executable", &r->executables);
	fprintf(out, "    action: %s\n", phiguard_verdict_name(r->action));
	fprintf(out, "    severity: %u\n", r->severity);
}

void
policy_show(const struct policy *policy, FILE *out)
{
	fputs("# effective policy: defaults filled in, built-in catalogue merged\n", out);
	fputs("version: ", out);
	quote(out, policy->version);
	fprintf(out, "\n# sha256: %s\n", policy->hash);
	if (policy->description) {
		fputs("description: ", out);
		quote(out, policy->description);
		fputc('\n', out);
	}
	fputs("settings:\n", out);
	fprintf(out, "  evidence: %s\n", evidence_names[policy->evidence]);
	if (policy->evidence == POLICY_EVIDENCE_FULL)
		fputs("  acknowledge_raw_phi_leaves_host: true\n", out);
	fprintf(out, "  default_action: %s\n", phiguard_verdict_name(policy->default_action));
	/* The catalogue is written out in full below, so the output stands alone. */
	fputs("  builtin_apps: false\n", out);
	fputs("categories:\n", out);
	for (size_t i = 0; i < policy->n_categories; i++) {
		const struct category *c = &policy->categories[i];

		fprintf(out, "  \"%s\":\n", c->name);
		if (c->description) {
			fputs("    description: ", out);
			quote(out, c->description);
			fputc('\n', out);
		}
		fprintf(out, "    fail_mode: %s\n",
		        c->fail_mode == FAIL_CLOSED ? "closed" : "open");
		fprintf(out, "    approved: %s\n", c->approved ? "true" : "false");
	}
	fputs("apps:\n", out);
	for (size_t i = 0; i < policy->n_apps; i++) {
		const struct app *a = &policy->apps[i];

		fprintf(out, "  \"%s\":%s\n", a->name, a->builtin ? "  # built-in" : "");
		fprintf(out, "    category: \"%s\"\n", policy->categories[a->category].name);
		strv_line(out, "    ", "domains", &a->domains);
		strv_line(out, "    ", "media_domains", &a->media_domains);
		cidr_line(out, "    ", "cidrs", a->cidrs, a->n_cidrs);
		ports_line(out, "    ", a->ports, a->n_ports);
		strv_line(out, "    ", "fingerprints", &a->fingerprints);
		fprintf(out, "    priority: %d\n", a->priority);
	}
	fputs("detectors:\n", out);
	fprintf(out, "  builtin: %s\n", policy->builtin_detectors ? "true" : "false");
	strv_line(out, "  ", "disable", &policy->disabled_detectors);
	fputs("  # known: ", out);
	for (size_t i = 0; i < policy->detector_names.n; i++)
		fprintf(out, "%s%s", i ? ", " : "", policy->detector_names.v[i]);
	fputs("\n# rules: first match in this order wins\nrules:\n", out);
	for (size_t i = 0; i < policy->n_rules; i++)
		show_rule(policy, &policy->rules[i], out);
	fprintf(out, "# %zu test case(s): run them with 'phiguard policy test'\n", policy->n_cases);
}

void
policy_get_stats(const struct policy *policy, struct policy_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->apps = policy->n_apps;
	ret->categories = policy->n_categories;
	ret->rules = policy->n_rules;
	ret->cases = policy->n_cases;
	ret->detectors = policy->detector_names.n;
	ret->matcher_db_bytes = policy->matcher_db_bytes;
	ret->compile_us = policy->compile_us;
	ret->matcher_cpu_us = policy->matcher_cpu_us;
	ret->have_matcher = policy->matcher != NULL;
}
