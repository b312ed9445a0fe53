/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DECODE_H
#define PHIGUARD_DECODE_H

/*
 * Decode an IP packet (IPv4, or IPv6 with its extension headers) down to its
 * TCP or UDP header. Pure functions over a borrowed byte view: fields are
 * read with byte loads, never by casting packet bytes to structs, and every
 * length is checked against the bytes actually present. Malformed input is
 * not an error: it sets DECODE_F_* flags in the result and the caller counts
 * it and lets the packet pass.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Anomalies; any flag in DECODE_F_MALFORMED means the L4 fields are not usable. */
#define DECODE_F_TRUNCATED     (1U << 0) /* fewer bytes than a header or length field says */
#define DECODE_F_BAD_VERSION   (1U << 1) /* IP version nibble is not 4 or 6 */
#define DECODE_F_BAD_HDR_LEN   (1U << 2) /* IPv4 IHL < 5, or TCP data offset < 5 */
#define DECODE_F_BAD_TOTAL_LEN (1U << 3) /* IPv4 total length < header, UDP length < 8 */
#define DECODE_F_EXT_LIMIT     (1U << 4) /* too many IPv6 extension headers */
#define DECODE_F_BAD_EXT       (1U << 5) /* malformed IPv6 extension header */
#define DECODE_F_FRAGMENT      (1U << 6) /* IP fragment: not reassembled here */
#define DECODE_F_UNSUPPORTED   (1U << 7) /* not TCP/UDP (ICMP, ESP, jumbogram, ...): not malformed */
#define DECODE_F_TRAILING      (1U << 8) /* bytes after the IP total length (link padding), trimmed */
#define DECODE_F_BAD_TCP_FLAGS (1U << 9) /* SYN+FIN, SYN+RST: evasion or scan */

#define DECODE_F_MALFORMED                                                  \
	(DECODE_F_TRUNCATED | DECODE_F_BAD_VERSION | DECODE_F_BAD_HDR_LEN | \
	 DECODE_F_BAD_TOTAL_LEN | DECODE_F_EXT_LIMIT | DECODE_F_BAD_EXT)

/* A bounded walk: real stacks send one or two; more is an evasion attempt. */
#define DECODE_IPV6_MAX_EXT 8

#define DECODE_TCP_FIN 0x01
#define DECODE_TCP_SYN 0x02
#define DECODE_TCP_RST 0x04
#define DECODE_TCP_PSH 0x08
#define DECODE_TCP_ACK 0x10
#define DECODE_TCP_URG 0x20

/* The decoded packet. Pointers borrow the caller's buffer. */
struct decode_view {
	uint32_t flags;     /* DECODE_F_* */
	uint8_t ip_version; /* 4 or 6 (0 when not even that could be read) */
	uint8_t ip_proto;   /* the upper-layer protocol after extension headers */
	uint8_t ttl;        /* IPv4 TTL or IPv6 hop limit */
	uint8_t src[16];    /* network order; 4 bytes used for IPv4 */
	uint8_t dst[16];
	const uint8_t *l4; /* upper-layer header */
	size_t l4_len;     /* upper-layer bytes, up to the IP payload end */
	bool has_ports;    /* TCP or UDP decoded */
	uint16_t src_port;
	uint16_t dst_port;
	const uint8_t *payload; /* TCP/UDP payload */
	size_t payload_len;
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint8_t tcp_flags; /* DECODE_TCP_* */
	uint16_t tcp_window;
};

/* Dispatch on the version nibble. Returns 0 when ports were decoded, else -EINVAL. */
int decode_packet(const uint8_t *data, size_t len, struct decode_view *ret);

/* The steps, for tests and for callers that know the family. */
int decode_ipv4(const uint8_t *data, size_t len, struct decode_view *ret);
int decode_ipv6(const uint8_t *data, size_t len, struct decode_view *ret);
int decode_tcp(const uint8_t *data, size_t len, struct decode_view *ret);
int decode_udp(const uint8_t *data, size_t len, struct decode_view *ret);

/* Big-endian loads; the caller has checked the length. */
static inline uint16_t
decode_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
decode_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The address length for a decoded IP version (4 or 16). */
static inline size_t
decode_addr_len(const struct decode_view *v)
{
	return v->ip_version == 6 ? 16 : 4;
}

#endif
