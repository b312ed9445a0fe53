/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CONTENT_MIME_H
#define PHIGUARD_CONTENT_MIME_H

/*
 * A mail's text as its reader sees it: the parts of a MIME message
 * (RFC 2045/2046) in base64 or quoted-printable are decoded, and so are
 * encoded words in headers (RFC 2047: a non-ASCII subject or name);
 * everything else (plain parts, boundaries) passes as sent. A CSV of
 * patients attached to a mail is base64 on the wire; a long line of a
 * plain mail is quoted-printable, whose soft line breaks may cut an NHS
 * number in two.
 *
 * Line by line, as mail is written: a line longer than MIME_LINE_MAX
 * bytes (SMTP allows 1000) is passed as sent.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_LINE_MAX      1024
#define MIME_BOUNDARIES    4  /* nested multiparts followed */
#define MIME_BOUNDARY_MAX  70 /* RFC 2046 5.1.1 */
#define MIME_HEADER_MAX    512
#define MIME_PART_NAME_MAX 96

struct mime_decoder;

/* The decoded text, in pieces; return false to stop. */
typedef bool mime_out_fn(const uint8_t *data, size_t len, void *ctx);

/* A base64 or quoted-printable part begins: its file name, or "" when its headers give none. */
typedef void mime_part_fn(const char *name, void *ctx);

/*
 * A decoder for one mail, from its first header line; each base64 or
 * quoted-printable part it begins adds one to *@parts (when not NULL).
 * NULL when out of memory.
 */
struct mime_decoder *mime_decoder_new(uint64_t *parts);
/*
 * From now on only the text of coded parts goes out, each announced to
 * @begin (may be NULL) with the feed's context: a file's own scan reads
 * the rest as it is, with offsets in the file (phiguard scan of a .eml).
 */
void mime_decoder_coded_only(struct mime_decoder *md, mime_part_fn *begin);
/* Whether the bytes going out now are a coded part's decoded text. */
bool mime_decoder_in_coded_part(const struct mime_decoder *md);
/* Accepts NULL. */
void mime_decoder_free(struct mime_decoder *md);
/* The mail's next @len bytes; false when @out asked to stop. */
bool mime_decoder_feed(struct mime_decoder *md, const uint8_t *data, size_t len, mime_out_fn *out,
                       void *ctx);
/* The mail ends: its last, unfinished line goes out too. */
bool mime_decoder_end(struct mime_decoder *md, mime_out_fn *out, void *ctx);

#endif
