/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The candidate pipeline on detectors without validators: boundaries,
 * hotword windows before and after, weak pairs, hotword_required,
 * structural context, aggregation, caps, extents, overlaps, records.
 */
#include <string.h>

#include "test-match-util.h"

static const char pack[] =
        "detectors:\n"
        "  - name: num10\n"
        "    patterns: [{regex: '[0-9]{10}', width: 10}]\n"
        "    boundary: digit\n"
        "    confidence: medium\n"
        "  - name: pid\n"
        "    patterns: [{regex: '\\bID[0-9]{6}\\b', width: 8}]\n"
        "    boundary: alnum\n"
        "    confidence: low\n"
        "    window: 50\n"
        "    hotwords: {strong: [patient], weak: [ward, bed]}\n"
        "    structural: {patterns: ['FIELD:'], window: 16}\n"
        "  - name: needy\n"
        "    patterns: [{regex: '\\bQQ[0-9]{4}\\b', width: 6}]\n"
        "    confidence: medium\n"
        "    max_confidence: medium\n"
        "    hotword_required: true\n"
        "    hotwords: {strong: [code]}\n"
        "  - name: lined\n"
        "    patterns: [{regex: '\\bLN[0-9]{4}\\b', width: 6}]\n"
        "    confidence: medium\n"
        "    hotword_required: true\n"
        "    hotwords: {strong: [born]}\n"
        "    window_before: 8\n"
        "    window_after: 24\n"
        "    same_line: true\n"
        "  - name: rehot\n"
        "    patterns: [{regex: '\\bRH[0-9]{4}\\b', width: 6}]\n"
        "    confidence: medium\n"
        "    hotword_required: true\n"
        "    hotwords: {strong: ['re:\\bkin[a-z]*\\b']}\n"
        "    window: 10\n"
        "  - name: neg\n"
        "    patterns: [{regex: '\\bNG[0-9]{4}\\b', width: 6}]\n"
        "    confidence: medium\n"
        "    window: 20\n"
        "    hotwords: {strong: [label], weak: [ward, bed], negative: [order]}\n"
        "  - name: xa\n"
        "    patterns: [{regex: '\\bXY[0-9]{4}\\b', width: 6}]\n"
        "    confidence: medium\n"
        "    hotwords: {strong: [alpha]}\n"
        "  - name: xb\n"
        "    patterns: [{regex: '\\bXY[0-9]{4}\\b', width: 6}]\n"
        "    confidence: medium\n"
        "    hotwords: {strong: [beta]}\n"
        "  - name: mail\n"
        "    patterns:\n"
        "      - {regex: '@[a-z]+(?:\\.[a-z]+)*\\.[a-z]{2,}', extend_left: 'a-z.@'}\n"
        "    boundary: alnum\n"
        "    confidence: low\n"
        "    redact: email\n"
        "  - name: sfirst\n"
        "    patterns: [{regex: ', Jane', width: 6, extend_left: 'A-Za-z'}]\n"
        "    confidence: low\n"
        "  - name: titled\n"
        "    patterns: [{regex: '\\bMr [A-Z]', width: 4, extend_right: 'a-z'}]\n"
        "    confidence: low\n"
        "    redact: name\n"
        "  - name: rec\n"
        "    kind: record\n"
        "    patterns: [{regex: 'BEGIN\\|', width: 6}]\n"
        "    require: ['\\nPART\\|']\n"
        "    window: 100\n"
        "    confidence: high\n"
        "    redact: record\n";

static struct phiguard_matcher *m;
static struct phiguard_scratch *s;
static struct found_list fl;

static void
scan(const char *text)
{
	int r = scan_block(m, s, text, strlen(text), &fl);

	if (r != 0)
		tap_diag("scan failed: %d", r);
}

static enum phiguard_confidence
level_of(const char *det, unsigned long long start)
{
	const struct found *f = found_get(&fl, det, start);

	return f ? f->confidence : PHIGUARD_CONFIDENCE_NONE;
}

static void
test_boundary(void)
{
	scan("x 1234567890 y");
	tap_eq_int(found_count(&fl, "num10"), 1, "ten digits between spaces");
	tap_ok(found_get(&fl, "num10", 2) && found_get(&fl, "num10", 2)->end == 12, "at 2..12");
	scan("12345678901");
	tap_eq_int(found_count(&fl, "num10"), 0, "eleven digits: no ten-digit value inside");
	scan("a1234567890b");
	tap_eq_int(found_count(&fl, "num10"), 1, "digit boundary ignores letters");
	scan("xID123456 ID123456x ID123456");
	tap_eq_int(found_count(&fl, "pid"), 1, "alnum boundary: only the free-standing one");
	tap_ok(found_get(&fl, "pid", 20) != NULL, "found at 20");
}

static void
test_hotwords(void)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "patient %40s ID123456", "");
	scan(buf);
	tap_eq_int(level_of("pid", strlen(buf) - 8), PHIGUARD_CONFIDENCE_MEDIUM,
	           "strong hotword 48 bytes before: raised");
	snprintf(buf, sizeof(buf), "patient %50s ID123456", "");
	scan(buf);
	tap_eq_int(level_of("pid", strlen(buf) - 8), PHIGUARD_CONFIDENCE_LOW,
	           "strong hotword 58 bytes before: outside the window");
	snprintf(buf, sizeof(buf), "ID123456 %38s patient", "");
	scan(buf);
	tap_eq_int(level_of("pid", 0), PHIGUARD_CONFIDENCE_MEDIUM,
	           "strong hotword after, inside the window");
	snprintf(buf, sizeof(buf), "ID123456 %45s patient", "");
	scan(buf);
	tap_eq_int(level_of("pid", 0), PHIGUARD_CONFIDENCE_LOW,
	           "strong hotword after, ending outside the window");
	scan("ward ID123456 bed");
	tap_eq_int(level_of("pid", 5), PHIGUARD_CONFIDENCE_MEDIUM, "two distinct weak: raised");
	scan("ward ID123456 ward");
	tap_eq_int(level_of("pid", 5), PHIGUARD_CONFIDENCE_LOW, "one weak twice: not raised");
	scan("Patient ID123456");
	tap_eq_int(level_of("pid", 8), PHIGUARD_CONFIDENCE_MEDIUM, "hotwords are caseless");
	scan("outpatient ID123456");
	tap_eq_int(level_of("pid", 11), PHIGUARD_CONFIDENCE_LOW, "hotwords are whole words");
	scan("QQ1234 alone");
	tap_eq_int(found_count(&fl, "needy"), 0, "hotword_required: nothing without context");
	scan("code QQ1234");
	tap_eq_int(level_of("needy", 5), PHIGUARD_CONFIDENCE_MEDIUM,
	           "hotword_required: found with context, capped at max_confidence");
}

/* Separate windows before and after, and hotwords kept to the value's line. */
static void
test_sides_and_lines(void)
{
	scan("born   LN1234");
	tap_eq_int(found_count(&fl, "lined"), 1, "hotword 7 bytes before: inside window_before");
	scan("born      LN1234");
	tap_eq_int(found_count(&fl, "lined"), 0, "hotword 10 bytes before: outside window_before");
	scan("LN1234 is when she was born");
	tap_eq_int(found_count(&fl, "lined"), 1, "hotword ending 21 bytes after: window_after");
	scan("LN1234 is the day that she was born");
	tap_eq_int(found_count(&fl, "lined"), 0, "hotword ending 29 bytes after: outside");
	scan("born\nLN1234");
	tap_eq_int(found_count(&fl, "lined"), 0, "same_line: not across a line break before");
	scan("LN1234\r\nborn");
	tap_eq_int(found_count(&fl, "lined"), 0, "same_line: not across a line break after");
	scan("x\nborn LN1234\n");
	tap_eq_int(found_count(&fl, "lined"), 1, "same_line: the value's own line counts");
	scan("order NG1234");
	tap_eq_int(level_of("neg", 6), PHIGUARD_CONFIDENCE_LOW, "negative hotword: held at low");
	scan("ward bed NG1234 order");
	tap_eq_int(level_of("neg", 9), PHIGUARD_CONFIDENCE_LOW,
	           "negative hotword after: weak pair does not raise it");
	scan("order label NG1234");
	tap_eq_int(level_of("neg", 12), PHIGUARD_CONFIDENCE_HIGH,
	           "a strong hotword outweighs a negative one");
	scan("ward bed NG1234");
	tap_eq_int(level_of("neg", 9), PHIGUARD_CONFIDENCE_HIGH, "without a negative: raised");
	scan("alpha XY1234");
	tap_ok(found_count(&fl, "xa") == 1 && found_count(&fl, "xb") == 0,
	       "same bytes, own label before: the other detector gives way");
	scan("beta XY1234");
	tap_ok(found_count(&fl, "xa") == 0 && found_count(&fl, "xb") == 1,
	       "the same the other way round");
	scan("XY1234");
	tap_ok(found_count(&fl, "xa") == 1 && found_count(&fl, "xb") == 1,
	       "neither labelled: both stay");
	scan("kinship RH1234");
	tap_eq_int(found_count(&fl, "rehot"), 1, "regex hotword inside the window");
	scan("kinaaaaaaaaaaaaa RH1234");
	tap_eq_int(found_count(&fl, "rehot"), 0, "regex hotword starting before the window");
}

static void
test_structural_aggregate(void)
{
	scan("FIELD: ID123456");
	tap_eq_int(level_of("pid", 7), PHIGUARD_CONFIDENCE_HIGH, "structural marker: high");
	scan("FIELD:                   ID123456");
	tap_eq_int(level_of("pid", 25), PHIGUARD_CONFIDENCE_LOW, "marker 19 bytes before: low");
	scan("ID111111 ID222222 ID111111 ID333333 ID444444");
	tap_eq_int(level_of("pid", 0), PHIGUARD_CONFIDENCE_LOW, "first distinct value: low");
	tap_eq_int(level_of("pid", 18), PHIGUARD_CONFIDENCE_LOW, "a repeat does not count");
	tap_eq_int(level_of("pid", 27), PHIGUARD_CONFIDENCE_MEDIUM, "third distinct: raised");
	tap_eq_int(level_of("pid", 36), PHIGUARD_CONFIDENCE_MEDIUM, "fourth distinct: raised");
}

static void
test_extents(void)
{
	const struct found *f;

	scan("write to jane.doe@mail.example.org today");
	f = found_get(&fl, "mail", 9);
	tap_ok(f != NULL && f->end == 34, "extend_left finds the start, longest end wins");
	tap_eq_int(found_count(&fl, "mail"), 1, "overlapping shorter matches dropped");
	tap_eq_str(f ? f->sample : NULL, "j***@***.example.org", "e-mail sample");
	scan("seen: WATSON, Jane today");
	f = found_get(&fl, "sfirst", 6);
	tap_ok(f != NULL && f->end == 18,
	       "width then extend_left: the walk starts at the fixed start");
	scan("seen by Mr Smithson today");
	f = found_get(&fl, "titled", 8);
	tap_ok(f != NULL && f->end == 19, "extend_right takes the surname");
	tap_eq_str(f ? f->sample : NULL, "M* S*******", "name sample");
}

static void
test_records(void)
{
	const struct found *f;

	scan("xx BEGIN|a\nPART|b\nPART|c BEGIN|d\nPART|");
	tap_eq_int(found_count(&fl, "rec"), 1, "one record finding per scan");
	f = found_get(&fl, "rec", 3);
	tap_ok(f != NULL && f->end == 16, "record spans signature to required part");
	tap_eq_int(f ? f->confidence : 0, PHIGUARD_CONFIDENCE_HIGH, "record is high");
	tap_eq_str(f ? f->sample : NULL, "[rec]", "record sample names the record");
	scan("\nPART| then BEGIN|");
	tap_eq_int(found_count(&fl, "rec"), 0, "required part before the signature: nothing");
}

static int
stop_now(const struct phiguard_finding *f, void *arg)
{
	(*(int *)arg)++;
	return 1;
}

static void
test_stop_and_split(void)
{
	const char *text = "1234567890 2234567890 3234567890";
	size_t cuts[] = { 5, 6, 15 };
	int calls = 0;

	tap_eq_int(phiguard_scan_block(m, s, text, strlen(text), stop_now, &calls), 0,
	           "a callback may stop the scan");
	tap_eq_int(calls, 1, "no finding after stop");
	tap_eq_int(scan_stream(m, s, text, strlen(text), cuts, 3, &fl), 0, "stream scan");
	tap_eq_int(found_count(&fl, "num10"), 3, "values split across feeds are found");
	tap_ok(found_get(&fl, "num10", 0) && found_get(&fl, "num10", 11), "at their offsets");
	tap_ok(phiguard_stream_size(m) > 0 && phiguard_stream_size(m) < 64 * 1024,
	       "per-stream memory is bounded: %zu bytes", phiguard_stream_size(m));
}

/* A value whose level the bytes before it settle is reported without waiting for its window. */
static void
test_early(void)
{
	struct phiguard_stream *st = NULL;
	char tail[64];

	memset(tail, ' ', sizeof(tail));
	found_clear(&fl);
	phiguard_stream_open(m, &st);
	phiguard_stream_feed(st, s, "code QQ1234", 11, found_collect, &fl);
	phiguard_stream_feed(st, s, tail, sizeof(tail), found_collect, &fl);
	tap_eq_int(fl.n, 1,
	           "hotword before, level at its cap: reported 64 bytes later, stream open");
	phiguard_stream_close(st, s, found_collect, &fl);
	tap_eq_int(fl.n, 1, "and not again at close");

	found_clear(&fl);
	phiguard_stream_open(m, &st);
	phiguard_stream_feed(st, s, "QQ1234 code", 11, found_collect, &fl);
	phiguard_stream_feed(st, s, tail, sizeof(tail), found_collect, &fl);
	tap_eq_int(fl.n, 0, "hotword after: waits for the window");
	phiguard_stream_close(st, s, found_collect, &fl);
	tap_eq_int(fl.n, 1, "decided at close");
}

int
main(void)
{
	m = matcher_from(pack, false, NULL);
	if (!tap_ok(m != NULL, "test pack compiles"))
		return tap_done();
	if (!tap_ok(phiguard_scratch_new(m, &s) == 0, "scratch"))
		return tap_done();
	test_boundary();
	test_hotwords();
	test_sides_and_lines();
	test_structural_aggregate();
	test_extents();
	test_records();
	test_stop_and_split();
	test_early();
	found_clear(&fl);
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	return tap_done();
}
