/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_TEST_DECODE_BUILD_H
#define PHIGUARD_TEST_DECODE_BUILD_H

/* Packet builders for the decode, flow and pipeline tests: well-formed packets to bend. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* TCP header (20 bytes) + payload at @p; returns the length. */
__attribute__((unused)) static size_t
build_tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
          const void *payload, size_t plen)
{
	memset(p, 0, 20);
	put16(p, sport);
	put16(p + 2, dport);
	put32(p + 4, seq);
	put32(p + 8, ack);
	p[12] = 5 << 4;
	p[13] = flags;
	put16(p + 14, 65535);
	if (plen > 0)
		memcpy(p + 20, payload, plen);
	return 20 + plen;
}

__attribute__((unused)) static size_t
build_udp(uint8_t *p, uint16_t sport, uint16_t dport, const void *payload, size_t plen)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + plen));
	put16(p + 6, 0);
	if (plen > 0)
		memcpy(p + 8, payload, plen);
	return 8 + plen;
}

/* IPv4 header around an already-built L4 at @buf + 20. */
__attribute__((unused)) static size_t
build_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, size_t l4len)
{
	memset(buf, 0, 20);
	buf[0] = 0x45;
	put16(buf + 2, (uint16_t)(20 + l4len));
	put16(buf + 6, 0x4000); /* DF */
	buf[8] = 64;
	buf[9] = proto;
	put32(buf + 12, src);
	put32(buf + 16, dst);
	return 20 + l4len;
}

/* IPv6 header; @l4len counts everything after the fixed header (extension headers too). */
__attribute__((unused)) static size_t
build_ipv6(uint8_t *buf, uint8_t last_src, uint8_t last_dst, uint8_t next, size_t l4len)
{
	memset(buf, 0, 40);
	buf[0] = 0x60;
	put16(buf + 4, (uint16_t)l4len);
	buf[6] = next;
	buf[7] = 64;
	buf[8] = 0xfd;
	buf[23] = last_src;
	buf[24] = 0xfd;
	buf[39] = last_dst;
	return 40 + l4len;
}

/* A whole IPv4/TCP packet from client 10.0.0.2:40000 to server 10.0.0.1:80 (or back). */
__attribute__((unused)) static size_t
build_tcp4(uint8_t *buf, int to_server, uint32_t seq, uint8_t flags, const void *payload,
           size_t plen)
{
	size_t l4;

	if (to_server) {
		l4 = build_tcp(buf + 20, 40000, 80, seq, 0, flags, payload, plen);
		return build_ipv4(buf, 0x0a000002, 0x0a000001, 6, l4);
	}
	l4 = build_tcp(buf + 20, 80, 40000, seq, 0, flags, payload, plen);
	return build_ipv4(buf, 0x0a000001, 0x0a000002, 6, l4);
}

#endif
