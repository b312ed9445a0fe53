/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The candidate pipeline, shared by the block and the stream API:
 *
 *   Hyperscan event -> (wait for MATCH_LOOKAHEAD bytes) -> start/extent ->
 *   raw-byte boundary recheck -> validator (negative evidence cap) ->
 *   overlap and aggregation bookkeeping -> (wait for the hotword window
 *   after the value) -> hotwords, structural context, aggregation -> cap
 *   -> finding.
 *
 * Both APIs feed the same events in the same order through the same state,
 * and every decision is taken at the same point of that event sequence, so
 * a stream split anywhere reports what one block scan of the same bytes
 * reports. The only exceptions are overflows of the bounded queues below,
 * which need dozens of candidates inside a few hundred bytes.
 */
#include "match/matcher.h"

#include <ctype.h>
#include <string.h>

#include "base/ascii.h"
#include "base/macro.h"

size_t
match_state_size(const struct phiguard_matcher *m)
{
	return sizeof(struct match_state) +
	       m->n_det * (sizeof(struct match_record) + sizeof(struct match_aggregate)) +
	       m->tail_size;
}

void
match_state_init(struct match_state *st, const struct phiguard_matcher *m)
{
	memset(st, 0, match_state_size(m));
	st->m = m;
	st->records = (struct match_record *)(st + 1);
	st->aggregate = (struct match_aggregate *)(st->records + m->n_det);
	st->tail = (uint8_t *)(st->aggregate + m->n_det);
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++)
		st->context[k].base = UINT64_MAX;
	st->value_len = SIZE_MAX;
}

static uint64_t
avail_end(const struct match_state *st)
{
	return st->offset + st->chunk_len;
}

/* The byte at stream offset @o, or -1 when it is not (or no longer) at hand. */
static int
byte_seen(const struct match_state *st, uint64_t o)
{
	if (o >= avail_end(st))
		return -1;
	if (o >= st->offset)
		return st->chunk[o - st->offset];
	if (st->offset - o > st->m->tail_size)
		return -1;
	return st->tail[o & (st->m->tail_size - 1)];
}

int
match_byte_seen(const struct match_state *st, uint64_t o)
{
	return byte_seen(st, o);
}

/* The same, for examining a value: nothing at or after st->visible_end. */
static int
byte_at(const struct match_state *st, uint64_t o)
{
	return o < st->visible_end ? byte_seen(st, o) : -1;
}

static bool
is_digit_byte(int c)
{
	return c >= '0' && c <= '9';
}

static bool
in_boundary_class(enum detector_boundary b, int c)
{
	if (c < 0)
		return false;
	switch (b) {
	case DETECTOR_BOUNDARY_DIGIT:
		return is_digit_byte(c);
	case DETECTOR_BOUNDARY_ALNUM:
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	default:
		return false;
	}
}

/*
 * Whether [@from, @to) is a piece of a decimal number: the digits after
 * its point ("0.03147088677" in a table of figures, "3.014 932 246 73" in
 * a list of constants, "report.20181126.091102.8480") or before it. A
 * number is whole or it is not a value: a detector bounded by digits
 * treats the point between two digits as a digit.
 */
static bool
in_decimal_number(const struct match_state *st, uint64_t from, uint64_t to)
{
	return (from >= 2 && byte_at(st, from - 1) == '.' &&
	        is_digit_byte(byte_at(st, from - 2))) ||
	       (byte_at(st, to) == '.' && is_digit_byte(byte_at(st, to + 1)));
}

static enum phiguard_confidence
raise_level(enum phiguard_confidence c)
{
	return c == PHIGUARD_CONFIDENCE_LOW ? PHIGUARD_CONFIDENCE_MEDIUM : PHIGUARD_CONFIDENCE_HIGH;
}

/* snprintf(out, size, "%s", s) without the format machinery (per finding). */
static void
copy_string(char *out, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(out, s, n);
	out[n] = '\0';
}

static void
emit(struct match_state *st, uint16_t det, uint64_t from, uint64_t to,
     enum phiguard_confidence level, const char *tag, const char *sample, const char *token)
{
	struct phiguard_finding f = {
		.detector = st->m->det[det].def->name,
		.detector_index = det,
		.start = from,
		.end = to,
		.confidence = level,
		.tag = tag,
	};

	if (st->stopped)
		return;
	copy_string(f.sample, sizeof(f.sample), sample);
	copy_string(f.token, sizeof(f.token), token ? token : "");
	if (st->cb(&f, st->ctx) != 0)
		st->stopped = true;
}

void
match_ctx_push(struct match_ctx *c, uint64_t from, uint64_t to, uint32_t expr)
{
	struct match_hit *h;

	if (c->n == MATCH_CTX_HITS) {
		c->head = (c->head + 1) % MATCH_CTX_HITS;
		c->n--;
	}
	h = &c->hits[(c->head + c->n) % MATCH_CTX_HITS];
	if (to < c->last_to)
		c->unordered = true;
	c->last_to = MAX(c->last_to, to);
	h->span = (uint32_t)MIN(to - MIN(from, to), (uint64_t)UINT32_MAX);
	h->to = to;
	h->expr = expr;
	c->n++;
}

/*
 * A Hyperscan hit of context stream @c. A start beyond the SOM horizon is
 * far outside any window: the stream's start.
 */
static void
ctx_hs_hit(struct match_ctx *c, unsigned int id, unsigned long long from, unsigned long long to)
{
	match_ctx_push(c, from == HS_OFFSET_PAST_HORIZON ? c->base : c->base + from, c->base + to,
	               id);
}

static int
on_context_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
               void *ctx)
{
	struct match_state *st = ctx;

	(void)flags;
	/* The word scanner's hits that end before this one go first: the ring stays in order. */
	match_words_advance(st, st->context[0].base + to);
	ctx_hs_hit(&st->context[0], id, from, to);
	return 0;
}

static int
on_digit_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
             void *ctx)
{
	struct match_state *st = ctx;

	(void)flags;
	ctx_hs_hit(&st->context[1], id, from, to);
	return 0;
}

/* Stream bytes [@from, @from + @n) out of the tail ring into @out (all of them kept). */
static void
tail_copy_out(const struct match_state *st, uint64_t from, size_t n, uint8_t *out)
{
	size_t size = st->m->tail_size, at = (size_t)(from & (size - 1)), first = MIN(n, size - at);

	if (n == 0)
		return;
	memcpy(out, st->tail + at, first);
	memcpy(out + first, st->tail, n - first);
}

/* Keep @data, stream bytes [@from, @from + @n), in the tail ring (@n <= tail_size). */
static void
tail_keep(struct match_state *st, uint64_t from, const uint8_t *data, size_t n)
{
	size_t size = st->m->tail_size, at = (size_t)(from & (size - 1)), first = MIN(n, size - at);

	if (n == 0)
		return;
	memcpy(st->tail + at, data, first);
	memcpy(st->tail, data + first, n - first);
}

/*
 * The bytes of [*lo, hi) still at hand, contiguous: a view into the current
 * chunk when they all lie there (block scans), else copied into @buf. *lo
 * moves up past bytes no longer kept.
 */
static const uint8_t *
window_bytes(const struct match_state *st, uint64_t *lo, uint64_t hi, uint8_t *buf, size_t *ret_len)
{
	uint64_t end = MIN(hi, avail_end(st));
	uint64_t kept = st->offset > st->m->tail_size ? st->offset - st->m->tail_size : 0;
	size_t n = 0;

	*lo = MAX(*lo, kept);
	if (*lo >= end) {
		*ret_len = 0;
		return buf;
	}
	if (*lo >= st->offset) {
		*ret_len = (size_t)(end - *lo);
		return st->chunk + (*lo - st->offset);
	}
	n = (size_t)(MIN(end, st->offset) - *lo);
	tail_copy_out(st, *lo, n, buf);
	if (end > st->offset) {
		memcpy(buf + n, st->chunk, (size_t)(end - st->offset));
		n += (size_t)(end - st->offset);
	}
	*ret_len = n;
	return buf;
}

static void
ctx_restart(struct match_state *st, unsigned k, uint64_t at)
{
	struct match_ctx *c = &st->context[k];

	if (c->stream != NULL)
		(void)hs_reset_stream(c->stream, 0, NULL, NULL, NULL);
	if (k == 0)
		match_words_restart(&st->words, at);
	c->base = at;
	c->fed = at;
	c->head = 0;
	c->n = 0;
	c->last_to = 0;
	c->unordered = false;
	c->ended = false;
}

static const struct match_hit *
ctx_hit(const struct match_ctx *c, unsigned i)
{
	return &c->hits[(c->head + i) % MATCH_CTX_HITS];
}

/*
 * The index of the first remembered hit that may end after @lo: found by
 * bisection while the ring is in order of end, else 0 (all are looked at).
 */
static unsigned
ctx_first_after(const struct match_ctx *c, uint64_t lo)
{
	unsigned a = 0, b = c->n;

	if (c->unordered)
		return 0;
	while (a < b) {
		unsigned mid = a + (b - a) / 2;

		if (ctx_hit(c, mid)->to <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/*
 * Let context stream @k see the bytes up to @hi, from @lo at the latest.
 * Overlapping windows (values every few lines) then scan each byte once;
 * a window before what the stream has seen, or after a gap, restarts it.
 * What it sees depends only on the sequence of windows asked for, which
 * is the same in block and stream mode. The word scanner walks the bytes
 * of the main stream, its hits merged in order with Hyperscan's.
 */
static bool
ctx_feed(struct match_state *st, unsigned k, uint64_t lo, uint64_t hi)
{
	struct phiguard_scratch *s = st->scratch;
	struct match_ctx *c = &st->context[k];
	struct match_word_scan *ws = &st->words;
	bool words = k == 0 && st->m->words.n > 0;
	match_event_handler on_hit = k == 0 ? on_context_hit : on_digit_hit;
	const uint8_t *bytes;
	uint64_t start;
	size_t n = 0;

	if (c->stream == NULL && !words)
		return false;
	if (c->base == UINT64_MAX || lo < c->base || c->fed < lo)
		ctx_restart(st, k, lo);
	if (hi > c->fed && !c->ended) {
		start = c->fed;
		bytes = window_bytes(st, &start, hi, s->ctx_buf, &n);
		if (start != c->fed)
			ctx_restart(st, k,
			            start); /* bytes no longer kept (not with the built-in tail) */
		if (k == 0) {
			ws->bytes = bytes;
			ws->base = start;
			ws->end = start + n;
		}
		if (n > 0 && c->stream != NULL &&
		    hs_scan_stream(c->stream, (const char *)bytes, (unsigned)n, 0, s->ctx_hs,
		                   on_hit, st) != HS_SUCCESS) {
			c->base = UINT64_MAX;
			return false;
		}
		if (k == 0) {
			match_words_advance(st, UINT64_MAX);
			match_words_feed_end(st);
		}
		c->fed = start + n;
	}
	if (st->at_end && c->fed == avail_end(st) && !c->ended) {
		/* The last byte: what needs the end of data (a final \b) is reported now. */
		c->ended = true;
		if (k == 0)
			match_words_finish(st);
		if (c->stream != NULL)
			(void)hs_reset_stream(c->stream, 0, s->ctx_hs, on_hit, st);
	}
	return true;
}

/* Whether a line break (or a byte no longer at hand) lies in [@from, @to). */
static bool
line_break_in(const struct match_state *st, uint64_t from, uint64_t to)
{
	for (uint64_t o = from; o < to; o++) {
		int b = byte_seen(st, o);

		if (b < 0 || b == '\n' || b == '\r')
			return true;
	}
	return false;
}

/* What the context hits in a value's windows say. */
struct context {
	uint64_t lo, hi;   /* the windows, one byte wider each side (for \b) */
	uint64_t wlo, whi; /* the hotword window */
	uint32_t weak;     /* the first weak hotword seen (UINT32_MAX: none) */
	bool strong, weak2, structural, negative;
};

/* The hits of context stream @k that end inside the windows of @c, into @x. */
static void
context_walk(struct match_state *st, unsigned k, const struct match_cand *c, struct context *x)
{
	const struct phiguard_matcher *m = st->m;
	const struct detector_def *def = m->det[c->detector].def;
	const struct match_ctx *cx = &st->context[k];
	uint64_t sw = def->structural_window;

	for (unsigned i = ctx_first_after(cx, x->lo); i < cx->n; i++) {
		const struct match_hit *h = ctx_hit(cx, i);
		const struct match_expr *e;
		uint64_t to = h->to;

		if (to > x->hi && !cx->unordered)
			break; /* in order: no later hit ends inside */
		if (to <= x->lo || to > x->hi)
			continue;
		e = &m->expr[h->expr];
		for (size_t t_i = 0; t_i < e->n_targets; t_i++) {
			const struct match_target *t = &e->targets[t_i];
			uint64_t from = t->som                       ? to - h->span
			                : t->width && to >= t->width ? to - t->width
			                                             : to;

			if (t->detector != c->detector)
				continue;
			if (t->role == MATCH_ROLE_STRUCTURAL) {
				if (to + sw >= c->from && to <= c->to + sw)
					x->structural = true;
				continue;
			}
			if (from < x->wlo || to > x->whi)
				continue;
			if (def->same_line && (to <= c->from ? line_break_in(st, to, c->from)
			                                     : line_break_in(st, c->to, from)))
				continue;
			if (t->role == MATCH_ROLE_NEGATIVE)
				x->negative = true;
			else if (t->role == MATCH_ROLE_STRONG)
				x->strong = true;
			else if (t->role == MATCH_ROLE_WEAK && x->weak == UINT32_MAX)
				x->weak = h->expr;
			else if (t->role == MATCH_ROLE_WEAK && x->weak != h->expr)
				x->weak2 = true;
		}
	}
}

/*
 * Hotword and structural context of @c: the context streams see the
 * value's windows (plus one byte each side, so \b sees the real
 * neighbours), never more than the bytes seen by now (@limit); the digit
 * stream only for a detector that has hotwords there.
 */
static void
context_of(struct match_state *st, const struct match_cand *c, uint64_t limit, bool *ret_hot,
           bool *ret_structural, bool *ret_negative, bool *ret_strong)
{
	const struct match_detector *d = &st->m->det[c->detector];
	const struct detector_def *def = d->def;
	uint64_t w = MAX(def->window, def->structural_window) + 1;
	struct context x = {
		.lo = c->from > w ? c->from - w : 0,
		.hi = MIN(c->to + w, limit),
		.wlo = c->from > def->window_before ? c->from - def->window_before : 0,
		.whi = c->to + def->window_after,
		.weak = UINT32_MAX,
	};

	if (d->has_context) {
		for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++)
			if ((k == 0 || d->has_digit_context) && ctx_feed(st, k, x.lo, x.hi))
				context_walk(st, k, c, &x);
	}
	*ret_hot = x.strong || x.weak2;
	*ret_structural = x.structural;
	/* A label of its own (a strong hotword) outweighs "order" nearby. */
	*ret_negative = x.negative && !x.strong;
	*ret_strong = x.strong;
}

/*
 * The level of @c from the bytes before @limit, or NONE when it is not
 * reported (hotword_required without context).
 */
static enum phiguard_confidence
level_of(struct match_state *st, const struct match_cand *c, uint64_t limit, bool *ret_strong)
{
	const struct detector_def *def = st->m->det[c->detector].def;
	enum phiguard_confidence level = def->confidence;
	bool hot, structural, negative, strong;

	context_of(st, c, limit, &hot, &structural, &negative, &strong);
	if (ret_strong != NULL)
		*ret_strong = strong;
	if (c->binary && !structural)
		return PHIGUARD_CONFIDENCE_NONE;
	if (c->hotword_required && !hot && !structural)
		return PHIGUARD_CONFIDENCE_NONE;
	if (hot)
		level = raise_level(level);
	if (structural)
		level = PHIGUARD_CONFIDENCE_HIGH;
	if (c->aggregate >= MATCH_AGGREGATE)
		level = raise_level(level);
	level = MIN(level, c->cap);
	/* An order or ticket number next to clinical words is still not PHI. */
	if (negative && !structural)
		level = MIN(level, PHIGUARD_CONFIDENCE_LOW);
	return MIN(level, def->max_confidence);
}

/* The validator's verdict on a value's bytes (@buf[@len] is NUL). */
static bool
value_check(const struct validator *validator, const uint8_t *buf, size_t len,
            struct validator_result *res)
{
	memset(res, 0, sizeof(*res));
	if (validator != NULL) {
		if (!validator->fn(buf, len, res))
			return false;
	} else {
		res->normalised_len = MIN(len, sizeof(res->normalised) - 1);
		memcpy(res->normalised, buf, res->normalised_len);
	}
	/* A validator that sets no cap leaves the level alone. */
	if (res->cap == PHIGUARD_CONFIDENCE_NONE)
		res->cap = PHIGUARD_CONFIDENCE_HIGH;
	res->normalised_len = MIN(res->normalised_len, sizeof(res->normalised));
	return true;
}

/*
 * Sample and token of a value that is reported, made only then: most
 * validated values (hotword_required without context) never are, and the
 * token is an HMAC. The value's bytes are still kept: a decision comes at
 * most `hold` bytes after its end, and the tail covers that.
 */
static void
value_shape(struct match_state *st, struct match_cand *c)
{
	const struct phiguard_matcher *m = st->m;
	const struct match_detector *d = &m->det[c->detector];
	struct validator_result res;
	uint8_t buf[MATCH_CAND_MAX + 1];
	size_t len = (size_t)(c->to - c->from);

	for (size_t i = 0; i < len; i++) {
		int b = byte_seen(st, c->from + i);

		if (b < 0)
			return;
		buf[i] = (uint8_t)b;
	}
	buf[len] = '\0';
	match_redact(d->def->redact, buf, len, c->sample, sizeof(c->sample));
	if (m->token_key != NULL && st->scratch->mac != NULL &&
	    value_check(c->validator, buf, len, &res))
		(void)match_token(st->scratch->mac, m->token_key, m->token_key_len, d->def->name,
		                  res.normalised, res.normalised_len, c->token);
}

/* Bytes of @b[0..@n) that text never has: control bytes and broken UTF-8. */
static unsigned
non_text_bytes(const uint8_t *b, size_t n)
{
	unsigned bad = 0;
	size_t i = 0;

	while (i < n) {
		uint8_t c = b[i];
		size_t len = c < 0x80                 ? 1
		             : c >= 0xc2 && c <= 0xdf ? 2
		             : c >= 0xe0 && c <= 0xef ? 3
		             : c >= 0xf0 && c <= 0xf4 ? 4
		                                      : 0;
		size_t k = 1;

		if (len == 1) {
			bad += c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f;
			i++;
			continue;
		}
		/* a sequence cut by the edge of what is at hand is given the benefit */
		while (len > 1 && k < len && i + k < n && (b[i + k] & 0xc0) == 0x80)
			k++;
		if (len == 0 || (k < len && i + k < n)) {
			bad++;
			i++;
		} else {
			i += k;
		}
	}
	return bad;
}

/* One side of a value: -1 says nothing (too few bytes), 1 raw data, 0 text. */
static int
side_binary(const uint8_t *b, size_t n)
{
	if (n < MATCH_TEXT_SIDE)
		return -1;
	return non_text_bytes(b, n) * 4 >= n ? 1 : 0;
}

static bool
is_base64_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=' || c == '-' || c == '_' || c == '\r' || c == '\n';
}

/*
 * Whether one whole side of a value is base64 (or base64url) of raw data:
 * nothing but that alphabet and line breaks, and letters and digits mixed
 * the way random bytes mix them (a lower-case letter before a capital, a
 * digit against a letter), which words joined by '+' or '/' do not ("1+High
 * +St+London+" in a form, "api/v1/postcodes/" in a path).
 */
static bool
side_base64(const uint8_t *b, size_t n)
{
	unsigned mixed = 0;
	bool p_lower = false, p_alpha = false, p_digit = false; /* the byte before */

	if (n < MATCH_TEXT_SPAN)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool lower = b[i] >= 'a' && b[i] <= 'z', upper = b[i] >= 'A' && b[i] <= 'Z';
		bool digit = is_digit_byte(b[i]);

		if (!is_base64_byte(b[i]))
			return false;
		mixed += (p_lower && upper) || (p_digit && (lower || upper)) || (p_alpha && digit);
		p_lower = lower;
		p_alpha = lower || upper;
		p_digit = digit;
	}
	return mixed >= 2;
}

/*
 * Whether [@from, @to) lies among bytes text never has, on both sides: a
 * value-shaped run in an image, ciphertext or a compressed file read as it
 * is is chance (a megabyte of random bytes holds about two "postcodes"
 * with a hotword-like pair of letters nearby), and a workstation uploads
 * such files all day. Text next to raw data on one side only (the last
 * line of a file stored in a zip, before its central directory) is text.
 * The same file in base64 (a mail's attachment, an image in a JSON body
 * or a data: URL) is chance too: 40 MB of it held 371 "postcodes" raised
 * to medium by their number; there both sides must be whole base64.
 */
static bool
among_binary(const struct match_state *st, uint64_t from, uint64_t to)
{
	uint8_t buf[MATCH_TEXT_SPAN];
	uint64_t lo = from > MATCH_TEXT_SPAN ? from - MATCH_TEXT_SPAN : 0;
	uint64_t hi = MIN(to + MATCH_TEXT_SPAN, st->visible_end);
	const uint8_t *side;
	size_t n;
	int left, right;
	bool coded;

	side = window_bytes(st, &lo, from, buf, &n);
	left = side_binary(side, n);
	coded = left == 0 && side_base64(side, n);
	/* text before it (nearly always): no need to look after it */
	if (left == 0 && !coded)
		return false;
	lo = to;
	side = window_bytes(st, &lo, hi, buf, &n);
	if (coded)
		return side_base64(side, n);
	right = side_binary(side, n);
	return right != 0 && (left == 1 || right == 1);
}

/* Decide a value, looking at no byte at or after @limit. */
static void
decide(struct match_state *st, struct match_cand *c, uint64_t limit)
{
	enum phiguard_confidence level = c->early ? c->early_level : level_of(st, c, limit, NULL);

	if (level == PHIGUARD_CONFIDENCE_NONE || st->stopped)
		return;
	value_shape(st, c);
	emit(st, c->detector, c->from, c->to, level, c->tag, c->sample, c->token);
}

static void
pending_remove(struct match_state *st, unsigned i)
{
	memmove(&st->pending[i], &st->pending[i + 1],
	        (st->n_pending - i - 1) * sizeof(st->pending[0]));
	st->n_pending--;
}

static uint64_t
fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
	return h;
}

/* Distinct values seen so far for a detector, counting this one (saturates). */
static uint8_t
aggregate_add(struct match_aggregate *a, const char *norm, size_t n)
{
	uint64_t h = fnv1a(norm, n);

	if (a->count >= MATCH_AGGREGATE)
		return a->count;
	for (unsigned i = 0; i < a->count; i++)
		if (a->hash[i] == h)
			return a->count;
	if (a->count < MATCH_AGGREGATE - 1)
		a->hash[a->count] = h;
	return ++a->count;
}

/*
 * Overlapping values of one detector: the longer one stays; of two as long
 * (two patterns on the same bytes), one that needs no hotword. Hyperscan
 * may report matches ending at the same byte in another order in block
 * and stream mode, so the choice must not depend on which came first.
 * false: drop @from..@to.
 */
static bool
resolve_overlap(struct match_state *st, uint16_t det, uint64_t from, uint64_t to,
                bool hotword_required, uint8_t *ret_aggregate)
{
	for (unsigned i = 0; i < st->n_pending; i++) {
		const struct match_cand *p = &st->pending[i];

		if (p->detector != det || p->to <= from || to <= p->from)
			continue;
		if (to - from < p->to - p->from)
			return false;
		if (to - from == p->to - p->from && (hotword_required || !p->hotword_required))
			return false;
		*ret_aggregate = p->aggregate;
		pending_remove(st, i);
		return true;
	}
	return true;
}

/*
 * Values of different detectors on the same bytes (an NPI that also reads
 * as a CHI number): one with its own label before it keeps the bytes, the
 * others give way. Neither or both labelled: both stay. The rule does not
 * depend on which was accepted first. The new one is the last pending.
 */
static void
resolve_cross(struct match_state *st)
{
	const struct match_cand *c = &st->pending[st->n_pending - 1];
	uint64_t from = c->from, to = c->to;
	uint16_t det = c->detector;
	bool labelled = c->labelled;

	for (unsigned i = st->n_pending - 1; i-- > 0;) {
		const struct match_cand *p = &st->pending[i];

		if (p->detector == det || p->to <= from || to <= p->from || p->labelled == labelled)
			continue;
		if (p->labelled) {
			st->n_pending--; /* the new one, last */
			return;
		}
		pending_remove(st, i); /* the new one moves down, still last */
	}
}

/* Whether the last word of [@from, @to) (not its first) is one of @def's particles. */
static bool
ends_in_particle(const struct match_state *st, const struct detector_def *def, uint64_t from,
                 uint64_t to)
{
	uint8_t word[DETECTOR_PARTICLE_LEN];
	uint64_t start = to;
	size_t n;

	while (start > from && to - start <= DETECTOR_PARTICLE_LEN && byte_at(st, start - 1) != ' ')
		start--;
	n = (size_t)(to - start);
	if (start == from || n == 0 || n > DETECTOR_PARTICLE_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		word[i] = (uint8_t)byte_at(st, start + i); /* seen: the walk above read them */
	return ascii_word_in_list(word, n, (const char *const *)def->particles.items,
	                          def->particles.n);
}

/* Whether [@from, @to) ends in an initial after a blank ("Mr A"). */
static bool
ends_in_initial(const struct match_state *st, uint64_t from, uint64_t to)
{
	int c = to - from >= 3 ? byte_at(st, to - 1) : -1;

	return c >= 'A' && c <= 'Z' && byte_at(st, to - 2) == ' ';
}

/* The end of the word that starts at @at: bytes of the pattern's extend_right class. */
static uint64_t
word_end(const struct match_state *st, const struct detector_pattern *pat, uint64_t at,
         uint64_t limit)
{
	for (; at < limit; at++) {
		int c = byte_at(st, at);

		if (c < 0 || !byte_class_has(&pat->extend_right, (unsigned char)c))
			break;
	}
	return at;
}

/*
 * A value widened right that ends in a particle ("Aoife Ní", "Mr de"), or
 * in an initial before one ("Mr A" of "Mr A de Silva"), goes on over the
 * next word, and ends at the last capitalised one ("Ní Bhriain", "de
 * Silva", "van der Berg"); never past @limit (the bytes a value event may
 * look at).
 */
static uint64_t
extend_over_particles(const struct match_state *st, const struct detector_def *def,
                      const struct detector_pattern *pat, uint64_t from, uint64_t to,
                      uint64_t limit)
{
	uint64_t taken = to;

	for (unsigned k = 0; k < 4 && def->particles.n > 0; k++) {
		int next = to + 1 < limit ? byte_at(st, to + 1) : -1;
		bool capital = (next >= 'A' && next <= 'Z') || next >= 0xc0;
		uint64_t end;

		if (byte_at(st, to) != ' ' || !(capital || (next >= 'a' && next <= 'z')))
			break;
		end = word_end(st, pat, to + 1, limit);
		if (!ends_in_particle(st, def, from, to) &&
		    !(k == 0 && ends_in_initial(st, from, to) &&
		      ends_in_particle(st, def, to, end)))
			break;
		to = end;
		if (capital && !ends_in_particle(st, def, from, to))
			taken = to;
	}
	return taken;
}

/*
 * A possessive is not part of a name ("O'Brien's wife", "Evans’s" as
 * phones type it, "Mrs Evans' son"): its own bytes, sample and token stay
 * those of the name. A bare apostrophe only before a word: "'Vera Sans',"
 * in code closes a quoted string.
 */
static uint64_t
trim_possessive(const struct match_state *st, uint64_t from, uint64_t to)
{
	static const struct {
		const char *bytes;
		size_t len;
		bool bare;
	} ends[] = { { "'s", 2, false },
		     { "'S", 2, false },
		     { "'", 1, true },
		     { "\xe2\x80\x99s", 4, false },
		     { "\xe2\x80\x99S", 4, false },
		     { "\xe2\x80\x99", 3, true } };
	int after = byte_at(st, to), next = byte_at(st, to + 1);
	bool word_after =
	        after == ' ' && ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z'));

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		size_t n = ends[i].len, k = 0;

		if (to - from <= n || (ends[i].bare && !word_after))
			continue;
		while (k < n && byte_at(st, to - n + k) == (uint8_t)ends[i].bytes[k])
			k++;
		if (k == n)
			return to - n;
	}
	return to;
}

/* The extent of a value event: start by width and/or left walk, or SOM; end widened right. */
static bool
value_extent(const struct match_state *st, const struct match_raw *raw,
             const struct match_target *t, uint64_t *ret_from, uint64_t *ret_to)
{
	const struct detector_pattern *pat = t->pattern;
	const struct detector_def *def = st->m->det[t->detector].def;
	uint64_t from = raw->from, to = raw->to;
	int c;

	if (t->width != 0) {
		if (to < t->width)
			return false;
		/* the forename scan says where a forename starts (before a particle too) */
		from = st->m->expr[raw->expr].gazetteer ? raw->from : to - t->width;
	} else if (pat->has_extend_left) {
		from = to;
	}
	/* with a width too, the walk continues left from the fixed start ("Smith, Jane") */
	if (pat->has_extend_left) {
		while (from > 0 && to - from < DETECTOR_EXTEND_LEFT_MAX) {
			c = byte_at(st, from - 1);
			if (c < 0 || !byte_class_has(&pat->extend_left, (unsigned char)c))
				break;
			from--;
		}
	}
	if (pat->has_extend_right) {
		uint64_t limit = raw->to + DETECTOR_EXTEND_RIGHT_MAX;

		to = extend_over_particles(st, def, pat, from, word_end(st, pat, to, limit), limit);
		if (byte_class_has(&pat->extend_right, '\''))
			to = trim_possessive(st, from, to);
	}
	if (to <= from || to - from > MATCH_CAND_MAX)
		return false;
	*ret_from = from;
	*ret_to = to;
	return true;
}

/*
 * The bytes [@from, @to) of a value, NUL-terminated, into st->value: copied
 * once for every detector that shares the event's expression (the bytes at
 * hand do not change within a chunk, and visible_end bounds what is seen).
 */
static bool
value_bytes(struct match_state *st, uint64_t from, uint64_t to)
{
	size_t len = (size_t)(to - from);

	if (st->value_len != SIZE_MAX && st->value_from == from && st->value_to == to &&
	    st->value_visible == st->visible_end)
		return true;
	st->value_len = SIZE_MAX;
	for (size_t i = 0; i < len; i++) {
		int b = byte_at(st, from + i);

		if (b < 0)
			return false;
		st->value[i] = (uint8_t)b;
	}
	st->value[len] = '\0';
	st->value_from = from;
	st->value_to = to;
	st->value_visible = st->visible_end;
	st->value_len = len;
	return true;
}

/* A value event whose lookahead bytes are at hand: examine it. */
static void
accept(struct match_state *st, const struct match_raw *raw)
{
	const struct phiguard_matcher *m = st->m;
	const struct match_target *t = &m->expr[raw->expr].targets[raw->target];
	const struct match_detector *d = &m->det[t->detector];
	const struct detector_def *def = d->def;
	/* A pattern may name its own validator (a surname in a labelled field). */
	const struct validator *validator =
	        t->pattern->validator ? t->pattern->validator : d->validator;
	/*
	 * A value widened over blanks runs on past its end ("Zephyrine Hill was
	 * admitted"), maybe into the middle of a word: its end, and so the
	 * boundary after it, is known once its validator has read it.
	 */
	bool run_on =
	        t->pattern->has_extend_right && byte_class_has(&t->pattern->extend_right, ' ');
	struct validator_result res;
	struct match_cand *c;
	uint64_t from, to;
	uint8_t aggregate = 0;

	if (!value_extent(st, raw, t, &from, &to))
		return;
	if (from > 0 && in_boundary_class(def->boundary, byte_at(st, from - 1)))
		return;
	if (!run_on && in_boundary_class(def->boundary, byte_at(st, to)))
		return;
	if (def->boundary == DETECTOR_BOUNDARY_DIGIT && in_decimal_number(st, from, to))
		return;
	if (!value_bytes(st, from, to))
		return;
	if (!value_check(validator, st->value, st->value_len, &res))
		return;
	if (res.keep > 0 && res.keep < st->value_len)
		to = from + res.keep;
	if (run_on && in_boundary_class(def->boundary, byte_at(st, to)))
		return;
	if (!resolve_overlap(st, t->detector, from, to,
	                     def->hotword_required || t->pattern->hotword_required, &aggregate))
		return;
	if (aggregate == 0)
		aggregate = aggregate_add(&st->aggregate[t->detector], res.normalised,
		                          res.normalised_len);
	if (st->n_pending == MATCH_PENDING) {
		/* Overflow: decide the oldest with the bytes seen so far. */
		decide(st, &st->pending[0], st->visible_end);
		pending_remove(st, 0);
		st->overflows++;
	}
	c = &st->pending[st->n_pending++];
	memset(c, 0, sizeof(*c));
	c->from = from;
	c->to = to;
	c->binary = among_binary(st, from, to);
	c->detector = t->detector;
	c->validator = validator;
	c->hotword_required = def->hotword_required || t->pattern->hotword_required;
	c->aggregate = aggregate;
	c->cap = res.cap;
	c->tag = res.tag;
	/*
	 * Hotwords after a value can only raise it. When what comes before
	 * already gives the highest level it may reach, it is decided as soon
	 * as no overlapping value can replace it, not a window later: a live
	 * flow can then be blocked while the value is still in the queue.
	 */
	{
		enum phiguard_confidence top =
		        MIN(MIN(c->cap, def->max_confidence), PHIGUARD_CONFIDENCE_HIGH);
		enum phiguard_confidence left = level_of(st, c, to, &c->labelled);

		/*
		 * A negative hotword after it may still lower it, unless its own
		 * label stands before it: a label outweighs "order" nearby.
		 */
		c->early = left != PHIGUARD_CONFIDENCE_NONE && left >= top &&
		           (def->negative.n == 0 || c->labelled);
		c->early_level = top;
	}
	resolve_cross(st);
}

/*
 * Run, in order of their stream position, every queued action whose position
 * is before @pos: examining a value event (at its end + MATCH_LOOKAHEAD) and
 * deciding a value (at its end + hold). Both APIs call this at the same
 * points of the event sequence, so they take the same actions with the same
 * hits remembered; at a tie the decision goes first.
 */
static void
advance(struct match_state *st, uint64_t pos)
{
	for (;;) {
		uint64_t best = UINT64_MAX;
		int which = -1; /* -1: none, -2: examine the FIFO head, >= 0: decide pending[i] */

		if (st->fifo_n > 0 && st->fifo[st->fifo_head].to + MATCH_LOOKAHEAD < pos) {
			best = st->fifo[st->fifo_head].to + MATCH_LOOKAHEAD;
			which = -2;
		}
		for (unsigned i = 0; i < st->n_pending; i++) {
			const struct match_cand *c = &st->pending[i];
			const struct match_detector *d = &st->m->det[c->detector];
			uint64_t at = c->to + (c->early ? d->early_hold : d->hold);

			if (at < pos && at <= best && (which < 0 || at < best)) {
				best = at;
				which = (int)i;
			}
		}
		if (which == -1)
			break;
		if (which == -2) {
			const struct match_raw *raw = &st->fifo[st->fifo_head];

			st->fifo_head = (st->fifo_head + 1) % MATCH_FIFO;
			st->fifo_n--;
			st->visible_end = raw->to + MATCH_LOOKAHEAD;
			accept(st, raw);
		} else {
			decide(st, &st->pending[which], UINT64_MAX);
			pending_remove(st, (unsigned)which);
		}
	}
}

static void
fifo_push(struct match_state *st, uint64_t from, uint64_t to, uint32_t expr, size_t target)
{
	struct match_raw *raw;

	if (st->fifo_n == MATCH_FIFO) {
		/* Overflow: examine the oldest now, seeing no byte past this event. */
		raw = &st->fifo[st->fifo_head];
		st->fifo_head = (st->fifo_head + 1) % MATCH_FIFO;
		st->fifo_n--;
		st->visible_end = to;
		accept(st, raw);
		st->overflows++;
	}
	raw = &st->fifo[(st->fifo_head + st->fifo_n) % MATCH_FIFO];
	raw->from = from;
	raw->to = to;
	raw->expr = expr;
	raw->target = (uint16_t)target;
	st->fifo_n++;
	/*
	 * Events ending at the same byte are examined in order of expression:
	 * the first of two overlapping values is the one the distinct values
	 * of its detector remember, and Hyperscan (or the gazetteer scan) may
	 * report a tie in any order.
	 */
	for (unsigned i = st->fifo_n - 1; i > 0; i--) {
		struct match_raw *cur = &st->fifo[(st->fifo_head + i) % MATCH_FIFO];
		struct match_raw *prev = &st->fifo[(st->fifo_head + i - 1) % MATCH_FIFO];
		struct match_raw tmp;

		if (prev->to != cur->to || prev->expr < cur->expr ||
		    (prev->expr == cur->expr && prev->target <= cur->target))
			break;
		tmp = *prev;
		*prev = *cur;
		*cur = tmp;
	}
}

static void
record_event(struct match_state *st, const struct match_target *t, uint64_t from, uint64_t to)
{
	const struct detector_def *def = st->m->det[t->detector].def;
	struct match_record *rec = &st->records[t->detector];
	uint32_t all = def->require.n >= 32 ? UINT32_MAX : (1U << def->require.n) - 1;
	char sample[PHIGUARD_SAMPLE_MAX];

	if (rec->done)
		return;
	if (t->role == MATCH_ROLE_SIGNATURE) {
		if (t->width != 0)
			from = to >= t->width ? to - t->width : 0;
		else if (!t->som)
			from = to;
		if (rec->started && to - rec->from <= def->window)
			return;
		rec->started = true;
		rec->from = from;
		rec->to = to;
		rec->last = to;
		rec->mask = 0;
	} else {
		if (!rec->started || to < rec->to || to - rec->from > def->window)
			return;
		rec->mask |= 1U << t->require_index;
		rec->last = MAX(rec->last, to);
	}
	if ((rec->mask & all) != all)
		return;
	rec->done = true;
	match_redact(DETECTOR_REDACT_RECORD, (const uint8_t *)def->name, strlen(def->name), sample,
	             sizeof(sample));
	emit(st, t->detector, rec->from, rec->last, MIN(def->confidence, def->max_confidence), NULL,
	     sample, NULL);
}

void
match_bulk_event(struct match_state *st, uint32_t id, uint64_t from, uint64_t to)
{
	const struct match_expr *e = &st->m->expr[id];

	advance(st, to);
	for (size_t k = 0; k < e->n_targets && !st->stopped; k++) {
		const struct match_target *t = &e->targets[k];

		switch (t->role) {
		case MATCH_ROLE_VALUE:
			fifo_push(st, from, to, id, k);
			break;
		case MATCH_ROLE_SIGNATURE:
		case MATCH_ROLE_REQUIRE:
			record_event(st, t, from, to);
			break;
		default:
			break; /* context: looked up around values only */
		}
	}
}

int
match_on_event(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
               void *ctx)
{
	struct match_state *st = ctx;

	(void)flags;
	/* the forenames found without Hyperscan go first, in order of their end */
	match_gazetteer_advance(st, to);
	if (!st->stopped)
		match_bulk_event(st, id, from, to);
	return st->stopped ? 1 : 0;
}

void
match_chunk_begin(struct match_state *st, const uint8_t *data, size_t len)
{
	st->chunk = data;
	st->chunk_len = len;
	st->value_len = SIZE_MAX; /* other bytes at hand */
}

void
match_chunk_end(struct match_state *st)
{
	const uint8_t *data = st->chunk;
	size_t len = st->chunk_len;
	size_t keep = MIN(len, st->m->tail_size);

	/*
	 * Strictly before the end: a match ending exactly here may still be
	 * reported by the next scan call (Hyperscan needs the next byte for \b).
	 * A forename is known once the capital after it is: all of this chunk's.
	 */
	match_gazetteer_advance(st, UINT64_MAX);
	advance(st, avail_end(st));
	tail_keep(st, st->offset + len - keep, data + len - keep, keep);
	st->offset += len;
	st->chunk = NULL;
	st->chunk_len = 0;
	st->value_len = SIZE_MAX;
}

void
match_finish(struct match_state *st)
{
	match_gazetteer_advance(st, UINT64_MAX);
	st->at_end = true;
	advance(st, UINT64_MAX);
}
