/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_SHOW_H
#define PHIGUARD_POLICY_SHOW_H

#include <stdio.h>

#include "policy/policy.h"

/*
 * Print the effective policy as YAML: the built-in catalogue merged in,
 * every default written out, lists normalised (lower case, sorted as
 * evaluated). The output loads again as a policy with the same behaviour.
 */
void policy_show(const struct policy *policy, FILE *out);

/* Figures for `policy check --verbose`. */
struct policy_stats {
	size_t apps, categories, rules, cases, detectors, index_keys;
	size_t matcher_db_bytes;           /* 0 without the matcher */
	unsigned long long compile_us;     /* wall time of the whole compile step */
	unsigned long long matcher_cpu_us; /* CPU time of the Hyperscan compile */
	bool have_matcher;
};
void policy_get_stats(const struct policy *policy, struct policy_stats *ret);

#endif
