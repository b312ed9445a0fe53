/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decode/decode.h"

#include <errno.h>

#define UDP_HDR 8

int
decode_udp(const uint8_t *data, size_t len, struct decode_view *ret)
{
	size_t ulen;

	if (len < UDP_HDR) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	ulen = decode_be16(data + 4);
	if (ulen == 0 && ret->ip_version == 6) {
		/* RFC 2675 jumbogram: the length comes from the IP layer. */
		ulen = len;
	}
	if (ulen < UDP_HDR) {
		ret->flags |= DECODE_F_BAD_TOTAL_LEN;
		return -EINVAL;
	}
	if (ulen > len) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	ret->src_port = decode_be16(data);
	ret->dst_port = decode_be16(data + 2);
	ret->payload = data + UDP_HDR;
	ret->payload_len = ulen - UDP_HDR;
	ret->has_ports = true;
	return 0;
}
