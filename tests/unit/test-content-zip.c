/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Zip entries found in a stream (agent/content/zip.c): a deflated entry's
 * text comes out wherever the zip starts and however the stream is cut;
 * stored and encrypted entries and what is not a zip give nothing; an
 * entry that inflates past the bounds is cut there and the next is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/zip.h"
#include "tap.h"
#include "test-zip-build.h"
#include "text-sink.h"

struct text {
	struct text_sink s; /* first: the decoders' context is the text */
	char names[256];
};

static void
name_of(const char *name, void *ctx)
{
	struct text *t = ctx;
	size_t n = strlen(t->names);

	snprintf(t->names + n, sizeof(t->names) - n, "%s;", name);
}

/* @data through a zip state in pieces of @piece bytes; the entries' text. */
static size_t
carve(const uint8_t *data, size_t len, size_t piece, struct text *t, uint64_t *entries)
{
	struct zip_state zs;
	uint32_t live = 0;
	struct zip_sink sink = { &live, 4, entries, name_of, text_sink_add, t };

	memset(&zs, 0, sizeof(zs));
	memset(t, 0, sizeof(*t));
	text_sink_add((const uint8_t *)"", 0, t);
	for (size_t off = 0; off < len; off += piece)
		zip_feed(&zs, data + off, len - off < piece ? len - off : piece, &sink);
	zip_release(&zs);
	tap_eq_int((int)live, 0, "inflaters all given back (pieces of %zu)", piece);
	return t->s.n;
}

static const char document[] =
        "<w:document><w:body><w:p><w:r><w:t>Referral: Mrs Jane Smith, NHS no 401 023 2137, "
        "DOB 01/02/1960.</w:t></w:r></w:p></w:body></w:document>";
static const char strings[] = "<sst><si><t>Name</t></si><si><t>NHS number</t></si>"
                              "<si><t>401 023 2145</t></si></sst>";

static void
test_office_file(void)
{
	static uint8_t zip[8192];
	size_t n = 0;
	uint64_t entries = 0;
	struct text whole, one, odd;

	/* What a multipart form or a decoded attachment looks like: bytes, then the file. */
	memcpy(zip, "--form\r\nContent-Type: application/octet-stream\r\n\r\n", 50);
	n = 50;
	n += zip_entry(zip + n, "[Content_Types].xml", "<Types/>", 8, 0, 0);
	n += zip_entry(zip + n, "word/document.xml", document, strlen(document), 8, 0);
	n += zip_entry(zip + n, "xl/sharedStrings.xml", strings, strlen(strings), 8, 8);
	n += zip_entry(zip + n, "secret.xml", "NHS no 401 023 2153", 19, 8, 1);
	memcpy(zip + n, "PK\1\2 central directory", 23);
	n += 23;

	carve(zip, n, n, &whole, &entries);
	tap_ok(strstr(whole.s.buf, document) != NULL, "a deflated entry's text comes out");
	tap_ok(strstr(whole.s.buf, strings) != NULL,
	       "an entry with a data descriptor (sizes after the data) too");
	tap_ok(strstr(whole.s.buf, "401 023 2153") == NULL, "an encrypted entry is skipped");
	tap_ok(strstr(whole.s.buf, "<Types/>") == NULL, "a stored entry is not repeated");
	tap_eq_int((int)entries, 2, "two entries inflated");
	tap_eq_str(whole.names, "word/document.xml;xl/sharedStrings.xml;",
	           "each inflated entry begins with its name");
	carve(zip, n, 1, &one, &entries);
	carve(zip, n, 7, &odd, &entries);
	tap_ok(one.s.n == whole.s.n && memcmp(one.s.buf, whole.s.buf, whole.s.n) == 0,
	       "byte by byte: the same text");
	tap_ok(odd.s.n == whole.s.n && memcmp(odd.s.buf, whole.s.buf, whole.s.n) == 0,
	       "in 7-byte pieces: the same text");
	text_sink_free(&whole.s);
	text_sink_free(&one.s);
	text_sink_free(&odd.s);
}

static void
test_not_zip(void)
{
	static const char junk[] = "PK\3\4 is a signature; PK\3\4\x14\0\0\0\x08\0 truncated, "
	                           "PK\3\4\x14\0\0\0\x08\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	                           "not deflate at all, and more text after it";
	struct text t;
	uint64_t entries = 0;

	carve((const uint8_t *)junk, sizeof(junk) - 1, sizeof(junk) - 1, &t, &entries);
	tap_ok(t.s.n < 64,
	       "signatures in text with no entry behind them give (almost) nothing (%zu)", t.s.n);
	text_sink_free(&t.s);
}

/* A bomb: 64 MiB of zeros in one entry; decoding stops at the bound. */
static void
test_bomb(void)
{
	const size_t plain = 64U << 20;
	uint8_t *zeros = calloc(1, plain), *zip = malloc(plain / 64);
	size_t n;
	struct text t;
	uint64_t entries = 0;

	if (!tap_ok(zeros != NULL && zip != NULL, "bomb: memory"))
		goto out;
	n = zip_entry(zip, "zeros.txt", zeros, plain, 8, 0);
	memcpy(zip + n, "text after", 10);
	n += zip_entry(zip + n + 10, "after.txt", "NHS no 401 023 2137", 19, 8, 0) + 10;
	carve(zip, n, 1448, &t, &entries);
	tap_ok(t.s.n <= INFLATE_FREE + INFLATE_RATIO * n + 64,
	       "bomb: %zu bytes of zip give %zu bytes, within the bound", n, t.s.n);
	tap_ok(t.s.n > 19 && memcmp(t.s.buf + t.s.n - 19, "NHS no 401 023 2137", 19) == 0,
	       "bomb: the entry after it is found and read");
	text_sink_free(&t.s);
out:
	free(zeros);
	free(zip);
}

int
main(void)
{
	test_office_file();
	test_not_zip();
	test_bomb();
	return tap_done();
}
