/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CAPTURE_H
#define PHIGUARD_CAPTURE_H

/*
 * Packet sources. The offline reader (pcap.c) feeds `phiguard replay` from
 * pcap and pcapng files through libpcap; the link layer is stripped here so
 * the pipeline always receives an IP packet.
 */

#include <stddef.h>
#include <stdint.h>

/* A packet as read: the L3 bytes are borrowed until the next read or close. */
struct capture_pkt {
	const uint8_t *l3;
	size_t l3_len;
	int64_t ts_us;
	uint32_t wire_len; /* original length on the wire (the capture may be shorter) */
	uint16_t vlan;     /* outermost 802.1Q VLAN id, 0 when untagged */
};

/*
 * Strip the link layer of @dlt (a DLT_* value from libpcap) from @data. 0 with
 * ret->l3 set, -EPROTONOSUPPORT for a link type or ethertype that does not
 * carry IP (ARP, LLDP, ...), -EINVAL when truncated.
 */
int capture_link_to_l3(int dlt, const uint8_t *data, size_t len, struct capture_pkt *ret);

struct capture_pcap;

/*
 * Open a pcap or pcapng file ("-" for standard input). 0, or negative errno
 * with a message for people in @errbuf.
 */
int capture_pcap_open(const char *path, struct capture_pcap **ret, char *errbuf, size_t errlen);
/*
 * The next IP packet: 1 with *ret filled, 0 at the end of the file, negative
 * errno on a read error. Frames that carry no IP are skipped and counted.
 */
int capture_pcap_next(struct capture_pcap *cap, struct capture_pkt *ret);
/* Frames skipped: not IP (ARP, ...) or link layer truncated. */
uint64_t capture_pcap_skipped(const struct capture_pcap *cap);
/* Accepts NULL. */
void capture_pcap_close(struct capture_pcap *cap);

#endif
