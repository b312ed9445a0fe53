/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A WebSocket client's frames from a hostile stream
 * (agent/content/websocket.c), fed in pieces: the first byte picks the
 * piece size. Every inflater is given back; an error is final.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "content/websocket.h"
#include "fuzz-count.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
count_end(void *ctx)
{
	(void)ctx;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_decoder *wd;
	uint32_t live = 0;
	uint64_t out = 0, messages = 0;
	struct ws_sink sink = { &live, 1, &messages, fuzz_count_out, count_end, &out };
	enum ws_status st = WS_OK;
	size_t piece = fuzz_take_piece(&data, &size);

	if (piece == 0)
		return 0;
	wd = ws_decoder_new();
	if (wd == NULL)
		return 0;
	for (size_t at = 0; at < size; at += piece) {
		enum ws_status now = ws_decoder_feed(wd, data + at,
		                                     size - at < piece ? size - at : piece, &sink);

		/* once not frames, never frames again */
		if (st == WS_ERROR && now != WS_ERROR)
			__builtin_trap();
		st = now;
	}
	ws_decoder_free(wd);
	if (live != 0)
		__builtin_trap();
	return 0;
}
