/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_CASES_H
#define PHIGUARD_POLICY_CASES_H

/*
 * The test cases embedded in a policy (`tests:`), run through the functions
 * the agent uses: the matcher's block scan over the payload, policy_classify
 * and policy_decide.
 */

#include <stdbool.h>

#include "policy/policy.h"

struct policy_case_result {
	const char *name;
	unsigned line;
	unsigned column;
	bool passed;
	bool skipped;      /* could not run in this build (reason in message) */
	char message[512]; /* what happened; detector names and counts only, never content */
};

typedef void policy_case_fn(const struct policy_case_result *result, void *ctx);

size_t policy_case_count(const struct policy *policy);
/* Run every case; @cb sees each result. Returns the number that failed. */
unsigned policy_run_cases(const struct policy *policy, policy_case_fn *cb, void *ctx,
                          unsigned *ret_skipped);

#endif
