/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "match/detector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void
detector_error(struct phiguard_error *err, const char *file, unsigned line, unsigned column,
               const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static void
list_free(struct detector_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].expr);
	free(l->items);
}

static void
words_free(struct detector_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->items[i]);
	free(w->items);
}

void
detector_def_free(struct detector_def *def)
{
	if (def == NULL)
		return;
	free(def->name);
	free(def->description);
	free(def->file);
	free(def->validator);
	list_free(&def->patterns);
	list_free(&def->require);
	list_free(&def->structural);
	words_free(&def->strong);
	words_free(&def->weak);
	words_free(&def->negative);
	words_free(&def->gazetteer);
	words_free(&def->particles);
	free(def);
}

static void
list_copy(struct detector_list *to, const struct detector_list *from)
{
	to->n = from->n;
	to->items = xcalloc(from->n ? from->n : 1, sizeof(*to->items));
	for (size_t i = 0; i < from->n; i++) {
		to->items[i] = from->items[i];
		to->items[i].expr = xstrdup(from->items[i].expr);
	}
}

static void
words_copy(struct detector_words *to, const struct detector_words *from)
{
	to->n = from->n;
	to->items = xcalloc(from->n ? from->n : 1, sizeof(*to->items));
	for (size_t i = 0; i < from->n; i++)
		to->items[i] = xstrdup(from->items[i]);
}

struct detector_def *
detector_def_clone(const struct detector_def *def)
{
	struct detector_def *c = xmalloc(sizeof(*c));

	*c = *def;
	c->name = xstrdup(def->name);
	c->description = def->description ? xstrdup(def->description) : NULL;
	c->file = xstrdup(def->file);
	c->validator = def->validator ? xstrdup(def->validator) : NULL;
	list_copy(&c->patterns, &def->patterns);
	list_copy(&c->require, &def->require);
	list_copy(&c->structural, &def->structural);
	words_copy(&c->strong, &def->strong);
	words_copy(&c->weak, &def->weak);
	words_copy(&c->negative, &def->negative);
	words_copy(&c->gazetteer, &def->gazetteer);
	words_copy(&c->particles, &def->particles);
	return c;
}

struct phiguard_detector_set *
phiguard_detector_set_new(void)
{
	return xcalloc(1, sizeof(struct phiguard_detector_set));
}

void
phiguard_detector_set_free(struct phiguard_detector_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		detector_def_free(set->defs[i]);
	free(set->defs);
	free(set);
}

const struct detector_def *
detector_set_find(const struct phiguard_detector_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->defs[i]->name, name) == 0)
			return set->defs[i];
	return NULL;
}

int
detector_set_put(struct phiguard_detector_set *set, struct detector_def *def,
                 struct phiguard_error *err)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->defs[i]->name, def->name) == 0) {
			/* A later definition (a policy's own) overrides a built-in one. */
			detector_def_free(set->defs[i]);
			set->defs[i] = def;
			return 0;
		}
	}
	if (set->n >= DETECTOR_MAX) {
		detector_error(err, def->file, def->line, def->column,
		               "too many detectors (at most %d)", DETECTOR_MAX);
		detector_def_free(def);
		return -E2BIG;
	}
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	set->defs = xrealloc(set->defs, set->n + 1, sizeof(*set->defs));
	set->defs[set->n++] = def;
	return 0;
}

int
phiguard_detector_set_enable(struct phiguard_detector_set *set, const char *name, bool enabled)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->defs[i]->name, name) == 0) {
			set->defs[i]->enabled = enabled;
			return 0;
		}
	}
	return -ENOENT;
}

size_t
phiguard_detector_set_count(const struct phiguard_detector_set *set)
{
	return set->n;
}

const char *
phiguard_detector_set_name(const struct phiguard_detector_set *set, size_t index)
{
	return index < set->n ? set->defs[index]->name : NULL;
}

int
phiguard_detector_set_add_builtin(struct phiguard_detector_set *set, struct phiguard_error *err)
{
	for (size_t i = 0; i < detector_builtin_pack_count; i++) {
		const struct detector_pack *pk = &detector_builtin_packs[i];
		int r = phiguard_detector_set_load_yaml(set, pk->text, pk->len, pk->filename, err);

		if (r < 0)
			return r;
	}
	return 0;
}
