/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decode/decode.h"

#include <errno.h>

#define TCP_MIN_HDR 20

int
decode_tcp(const uint8_t *data, size_t len, struct decode_view *ret)
{
	size_t doff;

	if (len < TCP_MIN_HDR) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	doff = (size_t)(data[12] >> 4) * 4;
	if (doff < TCP_MIN_HDR) {
		ret->flags |= DECODE_F_BAD_HDR_LEN;
		return -EINVAL;
	}
	if (doff > len) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	ret->src_port = decode_be16(data);
	ret->dst_port = decode_be16(data + 2);
	ret->tcp_seq = decode_be32(data + 4);
	ret->tcp_ack = decode_be32(data + 8);
	ret->tcp_flags = data[13] & 0x3f;
	ret->tcp_window = decode_be16(data + 14);
	if ((ret->tcp_flags & DECODE_TCP_SYN) != 0 &&
	    (ret->tcp_flags & (DECODE_TCP_FIN | DECODE_TCP_RST)) != 0)
		ret->flags |= DECODE_F_BAD_TCP_FLAGS;
	ret->payload = data + doff;
	ret->payload_len = len - doff;
	ret->has_ports = true;
	return 0;
}
