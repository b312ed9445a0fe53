/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw data (an image, ciphertext, a compressed file read as it is) holds
 * value-shaped runs by chance: they are no findings. Text next to raw data
 * on one side is still text (the last line of a file stored in a zip), and
 * a value between raw bytes with structure around it (a DICOM tag) counts.
 * Raw data in base64 (an attachment, an image in JSON) is raw data too;
 * words joined by '+' or '/' are not.
 */
#include <string.h>

#include "test-match-util.h"

#define RAW_LEN (4U << 20)

static size_t
count_at_least(const struct found_list *fl, enum phiguard_confidence level)
{
	size_t n = 0;

	for (size_t i = 0; i < fl->n; i++)
		n += fl->items[i].confidence >= level;
	return n;
}

/* The highest level of the NHS number finding in @len bytes (raw ones included). */
static enum phiguard_confidence
nhs_level(const struct phiguard_matcher *m, struct phiguard_scratch *s, const uint8_t *b,
          size_t len, struct found_list *fl)
{
	enum phiguard_confidence got = PHIGUARD_CONFIDENCE_NONE;

	scan_block(m, s, b, len, fl);
	for (size_t i = 0; i < fl->n; i++)
		if (strcmp(fl->items[i].detector, "nhs_number") == 0 &&
		    fl->items[i].confidence > got)
			got = fl->items[i].confidence;
	return got;
}

static void
fill_random(uint8_t *b, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(xorshift_next(&seed) >> 24);
}

/*
 * @n bytes of @in in base64 into @out (room for 4/3 of @n and the line
 * breaks), CRLF after every @line characters (0: one line), or base64url;
 * its length.
 */
static size_t
base64_lines(const uint8_t *in, size_t n, uint8_t *out, size_t line, bool url)
{
	const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	                      : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, col = 0;

	for (size_t i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		for (int k = 3; k >= 0; k--) {
			out[o++] = (uint8_t)abc[(v >> (6 * k)) & 63];
			if (line > 0 && ++col == line) {
				out[o++] = '\r';
				out[o++] = '\n';
				col = 0;
			}
		}
	}
	return o;
}

/* The level of the first finding of @detector in @text (NONE: none). */
static enum phiguard_confidence
level_of_first(const struct phiguard_matcher *m, struct phiguard_scratch *s, const char *text,
               const char *detector, struct found_list *fl)
{
	scan_block(m, s, text, strlen(text), fl);
	for (size_t i = 0; i < fl->n; i++)
		if (strcmp(fl->items[i].detector, detector) == 0)
			return fl->items[i].confidence;
	return PHIGUARD_CONFIDENCE_NONE;
}

int
main(void)
{
	struct phiguard_matcher *m =
	        matcher_for(NULL, true, NULL, PHIGUARD_MATCHER_BLOCK | PHIGUARD_MATCHER_STREAM);
	struct phiguard_scratch *s = NULL;
	struct found_list fl = { 0 };
	uint8_t *raw = malloc(RAW_LEN), *coded = malloc(RAW_LEN), buf[256];
	size_t cuts[RAW_LEN / 1448], n_cuts = 0, n;

	if (!tap_ok(m != NULL && raw != NULL && coded != NULL && phiguard_scratch_new(m, &s) == 0,
	            "built-in matcher"))
		goto out;
	fill_random(raw, RAW_LEN, 0x5eed);
	scan_block(m, s, raw, RAW_LEN, &fl);
	tap_ok(count_at_least(&fl, PHIGUARD_CONFIDENCE_MEDIUM) == 0,
	       "4 MiB of random bytes, block: no finding at medium or above (%zu at any level)",
	       fl.n);
	for (size_t at = 1448; at < RAW_LEN; at += 1448)
		cuts[n_cuts++] = at;
	scan_stream(m, s, raw, RAW_LEN, cuts, n_cuts, &fl);
	tap_ok(count_at_least(&fl, PHIGUARD_CONFIDENCE_MEDIUM) == 0,
	       "the same in a stream of 1448-byte pieces (%zu at any level)", fl.n);

	/* Raw bytes on both sides: chance, even with a label. */
	memcpy(buf, raw, 64);
	memcpy(buf + 64, " NHS no 401 023 2137 ", 21);
	memcpy(buf + 85, raw + 64, 64);
	tap_eq_int(nhs_level(m, s, buf, 149, &fl), PHIGUARD_CONFIDENCE_NONE,
	           "a value with raw bytes on both sides is no finding");
	/* ... but text on one side is text: a note stored in a zip, its central directory after. */
	n = (size_t)snprintf((char *)buf, sizeof(buf), "Patient NHS no 401 023 2137\n");
	memcpy(buf + n, "PK\1\2\x14\0\x14\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	tap_eq_int(nhs_level(m, s, buf, n + 20, &fl), PHIGUARD_CONFIDENCE_HIGH,
	           "text with raw bytes after it only is still read");
	/* ... and raw bytes before, text after (a text part after an image in a form) */
	memcpy(buf, raw, 64);
	n = (size_t)snprintf((char *)buf + 64, sizeof(buf) - 64,
	                     "\r\nNHS no 401 023 2137 for bed 4\r\n");
	tap_eq_int(nhs_level(m, s, buf, 64 + n, &fl), PHIGUARD_CONFIDENCE_HIGH,
	           "text with raw bytes before it only is still read");

	/* The same random bytes in base64, as a mail's attachment (76 a line) and as base64url. */
	n = base64_lines(raw, RAW_LEN / 2, coded, 76, false);
	scan_block(m, s, coded, n, &fl);
	tap_ok(count_at_least(&fl, PHIGUARD_CONFIDENCE_MEDIUM) == 0,
	       "2 MiB of random bytes in base64 lines: no finding at medium or above (%zu at any "
	       "level)",
	       fl.n);
	n = base64_lines(raw + RAW_LEN / 2, RAW_LEN / 2, coded, 0, true);
	scan_block(m, s, coded, n, &fl);
	tap_ok(count_at_least(&fl, PHIGUARD_CONFIDENCE_MEDIUM) == 0,
	       "the same in one line of base64url (%zu at any level)", fl.n);
	/* ... but words joined by '+' (a form) or '/' (a path) are text */
	tap_eq_int(
	        level_of_first(m, s,
	                       "notes=Patient+seen+today+NHS+no+4010232137+for+discharge+to+Ward+"
	                       "7+later",
	                       "nhs_number", &fl),
	        PHIGUARD_CONFIDENCE_HIGH, "a labelled NHS number in a form's '+' words is read");
	tap_eq_int(level_of_first(m, s,
	                          "addr=Flat+2+10+Downing+Street+London+SW1A2AA+United+Kingdom+"
	                          "for+Mrs+Jane+Smith+bed+4",
	                          "uk_postcode", &fl),
	           PHIGUARD_CONFIDENCE_MEDIUM, "a postcode in a form's '+' words is read");
out:
	found_clear(&fl);
	free(coded);
	free(raw);
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	return tap_done();
}
