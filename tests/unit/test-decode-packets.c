/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decode_packet over well-formed and broken IPv4/IPv6/TCP/UDP: every length checked. */
#include <netinet/in.h>
#include <stdlib.h>

#include "decode/decode.h"
#include "tap.h"
#include "test-decode-build.h"

static void
test_ipv4_tcp(void)
{
	uint8_t buf[256];
	struct decode_view v;
	size_t len = build_tcp4(buf, 1, 1000, 0x18, "hello", 5);

	tap_eq_int(decode_packet(buf, len, &v), 0, "ipv4/tcp decodes");
	tap_eq_int(v.ip_version, 4, "version 4");
	tap_eq_int(v.src_port, 40000, "source port");
	tap_eq_int(v.dst_port, 80, "destination port");
	tap_eq_int(v.tcp_seq, 1000, "sequence number");
	tap_eq_int(v.tcp_flags, 0x18, "flags");
	tap_eq_int(v.payload_len, 5, "payload length");
	tap_ok(v.payload != NULL && memcmp(v.payload, "hello", 5) == 0, "payload bytes");
	tap_eq_int(v.flags, 0, "no anomaly");

	/* Ethernet pads short frames: bytes after the total length are not payload. */
	memset(buf + len, 0xee, 6);
	tap_eq_int(decode_packet(buf, len + 6, &v), 0, "padded frame decodes");
	tap_eq_int(v.payload_len, 5, "padding is not payload");
	tap_ok((v.flags & DECODE_F_TRAILING) != 0, "padding flagged");
}

static void
test_ipv4_malformed(void)
{
	uint8_t buf[256], copy[256];
	struct decode_view v;
	size_t len = build_tcp4(buf, 1, 1, 0x18, "hello", 5);

	/* Every truncation of a good packet is flagged, never read past. */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *exact = malloc(cut ? cut : 1); /* ASan sees any overread */

		memcpy(exact, buf, cut);
		if (decode_packet(exact, cut, &v) == 0 || (v.flags & DECODE_F_MALFORMED) == 0) {
			tap_ok(false, "truncated to %zu bytes flagged", cut);
			free(exact);
			return;
		}
		free(exact);
	}
	tap_ok(true, "every truncation flagged (%zu cases)", len);

	memcpy(copy, buf, len);
	copy[0] = 0x44; /* IHL 4 */
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_BAD_HDR_LEN), "IHL < 5");
	memcpy(copy, buf, len);
	copy[0] = 0x4f; /* IHL 15 = 60 bytes, more than the total length */
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_MALFORMED), "IHL > total");
	memcpy(copy, buf, len);
	put16(copy + 2, 10); /* total < header */
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_BAD_TOTAL_LEN),
	       "total length < header");
	memcpy(copy, buf, len);
	put16(copy + 2, (uint16_t)(len + 1));
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_TRUNCATED),
	       "total length > captured");
	memcpy(copy, buf, len);
	copy[32] = 0x40; /* TCP data offset 4 */
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_BAD_HDR_LEN),
	       "tcp data offset < 5");
	memcpy(copy, buf, len);
	copy[32] = 0xf0; /* TCP data offset 60 > segment */
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_TRUNCATED),
	       "tcp data offset past the end");
	memcpy(copy, buf, len);
	copy[0] = 0x55;
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_BAD_VERSION), "version 5");
	memcpy(copy, buf, len);
	put16(copy + 6, 0x2000); /* MF */
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_FRAGMENT) &&
	               !(v.flags & DECODE_F_MALFORMED),
	       "first fragment flagged, not malformed");
	memcpy(copy, buf, len);
	put16(copy + 6, 0x0010);
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_FRAGMENT),
	       "later fragment flagged");
	memcpy(copy, buf, len);
	copy[33] = 0x03; /* SYN+FIN */
	tap_ok(decode_packet(copy, len, &v) == 0 && (v.flags & DECODE_F_BAD_TCP_FLAGS),
	       "SYN+FIN flagged");
	memcpy(copy, buf, len);
	copy[9] = 1; /* ICMP */
	tap_ok(decode_packet(copy, len, &v) < 0 && (v.flags & DECODE_F_UNSUPPORTED) &&
	               !(v.flags & DECODE_F_MALFORMED),
	       "ICMP is unsupported, not malformed");
}

static void
test_udp(void)
{
	uint8_t buf[256];
	struct decode_view v;
	size_t len = build_ipv4(buf, 1, 2, IPPROTO_UDP, build_udp(buf + 20, 5353, 53, "abc", 3));

	tap_eq_int(decode_packet(buf, len, &v), 0, "ipv4/udp decodes");
	tap_eq_int(v.payload_len, 3, "udp payload length");
	put16(buf + 24, 7);
	tap_ok(decode_packet(buf, len, &v) < 0 && (v.flags & DECODE_F_BAD_TOTAL_LEN),
	       "udp length < 8");
	put16(buf + 24, 100);
	tap_ok(decode_packet(buf, len, &v) < 0 && (v.flags & DECODE_F_TRUNCATED),
	       "udp length > datagram");
	put16(buf + 24, 9);
	tap_ok(decode_packet(buf, len, &v) == 0 && v.payload_len == 1,
	       "udp length shorter than IP payload wins");
}

static size_t
ext_hdr(uint8_t *p, uint8_t next, uint8_t len8)
{
	memset(p, 0, (size_t)(len8 + 1) * 8);
	p[0] = next;
	p[1] = len8;
	if (len8 == 0) {
		p[2] = 1; /* PadN covering the rest */
		p[3] = 2;
	}
	return (size_t)(len8 + 1) * 8;
}

static void
test_ipv6(void)
{
	uint8_t buf[512];
	struct decode_view v;
	size_t off = 40, l4;

	l4 = build_tcp(buf + off, 1234, 443, 7, 0, 0x02, NULL, 0);
	build_ipv6(buf, 2, 1, IPPROTO_TCP, l4);
	tap_eq_int(decode_packet(buf, 40 + l4, &v), 0, "ipv6/tcp decodes");
	tap_eq_int(v.ip_version, 6, "version 6");
	tap_eq_int(v.dst_port, 443, "ipv6 destination port");
	tap_eq_int(v.src[15], 2, "ipv6 source address");

	/* hop-by-hop -> destination options -> routing -> fragment (atomic) -> TCP */
	off = 40;
	off += ext_hdr(buf + off, IPPROTO_DSTOPTS, 0);
	off += ext_hdr(buf + off, IPPROTO_ROUTING, 1);
	off += ext_hdr(buf + off, IPPROTO_FRAGMENT, 0);
	memset(buf + off, 0, 8);
	buf[off] = IPPROTO_TCP;
	off += 8;
	l4 = build_tcp(buf + off, 1234, 443, 7, 0, 0x18, "x", 1);
	build_ipv6(buf, 2, 1, IPPROTO_HOPOPTS, off - 40 + l4);
	tap_eq_int(decode_packet(buf, off + l4, &v), 0, "extension chain walked");
	tap_eq_int(v.ip_proto, IPPROTO_TCP, "upper layer found");
	tap_eq_int(v.payload_len, 1, "payload after the chain");

	/* A real fragment (M set) is flagged. */
	put16(buf + off - 8 + 2, 0x0001);
	tap_ok(decode_packet(buf, off + l4, &v) < 0 && (v.flags & DECODE_F_FRAGMENT),
	       "ipv6 fragment flagged");
	put16(buf + off - 8 + 2, 0);

	/* Extension length pointing past the packet. */
	buf[40 + 1] = 200;
	tap_ok(decode_packet(buf, off + l4, &v) < 0 && (v.flags & DECODE_F_TRUNCATED),
	       "extension header past the end");

	/* A chain longer than the limit. */
	off = 40;
	for (int i = 0; i < DECODE_IPV6_MAX_EXT + 2; i++)
		off += ext_hdr(buf + off, IPPROTO_DSTOPTS, 0);
	buf[off - 8] = IPPROTO_TCP;
	l4 = build_tcp(buf + off, 1, 2, 0, 0, 0x02, NULL, 0);
	build_ipv6(buf, 2, 1, IPPROTO_DSTOPTS, off - 40 + l4);
	tap_ok(decode_packet(buf, off + l4, &v) < 0 && (v.flags & DECODE_F_EXT_LIMIT),
	       "too many extension headers");

	/* Payload length beyond the capture. */
	l4 = build_tcp(buf + 40, 1, 2, 0, 0, 0x02, NULL, 0);
	build_ipv6(buf, 2, 1, IPPROTO_TCP, l4 + 10);
	tap_ok(decode_packet(buf, 40 + l4, &v) < 0 && (v.flags & DECODE_F_TRUNCATED),
	       "ipv6 payload length > captured");
	/* ESP: what follows is encrypted. */
	build_ipv6(buf, 2, 1, IPPROTO_ESP, l4);
	tap_ok(decode_packet(buf, 40 + l4, &v) < 0 && (v.flags & DECODE_F_UNSUPPORTED),
	       "ESP is unsupported");
}

int
main(void)
{
	test_ipv4_tcp();
	test_ipv4_malformed();
	test_udp();
	test_ipv6();
	return tap_done();
}
