/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The forename patterns of the bulk scan without Hyperscan. A pattern
 * written `(?i:{gazetteer}) [CLASS]` ("Jane Smith": a forename, a space,
 * the surname's capital) became one caseless literal per forename, and
 * that literal search was most of the bulk database's cost: forenames are
 * also common words ("will", "grace", "mark"), each a candidate for the
 * literal matcher to confirm. Here the scan starts from the rarer half of
 * the pattern: each space followed by a byte of CLASS (a capital, or the
 * lead byte of an accented one) and preceded by a byte a forename may end
 * in (not the full stop of ". The"), and the word before that space is
 * looked up in a table of the folded forenames.
 *
 * The same events at the same offsets as the literals gave: a forename
 * may match as the end of a longer run of name bytes ("Mary-Jane"), so
 * every start in the run is tried where the byte before it is not a letter
 * or digit; a start after a letter or digit was an event the detector's
 * boundary (alnum) refused at once, so it is not made. A pattern that does
 * not have exactly this form (width 2: the value starts at the forename), a
 * CLASS with a byte other than A-Z and
 * 0x80-0xff, a detector without the alnum boundary, or a forename longer
 * than MATCH_WORD_MAX bytes stays in Hyperscan. Events go to the engine in
 * order of their end, before a Hyperscan event that ends at the same byte
 * or later; a chunk's are all reported before it ends (the capital that
 * completes one is in the chunk).
 *
 * One event the literals did not give: when the word before the space is
 * one of the detector's particles ("Ana de Silva", "Ana van der Berg"),
 * the forename is looked for before it, and its event, ending at the
 * surname's capital, carries the forename's start (the expression's width
 * covers the forename alone).
 */
#include "match/matcher.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/macro.h"
#include "base/xalloc.h"

#define PATTERN_HEAD "(?i:{gazetteer}) ["

static bool
is_alnum_byte(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A byte the space scan's second test takes for a name byte (word_byte_mask16). */
static bool
is_simple_word_byte(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80 || c == '-' ||
	       c == '\'';
}

/*
 * @n bytes folded as the caseless literal compares them: ASCII letters in
 * lower case, a two-byte accented letter as the smaller second byte of its
 * two cases (compile.c gives Hyperscan both), every other byte as it is.
 */
static void
fold_name(const uint8_t *in, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];

		out[i] = c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
		if (c >= 0xc3 && c <= 0xc5 && i + 1 < n && in[i + 1] >= 0x80 && in[i + 1] <= 0xbf) {
			uint8_t other = match_other_case(c, in[i + 1]);

			out[i + 1] = other != 0 && other < in[i + 1] ? other : in[i + 1];
			i++;
		}
	}
}

/* The CLASS of a pattern of the scanned form, into @ret; false for any other pattern. */
static bool
pattern_class(const struct detector_pattern *pat, struct byte_class *ret)
{
	size_t head = strlen(PATTERN_HEAD), len = strlen(pat->expr);
	const char *why = NULL;

	if (len < head + 2 || strncmp(pat->expr, PATTERN_HEAD, head) != 0 ||
	    pat->expr[len - 1] != ']' || memchr(pat->expr + head, ']', len - head - 1) != NULL ||
	    pat->has_extend_left || pat->width != 2 ||
	    byte_class_parse(pat->expr + head, len - head - 1, ret, &why) < 0)
		return false;
	for (unsigned b = 0; b < 256; b++)
		if (byte_class_has(ret, (unsigned char)b) && !(b >= 'A' && b <= 'Z') && b < 0x80)
			return false; /* the space scan's prefilter looks for A-Z and 0x80-0xff only */
	return true;
}

/* The class index of expression @e if the gazetteer scan can take it, else -1. */
static int
expr_class(struct phiguard_matcher *m, const struct match_expr *e, size_t *ret_len)
{
	struct match_gazetteer *g = &m->gazetteer;
	struct byte_class cls;
	const char *word = NULL;

	if (e->n_targets == 0 || (e->flags & ~(unsigned)HS_FLAG_CASELESS) != 0)
		return -1;
	for (size_t k = 0; k < e->n_targets; k++) {
		const struct match_target *t = &e->targets[k];
		struct byte_class c;

		if (t->role != MATCH_ROLE_VALUE || t->word == NULL || t->som ||
		    m->det[t->detector].def->boundary != DETECTOR_BOUNDARY_ALNUM ||
		    !pattern_class(t->pattern, &c) ||
		    (word != NULL && strcmp(word, t->word) != 0) ||
		    (k > 0 && memcmp(&c, &cls, sizeof(c)) != 0))
			return -1;
		word = t->word;
		cls = c;
	}
	*ret_len = strlen(word);
	if (*ret_len == 0 || *ret_len > MATCH_WORD_MAX)
		return -1;
	for (unsigned i = 0; i < g->n_classes; i++)
		if (memcmp(&g->classes[i], &cls, sizeof(cls)) == 0)
			return (int)i;
	if (g->n_classes == MATCH_GAZETTEER_CLASSES)
		return -1;
	g->classes[g->n_classes] = cls;
	return (int)g->n_classes++;
}

/* The particles of every detector with a forename taken here, folded, into g->particles. */
static void
particles_build(const struct phiguard_matcher *m, struct match_gazetteer *g)
{
	size_t n = 0;
	/* each particle folded, zero-padded, and its length; owned here */
	uint8_t(*word)[MATCH_WORD_MAX] = NULL;
	size_t *len_of = NULL;

	for (size_t d = 0; d < m->n_det; d++) {
		const struct detector_words *p = &m->det[d].def->particles;
		bool scanned = false;

		for (size_t i = 0; i < m->n_expr && !scanned; i++)
			scanned = m->expr[i].gazetteer && m->expr[i].targets[0].detector == d;
		for (size_t i = 0; scanned && i < p->n; i++) {
			size_t len = strlen(p->items[i]);

			word = xrealloc(word, n + 1, sizeof(*word));
			len_of = xrealloc(len_of, n + 1, sizeof(*len_of));
			memset(word[n], 0, sizeof(word[n]));
			fold_name((const uint8_t *)p->items[i], len, word[n]);
			len_of[n++] = len;
			for (size_t b = 0; b < len; b++)
				g->in_word[(uint8_t)p->items[i][b]] = true;
		}
	}
	if (n > 0)
		match_words_fill(&g->particles, n, (const uint8_t(*)[MATCH_WORD_MAX])word, len_of);
	free(word);
	free(len_of);
}

void
match_gazetteer_build(struct phiguard_matcher *m)
{
	struct match_gazetteer *g = &m->gazetteer;
	size_t n = m->n_expr ? m->n_expr : 1, found = 0;
	/* each expression's folded forename, zero-padded, and its length (0: not taken); owned here */
	uint8_t(*word)[MATCH_WORD_MAX] = xcalloc(n, sizeof(*word));
	size_t *len_of = xcalloc(n, sizeof(*len_of));

	g->min_len = MATCH_WORD_MAX;
	for (size_t i = 0; i < m->n_expr; i++) {
		struct match_expr *e = &m->expr[i];
		size_t len = 0;
		int c = expr_class(m, e, &len);

		if (c < 0)
			continue;
		fold_name((const uint8_t *)e->targets[0].word, len, word[i]);
		len_of[i] = len;
		e->gazetteer = true;
		e->after_class = (uint8_t)c;
		g->min_len = MIN(g->min_len, (unsigned)len);
		found++;
		for (size_t b = 0; b < len; b++)
			g->in_word[(uint8_t)e->targets[0].word[b]] = true;
	}
	if (found > 0) {
		match_words_fill(&g->table, m->n_expr, (const uint8_t(*)[MATCH_WORD_MAX])word,
		                 len_of);
		particles_build(m, g);
		/* the other case of every letter too: the text may have either */
		for (unsigned b = 0; b < 256; b++)
			if (is_alnum_byte((int)b) && b > '9')
				g->in_word[b] = g->in_word[b] || g->in_word[b ^ 0x20];
		for (unsigned b = 0x80; b < 256; b++)
			g->in_word[b] = true;
		for (unsigned c = 0; c < g->n_classes; c++)
			for (unsigned b = 0; b < 256; b++)
				g->after[b] =
				        g->after[b] || byte_class_has(&g->classes[c], (uint8_t)b);
		g->word_bytes_simple = true;
		for (unsigned b = 0; b < 256; b++)
			if (g->in_word[b] && !is_simple_word_byte(b))
				g->word_bytes_simple = false;
	}
	free(word);
	free(len_of);
}

void
match_gazetteer_free(struct match_gazetteer *g)
{
	match_words_free(&g->table);
	match_words_free(&g->particles);
	memset(g, 0, sizeof(*g));
}

/*
 * The run of name bytes that ends at stream offset @p, at most the longest
 * forename, into @out in order; *@ret_before is the byte before it (-1:
 * none at hand, or the start of the data), read even when the run stopped
 * at the longest forename.
 */
static size_t
word_before(const struct match_state *st, uint64_t p, uint8_t out[MATCH_WORD_MAX], int *ret_before)
{
	const struct match_gazetteer *g = &st->m->gazetteer;
	uint8_t rev[MATCH_WORD_MAX];
	size_t k = 0;
	int c = -1;

	while (p > k) {
		c = match_byte_seen(st, p - 1 - k);
		if (c < 0 || !g->in_word[c] || k == g->table.max_len)
			break;
		rev[k++] = (uint8_t)c;
		c = -1;
	}
	for (size_t i = 0; i < k; i++)
		out[i] = rev[k - 1 - i];
	*ret_before = c;
	return k;
}

/* The entry of @table for the @n bytes at @w, folded; NULL: none. */
static const struct match_word *
find_folded(const struct match_words *table, const uint8_t *w, size_t n)
{
	uint8_t folded[MATCH_WORD_MAX] = { 0 };

	fold_name(w, n, folded);
	return match_words_find(table, folded, n);
}

/* The events of forename @e (NULL: none) whose CLASS has @after, from @start to @end. */
static void
forename_events(struct match_state *st, const struct match_word *e, uint8_t after, uint64_t start,
                uint64_t end)
{
	const struct match_gazetteer *g = &st->m->gazetteer;

	for (unsigned i = 0; e != NULL && i < e->n_ids && !st->stopped; i++) {
		uint32_t id = g->table.ids[e->ids + i];

		if (byte_class_has(&g->classes[st->m->expr[id].after_class], after))
			match_bulk_event(st, id, start, end);
	}
}

/*
 * The word @run[0..@k) before the space at @p was preceded by the space at
 * @q. If it is a particle, the word before @q is a forename ("Ana de
 * Silva"), or a particle again with a forename before it ("Ana van der
 * Berg"): an event ending at @p + 2 from the forename's start.
 */
static void
particle_found(struct match_state *st, uint64_t p, uint8_t after, const uint8_t *run, size_t k,
               uint64_t q)
{
	const struct match_gazetteer *g = &st->m->gazetteer;
	uint8_t word[MATCH_WORD_MAX], prev[MATCH_WORD_MAX];

	memcpy(word, run, k);
	for (unsigned step = 0; step < 2 && !st->stopped; step++) {
		const struct match_word *e;
		int stop; /* the byte before the word at @q */
		size_t n;

		if (find_folded(&g->particles, word, k) == NULL)
			return;
		n = word_before(st, q, prev, &stop);
		/* none, longer than any forename, or after a letter or digit */
		if (n == 0 || (stop >= 0 && g->in_word[stop]) ||
		    (q > n && (stop < 0 || is_alnum_byte(stop))))
			return;
		e = find_folded(&g->table, prev, n);
		forename_events(st, e, after, q - n, p + 2);
		if (e != NULL || stop != ' ')
			return;
		/* no forename: perhaps a first particle ("van" of "van der") */
		memcpy(word, prev, n);
		k = n;
		q -= n + 1;
	}
}

/*
 * The space at @p, followed by @after (a byte of some CLASS): every
 * forename that ends at @p, starts after a byte that is not a letter or
 * digit, and whose pattern's CLASS has @after, is an event ending at @p + 2.
 */
static void
space_found(struct match_state *st, uint64_t p, uint8_t after)
{
	const struct match_gazetteer *g = &st->m->gazetteer;
	uint8_t run[MATCH_WORD_MAX];
	int before; /* the byte before the run, read once */
	size_t k = word_before(st, p, run, &before);

	for (size_t s = 0; s + g->min_len <= k && !st->stopped; s++) {
		uint64_t start = p - k + s;

		if (start > 0 && is_alnum_byte(s > 0 ? run[s - 1] : before))
			continue;
		forename_events(st, find_folded(&g->table, run + s, k - s), after, start, p + 2);
	}
	if (before == ' ' && k > 0 && !st->stopped)
		particle_found(st, p, after, run, k, p - k - 1);
}

#ifdef __SSE2__
/* Bit i: @b[i] is a space and @b[i + 1] is A-Z or 0x80-0xff (17 bytes readable). */
static unsigned
space_capital_mask16(const uint8_t *b)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i next = _mm_loadu_si128((const __m128i *)(const void *)(b + 1));
	__m128i up = _mm_sub_epi8(next, _mm_set1_epi8('A'));
	__m128i capital = _mm_cmpeq_epi8(_mm_min_epu8(up, _mm_set1_epi8(25)), up);
	unsigned space = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));

	return space & (unsigned)(_mm_movemask_epi8(capital) | _mm_movemask_epi8(next));
}

/* Bit i: @b[i] is a letter, 0x80-0xff, '-' or '\'' (is_simple_word_byte). */
static unsigned
word_byte_mask16(const uint8_t *b)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i low = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
	__m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(low, _mm_set1_epi8(25)), low);
	__m128i mark = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
	                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));

	return (unsigned)(_mm_movemask_epi8(_mm_or_si128(letter, mark)) | _mm_movemask_epi8(v));
}
#endif

void
match_gazetteer_advance(struct match_state *st, uint64_t to)
{
	const struct match_gazetteer *g = &st->m->gazetteer;
	uint64_t base = st->offset, end = st->offset + st->chunk_len, stop, p;

	if (g->table.n == 0 || st->chunk_len == 0)
		return;
	/* a space whose next byte is at hand, for events ending at or before @to */
	stop = MIN(end - 1, to > 0 ? to - 1 : 0);
	p = MAX(st->gazetteer_next, base > 0 ? base - 1 : 0);
	/* a space at the end of the chunk before: its next byte is this chunk's first */
	if (p < base && p < stop) {
		if (match_byte_seen(st, p) == ' ' && g->after[st->chunk[0]])
			space_found(st, p, st->chunk[0]);
		p++;
	}
#ifdef __SSE2__
	/*
	 * A space with no name byte before it starts no forename: most spaces
	 * before a capital follow the end of a sentence. Bit 0 of a block
	 * takes the last byte of the block before (at first, the byte before
	 * @p, or "maybe" when it is not at hand or the test is off).
	 */
	unsigned carry = 1;

	if (g->word_bytes_simple && p > 0) {
		int c = p > base ? st->chunk[p - 1 - base] : match_byte_seen(st, p - 1);

		carry = c < 0 || is_simple_word_byte((unsigned)c);
	}
	while (p + 16 <= stop && !st->stopped) {
		const uint8_t *b = st->chunk + (p - base);
		unsigned words = g->word_bytes_simple ? word_byte_mask16(b) : 0xffff;
		unsigned m = space_capital_mask16(b) & ((words << 1) | carry);

		carry = (words >> 15) & 1;
		while (m != 0 && !st->stopped) {
			unsigned j = (unsigned)__builtin_ctz(m);

			m &= m - 1;
			if (g->after[b[j + 1]])
				space_found(st, p + j, b[j + 1]);
		}
		p += 16;
	}
#endif
	for (; p < stop && !st->stopped; p++) {
		const uint8_t *b = st->chunk + (p - base);

		if (b[0] == ' ' && g->after[b[1]])
			space_found(st, p, b[1]);
	}
	st->gazetteer_next = MAX(st->gazetteer_next, p);
}
