/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_PIPELINE_MESSAGE_H
#define PHIGUARD_PIPELINE_MESSAGE_H

/*
 * Where a client's message ends in its byte stream: an HTTP request after
 * its head and Content-Length bytes or its last chunk, a mail at SMTP's
 * "<CRLF>.<CRLF>". A server acts on a message only once it is whole, so a
 * value in its last bytes is decided there, before the packet that
 * completes it is let go (the matcher would otherwise wait for bytes that
 * never come).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

enum message_framing {
	MESSAGE_UNKNOWN, /* no framing known: the matcher decides as bytes come */
	MESSAGE_HTTP,
	MESSAGE_SMTP,
	MESSAGE_WEBSOCKET, /* after an upgrade request: frames, whose decoder says where messages end */
};

enum smtp_phase {
	SMTP_COMMANDS, /* command lines, STARTTLS still possible before MAIL */
	SMTP_MAIL,     /* a transaction started: command lines */
	SMTP_DATA,     /* the message itself, up to <CRLF>.<CRLF> */
};

enum http_phase {
	HTTP_HEAD_LINES,   /* a keep-alive head split across segments, followed line by line */
	HTTP_COUNTED,      /* head and Content-Length body: @left bytes to go */
	HTTP_CHUNKED_HEAD, /* head of a chunked request: @left bytes to go */
	HTTP_CHUNK_SIZE,   /* a chunk's size in hex */
	HTTP_CHUNK_EXT,    /* the rest of its size line */
	HTTP_CHUNK_DATA,   /* @left bytes of data to go */
	HTTP_CHUNK_END,    /* the CRLF after them */
	HTTP_TRAILER,      /* trailer lines, up to an empty one */
};

struct message_state {
	uint8_t framing; /* enum message_framing */
	uint8_t http_phase;
	uint8_t smtp_phase;
	uint8_t coding;     /* HTTP: the current request body's enum http_content_coding */
	uint8_t line_len;   /* bytes of the current SMTP command or HTTP trailer line (saturates) */
	uint8_t line[10];   /* its start: enough for "STARTTLS\r", "MAIL ", "DATA\r" */
	uint64_t tail;      /* SMTP DATA: the last bytes, for the end marker */
	uint64_t left;      /* HTTP: bytes left in this part of the request */
	uint64_t head_left; /* HTTP_COUNTED: bytes of the head before its body */
	bool next_is_head;  /* HTTP: the next byte starts a request head */
	bool websocket;     /* HTTP: the current request asks to become a WebSocket */
	/* HTTP_HEAD_LINES: what the head said so far, and the current line's start. */
	bool head_chunked;
	bool head_websocket;
	uint8_t head_coding;
	uint16_t head_bytes;
	int64_t head_length; /* Content-Length, -1 when absent */
	uint8_t head_line[48];
};

/* At the decision, from the first request's head. */
void message_start_http(struct message_state *ms, const struct http_request_info *req);
/* At the decision, after the client's greeting. */
void message_start_smtp(struct message_state *ms);

enum message_cut {
	MESSAGE_GOES_ON,  /* the bytes counted belong to the current message, which goes on */
	MESSAGE_ENDS,     /* the message ends after the bytes counted */
	MESSAGE_TURNS_TLS /* SMTP STARTTLS: what follows the bytes counted is TLS */
};

/*
 * The next piece of @len bytes, and what comes after it: @ret_n bytes (at
 * least one when @len is not 0 and the message goes on) that are all a
 * message's body (*@ret_body: an HTTP request's body data, in the coding
 * ms->coding, a mail's data up to its end marker, WebSocket frames) or all
 * something else (a head, chunk framing, SMTP commands).
 */
enum message_cut message_next(struct message_state *ms, const uint8_t *data, size_t len,
                              size_t *ret_n, bool *ret_body);

#endif
