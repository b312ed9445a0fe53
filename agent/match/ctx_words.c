/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Single-word hotwords of the context scan without Hyperscan. A caseless
 * `\bword\b` whose word is one run of [A-Za-z0-9_] bytes matches exactly
 * where a maximal run of such bytes equals it case-insensitively. Most
 * hotwords are of that kind; walking the bytes once and looking each run
 * up in a small hash table costs far less than a Hyperscan database of a
 * few hundred words, and reports the same hits at the same offsets: a run
 * is complete when the byte after it (or the end of the data) is seen,
 * which is when Hyperscan reports the trailing \b, and a restart of the
 * context stream forgets a partial run, as hs_reset_stream() does.
 */
#include "match/matcher.h"

#include <string.h>

#include "base/xalloc.h"

/* A word byte of Hyperscan's \b (no UCP), lower-cased; 0 for the others. */
static uint8_t
word_lower(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
		return c;
	return 0;
}

/*
 * The lower-cased word of an expression that is exactly a caseless
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
		} else if (word_lower(c) == 0) {
			return 0;
		}
		if (n == MATCH_WORD_MAX)
			return 0;
		out[n++] = (char)word_lower(c);
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
match_words_build(struct phiguard_matcher *m)
{
	struct match_words *w = &m->words;
	size_t n_words = 0, n_slots = 16, n_ids = 0;
	uint8_t word[MATCH_WORD_MAX];
	size_t *len_of = xcalloc(m->n_expr ? m->n_expr : 1, sizeof(*len_of));

	for (size_t i = 0; i < m->n_expr; i++) {
		len_of[i] = expr_word(&m->expr[i], (char *)word);
		n_words += len_of[i] > 0;
	}
	if (n_words == 0)
		goto out;
	/* Sparse: a word run that is no hotword mostly meets an empty slot at once. */
	while (n_slots < 4 * n_words)
		n_slots *= 2;
	w->mask = (uint32_t)(n_slots - 1);
	w->slots = xcalloc(n_slots, sizeof(*w->slots));
	w->ids = xcalloc(n_words, sizeof(*w->ids));
	for (unsigned c = 0; c < 256; c++)
		w->lower[c] = word_lower((uint8_t)c);
	/*
	 * Expressions that differ only in case ("DOB", "dob") are one word:
	 * its ids are those of every such expression, ascending, all taken
	 * with the first of them (the ids of one word are contiguous).
	 */
	for (size_t i = 0; i < m->n_expr; i++) {
		struct match_word *e;
		uint64_t key[2];

		if (len_of[i] == 0)
			continue;
		memset(word, 0, sizeof(word));
		(void)expr_word(&m->expr[i], (char *)word);
		word_key(word, key);
		e = lookup(w, key);
		if (e->key[0] != 0)
			continue; /* taken with the first expression of this word */
		e->key[0] = key[0];
		e->key[1] = key[1];
		w->filter[filter_bit(key) >> 6] |= 1ULL << (filter_bit(key) & 63);
		e->len = (uint8_t)len_of[i];
		e->ids = (uint32_t)n_ids;
		for (size_t k = i; k < m->n_expr; k++) {
			uint8_t other[MATCH_WORD_MAX] = { 0 };

			if (len_of[k] == len_of[i] &&
			    expr_word(&m->expr[k], (char *)other) == len_of[i] &&
			    memcmp(other, word, len_of[i]) == 0) {
				w->ids[n_ids++] = (uint32_t)k;
				e->n_ids++;
				m->expr[k].word = true;
			}
		}
		w->n++;
		w->lengths |= 1ULL << e->len;
		w->first[word[0]] = true;
		if (e->len > w->max_len)
			w->max_len = e->len;
	}
out:
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
	ws->len = 0;
	memset(ws->run, 0, sizeof(ws->run));
}

/*
 * The run of @len bytes that ended just before stream offset @to: push its
 * hits if it is a hotword. The run's bytes are zeroed for the next one, so
 * that a key is always zero-padded.
 */
static void
run_end(struct match_state *st, unsigned len, uint64_t to)
{
	const struct match_words *w = &st->m->words;
	const struct match_word *e = NULL;
	uint64_t key[2];

	if (len <= w->max_len && (w->lengths >> len & 1) != 0) {
		word_key(st->words.run, key);
		if (maybe_word(w, key))
			e = lookup(w, key);
	}
	memset(st->words.run, 0, sizeof(st->words.run));
	/* No start of its own (no SOM): as Hyperscan reports it, from 0. */
	for (unsigned i = 0; e != NULL && i < e->n_ids; i++)
		match_ctx_push(st, st->ctx_base, to, w->ids[e->ids + i]);
}

void
match_words_advance(struct match_state *st, uint64_t to)
{
	const struct match_words *w = &st->m->words;
	struct match_word_scan *ws = &st->words;
	uint64_t stop = to < ws->end ? to + 1 : ws->end;
	const uint8_t *bytes = ws->bytes, *lower = w->lower;
	uint8_t *run = ws->run;
	unsigned len = ws->len;
	size_t i, n;

	if (w->n == 0 || ws->next >= stop)
		return;
	n = (size_t)(stop - ws->base);
	/*
	 * A hit ends at the first byte that is not a word byte; on a tie
	 * with a Hyperscan hit ending at the same byte, the word goes first.
	 * A run whose first byte starts no hotword is only skipped. (Locals:
	 * the byte stores into run[] would otherwise reload everything.)
	 */
	for (i = (size_t)(ws->next - ws->base); i < n; i++) {
		uint8_t c = lower[bytes[i]];

		if (c == 0) {
			if (len > 0)
				run_end(st, len, ws->base + i);
			len = 0;
		} else if (len < MATCH_WORD_MAX) {
			run[len] = c;
			len = len > 0 || w->first[c] ? len + 1 : MATCH_WORD_MAX + 1;
		} else {
			len = MATCH_WORD_MAX + 1;
		}
	}
	ws->len = len;
	ws->next = stop;
}

void
match_words_finish(struct match_state *st)
{
	struct match_word_scan *ws = &st->words;

	if (st->m->words.n > 0 && ws->len > 0)
		run_end(st, ws->len, ws->next);
	ws->len = 0;
}
