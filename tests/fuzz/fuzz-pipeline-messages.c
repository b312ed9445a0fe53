/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a client's HTTP request or mail ends (agent/pipeline/message.c),
 * fed in pieces: the first byte picks the protocol and the piece size.
 * A second pass takes the same bytes as the pipeline does, in pieces of
 * one kind, and decodes body data in a Content-Encoding
 * (agent/content/inflate.c) within its bounds and a mail's MIME parts
 * (agent/content/mime.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "content/inflate.h"
#include "content/mime.h"
#include "fuzz-count.h"
#include "pipeline/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many of @len bytes belong to the current message: its pieces, taken until it ends. */
static enum message_cut
message_cut(struct message_state *ms, const uint8_t *data, size_t len, size_t *ret_n)
{
	enum message_cut cut = MESSAGE_GOES_ON;
	size_t done = 0, n;
	bool body;

	while (done < len && cut == MESSAGE_GOES_ON) {
		cut = message_next(ms, data + done, len - done, &n, &body);
		done += n;
	}
	*ret_n = done;
	return cut;
}

/* The pipeline's way: pieces of one kind; coded body data decoded, within bounds. */
static void
pieces(struct message_state *ms, const uint8_t *data, size_t size, size_t piece)
{
	struct inflater *bi = NULL;
	struct mime_decoder *md = NULL;
	uint32_t live = 0;
	uint64_t in = 0, out = 0;
	size_t at = 0;

	while (at < size) {
		size_t len = size - at < piece ? size - at : piece, n = 0;
		bool body = false;
		enum message_cut cut = message_next(ms, data + at, len, &n, &body);

		if (n > len || (cut == MESSAGE_GOES_ON && n == 0))
			__builtin_trap();
		if (body && ms->framing == MESSAGE_SMTP) {
			uint64_t text = 0;

			if (md == NULL) {
				md = mime_decoder_new(NULL);
				/* `phiguard scan`'s way with a saved mail, for some inputs */
				if (md != NULL && (piece & 1) != 0)
					mime_decoder_coded_only(md, NULL);
			}
			/* Decoding never makes a mail longer. */
			if (md != NULL &&
			    (!mime_decoder_feed(md, data + at, n, fuzz_count_out, &text) ||
			     text > n + MIME_LINE_MAX))
				__builtin_trap();
		} else if (body && ms->coding != HTTP_CODING_IDENTITY &&
		           ms->coding != HTTP_CODING_OTHER) {
			size_t used = 0;
			enum inflate_status st = INFLATE_OK;

			if (bi == NULL)
				bi = inflater_new(ms->coding == HTTP_CODING_GZIP ? INFLATE_GZIP
				                                                 : INFLATE_DEFLATE,
				                  &live);
			in += n;
			if (bi != NULL)
				st = inflater_feed(bi, data + at, n, fuzz_count_out, &out, &used);
			if (used > n)
				__builtin_trap();
			if (bi != NULL && st != INFLATE_OK && st != INFLATE_END) {
				inflater_free(bi);
				bi = NULL;
			}
			if (out > INFLATE_FREE + INFLATE_RATIO * in)
				__builtin_trap();
		}
		at += n > 0 ? n : len;
		if (cut == MESSAGE_ENDS) {
			uint64_t text = 0;

			if (md != NULL)
				(void)mime_decoder_end(md, fuzz_count_out, &text);
			mime_decoder_free(md);
			md = NULL;
			inflater_free(bi);
			bi = NULL;
			in = out = 0;
		}
		if (cut == MESSAGE_TURNS_TLS)
			break;
	}
	inflater_free(bi);
	mime_decoder_free(md);
	if (live != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_state ms, start;
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
	start = ms;
	pieces(&start, data, size, piece);
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
