/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decode/decode.h"

#include <errno.h>
#include <string.h>

#include "decode/decode-internal.h"

#define IPV4_MIN_HDR 20
#define IPV4_MF      0x2000
#define IPV4_OFFMASK 0x1fff

/*
 * IP fragments are flagged, not reassembled: on the live path the kernel's
 * conntrack defragments before NFQUEUE sees the packet, so only captures
 * carry them, and a partial datagram cannot be scanned soundly anyway.
 */
int
decode_ipv4(const uint8_t *data, size_t len, struct decode_view *ret)
{
	size_t ihl, total;
	uint16_t frag;

	ret->ip_version = 4;
	if (len < IPV4_MIN_HDR) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	if (data[0] >> 4 != 4) {
		ret->flags |= DECODE_F_BAD_VERSION;
		return -EINVAL;
	}
	ihl = (size_t)(data[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HDR) {
		ret->flags |= DECODE_F_BAD_HDR_LEN;
		return -EINVAL;
	}
	total = decode_be16(data + 2);
	if (total < ihl) {
		/* Total length 0 is what TSO/GSO hands up before segmentation. */
		if (total != 0) {
			ret->flags |= DECODE_F_BAD_TOTAL_LEN;
			return -EINVAL;
		}
		total = len;
	}
	if (ihl > len || total > len) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	if (total < len)
		ret->flags |= DECODE_F_TRAILING;
	ret->ttl = data[8];
	ret->ip_proto = data[9];
	memcpy(ret->src, data + 12, 4);
	memcpy(ret->dst, data + 16, 4);
	frag = decode_be16(data + 6);
	if ((frag & (IPV4_MF | IPV4_OFFMASK)) != 0) {
		ret->flags |= DECODE_F_FRAGMENT;
		return -EINVAL;
	}
	return decode_l4(data + ihl, total - ihl, ret);
}
