/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Samples show the shape, never the value; tokens are keyed hashes. */
#include <string.h>

#include "match/matcher.h"
#include "test-match-util.h"

static const struct {
	enum detector_redact style;
	const char *value;
	const char *want;
} cases[] = {
	{ DETECTOR_REDACT_LAST4, "401 023 2137", "*** *** 2137" },
	{ DETECTOR_REDACT_LAST4, "4010232137", "******2137" },
	{ DETECTOR_REDACT_LAST4,
	  "401\xc2\xa0"
	  "023\xc2\xa0"
	  "2137",
	  "*** *** 2137" },
	{ DETECTOR_REDACT_LAST4, "536-90-4399", "***-**-4399" },
	{ DETECTOR_REDACT_LAST4, "07911 123456", "***** **3456" },
	{ DETECTOR_REDACT_LAST4, "+44 (0)20 7946 0958", "+** (*)** **** 0958" },
	{ DETECTOR_REDACT_LAST4, "123", "***" },
	{ DETECTOR_REDACT_LAST4, "1234567", "*******" },
	{ DETECTOR_REDACT_LAST4, "12345678", "****5678" },
	{ DETECTOR_REDACT_MASK, "AB 12 34 56 C", "XX ** ** ** X" },
	{ DETECTOR_REDACT_MASK, "ML1 1AA", "XX* *XX" },
	{ DETECTOR_REDACT_MASK, "14/02/1938", "**/**/****" },
	{ DETECTOR_REDACT_MASK, "a\x01\xff", "X??" },
	{ DETECTOR_REDACT_EMAIL, "jane.doe@lanarkshire.scot.nhs.uk", "j***@***.nhs.uk" },
	{ DETECTOR_REDACT_EMAIL, "bob@gmail.com", "b***@***.com" },
	{ DETECTOR_REDACT_EMAIL, ".x@host", "****@***" },
	{ DETECTOR_REDACT_NAME, "Mrs Eileen Forsyth", "M** E***** F******" },
	{ DETECTOR_REDACT_NAME, "Anne-Marie Smith", "A***-M**** S****" },
	/* a UTF-8 letter is a letter: nothing after it shows ("Siobh??n" did) */
	{ DETECTOR_REDACT_NAME, "Siobh\xc3\xa1n O'Neill", "S****** O'N****" },
	/* an initial outside ASCII shows whole, as an ASCII one does */
	{ DETECTOR_REDACT_NAME, "\xc3\x93 S\xc3\xbailleabh\xc3\xa1in", "\xc3\x93 S***********" },
	{ DETECTOR_REDACT_NAME,
	  "\xc5\xbb"
	  "aneta",
	  "\xc5\xbb*****" },
	/* a broken sequence is not copied: it would break the event's text */
	{ DETECTOR_REDACT_NAME, "\xc5 Smith", "? S****" },
	{ DETECTOR_REDACT_NAME,
	  "\xc5"
	  "Abc Smith",
	  "?*** S****" },
	{ DETECTOR_REDACT_NAME, "\xe2\x82 Smith", "? S****" },
	/* a CJK name's first character is its family name, not an initial */
	{ DETECTOR_REDACT_NAME, "\xe7\x8e\x8b\xe8\x8a\xb3 Smith", "?* S****" },
	{ DETECTOR_REDACT_RECORD, "hl7v2", "[hl7v2]" },
};

static void
test_samples(void)
{
	char out[PHIGUARD_SAMPLE_MAX], longv[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		match_redact(cases[i].style, (const uint8_t *)cases[i].value,
		             strlen(cases[i].value), out, sizeof(out));
		tap_eq_str(out, cases[i].want, "sample of case %zu", i);
	}
	memset(longv, '7', sizeof(longv));
	match_redact(DETECTOR_REDACT_MASK, (const uint8_t *)longv, sizeof(longv), out, sizeof(out));
	tap_ok(strlen(out) == sizeof(out) - 1 && strcmp(out + strlen(out) - 3, "...") == 0,
	       "a long value is cut and says so");
	/* Whatever the number, no digit but the last four survives. */
	for (unsigned n = 0; n < 1000; n++) {
		char v[16];
		bool leak = false;

		snprintf(v, sizeof(v), "%010u", n * 2654435761u);
		match_redact(DETECTOR_REDACT_LAST4, (const uint8_t *)v, 10, out, sizeof(out));
		for (size_t k = 0; k < 6; k++)
			leak = leak || out[k] != '*';
		if (leak || strcmp(out + 6, v + 6) != 0) {
			tap_ok(false, "last4 leaks or loses digits for %s: %s", v, out);
			return;
		}
	}
	tap_ok(true, "last4 keeps only the last four digits of 1000 numbers");
}

static void
test_tokens(void)
{
	static const char pack[] = "detectors:\n"
	                           "  - name: tok\n"
	                           "    patterns: [{regex: '\\bAB[0-9]{4}\\b', width: 6}]\n"
	                           "  - name: tok2\n"
	                           "    patterns: [{regex: '\\bAB[0-9]{4}\\b', width: 6}]\n";
	/* HMAC-SHA256(key, "tok\0AB1234"), first 16 bytes, computed independently. */
	static const char want_test_key[] = "19c9ec0bf2bb82eee6668cba8f533a16";
	static const char want_other_key[] = "491341ab79ff1d65b0d8dccd0fae9e76";
	static const char want_tok2[] = "ab3ec851d09aee601a19e82755e3bdf2";
	const char *keys[] = { "test-key", "other-key", NULL };
	const char *wants[] = { want_test_key, want_other_key, "" };
	struct found_list fl = { 0 };

	for (size_t k = 0; k < 3; k++) {
		struct phiguard_matcher *m = matcher_from(pack, false, keys[k]);
		struct phiguard_scratch *s = NULL;
		const struct found *f;

		if (!tap_ok(m != NULL && phiguard_scratch_new(m, &s) == 0, "matcher with key %zu",
		            k))
			continue;
		scan_block(m, s, "ref AB1234 end", 14, &fl);
		f = found_get(&fl, "tok", 4);
		tap_eq_str(f ? f->token : NULL, wants[k], "token with key %zu", k);
		if (k == 0) {
			f = found_get(&fl, "tok2", 4);
			tap_eq_str(f ? f->token : NULL, want_tok2,
			           "the detector name is part of the token");
		}
		phiguard_scratch_free(s);
		phiguard_matcher_free(m);
	}
	found_clear(&fl);
}

int
main(void)
{
	test_samples();
	test_tokens();
	return tap_done();
}
