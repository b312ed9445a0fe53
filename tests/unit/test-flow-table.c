/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The flow table: both directions meet, the client is the first sender, bounds, timeouts, eviction. */
#include <netinet/in.h>
#include <stdlib.h>

#include "flow/flow.h"
#include "tap.h"
#include "test-decode-build.h"

struct ends {
	unsigned timeout, evicted, flushed, slot_freed;
};

static void
on_end(struct flow *f, enum flow_end_reason reason, void *ctx)
{
	struct ends *e = ctx;

	if (reason == FLOW_END_TIMEOUT)
		e->timeout++;
	else if (reason == FLOW_END_EVICTED)
		e->evicted++;
	else
		e->flushed++;
}

static struct ends *slot_ends;

static void
slot_free(void *state)
{
	slot_ends->slot_freed++;
	free(state);
}

static struct flow *
packet(struct flow_table *ft, uint16_t cport, int to_server, uint8_t flags, int64_t now,
       enum flow_dir *dir)
{
	uint8_t buf[128];
	struct decode_view v;
	size_t l4, len;

	if (to_server) {
		l4 = build_tcp(buf + 20, cport, 80, 1, 0, flags, NULL, 0);
		len = build_ipv4(buf, 0x0a000002, 0x0a000001, IPPROTO_TCP, l4);
	} else {
		l4 = build_tcp(buf + 20, 80, cport, 1, 0, flags, NULL, 0);
		len = build_ipv4(buf, 0x0a000001, 0x0a000002, IPPROTO_TCP, l4);
	}
	if (decode_packet(buf, len, &v) != 0)
		return NULL;
	struct flow *f = flow_table_get(ft, &v, now, dir);
	flow_tcp_packet(ft, f, *dir, &v, NULL, NULL);
	return f;
}

int
main(void)
{
	struct flow_table_config cfg;
	struct flow_table_counters c;
	struct ends e = { 0 };
	struct flow_table *ft;
	struct flow *a, *b;
	enum flow_dir dir;

	slot_ends = &e;
	flow_table_config_defaults(&cfg);
	cfg.max_flows = 4;
	cfg.hash_seed = 42;
	ft = flow_table_new(&cfg, on_end, &e);
	tap_ok(ft != NULL, "table created");
	flow_table_set_slot_free(ft, 1, slot_free);

	a = packet(ft, 40000, 1, DECODE_TCP_SYN, 1000000, &dir);
	tap_eq_int(dir, FLOW_DIR_TO_SERVER, "SYN goes to the server");
	a->slot[1] = malloc(16);
	b = packet(ft, 40000, 0, DECODE_TCP_SYN | DECODE_TCP_ACK, 1000100, &dir);
	tap_ok(a == b, "reply finds the same flow");
	tap_eq_int(dir, FLOW_DIR_TO_CLIENT, "SYN-ACK goes to the client");
	tap_eq_int(a->client_port, 40000, "client is the SYN sender");

	/* A capture that starts at the SYN-ACK: the client is still the right side. */
	b = packet(ft, 40001, 0, DECODE_TCP_SYN | DECODE_TCP_ACK, 1000200, &dir);
	tap_eq_int(b->client_port, 40001, "SYN-ACK first: client is its receiver");
	tap_eq_int(dir, FLOW_DIR_TO_CLIENT, "and the SYN-ACK goes to the client");

	packet(ft, 40002, 1, DECODE_TCP_SYN, 1000300, &dir);
	packet(ft, 40003, 1, DECODE_TCP_SYN, 1000400, &dir);
	flow_table_get_counters(ft, &c);
	tap_eq_int(c.flows_active, 4, "four flows");
	/* Touch the oldest so that it is not the one evicted. */
	packet(ft, 40000, 1, DECODE_TCP_ACK, 1000500, &dir);
	packet(ft, 40004, 1, DECODE_TCP_SYN, 1000600, &dir);
	flow_table_get_counters(ft, &c);
	tap_eq_int(c.flows_active, 4, "still four flows: bounded");
	tap_eq_int(c.flows_evicted, 1, "one eviction counted");
	tap_eq_int(e.evicted, 1, "end hook saw the eviction");
	tap_ok(packet(ft, 40000, 1, DECODE_TCP_ACK, 1000700, &dir) == a,
	       "recently used flow survived");
	flow_table_get_counters(ft, &c);
	tap_eq_int(c.flows_total, 5, "evicted LRU flow (40001) was the victim");

	/* RST: short timeout. */
	packet(ft, 40000, 1, DECODE_TCP_RST, 2000000, &dir);
	flow_table_expire(ft, 2000000 + cfg.tcp_closed_timeout_us + 1);
	flow_table_get_counters(ft, &c);
	tap_eq_int(c.flows_active, 3, "reset flow timed out after the closed timeout");
	tap_eq_int(e.slot_freed, 1, "its slot destructor ran");
	flow_table_expire(ft, 2000000 + cfg.tcp_timeout_us + 1);
	flow_table_get_counters(ft, &c);
	tap_eq_int(c.flows_active, 0, "idle flows time out");
	tap_eq_int(e.timeout, 4, "end hook saw four timeouts");

	packet(ft, 40010, 1, DECODE_TCP_SYN, 3000000, &dir);
	flow_table_free(ft);
	tap_eq_int(e.flushed, 1, "free ends the remaining flow");
	tap_diag("bytes per tracked flow in the table: %zu", flow_table_flow_size());
	return tap_done();
}
