/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pipeline's own bookkeeping under the default policy: one record per flow
 * with the client as source, malformed packets counted and passed, the flow
 * table bounded with evictions counted, and every flow decided once its
 * client has spoken.
 */
#include <netinet/in.h>
#include <stdlib.h>

#include "decode/decode.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "tap.h"
#include "test-decode-build.h"

struct seen {
	unsigned records;
	unsigned alerts;
	enum phiguard_verdict last_alert;
	char last_source[46];
	uint16_t last_sport;
	char last_dest[46];
};

static void
on_event(const struct phiguard_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (ev->kind == PHIGUARD_EVENT_FLOW) {
		s->records++;
		snprintf(s->last_source, sizeof(s->last_source), "%s", ev->source_ip);
		snprintf(s->last_dest, sizeof(s->last_dest), "%s", ev->destination_ip);
		s->last_sport = ev->source_port;
	} else {
		s->alerts++;
		s->last_alert = ev->verdict;
	}
}

static void
send_pkt(struct pipeline *p, const uint8_t *buf, size_t len, int64_t ts,
         struct pipeline_result *res)
{
	struct pkt_meta meta = { .ts_us = ts, .outbound = true };

	pipeline_packet(p, buf, len, &meta, res);
}

/* One client segment of an upload from 10.0.0.2:@sport to 203.0.113.10:80. */
static void
send_upload(struct pipeline *p, uint8_t *buf, uint16_t sport, uint32_t seq, uint8_t flags,
            const void *data, size_t len, int64_t ts, struct pipeline_result *res)
{
	size_t l4 = build_tcp(buf + 20, sport, 80, seq, 0, flags, data, len);

	send_pkt(p, buf, build_ipv4(buf, 0x0a000002, 0xcb00710a, IPPROTO_TCP, l4), ts, res);
}

int
main(void)
{
	struct pipeline_config cfg;
	struct pipeline_counters c;
	struct pipeline_result res;
	struct seen s = { 0 };
	struct policy *policy = NULL;
	struct pipeline *p;
	struct phiguard_error err;
	uint8_t buf[256];
	size_t len;

	tap_eq_int(policy_load_default(&policy, &err), 0, "default policy loads");
	pipeline_config_defaults(&cfg);
	cfg.max_flows = 2;
	cfg.flow_records = true;
	p = pipeline_new(&cfg, policy, on_event, &s);
	tap_ok(p != NULL, "pipeline created");

	len = build_tcp4(buf, 0, 5000, DECODE_TCP_SYN | DECODE_TCP_ACK, NULL, 0);
	send_pkt(p, buf, len, 1000000, &res);
	tap_eq_int(res.action, PIPELINE_ACCEPT, "no client bytes yet: keep queueing");
	tap_ok(res.first_packet, "the flow's first packet says so (attribution looks it up)");
	len = build_tcp4(buf, 1, 1001, DECODE_TCP_ACK | DECODE_TCP_PSH, "\x01\x02\x03\x04", 4);
	send_pkt(p, buf, len, 1000100, &res);
	tap_ok(!res.first_packet, "the second does not");
	/* Four bytes may not be enough for every classifier; the client's FIN settles it. */
	len = build_tcp4(buf, 1, 1005, DECODE_TCP_ACK | DECODE_TCP_FIN, NULL, 0);
	send_pkt(p, buf, len, 1000150, &res);
	tap_ok(res.action != PIPELINE_ACCEPT, "client done sending: flow decided (action %d)",
	       res.action);

	/* Garbage is counted and passed. */
	memset(buf, 0x45, 30);
	send_pkt(p, buf, 30, 1000200, &res);
	tap_eq_int(res.action, PIPELINE_ACCEPT, "malformed packet passes");
	send_pkt(p, buf, 0, 1000200, &res);
	pipeline_get_counters(p, &c);
	tap_eq_int(c.malformed, 2, "malformed packets counted");

	/* Three UDP flows through a two-flow table. */
	for (uint16_t port = 1; port <= 3; port++) {
		len = build_ipv4(buf, 0x0a000002, 0x0a000001, IPPROTO_UDP,
		                 build_udp(buf + 20, (uint16_t)(50000 + port), 9999, "hi", 2));
		send_pkt(p, buf, len, 1000300 + port, &res);
	}
	pipeline_get_counters(p, &c);
	tap_eq_int(c.flows_total, 4, "four flows seen");
	tap_eq_int(c.flows_active, 2, "table bounded at two");
	tap_eq_int(c.flows_evicted, 2, "two evictions counted");
	tap_eq_int(s.records, 2, "evicted flows got their records");
	tap_eq_str(s.last_source, "10.0.0.2", "record source is the client");
	tap_eq_int(s.last_sport, 50001, "oldest UDP flow went second");
	/* Swap the policy under a flow that is being inspected, then keep sending. */
	{
		static const char req[] = "POST /n HTTP/1.1\r\nHost: records.example.org\r\n"
		                          "Content-Length: 40\r\n\r\nnotes: ";
		struct policy *next = NULL;

		send_upload(p, buf, 41000, 100, DECODE_TCP_SYN, NULL, 0, 1000400, &res);
		send_upload(p, buf, 41000, 101, DECODE_TCP_ACK, req, sizeof(req) - 1, 1000410,
		            &res);
		tap_eq_int(res.action, PIPELINE_INSPECT,
		           "cleartext upload to an external host: inspect");
		tap_eq_int(policy_load_default(&next, &err), 0, "second policy loads");
		pipeline_set_policy(p, next);
		policy_unref(next); /* the pipeline holds its own reference */
		send_upload(p, buf, 41000, (uint32_t)(101 + sizeof(req) - 1), DECODE_TCP_ACK,
		            "Patient NHS no 401 023 2137", 27, 1000420, &res);
		tap_eq_int(res.action, PIPELINE_INSPECT,
		           "after the swap the flow is inspected again");
	}
	pipeline_flush(p);
	tap_eq_int(s.records, 5, "flush closes the rest");
	pipeline_get_counters(p, &c);
	tap_eq_int(c.flows_active, 0, "no flows after flush");
	/* The matcher may report a value once its context is complete: by the flow's end at the latest. */
	tap_eq_int(s.alerts, 1, "one alert: the new policy flags what followed the swap");
	tap_eq_int(s.last_alert, PHIGUARD_VERDICT_FLAG, "and it is a flag");
	/* Once flagged with nothing left to decide, the rest of the flow is not scanned. */
	{
		static const char req[] = "POST /n HTTP/1.1\r\nHost: records.example.org\r\n"
		                          "Content-Length: 400\r\n\r\n";
		char body[300];
		uint64_t scanned;
		uint8_t big[400];

		memset(body, ' ', sizeof(body));
		memcpy(body, "Patient NHS no 401 023 2137, seen today", 39);
		send_upload(p, big, 41001, 100, DECODE_TCP_SYN, NULL, 0, 2000000, &res);
		send_upload(p, big, 41001, 101, DECODE_TCP_ACK, req, sizeof(req) - 1, 2000010,
		            &res);
		tap_eq_int(res.action, PIPELINE_INSPECT, "second upload: inspected");
		send_upload(p, big, 41001, (uint32_t)(101 + sizeof(req) - 1), DECODE_TCP_ACK, body,
		            sizeof(body), 2000020, &res);
		tap_eq_int(s.alerts, 2, "the labelled NHS number flags it at once");
		tap_eq_int(res.action, PIPELINE_BYPASS, "final flag: the kernel carries the rest");
		pipeline_get_counters(p, &c);
		scanned = c.bytes_scanned;
		send_upload(p, big, 41001, (uint32_t)(101 + sizeof(req) - 1 + sizeof(body)),
		            DECODE_TCP_ACK, body, sizeof(body), 2000030, &res);
		pipeline_get_counters(p, &c);
		tap_eq_int(c.bytes_scanned, scanned, "and no byte after the flag is scanned");
	}
	tap_diag("pipeline state per flow: %zu bytes (plus windows and matcher streams)",
	         pipeline_flow_memory());
	pipeline_free(p);
	policy_unref(policy);
	return tap_done();
}
