/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CONTENT_WEBSOCKET_H
#define PHIGUARD_CONTENT_WEBSOCKET_H

/*
 * A WebSocket connection's client frames (RFC 6455 5.2) read as their text.
 * Every frame a client sends is masked (XOR with a key of its own), so a
 * cleartext ws:// chat shows the matcher nothing until it is unmasked; a
 * message compressed with permessage-deflate (RFC 7692: RSV1 on its first
 * frame) is inflated, the window kept from one message to the next as the
 * extension allows. Control frames (close, ping, pong) carry no text.
 * Where a data message ends is said (the server acts on a message once it
 * is whole), so its last values can be decided there.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/inflate.h"

enum ws_status {
	WS_OK,
	WS_ERROR, /* not WebSocket frames (a refused upgrade, another protocol): stop reading so */
	WS_STOP,  /* the sink asked to stop */
};

/* A data message is whole; false to stop. */
typedef bool ws_end_fn(void *ctx);

struct ws_sink {
	uint32_t *live;      /* inflaters held by the owner */
	uint32_t live_max;   /* ... at most */
	uint64_t *messages;  /* data messages read, counted (may be NULL) */
	inflate_out_fn *out; /* a message's text */
	ws_end_fn *end;
	void *ctx;
};

struct ws_decoder;

/* A decoder for one connection's client frames; NULL when out of memory. */
struct ws_decoder *ws_decoder_new(void);
/* Accepts NULL. */
void ws_decoder_free(struct ws_decoder *wd);
/* The next @len bytes of the client's stream. */
enum ws_status ws_decoder_feed(struct ws_decoder *wd, const uint8_t *data, size_t len,
                               const struct ws_sink *sink);

#endif
