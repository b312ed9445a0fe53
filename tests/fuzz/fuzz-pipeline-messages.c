/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a client's HTTP request or mail ends (agent/pipeline/message.c),
 * fed in pieces: the first byte picks the protocol and the piece size.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_state ms;
	struct http_request_info req;
	size_t piece, at = 0;

	if (size < 1)
		return 0;
	piece = 1 + (data[0] >> 1);
	data++;
	size--;
	if (data[-1] & 1) {
		memset(&req, 0, sizeof(req));
		if (classify_http_request(data, size, &req) != CLASSIFY_DONE)
			return 0;
		message_start_http(&ms, &req);
	} else {
		message_start_smtp(&ms);
	}
	while (at < size) {
		size_t len = size - at < piece ? size - at : piece, n = 0;
		enum message_cut cut = message_cut(&ms, data + at, len, &n);

		if (n > len || (cut == MESSAGE_GOES_ON && n != len))
			__builtin_trap();
		/* An end or a turn to TLS counts bytes; what follows is the next message. */
		at += n > 0 ? n : len;
		if (cut == MESSAGE_TURNS_TLS)
			break;
	}
	return 0;
}
