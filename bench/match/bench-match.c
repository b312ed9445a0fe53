/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Matcher throughput on a generated mixed corpus (clinical chat, ordinary
 * chat, JSON, HTML, numbers), measured in one run against three baselines:
 * memcpy over the same bytes (the ceiling), PCRE2 with JIT running the
 * same expressions one after another (what a regex-per-detector engine
 * does), and Hyperscan alone on a plain set of 20 DLP expressions
 * (plain-set.h, where the throughput goal comes from). Not a test: run it
 * by hand, see bench/README.md.
 *
 *	bench-match [MiB] [pcre2-MiB] [corpus-out]
 *	bench-match --file FILE [pcre2-MiB]
 *
 * With corpus-out the generated corpus is also written there (to try other
 * tools on the same bytes). With --file the corpus is FILE instead (a
 * sample of a site's own traffic, say), and the per-kind rows are left out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phiguard/match.h>

#include "cpu-time.h"
#include "match/matcher.h"
#include "plain-set.h"

#ifdef HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const words[] = {
	"the",     "and",      "meeting", "today", "thanks", "please",  "review", "update",
	"rota",    "shift",    "coffee",  "team",  "later",  "send",    "file",   "report",
	"with",    "for",      "this",    "that",  "will",   "have",    "from",   "about",
	"parking", "training", "policy",  "leave", "week",   "morning", "call",   "text",
};
static const char *const clinical[] = {
	"admitted", "discharged", "ward", "bed",      "obs",    "bloods", "meds",    "consultant",
	"patient",  "NOK",        "DOB",  "referral", "clinic", "GP",     "theatre", "resus",
};
static const char *const forenames[] = { "John", "Mary",     "Eileen", "David", "Sarah",
	                                 "Tom",  "Margaret", "James",  "Fiona", "Aidan" };
static const char *const surnames[] = { "Smith",   "Forsyth",   "Brown",   "Wilson", "Campbell",
	                                "Stewart", "Robertson", "Thomson", "Patel",  "Murray" };

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->cap - b->n < 512)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < b->cap - b->n)
		b->n += (size_t)n;
}

static void
sentence(struct buf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put(b, "%s%s", i ? " " : "", words[rnd(sizeof(words) / sizeof(words[0]))]);
}

static void
gen_clinical(struct buf *b)
{
	put(b, "[%02u:%02u] %s: ", rnd(24), rnd(60), forenames[rnd(10)]);
	switch (rnd(6)) {
	case 0:
		put(b, "Mrs %s %s %s to %s %u, NHS no %03u %03u %04u\n", forenames[rnd(10)],
		    surnames[rnd(10)], clinical[rnd(16)], clinical[rnd(16)], rnd(30), rnd(1000),
		    rnd(1000), rnd(10000));
		break;
	case 1:
		put(b, "%s %s DOB %02u/%02u/19%02u, mobile 07%03u %06u\n", forenames[rnd(10)],
		    surnames[rnd(10)], 1 + rnd(28), 1 + rnd(12), rnd(100), rnd(1000), rnd(1000000));
		break;
	case 2:
		put(b, "bed %u %s, %s at %s%u %u%c%c\n", rnd(30), clinical[rnd(16)],
		    clinical[rnd(16)], rnd(2) ? "ML" : "G", 1 + rnd(9), rnd(10), 'A' + rnd(20),
		    'A' + rnd(20));
		break;
	default:
		sentence(b, 6 + rnd(10));
		put(b, " %s\n", clinical[rnd(16)]);
		break;
	}
}

static void
gen_chat(struct buf *b)
{
	put(b, "[%02u:%02u] %s: ", rnd(24), rnd(60), forenames[rnd(10)]);
	sentence(b, 5 + rnd(20));
	put(b, "\n");
}

static void
gen_json(struct buf *b)
{
	put(b, "{\"id\":%u,\"user\":\"u%u\",\"ts\":17%08u,\"msg\":\"", rnd(1000000000), rnd(100000),
	    rnd(100000000));
	sentence(b, 4 + rnd(12));
	put(b, "\",\"tags\":[\"%s\",\"%s\"],\"score\":%u.%02u}\n", words[rnd(32)], words[rnd(32)],
	    rnd(100), rnd(100));
}

static void
gen_html(struct buf *b)
{
	put(b, "<div class=\"c%u\"><a href=\"https://example.org/p/%u?ref=%u\">", rnd(50),
	    rnd(100000), rnd(1000));
	sentence(b, 3 + rnd(8));
	put(b, "</a><span>%u</span></div>\n", rnd(100000));
}

static void
gen_numbers(struct buf *b)
{
	put(b, "%u,%u.%02u,%010u,%u,%u\n", rnd(100000), rnd(10000), rnd(100), rnd(2000000000),
	    rnd(1000), rnd(100000000));
}

static const char *const prose_words[] = {
	"the",      "of",        "and",       "to",       "in",      "a",           "is",
	"that",     "for",       "it",        "as",       "was",     "with",        "be",
	"by",       "on",        "not",       "he",       "this",    "are",         "or",
	"from",     "at",        "which",     "but",      "have",    "an",          "they",
	"you",      "were",      "their",     "one",      "all",     "we",          "can",
	"her",      "has",       "there",     "been",     "if",      "more",        "when",
	"will",     "would",     "who",       "time",     "people",  "year",        "way",
	"day",      "man",       "thing",     "woman",    "life",    "child",       "world",
	"school",   "family",    "group",     "country",  "hand",    "part",        "place",
	"case",     "week",      "company",   "system",   "work",    "number",      "night",
	"point",    "home",      "water",     "room",     "mother",  "area",        "money",
	"story",    "month",     "right",     "study",    "book",    "job",         "word",
	"issue",    "side",      "kind",      "head",     "house",   "service",     "friend",
	"power",    "hour",      "game",      "line",     "end",     "member",      "car",
	"city",     "name",      "team",      "minute",   "idea",    "body",        "information",
	"back",     "parent",    "level",     "office",   "door",    "health",      "person",
	"art",      "history",   "result",    "change",   "morning", "reason",      "research",
	"guy",      "moment",    "teacher",   "report",   "meeting", "appointment", "clinic",
	"doctor",   "nurse",     "ward",      "referral", "letter",  "record",      "review",
	"plan",     "good",      "new",       "first",    "last",    "long",        "great",
	"little",   "other",     "old",       "big",      "high",    "small",       "next",
	"early",    "young",     "few",       "public",   "same",    "able",        "please",
	"say",      "get",       "make",      "go",       "know",    "take",        "see",
	"come",     "think",     "look",      "want",     "give",    "use",         "find",
	"tell",     "ask",       "feel",      "try",      "leave",   "call",        "send",
	"attached", "regarding", "following", "update",   "patient", "hospital",    "medication",
};

/* An identifier-like token, as prose carries them now and then. */
static void
prose_token(struct buf *b)
{
	switch (rnd(10)) {
	case 0:
		put(b, "%03u %03u %04u", rnd(1000), rnd(1000), rnd(10000));
		break;
	case 1:
		put(b, "%05u%05u", rnd(100000), rnd(100000));
		break;
	case 2:
		put(b, "%s%u %u%c%c", rnd(2) ? "SW" : "EH", 1 + rnd(20), rnd(10), 'A' + rnd(26),
		    'A' + rnd(26));
		break;
	case 3:
		put(b, "07%03u %06u", rnd(1000), rnd(1000000));
		break;
	case 4:
		put(b, "%s@example.org", surnames[rnd(10)]);
		break;
	case 5:
		put(b, "%02u/%02u/%u", 1 + rnd(28), 1 + rnd(12), 1930 + rnd(90));
		break;
	case 6:
		put(b, "JG %02u %02u %02u %c", rnd(100), rnd(100), rnd(100), 'A' + rnd(4));
		break;
	case 7:
		put(b, "4%03u %04u %04u %04u", rnd(1000), rnd(10000), rnd(10000), rnd(10000));
		break;
	case 8:
		put(b, "%02u-%02u-%02u", rnd(100), rnd(100), rnd(100));
		break;
	default:
		put(b, "account number %08u", rnd(100000000));
		break;
	}
}

/*
 * English prose: sentences of 6-20 common words, a plain number in one
 * sentence of 12 and an identifier-like token in one of 40 (about one
 * Hyperscan event per kilobyte for a plain set of DLP expressions).
 */
static void
gen_prose(struct buf *b)
{
	unsigned n = 6 + rnd(15);
	int number_at = rnd(12) == 0 ? (int)rnd(n) : -1;
	int token_at = rnd(40) == 0 ? (int)rnd(n) : -1;
	const unsigned n_words = sizeof(prose_words) / sizeof(prose_words[0]);

	for (unsigned i = 0; i < n; i++) {
		const char *w = prose_words[rnd(n_words)];

		if (i == 0)
			put(b, "%c%s", w[0] - 'a' + 'A', w + 1);
		else
			put(b, " %s", w);
		if ((int)i == number_at)
			put(b, " %u", rnd(1000000) >> rnd(17));
		if ((int)i == token_at) {
			put(b, " ");
			prose_token(b);
		}
	}
	put(b, "%s", rnd(10) ? ". " : "? ");
	if (rnd(8) == 0)
		put(b, "\n");
}

typedef void gen_fn(struct buf *b);

/* The mixed corpus is one fifth of each of the first five; prose is measured on its own. */
static gen_fn *const generators[] = { gen_clinical, gen_chat,    gen_json,
	                              gen_html,     gen_numbers, gen_prose };
static const char *const generator_names[] = { "clinical chat", "ordinary chat", "JSON",
	                                       "HTML",          "numbers",       "prose" };

/* @only < 0: the mixed corpus (one fifth of each kind); else one kind. */
static char *
generate_kind(size_t len, int only)
{
	struct buf b = { .p = malloc(len + 1024), .cap = len + 512 };

	if (b.p == NULL)
		abort();
	while (b.n < len)
		generators[only >= 0 ? (unsigned)only : rnd(5)](&b);
	return b.p;
}

/* The whole of @path in memory, or NULL (errno set); @ret_len its size. */
static char *
read_corpus(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL, *q;
	size_t cap = 0, n = 0, got = 1;
	int e = 0;

	if (f == NULL)
		return NULL;
	while (got > 0 && e == 0) {
		if (cap - n < (1u << 20)) {
			cap = cap ? 2 * cap : 64u << 20;
			q = realloc(p, cap);
			if (q == NULL) {
				e = ENOMEM;
				break;
			}
			p = q;
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (ferror(f))
			e = EIO;
	}
	fclose(f);
	if (e == 0 && n == 0)
		e = EINVAL; /* nothing to measure */
	if (e != 0) {
		free(p);
		errno = e;
		return NULL;
	}
	*ret_len = n;
	return p;
}

static int
count_finding(const struct phiguard_finding *f, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

static double
mbps(size_t bytes, double secs)
{
	return (double)bytes / 1e6 / secs;
}

static double
bench_memcpy(const char *corpus, size_t len)
{
	char *dst = malloc(len);
	double best = 1e9;

	if (dst == NULL)
		abort();
	for (int rep = 0; rep < 5; rep++) {
		double t = bench_cpu_seconds();

		memcpy(dst, corpus, len);
		__asm__ volatile("" : : "r"(dst) : "memory");
		t = bench_cpu_seconds() - t;
		best = t < best ? t : best;
	}
	free(dst);
	return mbps(len, best);
}

static double
bench_block(const struct phiguard_matcher *m, struct phiguard_scratch *s, const char *corpus,
            size_t len, size_t piece, uint64_t *ret_findings)
{
	double best = 1e9;

	for (int rep = 0; rep < 3; rep++) {
		uint64_t findings = 0;
		double t = bench_cpu_seconds();

		for (size_t at = 0; at < len; at += piece) {
			size_t n = len - at < piece ? len - at : piece;

			phiguard_scan_block(m, s, corpus + at, n, count_finding, &findings);
		}
		t = bench_cpu_seconds() - t;
		best = t < best ? t : best;
		*ret_findings = findings;
	}
	return mbps(len, best);
}

static double
bench_stream(const struct phiguard_matcher *m, struct phiguard_scratch *s, const char *corpus,
             size_t len, size_t flow, size_t write, uint64_t *ret_findings)
{
	double best = 1e9;

	for (int rep = 0; rep < 3; rep++) {
		uint64_t findings = 0;
		double t = bench_cpu_seconds();

		for (size_t at = 0; at < len; at += flow) {
			size_t end = len - at < flow ? len : at + flow;
			struct phiguard_stream *st = NULL;

			phiguard_stream_open(m, &st);
			for (size_t p = at; p < end; p += write) {
				size_t n = end - p < write ? end - p : write;

				phiguard_stream_feed(st, s, corpus + p, n, count_finding,
				                     &findings);
			}
			phiguard_stream_close(st, s, count_finding, &findings);
		}
		t = bench_cpu_seconds() - t;
		best = t < best ? t : best;
		*ret_findings = findings;
	}
	return mbps(len, best);
}

static int
count_event(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
            void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

/* Hyperscan alone on @db in block mode, with a counting callback. */
static double
bench_hs_block(const hs_database_t *db, hs_scratch_t *scratch, const char *corpus, size_t len,
               size_t piece, uint64_t *ret_events)
{
	double best = 1e9;

	for (int rep = 0; rep < 3; rep++) {
		uint64_t events = 0;
		double t = bench_cpu_seconds();

		for (size_t at = 0; at < len; at += piece) {
			size_t n = len - at < piece ? len - at : piece;

			hs_scan(db, corpus + at, (unsigned)n, 0, scratch, count_event, &events);
		}
		t = bench_cpu_seconds() - t;
		best = t < best ? t : best;
		*ret_events = events;
	}
	return mbps(len, best);
}

/* The plain 20-expression set (plain-set.h) as one block database; NULL if it does not compile. */
static hs_database_t *
plain_set_compile(void)
{
	enum {
		n = sizeof(plain_set) / sizeof(plain_set[0])
	};
	const char *regex[n];
	unsigned flags[n], ids[n];
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;

	for (unsigned i = 0; i < n; i++) {
		regex[i] = plain_set[i].regex;
		flags[i] = plain_set[i].caseless ? HS_FLAG_CASELESS : 0;
		ids[i] = i;
	}
	if (hs_compile_multi(regex, flags, ids, n, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "bench-match: plain set: %s\n", err ? err->message : "?");
		hs_free_compile_error(err);
		return NULL;
	}
	return db;
}

/*
 * A context (hotword) database alone over every byte, as a stream per
 * 64 KiB: the cost if every byte were in some value's window.
 */
static double
bench_ctx(const hs_database_t *db, struct phiguard_scratch *s, const char *corpus, size_t len,
          size_t piece, uint64_t *ret_events)
{
	double best = 1e9;

	for (int rep = 0; rep < 3 && db != NULL; rep++) {
		uint64_t events = 0;
		double t = bench_cpu_seconds();

		for (size_t at = 0; at < len; at += piece) {
			size_t n = len - at < piece ? len - at : piece;
			hs_stream_t *hs = NULL;

			if (hs_open_stream(db, 0, &hs) != HS_SUCCESS)
				abort();
			hs_scan_stream(hs, corpus + at, (unsigned)n, 0, s->ctx_hs, count_event,
			               &events);
			hs_close_stream(hs, s->ctx_hs, count_event, &events);
		}
		t = bench_cpu_seconds() - t;
		best = t < best ? t : best;
		*ret_events = events;
	}
	return mbps(len, best);
}

/*
 * The single-word hotwords (the word scanner, not Hyperscan) over every
 * byte, as the context scan feeds them, per 64 KiB: with the row above,
 * the cost of the context scan if every byte were in some value's window.
 */
static double
bench_words(const struct phiguard_matcher *m, const char *corpus, size_t len, size_t piece,
            size_t *ret_words)
{
	struct match_state *st = malloc(match_state_size(m));
	double best = 1e9;

	if (st == NULL)
		abort();
	for (int rep = 0; rep < 3; rep++) {
		double t = bench_cpu_seconds();

		for (size_t at = 0; at < len; at += piece) {
			size_t n = len - at < piece ? len - at : piece;

			match_state_init(st, m);
			st->context[0].base = 0;
			match_words_restart(&st->words, 0);
			st->words.bytes = (const uint8_t *)corpus + at;
			st->words.end = n;
			match_words_advance(st, UINT64_MAX);
			match_words_feed_end(st);
			match_words_finish(st);
		}
		t = bench_cpu_seconds() - t;
		best = t < best ? t : best;
	}
	*ret_words = m->words.n;
	free(st);
	return mbps(len, best);
}

#ifdef HAVE_PCRE2
/* Every expression of the matcher, compiled with PCRE2 JIT, run one after another. */
static double
bench_pcre2(const struct phiguard_matcher *m, const char *corpus, size_t len, size_t *ret_n,
            uint64_t *ret_matches)
{
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	pcre2_code **codes = calloc(m->n_expr, sizeof(*codes));
	uint64_t matches = 0;
	size_t n = 0;
	double t;

	for (size_t i = 0; i < m->n_expr; i++) {
		int errcode;
		PCRE2_SIZE erroff;
		uint32_t opts = (m->expr[i].flags & HS_FLAG_CASELESS) ? PCRE2_CASELESS : 0;

		codes[n] = pcre2_compile((PCRE2_SPTR)m->expr[i].text, PCRE2_ZERO_TERMINATED, opts,
		                         &errcode, &erroff, NULL);
		if (codes[n] == NULL)
			continue;
		pcre2_jit_compile(codes[n], PCRE2_JIT_COMPLETE);
		n++;
	}
	t = bench_cpu_seconds();
	for (size_t i = 0; i < n; i++) {
		PCRE2_SIZE at = 0;

		while (at < len &&
		       pcre2_jit_match(codes[i], (PCRE2_SPTR)corpus, len, at, 0, md, NULL) > 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

			matches++;
			at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
	}
	t = bench_cpu_seconds() - t;
	for (size_t i = 0; i < n; i++)
		pcre2_code_free(codes[i]);
	free(codes);
	pcre2_match_data_free(md);
	*ret_n = n;
	*ret_matches = matches;
	return mbps(len, t);
}
#endif

int
main(int argc, char **argv)
{
	/* "--file FILE" takes the place of the corpus size; the rest shifts by one. */
	const char *file = argc > 2 && strcmp(argv[1], "--file") == 0 ? argv[2] : NULL;
	int shift = file != NULL ? 1 : 0;
	size_t mib = argc > 1 && file == NULL ? strtoul(argv[1], NULL, 10) : 64;
	size_t pcre_mib = argc > 2 + shift ? strtoul(argv[2 + shift], NULL, 10) : 4;
	const char *corpus_out = file == NULL && argc > 3 ? argv[3] : NULL;
	size_t len = mib << 20;
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_matcher *m = NULL;
	struct phiguard_scratch *s = NULL;
	struct phiguard_error err = { 0 };
	uint64_t fb = 0, fs = 0;
	double cp, blk, blk_msg, str, weighted = 0, plain_mbps = 0;
	hs_database_t *plain = plain_set_compile(); /* owned */
	hs_scratch_t *plain_scratch = NULL;         /* owned */
	char *corpus;

	if (plain != NULL && hs_alloc_scratch(plain, &plain_scratch) != HS_SUCCESS) {
		hs_free_database(plain);
		plain = NULL;
	}
	if (phiguard_detector_set_add_builtin(set, &err) < 0 ||
	    phiguard_matcher_compile(set, NULL, &m, &err) < 0 || phiguard_scratch_new(m, &s) < 0) {
		fprintf(stderr, "bench-match: %s:%u:%u: %s\n", err.file, err.line, err.column,
		        err.msg);
		return 1;
	}
	if (file != NULL) {
		corpus = read_corpus(file, &len);
		if (corpus == NULL) {
			fprintf(stderr, "bench-match: %s: %s\n", file, strerror(errno));
			return 1;
		}
		printf("corpus: %s, %.1f MiB\n", file, (double)len / (1 << 20));
	} else {
		corpus = generate_kind(len, -1);
		printf("corpus: %zu MiB generated mixed text (clinical chat, chat, JSON, HTML, "
		       "numbers)\n",
		       mib);
	}
	if (corpus_out != NULL) {
		FILE *out = fopen(corpus_out, "wb");

		if (out == NULL || fwrite(corpus, 1, len, out) != len || fclose(out) != 0) {
			perror(corpus_out);
			return 1;
		}
	}
	printf("matcher: %zu detectors, %zu expressions, databases %zu KiB, stream state %zu B\n",
	       m->n_det, m->n_expr, phiguard_matcher_database_size(m) / 1024,
	       phiguard_stream_size(m));
	cp = bench_memcpy(corpus, len);
	printf("%-34s %9.0f MB/s\n", "memcpy (ceiling)", cp);
	{
		uint64_t ev = 0;
		double raw = bench_hs_block(m->block_db, s->hs, corpus, len, 64 << 10, &ev);

		printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu events\n",
		       "hyperscan only, 64 KiB buffers", raw, raw / cp, (unsigned long long)ev);
	}
	{
		uint64_t ev = 0;
		double raw = bench_ctx(m->ctx_db, s, corpus, len, 64 << 10, &ev);

		printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu events\n",
		       "hyperscan only, context database", raw, raw / cp, (unsigned long long)ev);
		raw = bench_ctx(m->digit_db, s, corpus, len, 64 << 10, &ev);
		printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu events\n",
		       "hyperscan only, digit database", raw, raw / cp, (unsigned long long)ev);
	}
	{
		size_t n_words = 0;
		double ws = bench_words(m, corpus, len, 64 << 10, &n_words);

		printf("%-34s %9.0f MB/s  %.3f x memcpy  %zu words\n",
		       "word scanner, context hotwords", ws, ws / cp, n_words);
	}
	blk = bench_block(m, s, corpus, len, 64 << 10, &fb);
	printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu findings\n", "block, 64 KiB buffers", blk,
	       blk / cp, (unsigned long long)fb);
	blk_msg = bench_block(m, s, corpus, len, 1448, &fb);
	printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu findings\n", "block, 1448 B buffers", blk_msg,
	       blk_msg / cp, (unsigned long long)fb);
	str = bench_stream(m, s, corpus, len, 1 << 20, 1448, &fs);
	printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu findings\n",
	       "stream, 1 MiB flows, 1448 B writes", str, str / cp, (unsigned long long)fs);
	if (plain != NULL) {
		uint64_t ev = 0;

		plain_mbps = bench_hs_block(plain, plain_scratch, corpus, len, 64 << 10, &ev);
		printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu events\n",
		       "plain 20-expression set, hyperscan", plain_mbps, plain_mbps / cp,
		       (unsigned long long)ev);
	}
	for (int k = 0; k < 5 && file == NULL; k++) {
		size_t klen = len / 4;
		static const double share[] = { 0.10, 0.35, 0.25, 0.25, 0.05 };
		char *kc = generate_kind(klen, k);
		char label[64];
		double kb;

		snprintf(label, sizeof(label), "  block 64 KiB, %s only", generator_names[k]);
		kb = bench_block(m, s, kc, klen, 64 << 10, &fb);
		printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu findings\n", label, kb, kb / cp,
		       (unsigned long long)fb);
		free(kc);
		weighted += share[k] / kb;
	}
	/*
	 * A second mix, from the per-kind rows (time-weighted): mostly chat,
	 * HTML and JSON, some clinical chat, few number tables. Reported next
	 * to the even mix above, never instead of it.
	 */
	if (file == NULL) {
		char *prose = generate_kind(len / 4, 5);
		double pb, ps;

		printf("%-34s %9.0f MB/s  (10%% clinical, 35%% chat, 25%% JSON, 25%% HTML, 5%% "
		       "numbers)\n",
		       "block, workstation mix (estimate)", 1.0 / weighted);
		/* Prose with few identifiers: the kind of text most cleartext uploads carry. */
		pb = bench_block(m, s, prose, len / 4, 64 << 10, &fb);
		printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu findings\n",
		       "block 64 KiB, prose (not in mix)", pb, pb / cp, (unsigned long long)fb);
		ps = bench_stream(m, s, prose, len / 4, 1 << 20, 1448, &fs);
		printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu findings\n",
		       "  prose, stream, 1448 B writes", ps, ps / cp, (unsigned long long)fs);
		if (plain != NULL) {
			uint64_t ev = 0;
			double pp =
			        bench_hs_block(plain, plain_scratch, prose, len / 4, 64 << 10, &ev);

			printf("%-34s %9.0f MB/s  %.3f x memcpy  %llu events\n",
			       "  prose, plain 20-expression set", pp, pp / cp,
			       (unsigned long long)ev);
			printf("ratio prose block / plain set:     %9.2f x\n", pb / pp);
		}
		free(prose);
	}
#ifdef HAVE_PCRE2
	if (pcre_mib == 0) {
		printf("pcre2-jit baseline: not run (pcre2-MiB 0)\n");
	} else {
		size_t n = 0;
		uint64_t pm = 0;
		size_t plen = (pcre_mib << 20) < len ? pcre_mib << 20 : len;
		double pc = bench_pcre2(m, corpus, plen, &n, &pm);

		printf("%-34s %9.1f MB/s  (%zu expressions one after another on %zu MiB, %llu matches)\n",
		       "pcre2-jit baseline", pc, n, plen >> 20, (unsigned long long)pm);
		printf("ratio block 64 KiB / pcre2-jit:    %9.1f x\n", blk / pc);
		printf("ratio stream 1448 B / pcre2-jit:   %9.1f x\n", str / pc);
	}
#else
	printf("pcre2-jit baseline: not built (libpcre2-8 not found)\n");
#endif
	if (plain != NULL)
		printf("ratio block 64 KiB / plain set:    %9.2f x\n", blk / plain_mbps);
	hs_free_scratch(plain_scratch);
	hs_free_database(plain);
	free(corpus);
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	phiguard_detector_set_free(set);
	return 0;
}
