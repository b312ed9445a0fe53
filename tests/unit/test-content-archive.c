/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Zip entries and gzip files found in a stream (agent/content/archive.c):
 * a deflated entry's or gzip member's text comes out wherever it starts
 * and however the stream is cut; stored and encrypted entries and what is
 * neither give nothing; an entry that inflates past the bounds is cut
 * there, said, and the next is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/archive.h"
#include "tap.h"
#include "test-zip-build.h"
#include "text-sink.h"

struct text {
	struct text_sink s; /* first: the decoders' context is the text */
	char names[256];
	unsigned cuts[INFLATE_STOP + 1]; /* entries cut short, by why */
};

static void
cut_of(enum inflate_status why, void *ctx)
{
	struct text *t = ctx;

	t->cuts[why]++;
}

static void
name_of(const char *name, enum archive_kind kind, void *ctx)
{
	struct text *t = ctx;
	size_t n = strlen(t->names);

	snprintf(t->names + n, sizeof(t->names) - n, "%s%s;",
	         kind == ARCHIVE_KIND_GZIP ? "gz:" : "", name);
}

/* @data through an archive search in pieces of @piece bytes; the entries' text. */
static size_t
carve_counted(const uint8_t *data, size_t len, size_t piece, struct text *t, uint64_t *entries,
              uint64_t *gzips)
{
	struct archive_state as;
	uint32_t live = 0;
	const struct archive_sink sink = {
		.live = &live,
		.live_max = 4,
		.zip_entries = entries,
		.gzip_files = gzips,
		.begin = name_of,
		.out = text_sink_add,
		.cut = cut_of,
		.ctx = t,
	};

	memset(&as, 0, sizeof(as));
	memset(t, 0, sizeof(*t));
	text_sink_add((const uint8_t *)"", 0, t);
	for (size_t off = 0; off < len; off += piece)
		archive_feed(&as, data + off, len - off < piece ? len - off : piece, &sink);
	archive_release(&as, &sink);
	tap_eq_int((int)live, 0, "inflaters all given back (pieces of %zu)", piece);
	return t->s.n;
}

static size_t
carve(const uint8_t *data, size_t len, size_t piece, struct text *t, uint64_t *entries)
{
	uint64_t gzips = 0;

	return carve_counted(data, len, piece, t, entries, &gzips);
}

/* The same @data cut byte by byte and in 7-byte pieces: the same text and names as @whole. */
static void
check_pieces(const uint8_t *data, size_t n, const struct text *whole)
{
	struct text one, odd;
	uint64_t entries = 0, gzips = 0;

	carve_counted(data, n, 1, &one, &entries, &gzips);
	carve_counted(data, n, 7, &odd, &entries, &gzips);
	tap_ok(one.s.n == whole->s.n && memcmp(one.s.buf, whole->s.buf, whole->s.n) == 0 &&
	               strcmp(one.names, whole->names) == 0,
	       "byte by byte: the same text and names");
	tap_ok(odd.s.n == whole->s.n && memcmp(odd.s.buf, whole->s.buf, whole->s.n) == 0 &&
	               strcmp(odd.names, whole->names) == 0,
	       "in 7-byte pieces: the same text and names");
	text_sink_free(&one.s);
	text_sink_free(&odd.s);
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
	struct text whole;

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
	check_pieces(zip, n, &whole);
	text_sink_free(&whole.s);
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
	tap_eq_int((int)t.cuts[INFLATE_LIMIT], 1, "bomb: the entry cut at the bound is said");
	text_sink_free(&t.s);
out:
	free(zeros);
	free(zip);
}

/* A string literal's bytes (NULs inside too) at @out + @n, which moves past them. */
#define PUT_LITERAL(out, n, lit)                             \
	do {                                                 \
		memcpy((out) + (n), (lit), sizeof(lit) - 1); \
		(n) += sizeof(lit) - 1;                      \
	} while (0)

/* A gzip member at @out: the header with the optional fields @flags asks for, data, trailer. */
static size_t
gzip_member(uint8_t *out, const char *text, unsigned flags, const char *name)
{
	size_t n = 0, len = strlen(text);
	z_stream z;

	PUT_LITERAL(out, n, "\x1f\x8b\x08");
	out[3] = (uint8_t)flags;
	memset(out + 4, 0, 6); /* MTIME, XFL, OS */
	out[9] = 3;            /* Unix */
	n = 10;
	if (flags & 0x04) { /* FEXTRA: 5 bytes */
		PUT_LITERAL(out, n,
		            "\x05\x00"
		            "AB\x02\x00x");
	}
	if (flags & 0x08) { /* FNAME */
		memcpy(out + n, name, strlen(name) + 1);
		n += strlen(name) + 1;
	}
	if (flags & 0x10) { /* FCOMMENT */
		PUT_LITERAL(out, n, "made by hand\0");
	}
	if (flags & 0x02) { /* FHCRC */
		PUT_LITERAL(out, n, "\xab\xcd");
	}
	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = out + n;
	z.avail_out = (uInt)(len + 1024);
	deflate(&z, Z_FINISH);
	n += len + 1024 - z.avail_out;
	deflateEnd(&z);
	zip_put32(out + n, (uint32_t)crc32(0, (const Bytef *)text, (uInt)len));
	zip_put32(out + n + 4, (uint32_t)len);
	return n + 8;
}

static void
test_gzip(void)
{
	static uint8_t buf[8192];
	static const char csv[] = "name,nhs_number\nJane Smith,401 023 2137\n";
	static const char more[] = "John Brown,401 023 2145\n";
	uint64_t entries = 0, gzips = 0;
	struct text whole;
	size_t n;

	/* A multipart upload of a .csv.gz, a second file of two members, then text. */
	n = 0;
	PUT_LITERAL(buf, n, "--form\r\nContent-Type: application/gzip\r\n\r\n");
	n += gzip_member(buf + n, csv, 0x08, "patients.csv");
	PUT_LITERAL(buf, n, "\r\n--form\r\n\r\n");
	n += gzip_member(buf + n, more, 0x1e, "more.csv");
	n += gzip_member(buf + n, "second member\n", 0, "");
	PUT_LITERAL(buf, n, "\r\n--form--\r\n");

	carve_counted(buf, n, n, &whole, &entries, &gzips);
	tap_ok(strstr(whole.s.buf, csv) != NULL, "a gzip file's text comes out");
	tap_ok(strstr(whole.s.buf, more) != NULL,
	       "past the optional fields (extra, name, comment, header CRC)");
	tap_ok(strstr(whole.s.buf, "second member\n") != NULL, "a second member is read too");
	tap_eq_int((int)gzips, 3, "three gzip members counted");
	tap_eq_int((int)entries, 0, "no zip entry counted");
	tap_eq_str(whole.names, "gz:patients.csv;gz:more.csv;gz:;",
	           "each begins with its stored name");
	tap_eq_int((int)(whole.cuts[INFLATE_ERROR] + whole.cuts[INFLATE_OK]), 0, "none cut short");
	check_pieces(buf, n, &whole);
	text_sink_free(&whole.s);

	/* Cut inside its data: said when the search is released. */
	n = gzip_member(buf, csv, 0, "");
	carve_counted(buf, n - 20, n - 20, &whole, &entries, &gzips);
	tap_eq_int((int)whole.cuts[INFLATE_OK], 1, "a gzip file cut short is said at the end");
	text_sink_free(&whole.s);

	/* Reserved flag bits: not a gzip header, so nothing is inflated. */
	n = gzip_member(buf, csv, 0x20, "");
	gzips = 0;
	carve_counted(buf, n, n, &whole, &entries, &gzips);
	tap_ok(gzips == 0 && whole.s.n == 0, "a header with reserved flags is no gzip file");
	text_sink_free(&whole.s);
}

int
main(void)
{
	test_office_file();
	test_not_zip();
	test_bomb();
	test_gzip();
	return tap_done();
}
