/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_TESTS_CLASSIFY_CAPTURE_H
#define PHIGUARD_TESTS_CLASSIFY_CAPTURE_H

/*
 * Test helper: read a real capture (libpcap: pcap and pcapng; Ethernet with
 * VLAN tags, Linux cooked, raw IP) into flows: per flow the client's first
 * datagrams (UDP) or its byte stream reassembled by sequence number (TCP).
 * The client is the sender of a flow's first packet.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_MAX_FLOWS  1024
#define CAP_MAX_DGRAMS 8
#define CAP_STREAM_MAX 65536

struct cap_dgram {
	bool from_client;
	size_t len;
	uint8_t *data;
};

struct cap_flow {
	uint8_t ip_proto;
	int family;
	uint8_t cli[16], srv[16];
	uint16_t cport, sport;
	char srv_str[INET6_ADDRSTRLEN];
	/* TCP: client stream, contiguous from the first data byte */
	bool have_isn;
	uint32_t base_seq;
	size_t stream_len;
	uint8_t *stream;
	uint8_t *stream_have;
	size_t first_seg_len; /* length of the first client data segment */
	/* UDP (and TCP segments, for fingerprints): first datagrams, both directions */
	size_t n_dgrams;
	struct cap_dgram dgrams[CAP_MAX_DGRAMS];
};

struct cap_flows {
	size_t n;
	struct cap_flow *flows;
};

static const char *
cap_path(char *buf, size_t size, const char *name)
{
	const char *shared = getenv("PHIGUARD_SHARED");

	if (shared == NULL)
		return NULL;
	snprintf(buf, size, "%s/pcap/ndpi/%s", shared, name);
	return buf;
}

static struct cap_flow *
cap_flow_get(struct cap_flows *fl, uint8_t proto, int family, const uint8_t *src,
             const uint8_t *dst, uint16_t sp, uint16_t dp, bool syn_ack, bool *ret_from_client)
{
	size_t alen = family == AF_INET ? 4 : 16, i;
	struct cap_flow *f;

	for (i = 0; i < fl->n; i++) {
		f = &fl->flows[i];
		if (f->ip_proto != proto || f->family != family)
			continue;
		if (!memcmp(f->cli, src, alen) && !memcmp(f->srv, dst, alen) && f->cport == sp &&
		    f->sport == dp) {
			*ret_from_client = true;
			return f;
		}
		if (!memcmp(f->cli, dst, alen) && !memcmp(f->srv, src, alen) && f->cport == dp &&
		    f->sport == sp) {
			*ret_from_client = false;
			return f;
		}
	}
	if (fl->n == CAP_MAX_FLOWS)
		return NULL;
	if (syn_ack) {
		/* The capture starts at the server's SYN-ACK: the receiver is the client. */
		const uint8_t *a = src;
		uint16_t p = sp;

		src = dst;
		dst = a;
		sp = dp;
		dp = p;
	}
	f = &fl->flows[fl->n++];
	memset(f, 0, sizeof(*f));
	f->ip_proto = proto;
	f->family = family;
	memcpy(f->cli, src, alen);
	memcpy(f->srv, dst, alen);
	f->cport = sp;
	f->sport = dp;
	inet_ntop(family, dst, f->srv_str, sizeof(f->srv_str));
	f->stream = calloc(1, CAP_STREAM_MAX);
	f->stream_have = calloc(1, CAP_STREAM_MAX);
	*ret_from_client = !syn_ack;
	return f;
}

static void
cap_add_payload(struct cap_flow *f, bool from_client, uint32_t seq, const uint8_t *p, size_t len)
{
	if (f->n_dgrams < CAP_MAX_DGRAMS) {
		struct cap_dgram *d = &f->dgrams[f->n_dgrams++];

		d->from_client = from_client;
		d->len = len;
		d->data = malloc(len);
		memcpy(d->data, p, len);
	}
	if (f->ip_proto != IPPROTO_TCP || !from_client)
		return;
	if (!f->have_isn) {
		f->have_isn = true;
		f->base_seq = seq;
		f->first_seg_len = len;
	}
	for (size_t i = 0; i < len; i++) {
		uint32_t off = seq - f->base_seq + (uint32_t)i;

		if (off >= CAP_STREAM_MAX)
			break;
		f->stream[off] = p[i];
		f->stream_have[off] = 1;
	}
	while (f->stream_len < CAP_STREAM_MAX && f->stream_have[f->stream_len])
		f->stream_len++;
}

static void
cap_l3(struct cap_flows *fl, const uint8_t *p, size_t len)
{
	uint8_t proto;
	int family;
	const uint8_t *src, *dst, *l4;
	size_t l4len;

	if (len >= 20 && (p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4, tot = (size_t)p[2] << 8 | p[3];

		if (ihl < 20 || tot > len || tot < ihl || (p[6] & 0x1f) || p[7])
			return;
		family = AF_INET;
		proto = p[9];
		src = p + 12;
		dst = p + 16;
		l4 = p + ihl;
		l4len = tot - ihl;
	} else if (len >= 40 && (p[0] >> 4) == 6) {
		size_t pl = (size_t)p[4] << 8 | p[5];

		if (40 + pl > len)
			return;
		family = AF_INET6;
		proto = p[6];
		src = p + 8;
		dst = p + 24;
		l4 = p + 40;
		l4len = pl;
		while ((proto == 0 || proto == 43 || proto == 60) && l4len >= 8) {
			size_t hl = ((size_t)l4[1] + 1) * 8;

			if (hl > l4len)
				return;
			proto = l4[0];
			l4 += hl;
			l4len -= hl;
		}
	} else {
		return;
	}
	if (proto == IPPROTO_TCP && l4len >= 20) {
		size_t doff = (size_t)(l4[12] >> 4) * 4;
		uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]), dp = (uint16_t)(l4[2] << 8 | l4[3]);
		uint32_t seq = (uint32_t)l4[4] << 24 | (uint32_t)l4[5] << 16 |
		               (uint32_t)l4[6] << 8 | l4[7];
		bool from_client;
		struct cap_flow *f;

		if (doff < 20 || doff > l4len)
			return;
		f = cap_flow_get(fl, proto, family, src, dst, sp, dp, (l4[13] & 0x12) == 0x12,
		                 &from_client);
		if (f != NULL && l4len > doff)
			cap_add_payload(f, from_client, seq, l4 + doff, l4len - doff);
	} else if (proto == IPPROTO_UDP && l4len >= 8) {
		uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]), dp = (uint16_t)(l4[2] << 8 | l4[3]);
		bool from_client;
		struct cap_flow *f =
		        cap_flow_get(fl, proto, family, src, dst, sp, dp, false, &from_client);

		if (f != NULL && l4len > 8)
			cap_add_payload(f, from_client, 0, l4 + 8, l4len - 8);
	}
}

/* 0, or -1 when the capture cannot be read. */
static int
cap_read(const char *path, struct cap_flows *fl)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const uint8_t *p;
	pcap_t *pc = pcap_open_offline(path, err);
	int dlt;

	memset(fl, 0, sizeof(*fl));
	if (pc == NULL)
		return -1;
	fl->flows = calloc(CAP_MAX_FLOWS, sizeof(*fl->flows));
	dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &p) == 1) {
		size_t len = h->caplen, off = 0;
		uint16_t et = 0;

		if (dlt == DLT_EN10MB) {
			if (len < 14)
				continue;
			et = (uint16_t)(p[12] << 8 | p[13]);
			off = 14;
			while ((et == 0x8100 || et == 0x88a8) && len >= off + 4) {
				et = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
				off += 4;
			}
			if (et == 0x8864 && len >= off + 8) { /* PPPoE session: PPP protocol */
				uint16_t ppp = (uint16_t)(p[off + 6] << 8 | p[off + 7]);

				et = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
				off += 8;
			}
			if (et != 0x0800 && et != 0x86dd)
				continue;
		} else if (dlt == DLT_LINUX_SLL) {
			off = 16;
		} else if (dlt != DLT_RAW) {
			continue;
		}
		if (len > off)
			cap_l3(fl, p + off, len - off);
	}
	pcap_close(pc);
	return 0;
}

static void
cap_free(struct cap_flows *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		for (size_t j = 0; j < fl->flows[i].n_dgrams; j++)
			free(fl->flows[i].dgrams[j].data);
		free(fl->flows[i].stream);
		free(fl->flows[i].stream_have);
	}
	free(fl->flows);
	memset(fl, 0, sizeof(*fl));
}

#endif
