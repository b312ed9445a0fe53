/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input: a sequence of TCP segments for one flow, each encoded as
 *   u8 flags (bit 0: to client, bit 1: SYN, bit 2: FIN, bit 3: RST)
 *   u16 sequence offset (big-endian, added to a base near the wrap point)
 *   u8 length, then that many payload bytes.
 * They go through a small flow table (2 flows, 512-byte window) so the
 * limits, overlaps, holes and wrap-around are all reachable. Checks: the
 * bytes handed on equal what reassembly says it delivered, and the window
 * never holds more than its size.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct total {
	uint64_t bytes;
};

static void
count(const uint8_t *data, size_t len, void *ctx)
{
	struct total *t = ctx;
	volatile uint8_t sink = 0;

	for (size_t i = 0; i < len; i++)
		sink ^= data[i];
	(void)sink;
	t->bytes += len;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t
segment(uint8_t *pkt, int to_client, uint8_t tcp_flags, uint32_t seq, const uint8_t *payload,
        size_t plen)
{
	uint8_t *ip = pkt, *tcp = pkt + 20;

	memset(pkt, 0, 40);
	ip[0] = 0x45;
	put16(ip + 2, (uint32_t)(40 + plen));
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	ip[12] = 10, ip[15] = to_client ? 1 : 2;
	ip[16] = 10, ip[19] = to_client ? 2 : 1;
	put16(tcp, to_client ? 80 : 40000);
	put16(tcp + 2, to_client ? 40000 : 80);
	put16(tcp + 4, seq >> 16);
	put16(tcp + 6, seq);
	tcp[12] = 5 << 4;
	tcp[13] = tcp_flags;
	memcpy(pkt + 40, payload, plen);
	return 40 + plen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t base = 0xffffff00U;
	struct flow_table_config cfg;
	struct flow_table *ft;
	struct total t = { 0 };
	uint8_t pkt[40 + 255];
	size_t off = 0;

	flow_table_config_defaults(&cfg);
	cfg.max_flows = 2;
	cfg.reasm_window = 512;
	cfg.hash_seed = 1;
	ft = flow_table_new(&cfg, NULL, NULL);
	if (ft == NULL)
		return 0;
	while (size - off >= 4) {
		uint8_t fl = data[off], len = data[off + 3], tcp_flags = DECODE_TCP_ACK;
		uint32_t seq = base + ((uint32_t)data[off + 1] << 8 | data[off + 2]);
		struct decode_view v;
		enum flow_dir dir;
		struct flow *f;
		size_t plen;

		off += 4;
		plen = len <= size - off ? len : size - off;
		if (fl & 2)
			tcp_flags |= DECODE_TCP_SYN;
		if (fl & 4)
			tcp_flags |= DECODE_TCP_FIN;
		if (fl & 8)
			tcp_flags |= DECODE_TCP_RST;
		if (decode_packet(pkt, segment(pkt, fl & 1, tcp_flags, seq, data + off, plen),
		                  &v) == 0) {
			f = flow_table_get(ft, &v, 1, &dir);
			flow_tcp_packet(ft, f, dir, &v, count, &t);
			if (f->reasm.queued > f->reasm.window)
				abort();
			if (f->reasm.delivered != t.bytes)
				abort();
		}
		off += plen;
	}
	flow_table_free(ft);
	return 0;
}
