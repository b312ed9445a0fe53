/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Single-word hotwords of the context scan without Hyperscan. A caseless
 * `\bword\b` whose word is one run of [A-Za-z0-9_] bytes matches exactly
 * where a maximal run of such bytes equals it case-insensitively. Most
 * hotwords are of that kind; finding the runs from a bit mask and looking
 * each up in a small hash table costs about half of what those words cost
 * in the Hyperscan context database, and reports the same hits at the same
 * offsets: a run is complete when the byte after it (or the end of the
 * data) is seen, which is when Hyperscan reports the trailing \b, and a
 * restart of the context stream forgets a partial run, as
 * hs_reset_stream() does.
 */
#include "match/matcher.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/macro.h"
#include "base/xalloc.h"

/*
 * A word byte of Hyperscan's \b (no UCP) folded, 0 for the others. Folding
 * sets bit 0x20: letters become lower case, digits stay, '_' becomes 0x7f;
 * two word bytes fold alike exactly when they are equal caselessly, and a
 * whole key folds with one OR.
 */
static uint8_t
word_fold(uint8_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
		return (uint8_t)(c | 0x20);
	return 0;
}

#define FOLD64 0x2020202020202020ULL

/*
 * The folded word of an expression that is exactly a caseless
 * `\b<word bytes>\b` (as compile.c writes single-word hotwords: '_'
 * escaped as \x5f), or 0.
 */
static size_t
expr_word(const struct match_expr *e, char out[MATCH_WORD_MAX])
{
	const char *p = e->text;
	size_t len = strlen(p), n = 0;

	if (e->flags != HS_FLAG_CASELESS || len < 5 || strncmp(p, "\\b", 2) != 0 ||
	    strcmp(p + len - 2, "\\b") != 0)
		return 0;
	for (size_t i = 2; i < len - 2; i++) {
		uint8_t c = (uint8_t)p[i];

		if (strncmp(p + i, "\\x5f", 4) == 0) {
			c = '_';
			i += 3;
		} else if (word_fold(c) == 0) {
			return 0;
		}
		if (n == MATCH_WORD_MAX)
			return 0;
		out[n++] = (char)word_fold(c);
	}
	return n;
}

/* The key of a word of at most MATCH_WORD_MAX bytes: its bytes zero-padded to 16. */
static void
word_key(const uint8_t w[MATCH_WORD_MAX], uint64_t key[2])
{
	memcpy(&key[0], w, 8);
	memcpy(&key[1], w + 8, 8);
}

static uint64_t
key_hash(const uint64_t key[2])
{
	return key[0] * 0x9e3779b97f4a7c15ULL ^ key[1] * 0xc2b2ae3d27d4eb4fULL;
}

static uint32_t
key_slot(const struct match_words *w, const uint64_t key[2])
{
	return (uint32_t)(key_hash(key) >> 32) & w->mask;
}

/* The bit of @key in match_words.filter. */
static uint32_t
filter_bit(const uint64_t key[2])
{
	return (uint32_t)(key_hash(key) >> 20) & 4095;
}

/* false: certainly no word (a bit of the small filter, cheaper than a slot). */
static bool
maybe_word(const struct match_words *w, const uint64_t key[2])
{
	uint32_t b = filter_bit(key);

	return (w->filter[b >> 6] >> (b & 63) & 1) != 0;
}

/* The slot of @key: its word, or the empty slot where it would go. */
static struct match_word *
lookup(const struct match_words *w, const uint64_t key[2])
{
	for (uint32_t i = key_slot(w, key);; i = (i + 1) & w->mask) {
		struct match_word *e = &w->slots[i];

		if (e->key[0] == 0 || (e->key[0] == key[0] && e->key[1] == key[1]))
			return e;
	}
}

void
match_words_fill(struct match_words *w, size_t n, const uint8_t (*word)[MATCH_WORD_MAX],
                 const size_t *len_of)
{
	size_t n_words = 0, n_slots = 16, n_ids = 0;

	for (size_t i = 0; i < n; i++)
		n_words += len_of[i] > 0;
	if (n_words == 0)
		return;
	/* Sparse: a word run that is no hotword mostly meets an empty slot at once. */
	while (n_slots < 4 * n_words)
		n_slots *= 2;
	w->mask = (uint32_t)(n_slots - 1);
	w->slots = xcalloc(n_slots, sizeof(*w->slots));
	w->ids = xcalloc(n_words, sizeof(*w->ids));
	for (unsigned l = 0; l <= MATCH_WORD_MAX; l++) {
		uint8_t ones[16] = { 0 };

		memset(ones, 0xff, l);
		word_key(ones, w->keep[l]);
	}
	/*
	 * Expressions that differ only in case ("DOB", "dob") are one word:
	 * its ids are those of every such expression, ascending, all taken
	 * with the first of them (the ids of one word are contiguous).
	 */
	for (size_t i = 0; i < n; i++) {
		struct match_word *e;
		uint64_t key[2];

		if (len_of[i] == 0)
			continue;
		word_key(word[i], key);
		e = lookup(w, key);
		if (e->key[0] != 0)
			continue; /* taken with the first expression of this word */
		e->key[0] = key[0];
		e->key[1] = key[1];
		w->filter[filter_bit(key) >> 6] |= 1ULL << (filter_bit(key) & 63);
		e->len = (uint8_t)len_of[i];
		e->ids = (uint32_t)n_ids;
		for (size_t k = i; k < n; k++) {
			if (len_of[k] == len_of[i] && memcmp(word[k], word[i], len_of[i]) == 0) {
				w->ids[n_ids++] = (uint32_t)k;
				e->n_ids++;
			}
		}
		w->n++;
		w->lengths |= 1ULL << e->len;
		w->first[word[i][0]] = true;
		if (e->len > w->max_len)
			w->max_len = e->len;
	}
}

const struct match_word *
match_words_find(const struct match_words *w, const uint8_t word[MATCH_WORD_MAX], size_t len)
{
	const struct match_word *e;
	uint64_t key[2];

	if (w->n == 0 || len > w->max_len || (w->lengths >> len & 1) == 0 || !w->first[word[0]])
		return NULL;
	word_key(word, key);
	if (!maybe_word(w, key))
		return NULL;
	e = lookup(w, key);
	return e->key[0] != 0 ? e : NULL;
}

void
match_words_build(struct phiguard_matcher *m)
{
	struct match_words *w = &m->words;
	size_t n = m->n_expr ? m->n_expr : 1;
	/* each expression's folded word, zero-padded, and its length (0: not a word); owned here */
	uint8_t(*word)[MATCH_WORD_MAX] = xcalloc(n, sizeof(*word));
	size_t *len_of = xcalloc(n, sizeof(*len_of));

	for (size_t i = 0; i < m->n_expr; i++)
		len_of[i] = expr_word(&m->expr[i], (char *)word[i]);
	for (unsigned c = 0; c < 256; c++)
		w->fold[c] = word_fold((uint8_t)c);
	match_words_fill(w, m->n_expr, (const uint8_t(*)[MATCH_WORD_MAX])word, len_of);
	for (size_t i = 0; i < m->n_expr; i++)
		m->expr[i].word = len_of[i] > 0;
	free(word);
	free(len_of);
}

void
match_words_free(struct match_words *w)
{
	free(w->slots);
	free(w->ids);
	memset(w, 0, sizeof(*w));
}

void
match_words_restart(struct match_word_scan *ws, uint64_t at)
{
	ws->bytes = NULL;
	ws->base = at;
	ws->end = at;
	ws->next = at;
	ws->in_run = false;
}

static void
push_hits(struct match_state *st, const uint64_t key[2], uint64_t to)
{
	const struct match_words *w = &st->m->words;
	const struct match_word *e = lookup(w, key);

	/* No start of its own (no SOM): as Hyperscan reports it, from 0. */
	for (unsigned i = 0; i < e->n_ids; i++)
		match_ctx_push(&st->context[0], st->context[0].base, to, w->ids[e->ids + i]);
}

/*
 * The run of word bytes [@from, @to) that started before this feed: its
 * first bytes were kept in ws->run by match_words_feed_end().
 */
static void
run_found_kept(struct match_state *st, uint64_t from, uint64_t to)
{
	const struct match_words *w = &st->m->words;
	const struct match_word_scan *ws = &st->words;
	size_t len = (size_t)(to - from), kept = (size_t)(ws->base - from);
	uint8_t word[16] = { 0 };
	uint64_t key[2];

	if (len > w->max_len || (w->lengths >> len & 1) == 0)
		return;
	memcpy(word, ws->run, kept);
	for (size_t i = kept; i < len; i++)
		word[i] = w->fold[ws->bytes[i - kept]];
	word_key(word, key);
	if (w->first[word[0]] && maybe_word(w, key))
		push_hits(st, key, to);
}

/*
 * The run of word bytes at @p (@len bytes, @avail readable from @p) that
 * ended at stream offset @to. Every run comes here, so its checks are
 * combined without branches; only a probable hotword takes the table.
 */
static void
run_found(struct match_state *st, const uint8_t *p, size_t len, size_t avail, uint64_t to)
{
	const struct match_words *w = &st->m->words;
	size_t l = MIN(len, (size_t)MATCH_WORD_MAX);
	uint64_t key[2];
	bool ok;

	if (avail >= 16) {
		memcpy(key, p, 16);
	} else {
		uint8_t tail[16] = { 0 };

		memcpy(tail, p, avail);
		memcpy(key, tail, 16);
	}
	key[0] = (key[0] | FOLD64) & w->keep[l][0];
	key[1] = (key[1] | FOLD64) & w->keep[l][1];
	ok = (len <= w->max_len) & ((w->lengths >> l & 1) != 0) & w->first[w->fold[p[0]]] &
	     maybe_word(w, key);
	if (ok)
		push_hits(st, key, to);
}

#ifdef __SSE2__
/* Bit i: p[i] is a word byte ([0-9A-Za-z_]), for 16 bytes. */
static uint64_t
word_mask16(const uint8_t *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
	__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
	__m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	__m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(25)), l);
	__m128i under = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));

	return (uint64_t)(unsigned)_mm_movemask_epi8(
	        _mm_or_si128(_mm_or_si128(digit, letter), under));
}

/* Bit i: p[i] is a word byte, for 64 bytes. */
static uint64_t
word_mask64(const struct match_words *w, const uint8_t *p)
{
	(void)w;
	return word_mask16(p) | word_mask16(p + 16) << 16 | word_mask16(p + 32) << 32 |
	       word_mask16(p + 48) << 48;
}
#else
static uint64_t
word_mask64(const struct match_words *w, const uint8_t *p)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < 64; i++)
		m |= (uint64_t)(w->fold[p[i]] != 0) << i;
	return m;
}
#endif

void
match_words_advance(struct match_state *st, uint64_t to)
{
	const struct match_words *w = &st->m->words;
	struct match_word_scan *ws = &st->words;
	uint64_t stop = to < ws->end ? to + 1 : ws->end;
	size_t i, n;

	if (w->n == 0 || ws->next >= stop)
		return;
	n = (size_t)(stop - ws->base);
	/*
	 * 64 bytes at a time: where runs of word bytes start and end comes
	 * from a bit mask, so that no byte costs a branch, only each run. A
	 * hit ends at the first byte that is not a word byte; on a tie with a
	 * Hyperscan hit ending at the same byte, the word goes first.
	 */
	for (i = (size_t)(ws->next - ws->base); i < n;) {
		size_t blk = MIN(n - i, (size_t)64);
		uint64_t full = blk == 64 ? UINT64_MAX : (1ULL << blk) - 1, m, prev, starts, ends;

		if (blk == 64) {
			m = word_mask64(w, ws->bytes + i);
		} else {
			uint8_t tmp[64] = { 0 };

			memcpy(tmp, ws->bytes + i, blk);
			m = word_mask64(w, tmp) & full;
		}
		prev = (m << 1 | (ws->in_run ? 1U : 0U)) & full; /* bit j: byte j - 1 */
		starts = m & ~prev;
		ends = ~m & prev;
		while (ends != 0) {
			unsigned e = (unsigned)__builtin_ctzll(ends);
			uint64_t below = starts & ((1ULL << e) - 1), from, end = ws->base + i + e;

			ends &= ends - 1;
			from = below != 0 ? ws->base + i + (63 - (unsigned)__builtin_clzll(below))
			                  : ws->start;
			if (from >= ws->base)
				run_found(st, ws->bytes + (from - ws->base), (size_t)(end - from),
				          (size_t)(ws->end - from), end);
			else
				run_found_kept(st, from, end);
		}
		if ((m >> (blk - 1) & 1) != 0) {
			if (starts != 0)
				ws->start = ws->base + i + (63 - (unsigned)__builtin_clzll(starts));
			ws->in_run = true;
		} else {
			ws->in_run = false;
		}
		i += blk;
	}
	ws->next = stop;
}

void
match_words_feed_end(struct match_state *st)
{
	const struct match_words *w = &st->m->words;
	struct match_word_scan *ws = &st->words;

	if (w->n > 0 && ws->in_run) {
		for (uint64_t o = MAX(ws->start, ws->base);
		     o < ws->end && o - ws->start < MATCH_WORD_MAX; o++)
			ws->run[o - ws->start] = w->fold[ws->bytes[o - ws->base]];
	}
	ws->bytes = NULL;
	ws->base = ws->end;
}

void
match_words_finish(struct match_state *st)
{
	struct match_word_scan *ws = &st->words;

	if (st->m->words.n > 0 && ws->in_run)
		run_found_kept(st, ws->start, ws->next);
	ws->in_run = false;
}
