/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HTTP/1.x request head (RFC 9112): method, Host, Content-Length, chunked. */
#include "classify/classify.h"

#include <string.h>
#include <strings.h>

#include "base/macro.h"
#include "classify/classify-internal.h"

static const char *const http_methods[] = {
	"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
};

/* Length of the method token at @p when it is a known method followed by a space, else 0. */
static size_t
http_method(const uint8_t *p, size_t len, bool *ret_partial)
{
	size_t i, n;

	*ret_partial = false;
	for (i = 0; i < ARRAY_SIZE(http_methods); i++) {
		n = strlen(http_methods[i]);
		if (len > n && memcmp(p, http_methods[i], n) == 0 && p[n] == ' ')
			return n;
		if (len <= n && memcmp(p, http_methods[i], len) == 0)
			*ret_partial = true;
	}
	return 0;
}

static const uint8_t *
http_find_crlf(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = memchr(p, '\n', (size_t)(end - p));

	return q != NULL && q > p && q[-1] == '\r' ? q - 1 : q;
}

static void
http_trim(const uint8_t **b, const uint8_t **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t'))
		(*b)++;
	while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* "host", "host:port", "[v6]:port" -> host, lower case. */
static void
http_set_host(struct http_request_info *ret, const uint8_t *b, const uint8_t *e)
{
	const uint8_t *colon;

	if (b < e && *b == '[') {
		const uint8_t *close = memchr(b, ']', (size_t)(e - b));

		if (close == NULL)
			return;
		b++;
		e = close;
		/* An IPv6 literal: keep hex digits and colons only. */
		if (e - b > 0 && (size_t)(e - b) < sizeof(ret->host)) {
			const uint8_t *q;

			for (q = b; q < e; q++) {
				if (!(*q == ':' || *q == '.' || (*q >= '0' && *q <= '9') ||
				      ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')))
					return;
			}
			for (q = b; q < e; q++)
				ret->host[q - b] =
				        (char)(*q | ((*q >= 'A' && *q <= 'F') ? 0x20 : 0));
			ret->host[e - b] = '\0';
		}
		return;
	}
	colon = memchr(b, ':', (size_t)(e - b));
	if (colon != NULL)
		e = colon;
	classify_copy_hostname(ret->host, sizeof(ret->host), b, (size_t)(e - b));
}

static bool
http_header_is(const uint8_t *name, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp((const char *)name, want, n) == 0;
}

static bool
http_parse_length(const uint8_t *b, const uint8_t *e, int64_t *ret)
{
	int64_t v = 0;

	if (b == e)
		return false;
	for (; b < e; b++) {
		if (*b < '0' || *b > '9' || v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*b - '0');
	}
	*ret = v;
	return true;
}

static bool
http_has_token(const uint8_t *b, const uint8_t *e, const char *token)
{
	size_t n = strlen(token);

	for (; e - b >= (ptrdiff_t)n; b++) {
		if (strncasecmp((const char *)b, token, n) == 0)
			return true;
	}
	return false;
}

/* One coding is decoded; several ("gzip, br") or an unknown one are not. */
static uint8_t
http_content_coding(const uint8_t *b, const uint8_t *e)
{
	static const struct {
		const char *name;
		enum http_content_coding coding;
	} codings[] = {
		{ "identity", HTTP_CODING_IDENTITY },
		{ "gzip", HTTP_CODING_GZIP },
		{ "x-gzip", HTTP_CODING_GZIP },
		{ "deflate", HTTP_CODING_DEFLATE },
	};

	if (b == e)
		return HTTP_CODING_IDENTITY;
	for (size_t i = 0; i < ARRAY_SIZE(codings); i++)
		if (http_header_is(b, (size_t)(e - b), codings[i].name))
			return (uint8_t)codings[i].coding;
	return HTTP_CODING_OTHER;
}

void
classify_http_header(const uint8_t *line, size_t len, struct http_request_info *ret)
{
	const uint8_t *colon = memchr(line, ':', len), *vb, *ve;
	size_t name;

	if (colon == NULL)
		return;
	name = (size_t)(colon - line);
	vb = colon + 1;
	ve = line + len;
	http_trim(&vb, &ve);
	if (http_header_is(line, name, "host"))
		http_set_host(ret, vb, ve);
	else if (http_header_is(line, name, "content-length") &&
	         !http_parse_length(vb, ve, &ret->content_length))
		ret->content_length = -1;
	else if (http_header_is(line, name, "transfer-encoding"))
		ret->chunked = http_has_token(vb, ve, "chunked");
	else if (http_header_is(line, name, "content-encoding"))
		ret->content_coding = http_content_coding(vb, ve);
	else if (http_header_is(line, name, "upgrade"))
		ret->websocket = http_has_token(vb, ve, "websocket");
}

enum classify_status
classify_http_request(const uint8_t *data, size_t len, struct http_request_info *ret)
{
	const uint8_t *end, *line, *eol, *sp1, *sp2, *head_end;
	size_t mlen, scan = MIN(len, (size_t)CLASSIFY_HTTP_HEAD_MAX);
	bool partial;

	memset(ret, 0, sizeof(*ret));
	ret->content_length = -1;
	mlen = http_method(data, len, &partial);
	if (mlen == 0)
		return partial ? CLASSIFY_NEED_MORE : CLASSIFY_NOT_THIS;
	end = data + scan;
	head_end = NULL;
	for (line = data; line < end;) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			break;
		if (eol == line || (eol == line + 1 && line[0] == '\r')) {
			head_end = eol + 1;
			break;
		}
		line = eol + 1;
	}
	if (head_end == NULL)
		return len >= CLASSIFY_HTTP_HEAD_MAX ? CLASSIFY_NOT_THIS : CLASSIFY_NEED_MORE;
	end = head_end;
	ret->header_len = (size_t)(head_end - data);
	memcpy(ret->method, data, mlen);
	ret->method[mlen] = '\0';

	/* Request line: METHOD SP target SP HTTP/1.x */
	eol = http_find_crlf(data, end);
	sp1 = data + mlen;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || eol - sp2 < 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return CLASSIFY_NOT_THIS;
	if (strcmp(ret->method, "CONNECT") == 0)
		http_set_host(ret, sp1 + 1, sp2);

	for (line = (const uint8_t *)memchr(data, '\n', (size_t)(end - data)) + 1; line < end;) {
		eol = http_find_crlf(line, end);
		if (eol == NULL || eol == line)
			break;
		classify_http_header(line, (size_t)(eol - line), ret);
		line = (const uint8_t *)memchr(eol, '\n', (size_t)(end - eol)) + 1;
	}
	return CLASSIFY_DONE;
}
