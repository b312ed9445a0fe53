/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_TEST_MATCH_UTIL_H
#define PHIGUARD_TEST_MATCH_UTIL_H

/* Helpers shared by the matcher tests: build matchers, collect findings. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phiguard/match.h>

#include "tap.h"

/* xorshift64: reproducible pseudo-random numbers for generated inputs. */
__attribute__((unused)) static uint64_t
xorshift_next(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

struct found {
	char detector[64];
	unsigned long long start, end;
	enum phiguard_confidence confidence;
	char sample[PHIGUARD_SAMPLE_MAX];
	char token[PHIGUARD_TOKEN_MAX];
	char tag[32];
};

struct found_list {
	struct found *items;
	size_t n, cap;
};

__attribute__((unused)) static int
found_collect(const struct phiguard_finding *f, void *arg)
{
	struct found_list *l = arg;
	struct found *x;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->items = realloc(l->items, l->cap * sizeof(*l->items));
		if (l->items == NULL)
			abort();
	}
	x = &l->items[l->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->detector, sizeof(x->detector), "%s", f->detector);
	x->start = f->start;
	x->end = f->end;
	x->confidence = f->confidence;
	memcpy(x->sample, f->sample, sizeof(x->sample));
	memcpy(x->token, f->token, sizeof(x->token));
	snprintf(x->tag, sizeof(x->tag), "%s", f->tag ? f->tag : "");
	return 0;
}

__attribute__((unused)) static void
found_clear(struct found_list *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

__attribute__((unused)) static int
found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int c = strcmp(x->detector, y->detector);

	if (c != 0)
		return c;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (int)x->confidence - (int)y->confidence;
}

__attribute__((unused)) static void
found_sort(struct found_list *l)
{
	if (l->n > 0)
		qsort(l->items, l->n, sizeof(l->items[0]), found_cmp);
}

/* Both lists (sorted here) hold the same findings, samples, tokens and tags. */
__attribute__((unused)) static bool
found_same(struct found_list *a, struct found_list *b)
{
	found_sort(a);
	found_sort(b);
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct found *x = &a->items[i], *y = &b->items[i];

		if (found_cmp(x, y) != 0 || strcmp(x->sample, y->sample) != 0 ||
		    strcmp(x->token, y->token) != 0 || strcmp(x->tag, y->tag) != 0)
			return false;
	}
	return true;
}

/* Stream split points in ascending order (insertion sort: a few dozen). */
__attribute__((unused)) static void
cuts_sort(size_t *cuts, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && cuts[k - 1] > cuts[k]; k--) {
			size_t t = cuts[k];

			cuts[k] = cuts[k - 1];
			cuts[k - 1] = t;
		}
}

/* The finding of @detector starting at @start, or NULL. */
__attribute__((unused)) static const struct found *
found_get(const struct found_list *l, const char *detector, unsigned long long start)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].detector, detector) == 0 && l->items[i].start == start)
			return &l->items[i];
	return NULL;
}

__attribute__((unused)) static size_t
found_count(const struct found_list *l, const char *detector)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += strcmp(l->items[i].detector, detector) == 0;
	return n;
}

/*
 * Compile the detectors of a YAML pack text (plus the built-ins with
 * @builtin) for @modes (0: block and stream).
 */
__attribute__((unused)) static struct phiguard_matcher *
matcher_for(const char *yaml, bool builtin, const char *key, unsigned modes)
{
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_matcher_options o = { .modes = modes };
	struct phiguard_matcher *m = NULL;
	struct phiguard_error err = { 0 };
	int r = 0;

	if (builtin)
		r = phiguard_detector_set_add_builtin(set, &err);
	if (r == 0 && yaml != NULL)
		r = phiguard_detector_set_load_yaml(set, yaml, strlen(yaml), "test.yaml", &err);
	if (key != NULL) {
		o.token_key = (const uint8_t *)key;
		o.token_key_len = strlen(key);
	}
	if (r == 0)
		r = phiguard_matcher_compile(set, &o, &m, &err);
	if (r < 0)
		tap_diag("matcher: %s:%u:%u: %s", err.file, err.line, err.column, err.msg);
	phiguard_detector_set_free(set);
	return m;
}

__attribute__((unused)) static struct phiguard_matcher *
matcher_from(const char *yaml, bool builtin, const char *key)
{
	return matcher_for(yaml, builtin, key, 0);
}

/* Block scan of @len bytes into @out (cleared first). */
__attribute__((unused)) static int
scan_block(const struct phiguard_matcher *m, struct phiguard_scratch *s, const void *data,
           size_t len, struct found_list *out)
{
	found_clear(out);
	return phiguard_scan_block(m, s, data, len, found_collect, out);
}

/* The highest level @detector reaches in @text (block scan), NONE when it finds nothing. */
__attribute__((unused)) static enum phiguard_confidence
best_level(const struct phiguard_matcher *m, struct phiguard_scratch *s, const char *text,
           const char *detector, struct found_list *fl)
{
	enum phiguard_confidence got = PHIGUARD_CONFIDENCE_NONE;

	scan_block(m, s, text, strlen(text), fl);
	for (size_t k = 0; k < fl->n; k++)
		if (strcmp(fl->items[k].detector, detector) == 0 && fl->items[k].confidence > got)
			got = fl->items[k].confidence;
	found_clear(fl);
	return got;
}

/* A text and the level a detector must reach in it (NONE: no finding). */
struct level_case {
	const char *text, *detector;
	enum phiguard_confidence want;
};

/* One TAP line per case, "@what: text" with the text's line ends as spaces. */
__attribute__((unused)) static void
check_levels(const struct phiguard_matcher *m, struct phiguard_scratch *s,
             const struct level_case *cases, size_t n, const char *what)
{
	struct found_list fl = { 0 };

	for (size_t i = 0; i < n; i++) {
		char name[200];

		snprintf(name, sizeof(name), "%s", cases[i].text);
		for (char *c = name; *c != '\0'; c++)
			if (*c == '\r' || *c == '\n')
				*c = ' ';
		tap_eq_int(best_level(m, s, cases[i].text, cases[i].detector, &fl), cases[i].want,
		           "%s (%s): %s", what, cases[i].detector, name);
	}
}

/* Stream scan of @len bytes fed in pieces that end at @cuts (ascending). */
__attribute__((unused)) static int
scan_stream(const struct phiguard_matcher *m, struct phiguard_scratch *s, const void *data,
            size_t len, const size_t *cuts, size_t n_cuts, struct found_list *out)
{
	struct phiguard_stream *st = NULL;
	const unsigned char *p = data;
	size_t at = 0;
	int r;

	found_clear(out);
	r = phiguard_stream_open(m, &st);
	if (r < 0)
		return r;
	for (size_t i = 0; i <= n_cuts && r == 0; i++) {
		size_t end = i < n_cuts ? cuts[i] : len;

		if (end < at)
			end = at;
		r = phiguard_stream_feed(st, s, p + at, end - at, found_collect, out);
		at = end;
	}
	if (r == 0)
		return phiguard_stream_close(st, s, found_collect, out);
	(void)phiguard_stream_close(st, s, NULL, NULL);
	return r;
}

/* Read a file under tests/data/scan (PHIGUARD_SOURCE_ROOT); NULL on failure. */
__attribute__((unused)) static unsigned char *
read_sample(const char *name, size_t *ret_len)
{
	const char *root = getenv("PHIGUARD_SOURCE_ROOT");
	char path[1024];
	unsigned char *buf = NULL;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/scan/%s", root ? root : ".", name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf != NULL) {
			buf[n] = '\0';
			*ret_len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

#endif
