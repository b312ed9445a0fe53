/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decode/decode.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "decode/decode-internal.h"

#define IPV6_HDR 40

#ifndef IPPROTO_MH
#define IPPROTO_MH 135
#endif

/*
 * Walk the extension-header chain (RFC 8200 section 4) to the upper layer.
 * Returns 0 with *off and ret->ip_proto at the upper-layer header, or
 * -EINVAL with a flag set. ESP hides what follows: reported as unsupported.
 */
static int
ipv6_skip_ext(const uint8_t *data, size_t len, size_t *off, struct decode_view *ret)
{
	uint8_t nh = ret->ip_proto;
	size_t pos = *off, hlen;
	unsigned n;

	for (n = 0;; n++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_MH:
			if (len - pos < 8)
				goto truncated;
			hlen = ((size_t)data[pos + 1] + 1) * 8;
			break;
		case IPPROTO_AH:
			/* RFC 4302: length in 4-octet units, minus 2. */
			if (len - pos < 8)
				goto truncated;
			hlen = ((size_t)data[pos + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			if (len - pos < 8)
				goto truncated;
			hlen = 8;
			/* Offset or more-fragments set: a piece of a datagram. */
			if ((decode_be16(data + pos + 2) & 0xfff9) != 0) {
				ret->ip_proto = data[pos];
				ret->flags |= DECODE_F_FRAGMENT;
				return -EINVAL;
			}
			break;
		default:
			ret->ip_proto = nh;
			*off = pos;
			return 0;
		}
		if (n >= DECODE_IPV6_MAX_EXT) {
			ret->flags |= DECODE_F_EXT_LIMIT;
			return -EINVAL;
		}
		if (hlen > len - pos)
			goto truncated;
		nh = data[pos];
		pos += hlen;
	}
truncated:
	ret->flags |= DECODE_F_TRUNCATED;
	return -EINVAL;
}

int
decode_ipv6(const uint8_t *data, size_t len, struct decode_view *ret)
{
	size_t plen, off = IPV6_HDR, end;
	int r;

	ret->ip_version = 6;
	if (len < IPV6_HDR) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	if (data[0] >> 4 != 6) {
		ret->flags |= DECODE_F_BAD_VERSION;
		return -EINVAL;
	}
	plen = decode_be16(data + 4);
	ret->ip_proto = data[6];
	ret->ttl = data[7];
	memcpy(ret->src, data + 8, 16);
	memcpy(ret->dst, data + 24, 16);
	if (plen == 0 && ret->ip_proto == IPPROTO_HOPOPTS) {
		/* A jumbogram (RFC 2675) or a GSO super-packet: take what is there. */
		end = len;
	} else {
		if (plen > len - IPV6_HDR) {
			ret->flags |= DECODE_F_TRUNCATED;
			return -EINVAL;
		}
		end = IPV6_HDR + plen;
		if (end < len)
			ret->flags |= DECODE_F_TRAILING;
	}
	r = ipv6_skip_ext(data, end, &off, ret);
	if (r < 0)
		return r;
	return decode_l4(data + off, end - off, ret);
}
