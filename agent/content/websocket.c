/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A WebSocket connection's client frames unmasked and inflated: see websocket.h. */
#include "content/websocket.h"

#include <stdlib.h>
#include <string.h>

#include "base/macro.h"

/* RFC 6455 5.2 */
#define WS_FIN    0x80
#define WS_RSV1   0x40 /* permessage-deflate: the message is compressed (RFC 7692 6) */
#define WS_MASKED 0x80

enum ws_opcode {
	WS_CONTINUATION = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xa,
};

enum ws_phase {
	WS_HEAD,    /* a frame's header: 2 to 14 bytes */
	WS_PAYLOAD, /* its payload, unmasked as it comes */
	WS_BROKEN,  /* not frames: nothing more is read */
};

struct ws_decoder {
	uint8_t phase; /* enum ws_phase */
	uint8_t head_len;
	uint8_t head[14];
	uint8_t key[4];
	bool masked;
	bool fin;
	bool control;
	bool in_message;          /* a data message begun, continuation frames may follow */
	bool compressed;          /* the current message (RSV1 on its first frame) */
	bool no_inflate;          /* compressed messages can no longer be read */
	uint64_t left;            /* payload bytes of this frame still to come */
	uint64_t at;              /* payload bytes of this frame seen (the mask's phase) */
	struct inflater *inflate; /* owned; permessage-deflate's, kept across messages */
	uint8_t plain[4096];
};

struct ws_decoder *
ws_decoder_new(void)
{
	return calloc(1, sizeof(struct ws_decoder)); /* owned by the caller: ws_decoder_free */
}

void
ws_decoder_free(struct ws_decoder *wd)
{
	if (wd == NULL)
		return;
	inflater_free(wd->inflate);
	free(wd);
}

/* Header bytes needed, from the two first: length extension and mask key. */
static uint8_t
head_size(const uint8_t *h)
{
	unsigned len7 = h[1] & 0x7f;

	return (uint8_t)(2 +
	                 (len7 == 126   ? 2
	                  : len7 == 127 ? 8
	                                : 0) +
	                 ((h[1] & WS_MASKED) ? 4 : 0));
}

/* The header is in: check it (RFC 6455 5.2, 5.4, 5.5) and take the frame's facts. */
static bool
head_done(struct ws_decoder *wd)
{
	const uint8_t *h = wd->head;
	unsigned opcode = h[0] & 0x0f, len7 = h[1] & 0x7f;
	size_t at = 2;
	uint64_t len = len7;

	if (len7 == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
		at = 4;
	} else if (len7 == 127) {
		len = 0;
		for (size_t i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
		at = 10;
		if (len >> 63)
			return false;
	}
	wd->masked = (h[1] & WS_MASKED) != 0;
	if (wd->masked)
		memcpy(wd->key, h + at, 4);
	wd->fin = (h[0] & WS_FIN) != 0;
	wd->control = opcode >= WS_CLOSE;
	wd->left = len;
	wd->at = 0;
	switch (opcode) {
	case WS_CLOSE:
	case WS_PING:
	case WS_PONG:
		return wd->fin && len <= 125;
	case WS_TEXT:
	case WS_BINARY:
		if (wd->in_message)
			return false;
		wd->in_message = true;
		wd->compressed = (h[0] & WS_RSV1) != 0;
		return true;
	case WS_CONTINUATION:
		return wd->in_message;
	default:
		return false;
	}
}

static enum ws_status
inflate_part(struct ws_decoder *wd, const uint8_t *data, size_t len, const struct ws_sink *sink)
{
	enum inflate_status st;

	if (wd->no_inflate)
		return WS_OK;
	if (wd->inflate == NULL && *sink->live < sink->live_max)
		wd->inflate = inflater_new(INFLATE_RAW, sink->live);
	if (wd->inflate == NULL) {
		wd->no_inflate = true;
		return WS_OK;
	}
	st = inflater_feed(wd->inflate, data, len, sink->out, sink->ctx, NULL);
	if (st == INFLATE_STOP)
		return WS_STOP;
	if (st == INFLATE_END) {
		/* a final block: the sender starts a new stream with its next message */
		inflater_free(wd->inflate);
		wd->inflate = NULL;
	} else if (st != INFLATE_OK) {
		inflater_free(wd->inflate);
		wd->inflate = NULL;
		wd->no_inflate = true;
	}
	return WS_OK;
}

/* Payload bytes of a data frame, unmasked, to the sink (inflated when compressed). */
static enum ws_status
payload(struct ws_decoder *wd, const uint8_t *data, size_t len, const struct ws_sink *sink)
{
	for (size_t i = 0; i < len; i++)
		wd->plain[i] = wd->masked ? data[i] ^ wd->key[(wd->at + i) & 3] : data[i];
	wd->at += len;
	if (wd->compressed)
		return inflate_part(wd, wd->plain, len, sink);
	return sink->out(wd->plain, len, sink->ctx) ? WS_OK : WS_STOP;
}

/* The frame is over: a final data frame ends its message. */
static enum ws_status
frame_done(struct ws_decoder *wd, const struct ws_sink *sink)
{
	/* RFC 7692 7.2.2: the sender took these four bytes off the message's end */
	static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };
	enum ws_status st;

	wd->phase = WS_HEAD;
	wd->head_len = 0;
	if (wd->control || !wd->fin)
		return WS_OK;
	wd->in_message = false;
	if (wd->compressed) {
		st = inflate_part(wd, tail, sizeof(tail), sink);
		if (st != WS_OK)
			return st;
	}
	if (sink->messages != NULL)
		(*sink->messages)++;
	return sink->end(sink->ctx) ? WS_OK : WS_STOP;
}

enum ws_status
ws_decoder_feed(struct ws_decoder *wd, const uint8_t *data, size_t len, const struct ws_sink *sink)
{
	enum ws_status st = WS_OK;

	while (len > 0 && st == WS_OK) {
		size_t k;

		if (wd->phase == WS_BROKEN)
			return WS_ERROR;
		if (wd->phase == WS_HEAD) {
			size_t need = wd->head_len < 2 ? 2 : head_size(wd->head);

			k = MIN(len, need - wd->head_len);
			memcpy(wd->head + wd->head_len, data, k);
			wd->head_len = (uint8_t)(wd->head_len + k);
			data += k;
			len -= k;
			if (wd->head_len < 2 || wd->head_len < head_size(wd->head))
				continue;
			if (!head_done(wd)) {
				wd->phase = WS_BROKEN;
				return WS_ERROR;
			}
			wd->phase = WS_PAYLOAD;
			if (wd->left == 0)
				st = frame_done(wd, sink);
			continue;
		}
		k = (size_t)MIN((uint64_t)MIN(len, sizeof(wd->plain)), wd->left);
		if (!wd->control)
			st = payload(wd, data, k, sink);
		data += k;
		len -= k;
		wd->left -= k;
		if (st == WS_OK && wd->left == 0)
			st = frame_done(wd, sink);
	}
	return st;
}
