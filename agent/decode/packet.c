/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decode/decode.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "decode/decode-internal.h"

int
decode_l4(const uint8_t *data, size_t len, struct decode_view *ret)
{
	ret->l4 = data;
	ret->l4_len = len;
	switch (ret->ip_proto) {
	case IPPROTO_TCP:
		return decode_tcp(data, len, ret);
	case IPPROTO_UDP:
		return decode_udp(data, len, ret);
	default:
		ret->flags |= DECODE_F_UNSUPPORTED;
		return -EINVAL;
	}
}

int
decode_packet(const uint8_t *data, size_t len, struct decode_view *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (len < 1) {
		ret->flags |= DECODE_F_TRUNCATED;
		return -EINVAL;
	}
	switch (data[0] >> 4) {
	case 4:
		return decode_ipv4(data, len, ret);
	case 6:
		return decode_ipv6(data, len, ret);
	default:
		ret->flags |= DECODE_F_BAD_VERSION;
		return -EINVAL;
	}
}
