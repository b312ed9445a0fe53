/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/encode.h"

#include <errno.h>
#include <stdio.h>

#include "config.h"
#include "report/encode-internal.h"
#include "report/json.h"

#define S(field) (field), sizeof(field)

static void
ecs_event(struct json *j, const struct phiguard_event *e)
{
	const char *type = "info";

	if (e->kind != PHIGUARD_EVENT_STATE)
		type = e->verdict == PHIGUARD_VERDICT_BLOCK ? "denied" : "allowed";
	json_open(j, "event", '{');
	json_str(j, "id", S(e->id));
	json_str(j, "kind", report_kind_name(e->kind), 16);
	json_str(j, "action", S(e->action));
	json_uint(j, "severity", report_severity(e));
	json_open(j, "category", '[');
	json_str(j, NULL, e->kind == PHIGUARD_EVENT_STATE ? "host" : "network", 16);
	json_close(j, ']');
	json_open(j, "type", '[');
	json_str(j, NULL, type, 16);
	json_close(j, ']');
	json_close(j, '}');
}

static void
ecs_network(struct json *j, const struct phiguard_event *e)
{
	if (e->source_ip[0] != '\0' || e->source_port != 0 || e->bytes_out != 0) {
		json_open(j, "source", '{');
		json_str(j, "ip", S(e->source_ip));
		if (e->source_port != 0)
			json_uint(j, "port", e->source_port);
		if (e->bytes_out != 0)
			json_uint(j, "bytes", e->bytes_out);
		json_close(j, '}');
	}
	if (e->destination_ip[0] != '\0' || e->destination_port != 0 ||
	    e->destination_domain[0] != '\0') {
		json_open(j, "destination", '{');
		json_str(j, "ip", S(e->destination_ip));
		if (e->destination_port != 0)
			json_uint(j, "port", e->destination_port);
		json_str(j, "domain", S(e->destination_domain));
		json_close(j, '}');
	}
	if (e->tls_server_name[0] != '\0') {
		json_open(j, "tls", '{');
		json_open(j, "client", '{');
		json_str(j, "server_name", S(e->tls_server_name));
		json_close(j, '}');
		json_close(j, '}');
	}
	if (e->transport[0] != '\0' || e->protocol[0] != '\0') {
		json_open(j, "network", '{');
		json_str(j, "transport", S(e->transport));
		json_str(j, "protocol", S(e->protocol));
		json_close(j, '}');
	}
}

static void
ecs_who(struct json *j, const struct phiguard_event *e, const struct report_encode_ctx *ctx)
{
	char uid[24];

	if (e->pid >= 0 || e->executable[0] != '\0') {
		json_open(j, "process", '{');
		if (e->pid >= 0)
			json_int(j, "pid", e->pid);
		json_str(j, "executable", S(e->executable));
		json_close(j, '}');
	}
	if (e->uid >= 0 || e->user_name[0] != '\0') {
		json_open(j, "user", '{');
		if (e->uid >= 0) {
			/* ECS user.id is a keyword */
			(void)snprintf(uid, sizeof(uid), "%lld", (long long)e->uid);
			json_str(j, "id", S(uid));
		}
		json_str(j, "name", S(e->user_name));
		json_close(j, '}');
	}
	json_open(j, "host", '{');
	json_str(j, "name", S(e->host_name));
	json_str(j, "id", S(e->host_id));
	json_close(j, '}');
	if (ctx != NULL && ctx->labels != NULL && ctx->labels->n > 0) {
		json_open(j, "labels", '{');
		for (unsigned i = 0; i < ctx->labels->n && i < REPORT_LABELS_MAX; i++) {
			/* keys are checked by the config parser: [a-z0-9_] */
			json_str(j, ctx->labels->key[i], S(ctx->labels->value[i]));
		}
		json_close(j, '}');
	}
	json_open(j, "observer", '{');
	json_str(j, "vendor", "phiguard", 16);
	json_str(j, "product", "phiguard", 16);
	json_str(j, "version", PHIGUARD_VERSION, 32);
	json_close(j, '}');
}

static void
ecs_findings(struct json *j, const struct phiguard_event *e)
{
	unsigned n = e->n_findings < PHIGUARD_EVENT_MAX_FINDINGS ? e->n_findings
	                                                         : PHIGUARD_EVENT_MAX_FINDINGS;

	if (n == 0)
		return;
	json_open(j, "findings", '[');
	for (unsigned i = 0; i < n; i++) {
		const struct phiguard_event_finding *f = &e->findings[i];
		unsigned ns = f->n_samples < PHIGUARD_EVENT_MAX_SAMPLES
		                      ? f->n_samples
		                      : PHIGUARD_EVENT_MAX_SAMPLES;
		unsigned nt = f->n_tokens < PHIGUARD_EVENT_MAX_SAMPLES ? f->n_tokens
		                                                       : PHIGUARD_EVENT_MAX_SAMPLES;

		json_open(j, NULL, '{');
		json_str(j, "detector", S(f->detector));
		json_uint(j, "count", f->count);
		json_str(j, "confidence", phiguard_confidence_name(f->confidence), 16);
		json_open(j, "samples", '[');
		for (unsigned k = 0; k < ns; k++)
			json_str(j, NULL, S(f->samples[k]));
		json_close(j, ']');
		json_open(j, "tokens", '[');
		for (unsigned k = 0; k < nt; k++)
			json_str(j, NULL, S(f->tokens[k]));
		json_close(j, ']');
		if (f->decoded != 0) {
			json_open(j, "decoded", '[');
			for (unsigned k = 0; k < PHIGUARD_DECODINGS; k++)
				if (f->decoded & (1U << k) &&
				    phiguard_decoding_name(1U << k) != NULL)
					json_str(j, NULL, phiguard_decoding_name(1U << k), 32);
			json_close(j, ']');
		}
		json_close(j, '}');
	}
	json_close(j, ']');
}

static void
ecs_heartbeat(struct json *j, const struct report_heartbeat *hb)
{
	json_open(j, "heartbeat", '{');
	json_str(j, "policy_hash", S(hb->policy_hash));
	json_uint(j, "packets", hb->packets);
	json_uint(j, "flows", hb->flows);
	json_uint(j, "alerts", hb->alerts);
	json_uint(j, "blocks", hb->blocks);
	json_uint(j, "uninspected_periods", hb->uninspected_periods);
	json_uint(j, "spool_events", hb->spool_events);
	json_uint(j, "spool_bytes", hb->spool_bytes);
	json_uint(j, "dropped", hb->dropped);
	json_uint(j, "interval", hb->interval);
	json_close(j, '}');
}

int
report_encode_ecs_ctx(const struct phiguard_event *e, const struct report_encode_ctx *ctx,
                      char *buf, size_t size)
{
	struct strbuf sb;
	struct json j;
	char ts[40];

	strbuf_init(&sb, buf, size);
	json_init(&j, &sb);
	json_open(&j, NULL, '{');
	if (report_format_time(e->timestamp_us, ts, sizeof(ts)) >= 0)
		json_str(&j, "@timestamp", S(ts));
	json_str(&j, "message", S(e->message));
	ecs_event(&j, e);
	if (e->rule_name[0] != '\0') {
		json_open(&j, "rule", '{');
		json_str(&j, "name", S(e->rule_name));
		json_close(&j, '}');
	}
	ecs_network(&j, e);
	ecs_who(&j, e, ctx);
	json_open(&j, "phiguard", '{');
	if (e->kind != PHIGUARD_EVENT_STATE)
		json_str(&j, "verdict", report_verdict_name(e->verdict), 16);
	json_str(&j, "app", S(e->app));
	json_str(&j, "category", S(e->category));
	json_str(&j, "policy_version", S(e->policy_version));
	json_str(&j, "reason", S(e->reason));
	ecs_findings(&j, e);
	if (ctx != NULL && ctx->heartbeat != NULL)
		ecs_heartbeat(&j, ctx->heartbeat);
	json_close(&j, '}');
	json_close(&j, '}');
	return strbuf_result(&sb);
}

int
report_encode_ecs(const struct phiguard_event *event, char *buf, size_t size)
{
	return report_encode_ecs_ctx(event, NULL, buf, size);
}
