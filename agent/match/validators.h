/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_MATCH_VALIDATORS_H
#define PHIGUARD_MATCH_VALIDATORS_H

/*
 * Validators confirm a pattern candidate: checksums, issued ranges, dates,
 * letter rules. They receive the raw matched bytes (separators included) and
 * decide alone; the engine does the boundary checks and the context.
 * Pure functions, no allocation: they run in the Hyperscan match path.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <phiguard/match.h>

struct validator_result {
	/* Highest level this candidate may reach (negative evidence caps it at LOW). */
	enum phiguard_confidence cap;
	/* Negative-evidence tag ("synthetic", "fictional", "administrative", ...) or NULL. */
	const char *tag;
	/* Normalised value (separators removed, upper case) for the keyed-hash token. */
	char normalised[64];
	size_t normalised_len;
	/* The value is only its first @keep bytes (0: all of it): the rest ran on past it. */
	size_t keep;
};

/* true: the candidate is valid; *ret is filled. false: reject. */
typedef bool validator_fn(const uint8_t *value, size_t len, struct validator_result *ret);

struct validator {
	const char *name;
	validator_fn *fn;
};

/* NULL when no validator has that name. */
const struct validator *validator_lookup(const char *name);

/* For documentation and `phiguard policy check`: the table of validators. */
const struct validator *validator_table(size_t *ret_count);

#endif
