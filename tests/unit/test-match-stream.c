/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Block and stream scans of the same bytes give the same findings, however
 * the stream is split: every sample document, and generated mixed text,
 * each with many random split sets (and one byte per feed).
 */
#include <stdint.h>
#include <string.h>

#include "test-match-util.h"

static const char *const samples[] = {
	"clinical-chat.txt", "ordinary.txt",     "hl7-adt-a01.hl7",
	"fhir-patient.json", "fhir-patient.xml", "dicom-patient.dcm",
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	return xorshift_next(&rng);
}

static const char *const fragments[] = {
	"NHS no ",
	"CHI ",
	"dob ",
	"DOB: 14/02/1938 ",
	"patient ",
	"ward 5 bed 2 ",
	"Mrs Eileen Forsyth ",
	"Dr Patel ",
	"John Smith ",
	"call 07700 900461 ",
	"mob +44 7911 123456 ",
	"ML1 1AA ",
	"email jane.doe@nhs.net ",
	"NINO AB 12 34 56 C ",
	"ssn 536-90-4399 ",
	"NPI 1234567893 ",
	"MBI 1EG4-TE5-MK73 ",
	"the ",
	"and ",
	"meeting at 10 ",
	"\r",
	"\n",
	"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.4\rPID|1||",
	"{\"resourceType\": \"Patient\", ",
	"\"system\":\"https://fhir.nhs.uk/Id/nhs-number\" ",
	"401 023 2137 ",
	"4010232137 ",
	"0101011237 ",
	"943 476 5919 ",
};

/* Mixed text with random ten-digit numbers: some pass the checksums. */
static char *
generate(size_t len)
{
	char *buf = malloc(len + 1);
	size_t n = 0;

	while (n < len) {
		char piece[64];
		uint64_t r = next_rand();

		if (r % 4 == 0)
			snprintf(piece, sizeof(piece), "%010llu ",
			         (unsigned long long)(next_rand() % 10000000000ULL));
		else
			snprintf(piece, sizeof(piece), "%s",
			         fragments[r % (sizeof(fragments) / sizeof(fragments[0]))]);
		for (size_t i = 0; piece[i] != '\0' && n < len; i++)
			buf[n++] = piece[i];
	}
	buf[n] = '\0';
	return buf;
}

static void
diff(struct found_list *a, struct found_list *b)
{
	for (size_t i = 0; i < a->n; i++)
		tap_diag("block  %s %llu..%llu %d", a->items[i].detector, a->items[i].start,
		         a->items[i].end, a->items[i].confidence);
	for (size_t i = 0; i < b->n; i++)
		tap_diag("stream %s %llu..%llu %d", b->items[i].detector, b->items[i].start,
		         b->items[i].end, b->items[i].confidence);
}

static void
check(const struct phiguard_matcher *m, struct phiguard_scratch *s, const char *name,
      const unsigned char *data, size_t len, unsigned rounds)
{
	struct found_list block = { 0 }, stream = { 0 };
	size_t cuts[64];
	unsigned bad = 0;

	tap_eq_int(scan_block(m, s, data, len, &block), 0, "%s: block scan", name);
	for (unsigned round = 0; round < rounds; round++) {
		size_t n_cuts = len > 1 ? 1 + next_rand() % 63 : 0;

		for (size_t i = 0; i < n_cuts; i++)
			cuts[i] = next_rand() % len;
		cuts_sort(cuts, n_cuts);
		if (scan_stream(m, s, data, len, cuts, n_cuts, &stream) != 0 ||
		    !found_same(&block, &stream)) {
			if (bad++ == 0)
				diff(&block, &stream);
		}
	}
	tap_ok(bad == 0, "%s: %zu findings, same in %u random stream splits (%u differ)", name,
	       block.n, rounds, bad);
	/* One byte per feed: every possible split point at once. */
	{
		struct phiguard_stream *st = NULL;

		found_clear(&stream);
		phiguard_stream_open(m, &st);
		for (size_t i = 0; i < len; i++)
			phiguard_stream_feed(st, s, data + i, 1, found_collect, &stream);
		phiguard_stream_close(st, s, found_collect, &stream);
		tap_ok(found_same(&block, &stream), "%s: same with one byte per feed", name);
	}
	found_clear(&block);
	found_clear(&stream);
}

int
main(void)
{
	struct phiguard_matcher *m = matcher_from(NULL, true, "test-key");
	struct phiguard_scratch *s = NULL;

	if (!tap_ok(m != NULL && phiguard_scratch_new(m, &s) == 0, "built-in matcher"))
		return tap_done();
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t len = 0;
		unsigned char *data = read_sample(samples[i], &len);

		if (!tap_ok(data != NULL, "read %s", samples[i]))
			continue;
		check(m, s, samples[i], data, len, 100);
		free(data);
	}
	for (unsigned i = 0; i < 4; i++) {
		char name[32];
		char *text = generate(4096 + 4096 * i);

		snprintf(name, sizeof(name), "generated text %u", i);
		check(m, s, name, (const unsigned char *)text, strlen(text), 40);
		free(text);
	}
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	return tap_done();
}
