/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A mail's base64 and quoted-printable parts decoded, the rest as sent: see mime.h. */
#include "content/mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/hex.h"

enum mime_state {
	MIME_HEADERS, /* a message's or part's header lines, up to a blank line */
	MIME_BODY,
};

enum mime_encoding {
	MIME_PLAIN, /* 7bit, 8bit, binary, or none said: as sent */
	MIME_BASE64,
	MIME_QP,
};

struct mime_decoder {
	uint8_t state;    /* enum mime_state */
	uint8_t part_enc; /* what the current headers say (enum mime_encoding) */
	uint8_t body_enc; /* the body's, from its headers */
	bool long_line;   /* the current line outgrew the buffer: as sent to its end */
	bool coded_only;  /* only coded parts' text goes out (mime_decoder_coded_only) */
	uint8_t b64_n;    /* base64 digits held in b64_acc */
	uint32_t b64_acc;
	uint64_t *parts;     /* the owner's count of coded parts begun, or NULL */
	mime_part_fn *begin; /* told of each coded part, or NULL */
	size_t n;            /* bytes of the current line in @line */
	size_t header_len;
	size_t n_boundaries;
	uint8_t line[MIME_LINE_MAX];
	char header[MIME_HEADER_MAX + 1]; /* the current header, unfolded */
	char boundary[MIME_BOUNDARIES][MIME_BOUNDARY_MAX + 1];
	char part_name[MIME_PART_NAME_MAX]; /* the current part's file name, or empty */
};

struct mime_decoder *
mime_decoder_new(uint64_t *parts)
{
	struct mime_decoder *md = calloc(1, sizeof(*md)); /* owned by the caller */

	if (md != NULL)
		md->parts = parts;
	return md;
}

void
mime_decoder_coded_only(struct mime_decoder *md, mime_part_fn *begin)
{
	md->coded_only = true;
	md->begin = begin;
}

bool
mime_decoder_in_coded_part(const struct mime_decoder *md)
{
	return md->state == MIME_BODY && md->body_enc != MIME_PLAIN;
}

void
mime_decoder_free(struct mime_decoder *md)
{
	free(md);
}

static bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* @s without the blanks around it. */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_blank((uint8_t)(*s)[0]))
		(*s)++;
	while (*e > *s && is_blank((uint8_t)(*e)[-1]))
		(*e)--;
}

static void
add_boundary(struct mime_decoder *md, const char *b, size_t n)
{
	if (n == 0 || n > MIME_BOUNDARY_MAX || md->n_boundaries == MIME_BOUNDARIES)
		return;
	for (size_t i = 0; i < md->n_boundaries; i++)
		if (strlen(md->boundary[i]) == n && memcmp(md->boundary[i], b, n) == 0)
			return;
	memcpy(md->boundary[md->n_boundaries], b, n);
	md->boundary[md->n_boundaries++][n] = '\0';
}

/*
 * The value of parameter @key ("boundary", "filename") in the header
 * value [@v, @e): quoted or a token (RFC 2045 5.1); false when absent.
 * The key must start a parameter, so "name" is not found in "filename".
 */
static bool
header_param(const char *v, const char *e, const char *key, const char **ret, size_t *ret_len)
{
	size_t k = strlen(key);
	const char *b = NULL, *end;

	for (const char *p = v; p + k < e; p++) {
		if ((p == v || p[-1] == ';' || is_blank((uint8_t)p[-1])) && p[k] == '=' &&
		    strncasecmp(p, key, k) == 0) {
			b = p + k + 1;
			break;
		}
	}
	if (b == NULL || b >= e)
		return false;
	if (*b == '"') {
		end = memchr(b + 1, '"', (size_t)(e - b - 1));
		if (end == NULL)
			return false;
		*ret = b + 1;
		*ret_len = (size_t)(end - b - 1);
		return true;
	}
	for (end = b; end < e && *end != ';' && !is_blank((uint8_t)*end); end++)
		;
	*ret = b;
	*ret_len = (size_t)(end - b);
	return true;
}

/* A part's file name, as its headers give it (a Content-Disposition filename wins). */
static void
set_part_name(struct mime_decoder *md, const char *v, const char *e, const char *key, bool wins)
{
	const char *name;
	size_t n;

	if ((md->part_name[0] != '\0' && !wins) || !header_param(v, e, key, &name, &n) || n == 0)
		return;
	n = n < sizeof(md->part_name) - 1 ? n : sizeof(md->part_name) - 1;
	memcpy(md->part_name, name, n);
	md->part_name[n] = '\0';
}

/* The header held is whole: the three that matter here. */
static void
header_done(struct mime_decoder *md)
{
	const char *h = md->header, *colon, *v, *e;

	md->header[md->header_len] = '\0';
	colon = memchr(h, ':', md->header_len);
	md->header_len = 0;
	if (colon == NULL)
		return;
	v = colon + 1;
	e = h + strlen(h);
	trim(&v, &e);
	if ((size_t)(colon - h) == 25 && strncasecmp(h, "content-transfer-encoding", 25) == 0) {
		if ((size_t)(e - v) >= 6 && strncasecmp(v, "base64", 6) == 0)
			md->part_enc = MIME_BASE64;
		else if ((size_t)(e - v) >= 16 && strncasecmp(v, "quoted-printable", 16) == 0)
			md->part_enc = MIME_QP;
		else
			md->part_enc = MIME_PLAIN;
	} else if ((size_t)(colon - h) == 12 && strncasecmp(h, "content-type", 12) == 0) {
		const char *b;
		size_t n;

		if (header_param(v, e, "boundary", &b, &n))
			add_boundary(md, b, n);
		set_part_name(md, v, e, "name", false);
	} else if ((size_t)(colon - h) == 19 && strncasecmp(h, "content-disposition", 19) == 0) {
		set_part_name(md, v, e, "filename", true);
	}
}

/* One header line (without its line end) into the header held; a folded one joins it. */
static void
header_append(struct mime_decoder *md, const uint8_t *line, size_t n, bool folded)
{
	if (folded && md->header_len < MIME_HEADER_MAX)
		md->header[md->header_len++] = ' ';
	for (size_t i = 0; i < n && md->header_len < MIME_HEADER_MAX; i++)
		md->header[md->header_len++] = (char)line[i];
}

/* @n bytes of a line without its CR LF. */
static size_t
content_len(const uint8_t *line, size_t n)
{
	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	return n;
}

/* "--boundary" or "--boundary--" of a multipart being followed; 2: the closing one. */
static int
boundary_line(const struct mime_decoder *md, const uint8_t *line, size_t n)
{
	n = content_len(line, n);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n < 3 || line[0] != '-' || line[1] != '-')
		return 0;
	for (size_t i = 0; i < md->n_boundaries; i++) {
		size_t b = strlen(md->boundary[i]);

		if (n == 2 + b && memcmp(line + 2, md->boundary[i], b) == 0)
			return 1;
		if (n == 4 + b && memcmp(line + 2, md->boundary[i], b) == 0 && line[n - 2] == '-' &&
		    line[n - 1] == '-')
			return 2;
	}
	/* No base64 line starts with '-': whatever it names, the part is over. */
	return md->body_enc == MIME_BASE64 ? 1 : 0;
}

static int
base64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	return c == '/' ? 63 : -1;
}

/* Base64 digits; an unfinished group of four carries over in @acc and @held. */
static size_t
base64_decode(uint32_t *acc, uint8_t *held, const uint8_t *in, size_t n, uint8_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int v = base64_value(in[i]);

		if (v >= 0) {
			*acc = *acc << 6 | (uint32_t)v;
			if (++*held == 4) {
				out[k++] = (uint8_t)(*acc >> 16);
				out[k++] = (uint8_t)(*acc >> 8);
				out[k++] = (uint8_t)*acc;
				*held = 0;
				*acc = 0;
			}
		} else if (in[i] == '=') {
			/* Padding ends a group of two or three digits; other bytes are skipped. */
			if (*held == 2) {
				out[k++] = (uint8_t)(*acc >> 4);
			} else if (*held == 3) {
				out[k++] = (uint8_t)(*acc >> 10);
				out[k++] = (uint8_t)(*acc >> 2);
			}
			*held = 0;
			*acc = 0;
		}
	}
	return k;
}

/* A base64 line: groups of four digits carry over to the next line. */
static size_t
base64_line(struct mime_decoder *md, const uint8_t *line, size_t n, uint8_t *out)
{
	return base64_decode(&md->b64_acc, &md->b64_n, line, n, out);
}

/* A quoted-printable line (RFC 2045 6.7): "=XX" is a byte, a final "=" joins the next line. */
static size_t
qp_line(const uint8_t *line, size_t n, uint8_t *out)
{
	size_t body = content_len(line, n), k = 0, i = 0;
	bool soft = body > 0 && line[body - 1] == '=';

	if (soft)
		body--;
	while (i < body) {
		int hi, lo;

		if (line[i] == '=' && i + 2 < body && (hi = hex_digit_value(line[i + 1])) >= 0 &&
		    (lo = hex_digit_value(line[i + 2])) >= 0) {
			out[k++] = (uint8_t)(hi << 4 | lo);
			i += 3;
			continue;
		}
		out[k++] = line[i++];
	}
	if (!soft)
		for (i = body; i < n; i++)
			out[k++] = line[i];
	return k;
}

/*
 * One encoded word at @p (RFC 2047 2: "=?charset?B?text?=" or "?Q?"):
 * its text decoded into @out, and its length; 0 when @p starts none.
 */
static size_t
encoded_word(const uint8_t *p, size_t n, uint8_t *out, size_t *ret_k)
{
	const uint8_t *q1, *q2, *end = NULL;
	uint8_t enc, held = 0;
	uint32_t acc = 0;
	size_t k = 0;

	if (n < 8 || p[0] != '=' || p[1] != '?' || (q1 = memchr(p + 2, '?', n - 2)) == NULL ||
	    (size_t)(q1 - p) + 3 >= n || q1[2] != '?')
		return 0;
	enc = (uint8_t)(q1[1] | 0x20);
	q2 = q1 + 3;
	for (const uint8_t *e = q2; e + 1 < p + n; e++) {
		if (e[0] == '?' && e[1] == '=') {
			end = e;
			break;
		}
	}
	if (end == NULL || (enc != 'b' && enc != 'q'))
		return 0;
	if (enc == 'b') {
		k = base64_decode(&acc, &held, q2, (size_t)(end - q2), out);
	} else {
		for (const uint8_t *c = q2; c < end; c++) {
			int hi, lo;

			if (*c == '=' && c + 2 < end && (hi = hex_digit_value(c[1])) >= 0 &&
			    (lo = hex_digit_value(c[2])) >= 0) {
				out[k++] = (uint8_t)(hi << 4 | lo);
				c += 2;
			} else {
				out[k++] = *c == '_' ? ' ' : *c;
			}
		}
	}
	*ret_k = k;
	return (size_t)(end + 2 - p);
}

/*
 * A header line with its encoded words decoded (a non-ASCII subject or
 * name is sent so); blanks between two encoded words go (RFC 2047 6.2).
 * Never longer than the line.
 */
static size_t
header_text(const uint8_t *line, size_t n, uint8_t *out)
{
	size_t k = 0, i = 0, blanks_from = SIZE_MAX;

	while (i < n) {
		size_t wk = 0, w = line[i] == '=' ? encoded_word(line + i, n - i, out + k, &wk) : 0;

		if (w > 0) {
			if (blanks_from != SIZE_MAX) {
				/* only blanks since the last word: drop them */
				memmove(out + blanks_from, out + k, wk);
				k = blanks_from;
			}
			k += wk;
			i += w;
			blanks_from = k;
			continue;
		}
		if (line[i] != ' ' && line[i] != '\t')
			blanks_from = SIZE_MAX;
		out[k++] = line[i++];
	}
	return k;
}

static bool
emit(const uint8_t *data, size_t len, mime_out_fn *out, void *ctx)
{
	return len == 0 || out(data, len, ctx);
}

/* Bytes that pass as sent: headers, boundaries, plain parts. */
static bool
emit_as_sent(const struct mime_decoder *md, const uint8_t *data, size_t len, mime_out_fn *out,
             void *ctx)
{
	return md->coded_only || emit(data, len, out, ctx);
}

static bool
header_line(struct mime_decoder *md, const uint8_t *line, size_t n, mime_out_fn *out, void *ctx)
{
	size_t body = content_len(line, n);
	bool folded = body > 0 && (line[0] == ' ' || line[0] == '\t');

	if (!folded)
		header_done(md);
	if (body == 0) {
		/* The blank line: the body follows, in the coding its headers named. */
		md->state = MIME_BODY;
		md->body_enc = md->part_enc;
		md->b64_n = 0;
		md->b64_acc = 0;
		if (md->body_enc != MIME_PLAIN && md->parts != NULL)
			(*md->parts)++;
		if (md->body_enc != MIME_PLAIN && md->begin != NULL)
			md->begin(md->part_name, ctx);
	} else {
		header_append(md, line, body, folded);
	}
	if (md->coded_only)
		return true;
	{
		uint8_t text[MIME_LINE_MAX];

		return emit(text, header_text(line, n, text), out, ctx);
	}
}

static bool
body_line(struct mime_decoder *md, const uint8_t *line, size_t n, mime_out_fn *out, void *ctx)
{
	uint8_t decoded[MIME_LINE_MAX];
	int b = boundary_line(md, line, n);

	if (b != 0) {
		/* A part's headers follow a boundary; after the closing one, text as sent. */
		md->state = b == 1 ? MIME_HEADERS : MIME_BODY;
		md->part_enc = MIME_PLAIN;
		md->body_enc = MIME_PLAIN;
		md->header_len = 0;
		md->part_name[0] = '\0';
		return emit_as_sent(md, line, n, out, ctx);
	}
	switch (md->body_enc) {
	case MIME_BASE64:
		return emit(decoded, base64_line(md, line, n, decoded), out, ctx);
	case MIME_QP:
		return emit(decoded, qp_line(line, n, decoded), out, ctx);
	default:
		return emit_as_sent(md, line, n, out, ctx);
	}
}

static bool
process_line(struct mime_decoder *md, mime_out_fn *out, void *ctx)
{
	size_t n = md->n;

	md->n = 0;
	if (md->state == MIME_HEADERS)
		return header_line(md, md->line, n, out, ctx);
	return body_line(md, md->line, n, out, ctx);
}

bool
mime_decoder_feed(struct mime_decoder *md, const uint8_t *data, size_t len, mime_out_fn *out,
                  void *ctx)
{
	while (len > 0) {
		const uint8_t *lf = memchr(data, '\n', len);
		size_t k = lf ? (size_t)(lf - data) + 1 : len;

		if (md->long_line) {
			/* The rest of a line too long to judge goes as sent. */
			if (!emit_as_sent(md, data, k, out, ctx))
				return false;
			md->long_line = lf == NULL;
		} else if (md->n + k > MIME_LINE_MAX) {
			if (!emit_as_sent(md, md->line, md->n, out, ctx))
				return false;
			md->n = 0;
			md->long_line = true;
			continue;
		} else {
			memcpy(md->line + md->n, data, k);
			md->n += k;
			if (lf != NULL && !process_line(md, out, ctx))
				return false;
		}
		data += k;
		len -= k;
	}
	return true;
}

bool
mime_decoder_end(struct mime_decoder *md, mime_out_fn *out, void *ctx)
{
	return md->n == 0 || process_line(md, out, ctx);
}
