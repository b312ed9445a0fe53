/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a client's HTTP request or SMTP message ends: see message.h. */
#include "pipeline/message.h"

#include <string.h>

#include "base/hex.h"
#include "base/macro.h"

/* "<CR><LF>.<CR><LF>": the end of a mail's data (RFC 5321 4.1.1.4). */
#define SMTP_END_OF_DATA 0x0d0a2e0d0aULL
#define SMTP_END_MASK    0xffffffffffULL

/* Where a request whose head is @req ends (RFC 9112 6.3); false when it cannot be known. */
static bool
http_request_framing(struct message_state *ms, const struct http_request_info *req)
{
	if (req->header_len == 0)
		return false;
	ms->left = req->header_len;
	ms->coding = req->content_coding;
	ms->websocket = req->websocket;
	if (req->chunked) {
		ms->http_phase = HTTP_CHUNKED_HEAD;
		return true;
	}
	/* Without Content-Length a request has no body. */
	ms->http_phase = HTTP_COUNTED;
	ms->head_left = req->header_len;
	ms->left += (uint64_t)MAX(req->content_length, (int64_t)0);
	return true;
}

void
message_start_http(struct message_state *ms, const struct http_request_info *req)
{
	memset(ms, 0, sizeof(*ms));
	ms->framing = http_request_framing(ms, req) ? MESSAGE_HTTP : MESSAGE_UNKNOWN;
}

void
message_start_smtp(struct message_state *ms)
{
	memset(ms, 0, sizeof(*ms));
	ms->framing = MESSAGE_SMTP;
	ms->smtp_phase = SMTP_COMMANDS;
}

/*
 * A chunked body's framing (RFC 9112 7.1) from @data[@i]: the index where
 * chunk data starts, past the request's end, or @len.
 */
static size_t
http_chunk_framing(struct message_state *ms, const uint8_t *data, size_t i, size_t len,
                   bool *ret_end)
{
	while (i < len && ms->framing == MESSAGE_HTTP) {
		uint8_t c = data[i];
		int d;

		switch (ms->http_phase) {
		case HTTP_CHUNK_SIZE:
			d = hex_digit_value(c);
			if (d < 0) {
				/* The rest of the size line (extensions, CR) ends at its LF. */
				ms->http_phase = HTTP_CHUNK_EXT;
				continue;
			}
			if (ms->left >> 56 != 0)
				ms->framing = MESSAGE_UNKNOWN; /* a size past 2^60: not followed */
			ms->left = ms->left << 4 | (uint64_t)d;
			break;
		case HTTP_CHUNK_EXT:
			if (c == '\n') {
				ms->http_phase = ms->left > 0 ? HTTP_CHUNK_DATA : HTTP_TRAILER;
				ms->line_len = 0;
			}
			break;
		case HTTP_CHUNK_DATA:
			return i;
		case HTTP_CHUNK_END:
			if (c == '\n') {
				ms->http_phase = HTTP_CHUNK_SIZE;
				ms->left = 0;
			}
			break;
		case HTTP_TRAILER:
			if (c == '\n' && ms->line_len == 0) {
				*ret_end = true;
				return i + 1;
			}
			if (c == '\n')
				ms->line_len = 0;
			else if (c != '\r' && ms->line_len < UINT8_MAX)
				ms->line_len++;
			break;
		default:
			ms->framing = MESSAGE_UNKNOWN;
			break;
		}
		i++;
	}
	return len;
}

/* One complete head line (its LF just seen): the headers that frame a body. */
static void
http_head_line(struct message_state *ms)
{
	struct http_request_info h;
	size_t n = ms->line_len;

	if (n > sizeof(ms->head_line))
		return; /* longer than any header that matters here */
	if (n > 0 && ms->head_line[n - 1] == '\r')
		n--;
	memset(&h, 0, sizeof(h));
	h.content_length = ms->head_length;
	h.chunked = ms->head_chunked;
	h.content_coding = ms->head_coding;
	h.websocket = ms->head_websocket;
	classify_http_header(ms->head_line, n, &h);
	ms->head_length = h.content_length;
	ms->head_chunked = h.chunked;
	ms->head_coding = h.content_coding;
	ms->head_websocket = h.websocket;
}

/* A head from @data[@i], line by line: the index past its end, or @len. */
static size_t
http_head_lines(struct message_state *ms, const uint8_t *data, size_t i, size_t len)
{
	while (i < len && ms->framing == MESSAGE_HTTP) {
		uint8_t c = data[i++];
		bool empty;

		if (++ms->head_bytes > CLASSIFY_HTTP_HEAD_MAX) {
			ms->framing = MESSAGE_UNKNOWN;
			break;
		}
		if (c != '\n') {
			if (ms->line_len < sizeof(ms->head_line))
				ms->head_line[ms->line_len] = c;
			if (ms->line_len < UINT8_MAX)
				ms->line_len++;
			continue;
		}
		empty = ms->line_len == 0 || (ms->line_len == 1 && ms->head_line[0] == '\r');
		if (!empty) {
			http_head_line(ms);
			ms->line_len = 0;
			continue;
		}
		/* The blank line: the body, if any, follows. */
		ms->line_len = 0;
		ms->http_phase = ms->head_chunked ? HTTP_CHUNK_SIZE : HTTP_COUNTED;
		/* Without Content-Length a request has no body. */
		ms->left = ms->head_chunked ? 0 : (uint64_t)MAX(ms->head_length, (int64_t)0);
		ms->head_left = 0;
		ms->coding = ms->head_coding;
		ms->websocket = ms->head_websocket;
		return i;
	}
	return len;
}

static void
http_next_head(struct message_state *ms, const uint8_t *data, size_t len)
{
	struct http_request_info req;

	memset(&req, 0, sizeof(req));
	switch (classify_http_request(data, len, &req)) {
	case CLASSIFY_DONE:
		if (!http_request_framing(ms, &req))
			ms->framing = MESSAGE_UNKNOWN;
		break;
	case CLASSIFY_NEED_MORE:
		/* The head goes on in the next segment: follow it line by line. */
		ms->http_phase = HTTP_HEAD_LINES;
		ms->head_chunked = false;
		ms->head_coding = HTTP_CODING_IDENTITY;
		ms->head_websocket = false;
		ms->head_bytes = 0;
		ms->head_length = -1;
		ms->line_len = 0;
		break;
	default:
		ms->framing =
		        MESSAGE_UNKNOWN; /* not a request: the connection is something else now */
		break;
	}
	ms->next_is_head = false;
}

/* @n bytes of a counted part: the head, then the body. */
static size_t
http_counted(struct message_state *ms, size_t len, bool *ret_body)
{
	size_t n;

	if (ms->head_left > 0) {
		n = (size_t)MIN((uint64_t)len, ms->head_left);
		ms->head_left -= n;
	} else {
		n = (size_t)MIN((uint64_t)len, ms->left);
		*ret_body = true;
	}
	ms->left -= n;
	return n;
}

static enum message_cut
http_next(struct message_state *ms, const uint8_t *data, size_t len, size_t *ret_n, bool *ret_body)
{
	bool end = false;
	size_t n;

	if (ms->next_is_head)
		http_next_head(ms, data, len);
	if (ms->framing != MESSAGE_HTTP) {
		*ret_n = len;
		return MESSAGE_GOES_ON;
	}
	switch (ms->http_phase) {
	case HTTP_HEAD_LINES:
		n = http_head_lines(ms, data, 0, len);
		/* A head without a body is the whole request. */
		end = ms->framing == MESSAGE_HTTP && ms->http_phase == HTTP_COUNTED &&
		      ms->left == 0;
		break;
	case HTTP_COUNTED:
		n = http_counted(ms, len, ret_body);
		end = ms->left == 0;
		break;
	case HTTP_CHUNKED_HEAD:
		n = (size_t)MIN((uint64_t)len, ms->left);
		ms->left -= n;
		/* left is 0 there: the first chunk's size starts */
		if (ms->left == 0)
			ms->http_phase = HTTP_CHUNK_SIZE;
		break;
	case HTTP_CHUNK_DATA:
		n = (size_t)MIN((uint64_t)len, ms->left);
		ms->left -= n;
		if (ms->left == 0)
			ms->http_phase = HTTP_CHUNK_END;
		*ret_body = true;
		break;
	default:
		n = http_chunk_framing(ms, data, 0, len, &end);
		break;
	}
	*ret_n = n;
	if (!end)
		return MESSAGE_GOES_ON;
	/* The upgrade request is whole: frames follow (if the server agreed; if not, they
	 * are not frames, and the decoder says so). */
	if (ms->websocket)
		ms->framing = MESSAGE_WEBSOCKET;
	else
		ms->next_is_head = true;
	return MESSAGE_ENDS;
}

/* One complete command line (its LF just seen). */
static enum message_cut
smtp_command(struct message_state *ms)
{
	enum classify_smtp_command cmd = CLASSIFY_SMTP_OTHER;

	/* A line longer than the buffer is none of the commands that matter. */
	if (ms->line_len <= sizeof(ms->line))
		cmd = classify_smtp_command(ms->line, ms->line_len);
	ms->line_len = 0;
	switch (cmd) {
	case CLASSIFY_SMTP_STARTTLS:
		/* Not allowed inside a transaction (RFC 3207 4): only before MAIL. */
		if (ms->smtp_phase == SMTP_COMMANDS)
			return MESSAGE_TURNS_TLS;
		break;
	case CLASSIFY_SMTP_MAIL:
		ms->smtp_phase = SMTP_MAIL;
		break;
	case CLASSIFY_SMTP_DATA:
		ms->smtp_phase = SMTP_DATA;
		ms->tail = 0x0d0a; /* the command's own CRLF opens the end marker */
		break;
	case CLASSIFY_SMTP_BDAT:
		ms->framing = MESSAGE_UNKNOWN; /* binary chunks by length: not followed */
		break;
	case CLASSIFY_SMTP_RSET:
		ms->smtp_phase = SMTP_COMMANDS;
		break;
	case CLASSIFY_SMTP_OTHER:
		break;
	}
	return MESSAGE_GOES_ON;
}

/* Commands, or a mail's data (*@ret_body) to its end marker: never both in one piece. */
static enum message_cut
smtp_next(struct message_state *ms, const uint8_t *data, size_t len, size_t *ret_n, bool *ret_body)
{
	enum message_cut cut = MESSAGE_GOES_ON;
	bool data_starts = false;
	size_t i;

	*ret_body = ms->smtp_phase == SMTP_DATA;
	for (i = 0; i < len && cut == MESSAGE_GOES_ON && ms->framing == MESSAGE_SMTP; i++) {
		uint8_t c = data[i];

		if (ms->smtp_phase == SMTP_DATA) {
			ms->tail = (ms->tail << 8) | c;
			if ((ms->tail & SMTP_END_MASK) == SMTP_END_OF_DATA) {
				ms->smtp_phase = SMTP_COMMANDS;
				cut = MESSAGE_ENDS;
			}
			continue;
		}
		if (c == '\n') {
			cut = smtp_command(ms);
			data_starts = ms->smtp_phase == SMTP_DATA;
			if (data_starts) {
				i++;
				break;
			}
			continue;
		}
		if (ms->line_len < sizeof(ms->line))
			ms->line[ms->line_len] = c;
		if (ms->line_len < UINT8_MAX)
			ms->line_len++;
	}
	*ret_n = cut == MESSAGE_GOES_ON && !data_starts ? len : i;
	return cut;
}

enum message_cut
message_next(struct message_state *ms, const uint8_t *data, size_t len, size_t *ret_n,
             bool *ret_body)
{
	*ret_body = false;
	switch (ms->framing) {
	case MESSAGE_HTTP:
		return http_next(ms, data, len, ret_n, ret_body);
	case MESSAGE_SMTP:
		return smtp_next(ms, data, len, ret_n, ret_body);
	case MESSAGE_WEBSOCKET:
		*ret_n = len;
		*ret_body = true;
		return MESSAGE_GOES_ON;
	default:
		*ret_n = len;
		return MESSAGE_GOES_ON;
	}
}
