/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/encode.h"

#include <inttypes.h>
#include <stdio.h>

#include "config.h"
#include "report/encode-internal.h"
#include "report/strbuf.h"

#define S(field) (field), sizeof(field)

/* One extension pair; empty values are left out. Keys are ours: never escaped. */
static void
cef_ext(struct strbuf *sb, const char *key, const char *value, size_t max)
{
	if (value[0] == '\0')
		return;
	if (sb->len > 0 && sb->buf[sb->len - 1] != '|')
		strbuf_addc(sb, ' ');
	strbuf_adds(sb, key);
	strbuf_addc(sb, '=');
	strbuf_add_escaped(sb, value, max, STRBUF_CEF_VALUE);
}

static void
cef_ext_num(struct strbuf *sb, const char *key, int64_t value)
{
	if (sb->len > 0 && sb->buf[sb->len - 1] != '|')
		strbuf_addc(sb, ' ');
	strbuf_addf(sb, "%s=%" PRId64, key, value);
}

/* A custom string with its label (csN / csNLabel). */
static void
cef_custom(struct strbuf *sb, unsigned n, const char *label, const char *value, size_t max)
{
	char key[16], lkey[16];

	if (value[0] == '\0')
		return;
	(void)snprintf(lkey, sizeof(lkey), "cs%uLabel", n);
	(void)snprintf(key, sizeof(key), "cs%u", n);
	cef_ext(sb, lkey, label, 32);
	cef_ext(sb, key, value, max);
}

/* findings as "detector:count:confidence:token,token; ..." (samples are redacted shapes) */
static void
cef_findings(const struct phiguard_event *e, char *buf, size_t size)
{
	struct strbuf sb;
	unsigned n = e->n_findings < PHIGUARD_EVENT_MAX_FINDINGS ? e->n_findings
	                                                         : PHIGUARD_EVENT_MAX_FINDINGS;

	strbuf_init(&sb, buf, size);
	for (unsigned i = 0; i < n; i++) {
		const struct phiguard_event_finding *f = &e->findings[i];
		unsigned nt = f->n_tokens < PHIGUARD_EVENT_MAX_SAMPLES ? f->n_tokens
		                                                       : PHIGUARD_EVENT_MAX_SAMPLES;

		if (i > 0)
			strbuf_adds(&sb, "; ");
		strbuf_add_escaped(&sb, f->detector, sizeof(f->detector), STRBUF_RAW);
		strbuf_addf(&sb, ":%" PRIu32 ":%s", f->count,
		            phiguard_confidence_name(f->confidence));
		for (unsigned k = 0; k < nt; k++) {
			strbuf_adds(&sb, k == 0 ? ":" : ",");
			strbuf_add_escaped(&sb, f->tokens[k], sizeof(f->tokens[k]), STRBUF_RAW);
		}
	}
}

/* what was decoded to read them, as "detector:mime+zip; ..." (only findings that were) */
static void
cef_decoded(const struct phiguard_event *e, char *buf, size_t size)
{
	struct strbuf sb;
	unsigned n = e->n_findings < PHIGUARD_EVENT_MAX_FINDINGS ? e->n_findings
	                                                         : PHIGUARD_EVENT_MAX_FINDINGS;
	bool first = true;

	strbuf_init(&sb, buf, size);
	for (unsigned i = 0; i < n; i++) {
		const struct phiguard_event_finding *f = &e->findings[i];

		if (f->decoded == 0)
			continue;
		strbuf_adds(&sb, first ? "" : "; ");
		strbuf_add_escaped(&sb, f->detector, sizeof(f->detector), STRBUF_RAW);
		strbuf_adds(&sb, ":");
		report_add_decoded(&sb, f->decoded);
		first = false;
	}
}

static void
cef_labels(const struct report_encode_ctx *ctx, char *buf, size_t size)
{
	struct strbuf sb;

	strbuf_init(&sb, buf, size);
	if (ctx == NULL || ctx->labels == NULL)
		return;
	for (unsigned i = 0; i < ctx->labels->n && i < REPORT_LABELS_MAX; i++) {
		if (i > 0)
			strbuf_addc(&sb, ',');
		strbuf_adds(&sb, ctx->labels->key[i]);
		strbuf_addc(&sb, ':');
		strbuf_add_escaped(&sb, ctx->labels->value[i], REPORT_LABEL_VALUE_MAX, STRBUF_RAW);
	}
}

/* A heartbeat's counters go in msg: cs1..cs6 are all taken. */
static void
cef_heartbeat(struct strbuf *sb, const struct report_heartbeat *hb)
{
	char tmp[512];

	(void)snprintf(tmp, sizeof(tmp),
	               "heartbeat policy_hash:%s packets:%" PRIu64 " flows:%" PRIu64
	               " alerts:%" PRIu64 " blocks:%" PRIu64 " uninspected_periods:%" PRIu64
	               " spool_events:%" PRIu64 " spool_bytes:%" PRIu64 " dropped:%" PRIu64
	               " interval:%u",
	               hb->policy_hash, hb->packets, hb->flows, hb->alerts, hb->blocks,
	               hb->uninspected_periods, hb->spool_events, hb->spool_bytes, hb->dropped,
	               hb->interval);
	cef_ext(sb, "msg", S(tmp));
}

static void
cef_header(struct strbuf *sb, const struct phiguard_event *e)
{
	const char *name = e->message[0] != '\0' ? e->message : e->action;

	strbuf_adds(sb, "CEF:0|phiguard|phiguard|");
	strbuf_add_escaped(sb, PHIGUARD_VERSION, 32, STRBUF_CEF_HEADER);
	strbuf_addc(sb, '|');
	/* Device Event Class ID: stable per kind of event, e.g. "block:connection" */
	if (e->kind == PHIGUARD_EVENT_STATE)
		strbuf_adds(sb, "state");
	else
		strbuf_adds(sb, report_verdict_name(e->verdict));
	strbuf_addc(sb, ':');
	strbuf_add_escaped(sb, e->action, sizeof(e->action), STRBUF_CEF_HEADER);
	strbuf_addc(sb, '|');
	strbuf_add_escaped(sb, name, sizeof(e->message), STRBUF_CEF_HEADER);
	strbuf_addf(sb, "|%u|", report_severity(e));
}

int
report_encode_cef(const struct phiguard_event *e, const struct report_encode_ctx *ctx, char *buf,
                  size_t size)
{
	struct strbuf sb;
	char tmp[2048];

	strbuf_init(&sb, buf, size);
	cef_header(&sb, e);
	cef_ext_num(&sb, "rt", e->timestamp_us / 1000);
	cef_ext(&sb, "externalId", S(e->id));
	cef_ext(&sb, "act", e->kind == PHIGUARD_EVENT_STATE ? "" : report_verdict_name(e->verdict),
	        16);
	cef_ext(&sb, "cat", S(e->category));
	cef_ext(&sb, "dvchost", S(e->host_name));
	cef_ext(&sb, "deviceExternalId", S(e->host_id));
	cef_ext(&sb, "src", S(e->source_ip));
	if (e->source_port != 0)
		cef_ext_num(&sb, "spt", e->source_port);
	cef_ext(&sb, "dst", S(e->destination_ip));
	if (e->destination_port != 0)
		cef_ext_num(&sb, "dpt", e->destination_port);
	cef_ext(&sb, "dhost", S(e->destination_domain));
	cef_ext(&sb, "proto", S(e->transport));
	cef_ext(&sb, "app", S(e->protocol));
	if (e->bytes_out != 0)
		cef_ext_num(&sb, "out", (int64_t)(e->bytes_out & INT64_MAX));
	if (e->pid >= 0)
		cef_ext_num(&sb, "spid", e->pid);
	cef_ext(&sb, "sproc", S(e->executable));
	if (e->uid >= 0)
		cef_ext_num(&sb, "suid", e->uid);
	cef_ext(&sb, "suser", S(e->user_name));
	if (ctx != NULL && ctx->heartbeat != NULL)
		cef_heartbeat(&sb, ctx->heartbeat);
	else
		cef_ext(&sb, "msg", S(e->message));
	cef_ext(&sb, "reason", S(e->reason));
	cef_custom(&sb, 1, "rule", S(e->rule_name));
	cef_custom(&sb, 2, "app", S(e->app));
	cef_custom(&sb, 3, "policyVersion", S(e->policy_version));
	cef_custom(&sb, 4, "serverName", S(e->tls_server_name));
	cef_findings(e, tmp, sizeof(tmp));
	cef_custom(&sb, 5, "findings", S(tmp));
	cef_decoded(e, tmp, sizeof(tmp));
	if (tmp[0] != '\0') {
		cef_ext(&sb, "flexString1Label", "decoded", 16);
		cef_ext(&sb, "flexString1", S(tmp));
	}
	cef_labels(ctx, tmp, sizeof(tmp));
	cef_custom(&sb, 6, "labels", S(tmp));
	return strbuf_result(&sb);
}
