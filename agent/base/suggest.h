/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_SUGGEST_H
#define PHIGUARD_BASE_SUGGEST_H

#include <stddef.h>

/* Names compared for suggestions are short (keys, app and category names). */
#define SUGGEST_WORD_MAX 63

/*
 * Case-insensitive Levenshtein distance (no transpositions) between @a and @b;
 * SIZE_MAX when either is longer than SUGGEST_WORD_MAX.
 */
size_t suggest_distance(const char *a, const char *b);

/*
 * The candidate nearest to @word (the first of equals), or NULL when none is
 * within max(2, strlen(word) / 3) edits, too far to help.
 */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

#endif
