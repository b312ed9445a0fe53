/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Nearest-name suggestions: distance, case, ties, the noise cut-off, long words. */
#include <stdint.h>
#include <string.h>

#include "base/macro.h"
#include "base/suggest.h"
#include "tap.h"

static const struct {
	const char *a, *b;
	size_t want;
} distances[] = {
	{ "", "", 0 },
	{ "", "abc", 3 },
	{ "abc", "", 3 },
	{ "kitten", "sitting", 3 },
	{ "action", "ACTION", 0 },
	{ "acton", "action", 1 },
	{ "actoin", "action", 2 },
	{ "hotword", "hotwords", 1 },
	{ "flaw", "lawn", 2 },
};

static void
test_distance(void)
{
	char long_word[SUGGEST_WORD_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(distances); i++)
		tap_eq_int(suggest_distance(distances[i].a, distances[i].b), distances[i].want,
		           "distance '%s' '%s'", distances[i].a, distances[i].b);

	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	tap_ok(suggest_distance(long_word, "a") == SIZE_MAX, "a word over the limit is far");
	tap_ok(suggest_distance("a", long_word) == SIZE_MAX, "either side over the limit is far");
	long_word[SUGGEST_WORD_MAX] = '\0';
	tap_eq_int(suggest_distance(long_word, "a"), SUGGEST_WORD_MAX - 1,
	           "a word at the limit counts");
}

static void
test_nearest(void)
{
	static const char *const keys[] = { "action", "apps", "findings", "direction", "media" };
	static const char *const ties[] = { "abcd", "abce" };
	char long_word[SUGGEST_WORD_MAX + 2];

	tap_eq_str(suggest_nearest("acton", keys, ARRAY_SIZE(keys)), "action", "one edit away");
	tap_eq_str(suggest_nearest("FINDING", keys, ARRAY_SIZE(keys)), "findings", "case ignored");
	tap_eq_str(suggest_nearest("derection", keys, ARRAY_SIZE(keys)), "direction",
	           "substitution");
	tap_eq_str(suggest_nearest("abcf", ties, ARRAY_SIZE(ties)), "abcd", "first of equals wins");
	tap_ok(suggest_nearest("zzzzzzzz", keys, ARRAY_SIZE(keys)) == NULL, "far words get none");
	tap_ok(suggest_nearest("x", keys, 0) == NULL, "no candidates, no suggestion");
	/* Two edits are always allowed; beyond that a third of the word. */
	tap_eq_str(suggest_nearest("aps", keys, ARRAY_SIZE(keys)), "apps", "short word, one edit");
	tap_eq_str(suggest_nearest("mdi", keys, ARRAY_SIZE(keys)), "media",
	           "short word, two edits");
	tap_ok(suggest_nearest("xxdia", keys, ARRAY_SIZE(keys)) != NULL,
	       "two edits within cut-off");
	tap_ok(suggest_nearest("xyzia", keys, ARRAY_SIZE(keys)) == NULL,
	       "three edits on five letters");

	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	tap_ok(suggest_nearest(long_word, keys, ARRAY_SIZE(keys)) == NULL, "over-long word: none");
}

int
main(void)
{
	test_distance();
	test_nearest();
	return tap_done();
}
