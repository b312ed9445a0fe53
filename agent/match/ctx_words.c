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

#define FNV32_BASIS 0x811c9dc5U
#define FNV32_PRIME 0x01000193U

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

static uint32_t
hash_step(uint32_t h, uint8_t c)
{
	return (h ^ c) * FNV32_PRIME;
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

static uint32_t
word_hash(const char *w, size_t n)
{
	uint32_t h = FNV32_BASIS;

	for (size_t i = 0; i < n; i++)
		h = hash_step(h, (uint8_t)w[i]);
	return h;
}

/* The entry of @w (lower case), or NULL. */
static const struct match_word *
lookup(const struct match_words *w, const uint8_t *word, size_t n, uint32_t h)
{
	for (uint32_t i = h & w->mask;; i = (i + 1) & w->mask) {
		const struct match_word *e;

		if (w->slots[i] == 0)
			return NULL;
		e = &w->entries[w->slots[i] - 1];
		if (e->hash == h && e->len == n && memcmp(w->text + e->text, word, n) == 0)
			return e;
	}
}

void
match_words_build(struct phiguard_matcher *m)
{
	struct match_words *w = &m->words;
	size_t n_words = 0, n_slots = 16, n_text = 0, n_ids = 0;
	char word[MATCH_WORD_MAX];
	size_t *len_of = xcalloc(m->n_expr ? m->n_expr : 1, sizeof(*len_of));

	for (size_t i = 0; i < m->n_expr; i++) {
		len_of[i] = expr_word(&m->expr[i], word);
		n_words += len_of[i] > 0;
	}
	if (n_words == 0)
		goto out;
	for (unsigned c = 0; c < 256; c++)
		w->lower[c] = word_lower((uint8_t)c);
	while (n_slots < 2 * n_words)
		n_slots *= 2;
	w->mask = (uint32_t)(n_slots - 1);
	w->slots = xcalloc(n_slots, sizeof(*w->slots));
	w->entries = xcalloc(n_words, sizeof(*w->entries));
	w->text = xmalloc(n_words * MATCH_WORD_MAX);
	w->ids = xcalloc(n_words, sizeof(*w->ids));
	/*
	 * Expressions that differ only in case ("DOB", "dob") are one word:
	 * its ids are those of every such expression, ascending, all taken
	 * before the next word starts (the ids of one entry are contiguous).
	 */
	for (size_t i = 0; i < m->n_expr; i++) {
		struct match_word *e;
		uint32_t h;

		if (len_of[i] == 0)
			continue;
		(void)expr_word(&m->expr[i], word);
		h = word_hash(word, len_of[i]);
		if (lookup(w, (const uint8_t *)word, len_of[i], h) != NULL)
			continue; /* taken with the first expression of this word */
		e = &w->entries[w->n];
		e->hash = h;
		e->len = (uint8_t)len_of[i];
		e->text = (uint32_t)n_text;
		memcpy(w->text + n_text, word, len_of[i]);
		n_text += len_of[i];
		e->ids = (uint32_t)n_ids;
		for (size_t k = i; k < m->n_expr; k++) {
			char other[MATCH_WORD_MAX];

			if (len_of[k] == len_of[i] && expr_word(&m->expr[k], other) == len_of[i] &&
			    memcmp(other, word, len_of[i]) == 0) {
				w->ids[n_ids++] = (uint32_t)k;
				e->n_ids++;
				m->expr[k].word = true;
			}
		}
		for (uint32_t s = h & w->mask;; s = (s + 1) & w->mask) {
			if (w->slots[s] == 0) {
				w->slots[s] = (uint32_t)(w->n + 1);
				break;
			}
		}
		w->n++;
		w->lengths |= 1ULL << e->len;
		w->first[(uint8_t)word[0]] = true;
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
	free(w->entries);
	free(w->text);
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
}

/* The run of @len bytes that ended just before stream offset @to: push its hits if it is a hotword. */
static void
run_end(struct match_state *st, unsigned len, uint64_t to)
{
	const struct match_words *w = &st->m->words;
	const struct match_word *e;

	if (len > w->max_len || (w->lengths >> len & 1) == 0)
		return;
	e = lookup(w, st->words.run, len, word_hash((const char *)st->words.run, len));
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
