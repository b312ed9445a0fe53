/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETHERTYPE_IPV4          0x0800
#define ETHERTYPE_IPV6          0x86dd
#define ETHERTYPE_VLAN          0x8100
#define ETHERTYPE_QINQ          0x88a8
#define ETHERTYPE_QINQ_OLD      0x9100
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define PPP_IPV4                0x0021
#define PPP_IPV6                0x0057
#define MAX_VLAN_TAGS           4 /* stacked tags beyond this are not real traffic */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

struct capture_pcap {
	pcap_t *pcap; /* owned */
	int dlt;
	uint64_t skipped;
};

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static int
ethertype_to_l3(uint16_t type, const uint8_t *data, size_t len, struct capture_pkt *ret)
{
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return -EPROTONOSUPPORT;
	ret->l3 = data;
	ret->l3_len = len;
	return 0;
}

/* Ethernet II with up to MAX_VLAN_TAGS 802.1Q/802.1ad tags, and PPPoE sessions. */
static int
ether_to_l3(const uint8_t *data, size_t len, struct capture_pkt *ret)
{
	size_t off = 12;
	uint16_t type;

	if (len < 14)
		return -EINVAL;
	type = be16(data + off);
	off += 2;
	for (unsigned n = 0;
	     type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD; n++) {
		if (n >= MAX_VLAN_TAGS || len - off < 4)
			return -EINVAL;
		if (ret->vlan == 0)
			ret->vlan = be16(data + off) & 0x0fff;
		type = be16(data + off + 2);
		off += 4;
	}
	if (type == ETHERTYPE_PPPOE_SESSION) {
		/* RFC 2516: 6-byte PPPoE header, then the 2-byte PPP protocol. */
		if (len - off < 8)
			return -EINVAL;
		type = be16(data + off + 6);
		if (type != PPP_IPV4 && type != PPP_IPV6)
			return -EPROTONOSUPPORT;
		type = type == PPP_IPV4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
		off += 8;
	}
	return ethertype_to_l3(type, data + off, len - off, ret);
}

/* The version nibble is all a raw-IP link tells us. */
static int
raw_to_l3(const uint8_t *data, size_t len, struct capture_pkt *ret)
{
	if (len < 1)
		return -EINVAL;
	if (data[0] >> 4 != 4 && data[0] >> 4 != 6)
		return -EPROTONOSUPPORT;
	ret->l3 = data;
	ret->l3_len = len;
	return 0;
}

int
capture_link_to_l3(int dlt, const uint8_t *data, size_t len, struct capture_pkt *ret)
{
	ret->l3 = NULL;
	ret->l3_len = 0;
	ret->vlan = 0;
	switch (dlt) {
	case DLT_EN10MB:
		return ether_to_l3(data, len, ret);
	case DLT_LINUX_SLL:
		/* 16 bytes; protocol (ethertype) in the last two. */
		if (len < 16)
			return -EINVAL;
		return ethertype_to_l3(be16(data + 14), data + 16, len - 16, ret);
	case DLT_LINUX_SLL2:
		/* 20 bytes; protocol first. */
		if (len < 20)
			return -EINVAL;
		return ethertype_to_l3(be16(data), data + 20, len - 20, ret);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return raw_to_l3(data, len, ret);
	case DLT_NULL:
	case DLT_LOOP:
		/* 4-byte address family: host order for NULL, network order for LOOP. */
		if (len < 4)
			return -EINVAL;
		/* AF_INET6 differs between BSDs (24, 28, 30): trust the IP version instead. */
		return raw_to_l3(data + 4, len - 4, ret);
	default:
		return -EPROTONOSUPPORT;
	}
}

int
capture_pcap_open(const char *path, struct capture_pcap **ret, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct capture_pcap *cap;

	cap = calloc(1, sizeof(*cap));
	if (cap == NULL)
		return -ENOMEM;
	/* Microsecond timestamps whatever the file stores (pcapng may use ns). */
	cap->pcap =
	        pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (cap->pcap == NULL) {
		snprintf(errbuf, errlen, "%s", perr);
		free(cap);
		return -EINVAL;
	}
	cap->dlt = pcap_datalink(cap->pcap);
	*ret = cap;
	return 0;
}

int
capture_pcap_next(struct capture_pcap *cap, struct capture_pkt *ret)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int r;

	for (;;) {
		r = pcap_next_ex(cap->pcap, &hdr, &data);
		if (r == PCAP_ERROR_BREAK)
			return 0;
		if (r != 1)
			return -EIO;
		if (capture_link_to_l3(cap->dlt, data, hdr->caplen, ret) == 0)
			break;
		cap->skipped++;
	}
	ret->ts_us = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
	ret->wire_len = hdr->len;
	return 1;
}

uint64_t
capture_pcap_skipped(const struct capture_pcap *cap)
{
	return cap->skipped;
}

void
capture_pcap_close(struct capture_pcap *cap)
{
	if (cap == NULL)
		return;
	pcap_close(cap->pcap);
	free(cap);
}
