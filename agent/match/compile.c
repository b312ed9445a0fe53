/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "match/matcher.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/xalloc.h"

struct expr_builder {
	struct phiguard_matcher *m;
	size_t cap;
};

static bool
is_word_byte(unsigned char c)
{
	return isalnum(c) || c == '_';
}

/*
 * The other case of a two-byte UTF-8 letter in Latin-1 Supplement or
 * Latin Extended-A (\xc3\xa1 <-> \xc3\x81 for a/A with acute, \xc5\x82 <->
 * \xc5\x81 for l/L with stroke), as its second byte; 0 when it has none
 * with the same first byte. Hyperscan's caseless flag folds ASCII only,
 * so "PÁDRAIG" would not match the gazetteer's "Pádraig".
 */
unsigned char
match_other_case(unsigned char lead, unsigned char cont)
{
	unsigned cp = (unsigned)(lead & 0x1f) << 6 | (cont & 0x3f), pair;

	if (lead == 0xc3 && cont != 0x97 && cont != 0xb7 && cont != 0x9f && cont != 0xbf)
		pair = cp ^ 0x20; /* U+00C0-U+00DE <-> U+00E0-U+00FE, not the signs */
	else if ((lead == 0xc4 || lead == 0xc5) &&
	         ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14a && cp <= 0x177)))
		pair = cp ^ 1; /* even upper, odd lower */
	else if ((lead == 0xc4 || lead == 0xc5) &&
	         ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)))
		pair = cp & 1 ? cp + 1 : cp - 1; /* odd upper, even lower */
	else
		return 0;
	if ((0xc0 | pair >> 6) != lead)
		return 0;
	return (unsigned char)(0x80 | (pair & 0x3f));
}

/*
 * A literal as a Hyperscan expression: every non-alphanumeric byte
 * escaped, and a two-byte accented letter given as both its cases.
 */
static void
escape_literal(const char *word, char *out, size_t out_size)
{
	size_t o = 0;

	for (const unsigned char *c = (const unsigned char *)word; *c != '\0'; c++) {
		unsigned char other = c[1] != '\0' ? match_other_case(c[0], c[1]) : 0;

		if (o + 16 >= out_size)
			break;
		if (isalnum(*c)) {
			out[o++] = (char)*c;
		} else if (other != 0) {
			o += (size_t)snprintf(out + o, out_size - o, "\\x%02x[\\x%02x\\x%02x]",
			                      c[0], c[1], other);
			c++;
		} else {
			o += (size_t)snprintf(out + o, out_size - o, "\\x%02x", *c);
		}
	}
	out[o] = '\0';
}

static void
add_expr(struct expr_builder *b, const char *text, unsigned flags, const struct match_target *t,
         const struct detector_def *def, unsigned line, unsigned column)
{
	struct phiguard_matcher *m = b->m;
	struct match_expr *e = NULL;

	for (size_t i = 0; i < m->n_expr; i++) {
		if (m->expr[i].flags == flags && strcmp(m->expr[i].text, text) == 0) {
			e = &m->expr[i];
			break;
		}
	}
	if (e == NULL) {
		if (m->n_expr == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 64;
			m->expr = xrealloc(m->expr, b->cap, sizeof(*m->expr));
		}
		e = &m->expr[m->n_expr++];
		memset(e, 0, sizeof(*e));
		e->text = xstrdup(text);
		e->flags = flags;
		e->file = def->file;
		e->line = line;
		e->column = column;
		e->detector = def->name;
	}
	e->targets = xrealloc(e->targets, e->n_targets + 1, sizeof(*e->targets));
	e->targets[e->n_targets++] = *t;
}

/* Value and signature patterns; {gazetteer} expands to one expression per word. */
static int
add_patterns(struct expr_builder *b, uint16_t di, const struct detector_def *def,
             struct phiguard_error *err)
{
	bool record = def->kind == DETECTOR_KIND_RECORD;
	char text[DETECTOR_EXPR_MAX + 1], lit[1100];

	for (size_t pi = 0; pi < def->patterns.n; pi++) {
		const struct detector_pattern *pat = &def->patterns.items[pi];
		const char *hole = strstr(pat->expr, "{gazetteer}");
		size_t n_words = hole ? def->gazetteer.n : 1;

		for (size_t wi = 0; wi < n_words; wi++) {
			struct match_target t = {
				.detector = di,
				.role = record ? MATCH_ROLE_SIGNATURE : MATCH_ROLE_VALUE,
				.pattern = pat,
				.width = pat->width,
			};
			unsigned flags = def->caseless ? HS_FLAG_CASELESS : 0;

			if (hole != NULL) {
				const char *w = def->gazetteer.items[wi];
				int n;

				escape_literal(w, lit, sizeof(lit));
				n = snprintf(text, sizeof(text), "%.*s%s%s",
				             (int)(hole - pat->expr), pat->expr, lit,
				             hole + strlen("{gazetteer}"));
				if (n < 0 || (size_t)n >= sizeof(text)) {
					detector_error(
					        err, def->file, pat->line, pat->column,
					        "detector '%s': expression too long after {gazetteer}",
					        def->name);
					return -E2BIG;
				}
				if (t.width)
					t.width += (unsigned)strlen(w);
				t.word = w;
			} else {
				snprintf(text, sizeof(text), "%s", pat->expr);
			}
			t.som = t.width == 0 && !(pat->has_extend_left && !record);
			if (t.som)
				flags |= HS_FLAG_SOM_LEFTMOST;
			add_expr(b, text, flags, &t, def, pat->line, pat->column);
		}
	}
	return 0;
}

static void
add_markers(struct expr_builder *b, uint16_t di, const struct detector_def *def,
            const struct detector_list *l, enum match_role role)
{
	for (size_t i = 0; i < l->n; i++) {
		struct match_target t = { .detector = di,
			                  .role = role,
			                  .require_index = (uint8_t)i };

		add_expr(b, l->items[i].expr, def->caseless ? HS_FLAG_CASELESS : 0, &t, def,
		         l->items[i].line, l->items[i].column);
	}
}

static void
add_hotwords(struct expr_builder *b, uint16_t di, const struct detector_def *def,
             const struct detector_words *w, enum match_role role)
{
	char text[1200], lit[1100];

	for (size_t i = 0; i < w->n; i++) {
		const char *word = w->items[i];
		struct match_target t = { .detector = di, .role = role };
		size_t n = strlen(word);

		if (strncmp(word, "re:", 3) == 0) {
			/* No fixed width: its start comes from the database. */
			t.som = true;
			add_expr(b, word + 3, HS_FLAG_SOM_LEFTMOST, &t, def, def->line,
			         def->column);
			continue;
		}
		escape_literal(word, lit, sizeof(lit));
		snprintf(text, sizeof(text), "%s%s%s",
		         is_word_byte((unsigned char)word[0]) ? "\\b" : "", lit,
		         is_word_byte((unsigned char)word[n - 1]) ? "\\b" : "");
		t.width = (unsigned)n;
		add_expr(b, text, HS_FLAG_CASELESS, &t, def, def->line, def->column);
	}
}

/*
 * The longest a value of detector @di can be: a later value overlapping an
 * earlier one ends at most this far past the earlier one's end.
 */
static unsigned
max_extent(const struct phiguard_matcher *m, uint16_t di)
{
	unsigned w = 0;

	for (size_t i = 0; i < m->n_expr; i++) {
		for (size_t k = 0; k < m->expr[i].n_targets; k++) {
			const struct match_target *t = &m->expr[i].targets[k];

			if (t->detector != di || t->role != MATCH_ROLE_VALUE)
				continue;
			if (t->width == 0 || t->pattern->has_extend_left ||
			    t->pattern->has_extend_right)
				return MATCH_CAND_MAX;
			w = MAX(w, t->width);
		}
	}
	return w;
}

static int
build_detectors(struct phiguard_matcher *m, const struct phiguard_detector_set *set,
                struct phiguard_error *err)
{
	struct expr_builder b = { .m = m };
	int r;

	m->set = phiguard_detector_set_new();
	for (size_t i = 0; i < set->n; i++)
		if (set->defs[i]->enabled)
			(void)detector_set_put(m->set, detector_def_clone(set->defs[i]), NULL);
	m->n_det = m->set->n;
	m->det = xcalloc(m->n_det ? m->n_det : 1, sizeof(*m->det));
	for (size_t i = 0; i < m->n_det; i++) {
		const struct detector_def *def = m->set->defs[i];
		struct match_detector *d = &m->det[i];

		d->def = def;
		if (def->validator != NULL) {
			d->validator = validator_lookup(def->validator);
			if (d->validator == NULL) {
				detector_error(err, def->file, def->line, def->column,
				               "detector '%s': unknown validator '%s'", def->name,
				               def->validator);
				return -EINVAL;
			}
		}
		/* Decided once its windows (and one byte more, for \b) have been seen. */
		d->hold = MAX(MAX(def->window, def->structural_window) + 2,
		              MATCH_CAND_MAX + MATCH_LOOKAHEAD);
		d->has_context =
		        def->strong.n + def->weak.n + def->negative.n + def->structural.n > 0;
		r = add_patterns(&b, (uint16_t)i, def, err);
		if (r < 0)
			return r;
		d->early_hold = MIN(d->hold, max_extent(m, (uint16_t)i) + MATCH_LOOKAHEAD + 1);
		add_markers(&b, (uint16_t)i, def, &def->require, MATCH_ROLE_REQUIRE);
		add_markers(&b, (uint16_t)i, def, &def->structural, MATCH_ROLE_STRUCTURAL);
		add_hotwords(&b, (uint16_t)i, def, &def->strong, MATCH_ROLE_STRONG);
		add_hotwords(&b, (uint16_t)i, def, &def->weak, MATCH_ROLE_WEAK);
		add_hotwords(&b, (uint16_t)i, def, &def->negative, MATCH_ROLE_NEGATIVE);
	}
	return 0;
}

static bool
is_context_role(uint8_t role)
{
	return role == MATCH_ROLE_STRONG || role == MATCH_ROLE_WEAK ||
	       role == MATCH_ROLE_STRUCTURAL || role == MATCH_ROLE_NEGATIVE;
}

enum match_db {
	MATCH_DB_BULK,
	MATCH_DB_CONTEXT,
	MATCH_DB_DIGIT,
};

static bool
has_role(const struct match_expr *e, bool context)
{
	for (size_t k = 0; k < e->n_targets; k++)
		if (is_context_role(e->targets[k].role) == context)
			return true;
	return false;
}

/* Does @e belong in database @db? */
static bool
expr_in(const struct match_expr *e, enum match_db db)
{
	switch (db) {
	case MATCH_DB_BULK:
		return has_role(e, false) && !e->gazetteer;
	case MATCH_DB_CONTEXT:
		return has_role(e, true) && !e->word && !e->digit;
	default:
		return e->digit;
	}
}

/*
 * The hotwords that go to the digit database: regular expressions with a
 * digit class, used as hotwords only (a structural marker is judged by its
 * end alone, so it stays with the stream that sees every window). The
 * digit stream starts where the first value that needs it asks, not where
 * the main one started; for the built-in ones (age, phone and postcode
 * shapes, a birth date after a number: one start for a given end, and a
 * start at a \b, a '+' or a digit) that changes no hit that starts inside
 * a window.
 */
static void
mark_digit_exprs(struct phiguard_matcher *m)
{
	for (size_t i = 0; i < m->n_expr; i++) {
		struct match_expr *e = &m->expr[i];
		bool hotword = e->n_targets > 0 && (e->flags & HS_FLAG_SOM_LEFTMOST);

		for (size_t k = 0; k < e->n_targets; k++) {
			uint8_t role = e->targets[k].role;

			if (role != MATCH_ROLE_STRONG && role != MATCH_ROLE_WEAK &&
			    role != MATCH_ROLE_NEGATIVE)
				hotword = false;
		}
		e->digit = hotword && !e->word &&
		           (strstr(e->text, "[0-9]") != NULL || strstr(e->text, "\\d") != NULL);
		for (size_t k = 0; e->digit && k < e->n_targets; k++)
			m->det[e->targets[k].detector].has_digit_context = true;
	}
}

static int
compile_db(struct phiguard_matcher *m, unsigned mode, enum match_db db, hs_database_t **ret_db,
           struct phiguard_error *err)
{
	const char **texts = xcalloc(m->n_expr ? m->n_expr : 1, sizeof(*texts));
	unsigned *flags = xcalloc(m->n_expr ? m->n_expr : 1, sizeof(*flags));
	unsigned *ids = xcalloc(m->n_expr ? m->n_expr : 1, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	unsigned n = 0;
	int r = 0;

	for (size_t i = 0; i < m->n_expr; i++) {
		if (!expr_in(&m->expr[i], db))
			continue;
		texts[n] = m->expr[i].text;
		flags[n] = m->expr[i].flags;
		ids[n] = (unsigned)i;
		/*
		 * Context hits (regex hotwords) need their start only within a
		 * value window (at most 4096 bytes): the small horizon is cheaper.
		 */
		if ((mode & HS_MODE_STREAM) && (flags[n] & HS_FLAG_SOM_LEFTMOST))
			mode |= db != MATCH_DB_BULK ? HS_MODE_SOM_HORIZON_SMALL
			                            : HS_MODE_SOM_HORIZON_LARGE;
		n++;
	}
	if (n == 0)
		goto out; /* nothing of this kind: no database */
	if (hs_compile_multi(texts, flags, ids, n, mode, NULL, ret_db, &cerr) != HS_SUCCESS) {
		if (cerr != NULL && cerr->expression >= 0 && (unsigned)cerr->expression < n) {
			const struct match_expr *e = &m->expr[ids[cerr->expression]];

			detector_error(err, e->file, e->line, e->column,
			               "detector '%s': expression '%.120s' does not compile: %s",
			               e->detector, e->text, cerr->message);
		} else {
			detector_error(err, "", 0, 0, "detectors do not compile: %s",
			               cerr ? cerr->message : "unknown error");
		}
		r = -EINVAL;
	}
out:
	hs_free_compile_error(cerr);
	free(texts);
	free(flags);
	free(ids);
	return r;
}

/* Stream bytes to keep: every byte a value and its windows may need (a power of two). */
static size_t
tail_size_for(const struct phiguard_matcher *m)
{
	size_t need = 2 * (MATCH_CAND_MAX + MATCH_LOOKAHEAD), size = 512;

	for (size_t i = 0; i < m->n_det; i++) {
		const struct detector_def *def = m->det[i].def;
		size_t w = MAX(def->window, def->structural_window);

		if (def->kind == DETECTOR_KIND_VALUE)
			need = MAX(need, m->det[i].hold + MATCH_CAND_MAX + w + MATCH_LOOKAHEAD + 2);
	}
	while (size < need)
		size *= 2;
	return size;
}

int
phiguard_matcher_compile(const struct phiguard_detector_set *set,
                         const struct phiguard_matcher_options *options,
                         struct phiguard_matcher **ret_matcher, struct phiguard_error *err)
{
	return match_compile(set, options, 0, ret_matcher, err);
}

int
match_compile(const struct phiguard_detector_set *set,
              const struct phiguard_matcher_options *options, unsigned flags,
              struct phiguard_matcher **ret_matcher, struct phiguard_error *err)
{
	struct phiguard_matcher *m = xcalloc(1, sizeof(*m));
	size_t hs_size = 0;
	int r;

	m->modes = options && options->modes ? options->modes
	                                     : PHIGUARD_MATCHER_BLOCK | PHIGUARD_MATCHER_STREAM;
	r = build_detectors(m, set, err);
	if (r < 0)
		goto fail;
	if (!(flags & MATCH_COMPILE_NO_WORDS))
		match_words_build(m);
	if (!(flags & MATCH_COMPILE_NO_DIGITS))
		mark_digit_exprs(m);
	if (!(flags & MATCH_COMPILE_NO_GAZETTEER))
		match_gazetteer_build(m);
	if (m->modes & PHIGUARD_MATCHER_BLOCK)
		r = compile_db(m, HS_MODE_BLOCK, MATCH_DB_BULK, &m->block_db, err);
	if (r == 0 && (m->modes & PHIGUARD_MATCHER_STREAM))
		r = compile_db(m, HS_MODE_STREAM, MATCH_DB_BULK, &m->stream_db, err);
	if (r == 0)
		r = compile_db(m, HS_MODE_STREAM, MATCH_DB_CONTEXT, &m->ctx_db, err);
	if (r == 0)
		r = compile_db(m, HS_MODE_STREAM, MATCH_DB_DIGIT, &m->digit_db, err);
	if (r < 0)
		goto fail;
	if (m->stream_db != NULL && hs_stream_size(m->stream_db, &hs_size) != HS_SUCCESS) {
		r = -EINVAL;
		goto fail;
	}
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++) {
		size_t n = 0;

		if (match_ctx_db(m, k) != NULL &&
		    hs_stream_size(match_ctx_db(m, k), &n) != HS_SUCCESS) {
			r = -EINVAL;
			goto fail;
		}
		m->ctx_stream_size += n;
	}
	m->tail_size = tail_size_for(m);
	if (options != NULL && options->token_key != NULL && options->token_key_len > 0) {
		m->token_key = xmalloc(options->token_key_len);
		memcpy(m->token_key, options->token_key, options->token_key_len);
		m->token_key_len = options->token_key_len;
	}
	/* What phiguard_stream_open() allocates: the engine state ends the stream. */
	m->stream_size = sizeof(struct phiguard_stream) - sizeof(struct match_state) +
	                 match_state_size(m) + hs_size + m->ctx_stream_size;
	*ret_matcher = m;
	return 0;
fail:
	phiguard_matcher_free(m);
	return r;
}

void
phiguard_matcher_free(struct phiguard_matcher *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_expr; i++) {
		free(m->expr[i].text);
		free(m->expr[i].targets);
	}
	free(m->expr);
	free(m->det);
	hs_free_database(m->block_db);
	hs_free_database(m->stream_db);
	hs_free_database(m->ctx_db);
	hs_free_database(m->digit_db);
	match_words_free(&m->words);
	match_gazetteer_free(&m->gazetteer);
	if (m->token_key != NULL) {
		explicit_bzero(m->token_key, m->token_key_len);
		free(m->token_key);
	}
	phiguard_detector_set_free(m->set);
	free(m);
}

size_t
phiguard_matcher_detector_count(const struct phiguard_matcher *m)
{
	return m->n_det;
}

const char *
phiguard_matcher_detector_name(const struct phiguard_matcher *m, size_t index)
{
	return index < m->n_det ? m->det[index].def->name : NULL;
}

int
phiguard_matcher_detector_index(const struct phiguard_matcher *m, const char *name)
{
	for (size_t i = 0; i < m->n_det; i++)
		if (strcmp(m->det[i].def->name, name) == 0)
			return (int)i;
	return -ENOENT;
}

size_t
phiguard_matcher_database_size(const struct phiguard_matcher *m)
{
	size_t a = 0, b = 0;

	if (m->block_db != NULL)
		(void)hs_database_size(m->block_db, &a);
	if (m->stream_db != NULL)
		(void)hs_database_size(m->stream_db, &b);
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++) {
		size_t c = 0;

		if (match_ctx_db(m, k) != NULL)
			(void)hs_database_size(match_ctx_db(m, k), &c);
		a += c;
	}
	return a + b;
}

size_t
phiguard_stream_size(const struct phiguard_matcher *m)
{
	return m->stream_size;
}
