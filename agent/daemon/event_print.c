/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/event_print.h"

#include <inttypes.h>
#include <time.h>

static const char *const kinds[] = { "alert", "event", "state" };

static void
json_str(FILE *out, const char *key, const char *s, bool *first)
{
	if (!s[0])
		return;
	fprintf(out, "%s\"%s\":\"", *first ? "" : ",", key);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
	*first = false;
}

static void
json_int(FILE *out, const char *key, int64_t v, bool *first)
{
	if (v < 0)
		return;
	fprintf(out, "%s\"%s\":%" PRId64, *first ? "" : ",", key, v);
	*first = false;
}

static void
timestamp(const struct phiguard_event *ev, char *buf, size_t len)
{
	time_t secs = (time_t)(ev->timestamp_us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ev->timestamp_us % 1000000));
}

void
event_print(FILE *out, const struct phiguard_event *ev, bool json)
{
	char ts[64];
	bool first = true;

	timestamp(ev, ts, sizeof(ts));
	if (!json) {
		fprintf(out,
		        "%s %s %s %s:%u -> %s:%u %s%s%s app=%s uid=%" PRId64 " pid=%" PRId64
		        " exe=%s rule=%s %s\n",
		        ts, phiguard_verdict_name(ev->verdict), ev->action, ev->source_ip,
		        ev->source_port, ev->destination_ip, ev->destination_port,
		        ev->tls_server_name[0] ? "sni=" : "", ev->tls_server_name,
		        ev->tls_server_name[0] ? "" : ev->destination_domain,
		        ev->app[0] ? ev->app : "-", ev->uid, ev->pid,
		        ev->executable[0] ? ev->executable : "-",
		        ev->rule_name[0] ? ev->rule_name : "-", ev->message);
		fflush(out);
		return;
	}
	fputc('{', out);
	json_str(out, "@timestamp", ts, &first);
	json_str(out, "event.id", ev->id, &first);
	json_str(out, "event.kind", kinds[ev->kind % 3], &first);
	json_str(out, "event.action", ev->action, &first);
	json_str(out, "rule.name", ev->rule_name, &first);
	json_str(out, "message", ev->message, &first);
	json_str(out, "source.ip", ev->source_ip, &first);
	json_int(out, "source.port", ev->source_ip[0] ? ev->source_port : -1, &first);
	json_str(out, "destination.ip", ev->destination_ip, &first);
	json_int(out, "destination.port", ev->destination_ip[0] ? ev->destination_port : -1,
	         &first);
	json_str(out, "destination.domain", ev->destination_domain, &first);
	json_str(out, "tls.client.server_name", ev->tls_server_name, &first);
	json_str(out, "network.transport", ev->transport, &first);
	json_str(out, "network.protocol", ev->protocol, &first);
	json_int(out, "process.pid", ev->pid, &first);
	json_str(out, "process.executable", ev->executable, &first);
	json_int(out, "user.id", ev->uid, &first);
	json_str(out, "user.name", ev->user_name, &first);
	json_str(out, "host.name", ev->host_name, &first);
	json_str(out, "phiguard.verdict", phiguard_verdict_name(ev->verdict), &first);
	json_str(out, "phiguard.app", ev->app, &first);
	json_str(out, "phiguard.category", ev->category, &first);
	json_str(out, "phiguard.policy_version", ev->policy_version, &first);
	json_str(out, "phiguard.reason", ev->reason, &first);
	fputs("}\n", out);
	fflush(out);
}
