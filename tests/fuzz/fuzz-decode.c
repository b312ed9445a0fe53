/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input: one captured frame. The first byte picks the link type, the rest is
 * the frame: link layer -> IPv4/IPv6 (+ extension headers) -> TCP/UDP.
 */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "capture/capture.h"
#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int link_types[] = { DLT_RAW, DLT_EN10MB, DLT_LINUX_SLL, 276, DLT_NULL, DLT_LOOP };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_pkt pkt;
	struct decode_view v;
	volatile uint8_t sink = 0;

	if (size < 1)
		return 0;
	if (capture_link_to_l3(link_types[data[0] % (sizeof(link_types) / sizeof(link_types[0]))],
	                       data + 1, size - 1, &pkt) < 0)
		return 0;
	if (decode_packet(pkt.l3, pkt.l3_len, &v) < 0)
		return 0;
	/* What the decoder hands on must lie inside the frame: touch every byte. */
	if (v.payload < pkt.l3 || v.payload + v.payload_len > pkt.l3 + pkt.l3_len)
		abort();
	for (size_t i = 0; i < v.payload_len; i++)
		sink ^= v.payload[i];
	(void)sink;
	return 0;
}
