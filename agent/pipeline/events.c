/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pipeline/pipeline-internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* A random (version 4) UUID: event.id stays the same however often the event is resent. */
static void
uuid_v4(char out[40], uint64_t fallback)
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		/* No entropy yet (early boot): unique within this process is the best we have. */
		memset(b, 0, sizeof(b));
		memcpy(b, &fallback, sizeof(fallback));
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}

static void
addr_str(const struct flow *f, const uint8_t *addr, char *out, size_t size)
{
	if (inet_ntop(f->key.family == 6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)size) == NULL)
		out[0] = '\0';
}

static void
event_fill(struct pipeline *p, const struct flow *f, const struct pflow *pf,
           struct phiguard_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	uuid_v4(ev->id, p->counters.events + p->counters.packets);
	ev->timestamp_us = p->now_us;
	snprintf(ev->rule_name, sizeof(ev->rule_name), "%s", pf->rule_name);
	ev->severity = pf->severity;
	addr_str(f, f->client_addr, ev->source_ip, sizeof(ev->source_ip));
	addr_str(f, f->server_addr, ev->destination_ip, sizeof(ev->destination_ip));
	ev->source_port = f->client_port;
	ev->destination_port = f->server_port;
	snprintf(ev->destination_domain, sizeof(ev->destination_domain), "%s", pf->domain);
	snprintf(ev->tls_server_name, sizeof(ev->tls_server_name), "%s", pf->sni);
	snprintf(ev->transport, sizeof(ev->transport), "%s",
	         f->key.ip_proto == IPPROTO_TCP ? "tcp" : "udp");
	snprintf(ev->protocol, sizeof(ev->protocol), "%s", pf->protocol);
	ev->bytes_out = f->bytes[FLOW_DIR_TO_SERVER];
	ev->pid = pf->pid;
	snprintf(ev->executable, sizeof(ev->executable), "%s", pf->exe != NULL ? pf->exe : "");
	ev->uid = pf->has_uid ? (int64_t)pf->uid : -1;
	if (pf->has_uid) {
		const struct pipeline_ident *id = pipeline_ident_get(p, pf->uid, pf->gid);

		if (id != NULL)
			snprintf(ev->user_name, sizeof(ev->user_name), "%s", id->user);
	}
	/*
	 * A block decided once the flow's last bytes had left stopped nothing:
	 * the SOC must not read it as contained.
	 */
	ev->verdict = pf->late_block ? PHIGUARD_VERDICT_FLAG : pf->verdict;
	snprintf(ev->app, sizeof(ev->app), "%s", pf->app);
	snprintf(ev->category, sizeof(ev->category), "%s", pf->category);
	snprintf(ev->policy_version, sizeof(ev->policy_version), "%s", pipeline_policy_version(p));
	ev->n_findings = pf->n_findings;
	if (pf->n_findings > 0)
		memcpy(ev->findings, pf->findings, pf->n_findings * sizeof(ev->findings[0]));
}

/* The reason and message name detectors and destinations, never matched content. */
static void
describe(struct phiguard_event *ev, const char *what, bool late_block)
{
	const char *dest =
	        ev->destination_domain[0] != '\0' ? ev->destination_domain : ev->destination_ip;
	char found[96] = "";
	size_t off = 0;

	for (uint32_t i = 0; i < ev->n_findings && off < sizeof(found); i++) {
		int n = snprintf(found + off, sizeof(found) - off, "%s%s x%u", i ? ", " : "",
		                 ev->findings[i].detector, ev->findings[i].count);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	(void)snprintf(ev->reason, sizeof(ev->reason), "%s%s%s%s%s",
	               ev->rule_name[0] != '\0' ? "rule " : "no rule matched", ev->rule_name,
	               found[0] != '\0' ? ": " : "", found, "");
	if (late_block) {
		size_t end = strlen(ev->reason);

		(void)snprintf(ev->reason + end, sizeof(ev->reason) - end,
		               "; not blocked: decided after the flow's last bytes had left");
	}
	/* Truncation of a long name is fine in a one-line message. */
	(void)snprintf(ev->message, sizeof(ev->message), "%s %s %s to %.180s:%u%s%s%s%s",
	               phiguard_verdict_name(ev->verdict), what,
	               ev->protocol[0] != '\0' ? ev->protocol : ev->transport, dest,
	               ev->destination_port, ev->app[0] != '\0' ? " (" : "", ev->app,
	               ev->app[0] != '\0' ? ")" : "", "");
}

void
pipeline_emit_alert(struct pipeline *p, const struct flow *f, const struct pflow *pf)
{
	struct phiguard_event ev;

	event_fill(p, f, pf, &ev);
	ev.kind = PHIGUARD_EVENT_ALERT;
	snprintf(ev.action, sizeof(ev.action), "%s", pf->n_findings > 0 ? "upload" : "connection");
	describe(&ev, pf->n_findings > 0 ? "upload" : "connection", pf->late_block);
	p->counters.events++;
	if (p->emit != NULL)
		p->emit(&ev, p->emit_ctx);
}

void
pipeline_emit_flow_record(struct pipeline *p, const struct flow *f, const struct pflow *pf)
{
	struct phiguard_event ev;

	event_fill(p, f, pf, &ev);
	ev.kind = PHIGUARD_EVENT_FLOW;
	snprintf(ev.action, sizeof(ev.action), "flow-end");
	describe(&ev, "flow", pf->late_block);
	if (p->emit != NULL)
		p->emit(&ev, p->emit_ctx);
}
