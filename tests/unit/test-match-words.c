/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The matcher's shortcuts around Hyperscan. The context scan's two:
 * single-word hotwords looked up by the word scanner instead of the
 * Hyperscan context database, and hotwords with a digit class scanned in a
 * stream of their own, fed only for the detectors that use them; and the
 * bulk scan's: forename patterns found from the space and capital after
 * the forename (gazetteer.c) instead of one Hyperscan literal each. The
 * findings (levels included) must be exactly those of a matcher without
 * the shortcut, in block and stream mode (random splits, and one byte at a
 * time), on the sample documents and on generated text dense with what
 * each shortcut reads: hotwords in mixed case, underscores, digits, ages;
 * forenames in every case, inside longer words, after digits, hyphens and
 * apostrophes, accented in both cases; non-ASCII bytes, and all of it cut
 * at the edges of the data.
 */
#include <stdint.h>
#include <string.h>

#include "base/macro.h"
#include "match/matcher.h"
#include "test-match-util.h"

static const char *const samples[] = {
	"clinical-chat.txt", "ordinary.txt",     "hl7-adt-a01.hl7",
	"fhir-patient.json", "fhir-patient.xml", "dicom-patient.dcm",
};

/* Detectors whose levels depend on single, repeated and case-variant words. */
static const char pack[] =
        "detectors:\n"
        "  - name: wq\n"
        "    patterns: [{regex: '\\bWQ[0-9]{4}\\b', width: 6}]\n"
        "    confidence: low\n"
        "    window: 24\n"
        "    hotwords: {strong: [DOB, Pat_ID, x9, 'next of kin', 'a&e'],\n"
        "               weak: [dob, ward, bed, Ward2, "
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz],\n"
        "               negative: [order, ORDER_NO]}\n"
        "  - name: wr\n"
        "    patterns: [{regex: '\\bWR[0-9]{4}\\b', width: 6}]\n"
        "    confidence: medium\n"
        "    hotword_required: true\n"
        "    window_before: 12\n"
        "    window_after: 6\n"
        "    same_line: true\n"
        "    hotwords: {strong: [bed, 're:\\bkin[a-z]*\\b'], weak: [ward, bay]}\n"
        "    structural: {patterns: ['\\bfield\\b'], window: 10}\n"
        "  - name: wa\n"
        "    patterns: [{regex: '\\bWA[0-9]{4}\\b', width: 6}]\n"
        "    confidence: low\n"
        "    hotword_required: true\n"
        "    window: 20\n"
        "    hotwords: {strong: ['re:(?i)\\b[0-9]{1,3} ?(?:yo|y/o)\\b'], weak: [ward, bed,\n"
        "               're:\\b0[1-9][0-9]{3} ?[0-9]{6}\\b']}\n";

/*
 * Forename patterns: the built-in form with two classes, a detector without
 * the alnum boundary sharing an expression, words with a hyphen, an
 * apostrophe, accents, and one too long for the table.
 */
static const char name_pack[] =
        "detectors:\n"
        "  - name: gz_name\n"
        "    patterns: [{regex: '(?i:{gazetteer}) [A-Z\\x80-\\xff]', width: 2,\n"
        "                extend_right: 'a-zA-Z\\x27\\x80-\\xff\\-'}]\n"
        "    boundary: alnum\n"
        "    validator: person_name\n"
        "    confidence: low\n"
        "    window: 40\n"
        "    hotwords: {strong: [bed]}\n"
        "    gazetteer: [Jane, Jo, Will, Mary-Jane, Anne-Marie, \"O'Neill\", "
        "\"P\xc3\xa1"
        "draig\", \"\xc5\x81ukasz\", \"Jos\xc3\xa9\", Verylongforenameabc]\n"
        "    redact: name\n"
        "  - name: gz_caps\n"
        "    patterns: [{regex: '(?i:{gazetteer}) [A-Z]', width: 2}]\n"
        "    boundary: alnum\n"
        "    confidence: medium\n"
        "    gazetteer: [Jane, Zz]\n"
        "  - name: gz_any\n"
        "    patterns: [{regex: '(?i:{gazetteer}) [A-Z]', width: 2},\n"
        "               {regex: '(?i:{gazetteer}) [a-z]', width: 2},\n"
        "               {regex: '(?i:{gazetteer}) [\\x80-\\xff]', width: 1}]\n"
        "    confidence: low\n"
        "    gazetteer: [Jane, Jo]\n";

/*
 * A forename ending in a byte that is not a letter ("Wm." for William): the
 * space scan may not skip a space after a full stop.
 */
static const char name_pack_stop[] =
        "detectors:\n"
        "  - name: gz_abbrev\n"
        "    patterns: [{regex: '(?i:{gazetteer}) [A-Z\\x80-\\xff]', width: 2}]\n"
        "    boundary: alnum\n"
        "    confidence: low\n"
        "    gazetteer: [Jane, Wm.]\n";

/* Only single words: no Hyperscan context database at all. */
static const char pack_words[] = "detectors:\n"
                                 "  - name: wq\n"
                                 "    patterns: [{regex: '\\bWQ[0-9]{4}\\b', width: 6}]\n"
                                 "    confidence: low\n"
                                 "    hotword_required: true\n"
                                 "    window: 24\n"
                                 "    hotwords: {strong: [dob], weak: [ward, bed]}\n";

static const char *const pieces[] = {
	"WQ1234",
	"WR5678",
	"DOB",
	"dob",
	"Dob",
	"pat_id",
	"PAT_ID",
	"patid",
	"x9",
	"X9",
	"x99",
	"next of kin",
	"a&e",
	"ward",
	"WARD",
	"ward2",
	"Ward2x",
	"bed",
	"BEDS",
	"bay",
	"order",
	"order_no",
	"ORDER_NO",
	"kinship",
	"WA1234",
	"81yo",
	"81 YO",
	"7 y/o",
	"1234yo",
	"01234 567890",
	"0123456789012",
	"field",
	"FIELD",
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzz",
	"patient",
	"NHS no",
	"CHI",
	"nhs",
	"mob",
	"tel",
	"postcode",
	"4010232137",
	"943 476 5919",
	"536-90-4399",
	"07700 900461",
	"ML1 1AA",
	"Mrs Eileen Forsyth",
	"\xc3\xa9",
	"_",
	"0",
	"9x",
	"-",
	".",
	":",
};

/* Hotwords at the very start and end of the data (a final \b needs the end). */
static const char *const edges[] = {
	"WQ1234 DOB",
	"WQ1234 ward bed",
	"WR5678 bed",
	"bed WR5678",
	"dob WQ1234 ward",
	"x9 WQ1234",
	"WQ1234 ward x9",
	"WQ1234 order",
	"WA1234 81yo",
	"7 y/o WA1234",
	"WA1234 ward 01234 567890",
	"WQ1234 ward\xc3\xa9\x62\x65\x64", /* "...ward\u00e9bed" */
};

/* Forenames and what surrounds them, for the gazetteer scan. */
static const char *const name_pieces[] = {
	"Jane",
	"JANE",
	"jane",
	"jAnE",
	"Smith",
	"SMITH",
	"smith",
	"Mary-Jane",
	"Anne-Marie",
	"Joann",
	"Goodwill",
	"will",
	"Will",
	"2Jane",
	"_Jane",
	"-Jane",
	"'Jane",
	"\xc3\xa9Jane",
	"P\xc3\xa1"
	"draig",
	"P\xc3\x81"
	"DRAIG",
	"p\xc3\x81"
	"draig",
	"\xc5\x81ukasz",
	"\xc5\x82ukasz",
	"Jos\xc3\xa9",
	"JOS\xc3\x89",
	"Wm.",
	"WM.",
	"end.",
	"\xc3\x93",
	"S\xc3\xbailleabh\xc3\xa1in",
	"O'Neill",
	"Jo",
	"JO",
	"Mr",
	"Dr",
	"bed 4",
	"DOB 01/02/1950",
	"NHS no 401 023 2137",
	"Verylongforenameabc",
	"Zz",
	"A",
	"\xe2\x80\x99",
};

static const char *const name_edges[] = {
	"Jane Smith",
	" Jane Smith",
	"Jane S",
	"Jane ",
	"x Jane \xc3\x81",
	"Jo Bloggs bed 4",
	"Mary-Jane Smith in bed 4",
	"SMITH, Jane bed 4",
	"Verylongforenameabc Smith bed 4",
	"Jo Z Jo Z Jo Z",
	"Jos\xc3\xa9 Smith",
	"Wm. Smith",
	"0123456789abcdef Jane Smith",
	"0123456789abcde. Jane Smith",
	"0123456789abcdeJ Jane Smith",
};

static const char *const separators[] = { " ", " ", " ", "\n", "\r\n", "", "\t", ", " };

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t
next_rand(void)
{
	return xorshift_next(&rng);
}

static char *
generate(const char *const *words, size_t n_words, size_t len)
{
	char *buf = malloc(len + 1);
	size_t n = 0;

	while (n < len) {
		const char *p = words[next_rand() % n_words];
		const char *sep = separators[next_rand() % ARRAY_SIZE(separators)];

		for (; *p != '\0' && n < len; p++)
			buf[n++] = *p;
		for (; *sep != '\0' && n < len; sep++)
			buf[n++] = *sep;
	}
	buf[n] = '\0';
	return buf;
}

static void
diff(const struct found_list *a, const struct found_list *b)
{
	for (size_t i = 0; i < a->n; i++)
		tap_diag("with    %s %llu..%llu %d", a->items[i].detector, a->items[i].start,
		         a->items[i].end, a->items[i].confidence);
	for (size_t i = 0; i < b->n; i++)
		tap_diag("without %s %llu..%llu %d", b->items[i].detector, b->items[i].start,
		         b->items[i].end, b->items[i].confidence);
}

struct pair {
	struct phiguard_matcher *m[2]; /* [0] with the shortcuts, [1] without some */
	struct phiguard_scratch *s[2];
	bool bytewise; /* streams are also fed one byte at a time */
};

/* Block and stream (random splits) findings of both matchers on @data. */
static void
compare(struct pair *p, const char *name, const unsigned char *data, size_t len)
{
	struct found_list f[2] = { { 0 }, { 0 } };
	size_t cuts[16];
	size_t n_cuts = len > 1 ? 1 + next_rand() % ARRAY_SIZE(cuts) : 0;
	bool ok = true;
	size_t n = 0;

	for (size_t i = 0; i < n_cuts; i++)
		cuts[i] = next_rand() % len;
	cuts_sort(cuts, n_cuts);
	for (int k = 0; k < 2; k++)
		ok &= scan_block(p->m[k], p->s[k], data, len, &f[k]) == 0;
	n = f[0].n;
	if (!(ok &= found_same(&f[0], &f[1])))
		diff(&f[0], &f[1]);
	for (int k = 0; k < 2 && ok; k++)
		ok &= scan_stream(p->m[k], p->s[k], data, len, cuts, n_cuts, &f[k]) == 0;
	if (ok && !(ok &= found_same(&f[0], &f[1])))
		diff(&f[0], &f[1]);
	if (ok && p->bytewise && len > 1) {
		size_t *every = malloc((len - 1) * sizeof(*every));

		for (size_t i = 0; i + 1 < len; i++)
			every[i] = i + 1;
		for (int k = 0; k < 2 && ok; k++)
			ok &= scan_stream(p->m[k], p->s[k], data, len, every, len - 1, &f[k]) == 0;
		if (ok && !(ok &= found_same(&f[0], &f[1])))
			diff(&f[0], &f[1]);
		free(every);
	}
	tap_ok(ok, "%s: %zu findings, the same as without the shortcut", name, n);
	found_clear(&f[0]);
	found_clear(&f[1]);
}

/* @without: the MATCH_COMPILE_* flags of the matcher to compare with. */
static bool
pair_new(struct pair *p, const char *yaml, bool builtin, unsigned without)
{
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_error err = { 0 };
	int r = builtin ? phiguard_detector_set_add_builtin(set, &err) : 0;

	if (r == 0 && yaml != NULL)
		r = phiguard_detector_set_load_yaml(set, yaml, strlen(yaml), "test.yaml", &err);
	for (int k = 0; k < 2 && r == 0; k++) {
		struct phiguard_matcher_options o = { .token_key = (const uint8_t *)"key",
			                              .token_key_len = 3 };

		r = match_compile(set, &o, k == 0 ? 0 : without, &p->m[k], &err);
		if (r == 0)
			r = phiguard_scratch_new(p->m[k], &p->s[k]);
	}
	if (r < 0)
		tap_diag("matcher: %s:%u:%u: %s", err.file, err.line, err.column, err.msg);
	phiguard_detector_set_free(set);
	return r == 0;
}

static void
pair_free(struct pair *p)
{
	for (int k = 0; k < 2; k++) {
		phiguard_scratch_free(p->s[k]);
		phiguard_matcher_free(p->m[k]);
	}
}

static const struct match_expr *
expr_named(const struct phiguard_matcher *m, const char *text)
{
	for (size_t i = 0; i < m->n_expr; i++)
		if (strcmp(m->expr[i].text, text) == 0)
			return &m->expr[i];
	return NULL;
}

/* The expression @text goes to the digit database. */
static bool
is_digit(const struct phiguard_matcher *m, const char *text)
{
	const struct match_expr *e = expr_named(m, text);

	return e != NULL && e->digit;
}

/* The expression @text (caseless) is looked up by the word scanner. */
static bool
is_word(const struct phiguard_matcher *m, const char *text)
{
	const struct match_expr *e = expr_named(m, text);

	return e != NULL && e->word;
}

static void
test_table(const struct pair *p)
{
	const struct phiguard_matcher *m = p->m[0];
	size_t n = 0;

	for (size_t i = 0; i < m->n_expr; i++)
		n += m->expr[i].word;
	tap_ok(m->words.n > 0 && n >= m->words.n, "%zu expressions, %zu words: word table", n,
	       m->words.n);
	tap_ok(p->m[1]->words.n == 0 && p->m[1]->digit_db == NULL,
	       "with one context stream: no word table, no digit database");
	tap_ok(m->digit_db != NULL && is_digit(m, "(?i)\\b[0-9]{1,3} ?(?:yo|y/o)\\b") &&
	               is_digit(m, "\\b0[1-9][0-9]{3} ?[0-9]{6}\\b"),
	       "regular-expression hotwords with a digit class: the digit database");
	tap_ok(!is_digit(m, "\\bkin[a-z]*\\b") && !is_digit(m, "\\bfield\\b"),
	       "other hotwords and structural markers: the main context database");
	tap_ok(is_word(m, "\\bDOB\\b") && is_word(m, "\\bdob\\b"), "case variants are one word");
	tap_ok(is_word(m, "\\bPat\\x5fID\\b"), "an underscore is a word byte");
	tap_ok(!is_word(m, "\\bnext\\x20of\\x20kin\\b") && !is_word(m, "\\ba\\x26e\\b"),
	       "multi-token and punctuated hotwords stay in Hyperscan");
	tap_ok(!is_word(m, "\\bkin[a-z]*\\b"), "regular-expression hotwords stay in Hyperscan");
	tap_ok(!is_word(m, "\\babcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\\b"),
	       "words longer than the table's limit stay in Hyperscan");
}

struct text_kind {
	const char *const *edges, *const *pieces;
	size_t n_edges, n_pieces;
};

static const struct text_kind hotword_text = { edges, pieces, ARRAY_SIZE(edges),
	                                       ARRAY_SIZE(pieces) };
static const struct text_kind name_text = { name_edges, name_pieces, ARRAY_SIZE(name_edges),
	                                    ARRAY_SIZE(name_pieces) };

/* The edge cases, then @count generated texts of up to @max_len bytes. */
static void
compare_many(struct pair *p, const struct text_kind *kind, const char *what, unsigned count,
             size_t max_len)
{
	for (size_t i = 0; i < kind->n_edges; i++)
		compare(p, kind->edges[i], (const unsigned char *)kind->edges[i],
		        strlen(kind->edges[i]));
	for (unsigned i = 0; i < count; i++) {
		char name[64];
		char *text = generate(kind->pieces, kind->n_pieces, 1 + next_rand() % max_len);

		snprintf(name, sizeof(name), "%s, generated text %u", what, i);
		compare(p, name, (const unsigned char *)text, strlen(text));
		free(text);
	}
}

/*
 * @text in two pieces, cut at each byte in turn: the second piece starts
 * the space scan's blocks at every offset, with the byte before it in the
 * first piece.
 */
static void
compare_cut_everywhere(struct pair *p, const char *what, const char *text)
{
	size_t len = strlen(text);
	struct found_list f[2] = { { 0 }, { 0 } };
	bool ok = true;

	for (size_t cut = 1; cut < len && ok; cut++) {
		for (int k = 0; k < 2 && ok; k++)
			ok &= scan_stream(p->m[k], p->s[k], text, len, &cut, 1, &f[k]) == 0;
		if (ok && !(ok &= found_same(&f[0], &f[1]))) {
			tap_diag("cut at %zu", cut);
			diff(&f[0], &f[1]);
		}
	}
	tap_ok(ok && f[0].n > 0,
	       "%s, cut at every byte: %zu findings, the same as without the "
	       "shortcut",
	       what, f[0].n);
	found_clear(&f[0]);
	found_clear(&f[1]);
}

/* The expression @text is found by the gazetteer scan, not Hyperscan. */
static bool
is_gazetteer(const struct phiguard_matcher *m, const char *text)
{
	const struct match_expr *e = expr_named(m, text);

	return e != NULL && e->gazetteer;
}

static void
test_gazetteer_table(const struct pair *custom, const struct pair *stop, const struct pair *builtin)
{
	const struct phiguard_matcher *m = custom->m[0], *b = builtin->m[0];
	size_t taken = 0, comma = 0;

	tap_ok(is_gazetteer(m, "(?i:Jane) [A-Z\\x80-\\xff]") &&
	               is_gazetteer(m, "(?i:P\\xc3[\\xa1\\x81]draig) [A-Z\\x80-\\xff]") &&
	               is_gazetteer(m, "(?i:Mary\\x2dJane) [A-Z\\x80-\\xff]") &&
	               m->gazetteer.n_classes == 2,
	       "forename patterns with a space and a capital: the gazetteer scan (%u classes)",
	       m->gazetteer.n_classes);
	tap_ok(!is_gazetteer(m, "(?i:Jane) [A-Z]") && is_gazetteer(m, "(?i:Zz) [A-Z]"),
	       "an expression shared with a detector without the alnum boundary stays in "
	       "Hyperscan");
	tap_ok(m->gazetteer.word_bytes_simple && !stop->m[0]->gazetteer.word_bytes_simple &&
	               is_gazetteer(stop->m[0], "(?i:Wm\\x2e) [A-Z\\x80-\\xff]"),
	       "the space scan skips spaces after other bytes only when no forename ends in one");
	tap_ok(!is_gazetteer(m, "(?i:Verylongforenameabc) [A-Z\\x80-\\xff]") &&
	               !is_gazetteer(m, "(?i:Jo) [a-z]"),
	       "a forename over 16 bytes, a class with lower-case letters: Hyperscan");
	for (size_t i = 0; i < b->n_expr; i++) {
		taken += b->expr[i].gazetteer;
		comma += strncmp(b->expr[i].text, ", (?i:", 6) == 0 && !b->expr[i].gazetteer;
	}
	tap_ok(taken > 1000 && comma > 1000 && builtin->m[1]->gazetteer.table.n == 0,
	       "built-in packs: %zu forename expressions scanned, %zu after a comma in Hyperscan",
	       taken, comma);
}

int
main(void)
{
	struct pair builtin = { 0 }, custom = { 0 }, words = { 0 }, names = { 0 }, stop = { 0 },
	            builtin_names = { .bytewise = true };
	const unsigned context_off = MATCH_COMPILE_NO_WORDS | MATCH_COMPILE_NO_DIGITS;

	if (!tap_ok(pair_new(&custom, pack, false, context_off),
	            "test pack, and with one context stream"))
		return tap_done();
	test_table(&custom);
	compare_many(&custom, &hotword_text, "pack", 200, 2048);
	if (tap_ok(pair_new(&words, pack_words, false, context_off),
	           "words-only pack, and with one context stream")) {
		tap_ok(words.m[0]->ctx_db == NULL && words.m[1]->ctx_db != NULL,
		       "words only: no context database");
		compare_many(&words, &hotword_text, "words-only pack", 50, 2048);
	}
	if (!tap_ok(pair_new(&builtin, pack, true, context_off),
	            "built-in packs, and with one context stream"))
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		size_t len = 0;
		unsigned char *data = read_sample(samples[i], &len);

		if (!tap_ok(data != NULL, "read %s", samples[i]))
			continue;
		compare(&builtin, samples[i], data, len);
		free(data);
	}
	compare_many(&builtin, &hotword_text, "built-in", 40, 16384);
	if (!tap_ok(pair_new(&names, name_pack, false, MATCH_COMPILE_NO_GAZETTEER) &&
	                    pair_new(&stop, name_pack_stop, false, MATCH_COMPILE_NO_GAZETTEER) &&
	                    pair_new(&builtin_names, NULL, true, MATCH_COMPILE_NO_GAZETTEER),
	            "forename packs, and with every forename pattern in Hyperscan"))
		goto out;
	test_gazetteer_table(&names, &stop, &builtin_names);
	names.bytewise = true;
	compare_many(&names, &name_text, "forename pack", 200, 512);
	compare_many(&stop, &name_text, "forename pack with a full stop", 100, 512);
	compare_cut_everywhere(&stop, "a forename ending in a full stop at every offset",
	                       "Wm. J, Jane K. Wm. L and Wm. M saw Jane N at 4. Wm. P");
	compare_cut_everywhere(&names, "forenames at every offset",
	                       "Jane Smith, Jo Bloggs. Jane Smith; Mary-Jane Smith, Jos\xc3\xa9 "
	                       "Smith, Jo Smith and Will Smith saw Jane Smith at 4.");
	builtin_names.bytewise = false;
	compare_many(&builtin_names, &name_text, "built-in forenames", 40, 16384);
	builtin_names.bytewise = true;
	compare_many(&builtin_names, &name_text, "built-in forenames, byte by byte", 20, 512);
out:
	pair_free(&builtin_names);
	pair_free(&stop);
	pair_free(&names);
	pair_free(&builtin);
	pair_free(&words);
	pair_free(&custom);
	return tap_done();
}
