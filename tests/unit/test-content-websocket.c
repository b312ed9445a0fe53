/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A WebSocket client's frames read as text (agent/content/websocket.c):
 * unmasked, fragments joined, control frames skipped, permessage-deflate
 * inflated with the window kept across messages, each data message's end
 * said once, however the stream is cut; what is not frames is an error.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "content/websocket.h"
#include "tap.h"
#include "text-sink.h"

struct text {
	struct text_sink s; /* first: the decoders' context is the text */
	unsigned ends;
	char at_ends[8][64]; /* the text's last bytes at each message end */
};

static bool
message_end(void *ctx)
{
	struct text *t = ctx;

	if (t->ends < 8) {
		size_t k = t->s.n < 63 ? t->s.n : 63;

		memcpy(t->at_ends[t->ends], t->s.buf + t->s.n - k, k);
		t->at_ends[t->ends][k] = '\0';
	}
	t->ends++;
	return true;
}

/* One client frame at @out (masked with @key); its length. */
static size_t
frame(uint8_t *out, bool fin, bool rsv1, unsigned opcode, const void *payload, size_t len,
      uint32_t key)
{
	const uint8_t *p = payload;
	uint8_t k[4] = { (uint8_t)(key >> 24), (uint8_t)(key >> 16), (uint8_t)(key >> 8),
		         (uint8_t)key };
	size_t h = 2;

	out[0] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
	if (len < 126) {
		out[1] = (uint8_t)(0x80 | len);
	} else if (len < 65536) {
		out[1] = 0x80 | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		h = 4;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	memcpy(out + h, k, 4);
	h += 4;
	for (size_t i = 0; i < len; i++)
		out[h + i] = p[i] ^ k[i & 3];
	return h + len;
}

/* A message compressed as permessage-deflate does: sync flush, the last four bytes off. */
static size_t
deflate_message(z_stream *z, const char *text, uint8_t *out, size_t size)
{
	size_t n;

	z->next_in = (Bytef *)(uintptr_t)text;
	z->avail_in = (uInt)strlen(text);
	z->next_out = out;
	z->avail_out = (uInt)size;
	deflate(z, Z_SYNC_FLUSH);
	n = size - z->avail_out;
	return n >= 4 ? n - 4 : 0;
}

static enum ws_status
decode(const uint8_t *data, size_t len, size_t piece, struct text *t)
{
	struct ws_decoder *wd = ws_decoder_new();
	uint32_t live = 0;
	uint64_t messages = 0;
	struct ws_sink sink = { &live, 2, &messages, text_sink_add, message_end, t };
	enum ws_status st = WS_OK;

	memset(t, 0, sizeof(*t));
	text_sink_add((const uint8_t *)"", 0, t);
	for (size_t off = 0; off < len && st == WS_OK; off += piece)
		st = ws_decoder_feed(wd, data + off, len - off < piece ? len - off : piece, &sink);
	ws_decoder_free(wd);
	tap_ok(live == 0 && messages == t->ends, "inflaters given back, messages counted");
	return st;
}

static void
test_frames(void)
{
	static uint8_t stream[200000];
	static char big[70001];
	struct text whole, bytes, odd;
	size_t n = 0;
	z_stream z;
	uint8_t zbuf[1024];
	size_t zn;

	n += frame(stream + n, true, false, 1, "hello ward 7", 12, 0x11223344);
	/* fragmented, with a ping between the fragments */
	n += frame(stream + n, false, false, 1, "Patient NHS no ", 15, 0xdeadbeef);
	n += frame(stream + n, true, false, 9, "ping", 4, 0x01020304);
	n += frame(stream + n, true, false, 0, "401 023 2137", 12, 0xcafef00d);
	/* permessage-deflate, the window kept: the second message refers to the first */
	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	zn = deflate_message(&z, "{\"text\":\"Mrs Jane Smith, bed 4\"}", zbuf, sizeof(zbuf));
	n += frame(stream + n, true, true, 1, zbuf, zn, 0x55aa55aa);
	zn = deflate_message(&z, "{\"text\":\"Mrs Jane Smith, bed 4, NHS no 401 023 2145\"}", zbuf,
	                     sizeof(zbuf));
	n += frame(stream + n, true, true, 1, zbuf, zn, 0x0badf00d);
	deflateEnd(&z);
	/* 64-bit length */
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big + sizeof(big) - 1 - 12, "401 023 2153", 12);
	n += frame(stream + n, true, false, 2, big, sizeof(big) - 1, 0x12345678);
	n += frame(stream + n, true, false, 8, "\x03\xe8", 2, 0x9abcdef0);

	tap_eq_int(decode(stream, n, n, &whole), WS_OK, "frames decode");
	tap_eq_int((int)whole.ends, 5, "five data messages end (control frames are not messages)");
	tap_ok(strncmp(whole.s.buf, "hello ward 7Patient NHS no 401 023 2137", 39) == 0,
	       "unmasked; fragments joined; the ping skipped");
	tap_ok(strstr(whole.s.buf,
	              "{\"text\":\"Mrs Jane Smith, bed 4\"}{\"text\":\"Mrs Jane Smith, "
	              "bed 4, NHS no 401 023 2145\"}") != NULL,
	       "permessage-deflate inflated, the window kept from message to message");
	tap_eq_str(whole.at_ends[1], "hello ward 7Patient NHS no 401 023 2137",
	           "the fragmented message ends after its last fragment");
	tap_ok(whole.s.n > 20 && memcmp(whole.s.buf + whole.s.n - 12, "401 023 2153", 12) == 0,
	       "a 70,000-byte frame (64-bit length)");
	decode(stream, n, 1, &bytes);
	decode(stream, n, 7, &odd);
	tap_ok(bytes.s.n == whole.s.n && memcmp(bytes.s.buf, whole.s.buf, whole.s.n) == 0 &&
	               bytes.ends == 5,
	       "byte by byte: the same text and ends");
	tap_ok(odd.s.n == whole.s.n && memcmp(odd.s.buf, whole.s.buf, whole.s.n) == 0 &&
	               odd.ends == 5,
	       "in 7-byte pieces: the same text and ends");
	text_sink_free(&whole.s);
	text_sink_free(&bytes.s);
	text_sink_free(&odd.s);
}

static void
test_not_frames(void)
{
	static const char http[] = "GET /next HTTP/1.1\r\nHost: chat.example\r\n\r\n";
	uint8_t bad[32];
	struct text t;

	tap_eq_int(decode((const uint8_t *)http, strlen(http), 4, &t), WS_ERROR,
	           "HTTP after a refused upgrade is not frames");
	text_sink_free(&t.s);
	frame(bad, true, false, 0, "x", 1, 1);
	tap_eq_int(decode(bad, 7, 7, &t), WS_ERROR, "a continuation with no message begun");
	text_sink_free(&t.s);
	frame(bad, false, false, 9, "x", 1, 1);
	tap_eq_int(decode(bad, 7, 7, &t), WS_ERROR, "a fragmented control frame");
	text_sink_free(&t.s);
}

int
main(void)
{
	test_frames();
	test_not_frames();
	return tap_done();
}
