/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/encode.h"

#include <ctype.h>
#include <inttypes.h>

#include "report/encode-internal.h"
#include "report/strbuf.h"

#define S(field) (field), sizeof(field)

static void
text_upper(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++)
		strbuf_addc(sb, (char)toupper((unsigned char)*s));
}

/* 2024-11-28T23:40:01Z BLOCK whatsapp web.whatsapp.com 10.0.0.2:443 rule=... user=... */
int
report_format_text(const struct phiguard_event *e, char *buf, size_t size)
{
	struct strbuf sb;
	char ts[40];
	unsigned n = e->n_findings < PHIGUARD_EVENT_MAX_FINDINGS ? e->n_findings
	                                                         : PHIGUARD_EVENT_MAX_FINDINGS;

	strbuf_init(&sb, buf, size);
	if (report_format_time(e->timestamp_us, ts, sizeof(ts)) >= 0) {
		ts[19] = '\0'; /* seconds are enough for people */
		strbuf_adds(&sb, ts);
		strbuf_adds(&sb, "Z ");
	}
	text_upper(&sb,
	           e->kind == PHIGUARD_EVENT_STATE ? "state" : report_verdict_name(e->verdict));
	if (e->app[0] != '\0') {
		strbuf_addc(&sb, ' ');
		strbuf_add_escaped(&sb, S(e->app), STRBUF_ASCII);
	}
	if (e->destination_domain[0] != '\0' || e->tls_server_name[0] != '\0') {
		strbuf_addc(&sb, ' ');
		if (e->destination_domain[0] != '\0')
			strbuf_add_escaped(&sb, S(e->destination_domain), STRBUF_ASCII);
		else
			strbuf_add_escaped(&sb, S(e->tls_server_name), STRBUF_ASCII);
	}
	if (e->destination_ip[0] != '\0') {
		strbuf_addc(&sb, ' ');
		strbuf_add_escaped(&sb, S(e->destination_ip), STRBUF_ASCII);
		if (e->destination_port != 0)
			strbuf_addf(&sb, ":%u", e->destination_port);
	}
	if (e->action[0] != '\0') {
		strbuf_adds(&sb, " action=");
		strbuf_add_escaped(&sb, S(e->action), STRBUF_ASCII);
	}
	if (e->rule_name[0] != '\0') {
		strbuf_adds(&sb, " rule=");
		strbuf_add_escaped(&sb, S(e->rule_name), STRBUF_ASCII);
	}
	if (e->user_name[0] != '\0') {
		strbuf_adds(&sb, " user=");
		strbuf_add_escaped(&sb, S(e->user_name), STRBUF_ASCII);
	} else if (e->uid >= 0) {
		strbuf_addf(&sb, " uid=%" PRId64, e->uid);
	}
	if (e->executable[0] != '\0') {
		strbuf_adds(&sb, " process=");
		strbuf_add_escaped(&sb, S(e->executable), STRBUF_ASCII);
		if (e->pid >= 0)
			strbuf_addf(&sb, "[%" PRId64 "]", e->pid);
	}
	for (unsigned i = 0; i < n; i++) {
		strbuf_adds(&sb, i == 0 ? " findings=" : ",");
		strbuf_add_escaped(&sb, S(e->findings[i].detector), STRBUF_ASCII);
		strbuf_addf(&sb, "x%" PRIu32 "(%s", e->findings[i].count,
		            phiguard_confidence_name(e->findings[i].confidence));
		if (e->findings[i].decoded != 0) {
			strbuf_adds(&sb, ", in ");
			report_add_decoded(&sb, e->findings[i].decoded);
		}
		strbuf_adds(&sb, ")");
	}
	if (e->message[0] != '\0') {
		strbuf_adds(&sb, " - ");
		strbuf_add_escaped(&sb, S(e->message), STRBUF_ASCII);
	}
	return strbuf_result(&sb);
}
