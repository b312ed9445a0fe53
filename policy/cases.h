/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_CASES_H
#define PHIGUARD_POLICY_CASES_H

/*
 * The test cases embedded in a policy (`tests:`), run through the functions
 * the agent uses: the matcher's block scan over the payload, policy_classify
 * and policy_decide.
 */

#include <stdbool.h>
#include <stdint.h>

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

/*
 * Capture cases (`pcap:`) need the packet pipeline, which sits above the
 * policy library; the caller that links it passes a runner. It replays
 * @path with @policy and reports on the flows to the case's destination
 * (@domain and/or @family/@addr; neither: every flow).
 */
struct policy_capture_outcome {
	bool found;                    /* at least one flow to the destination */
	enum phiguard_verdict verdict; /* the most severe verdict among them */
	char rule[64];                 /* the rule behind that verdict, "" for the default */
	char app[32];                  /* the app of that flow, "" when none */
	char error[256];               /* set when the capture could not be replayed */
};
typedef void policy_capture_fn(const struct policy *policy, const char *path, const char *domain,
                               int family, const uint8_t *addr, struct policy_capture_outcome *ret,
                               void *ctx);

size_t policy_case_count(const struct policy *policy);
/* Run every case; @cb sees each result. Returns the number that failed. */
unsigned policy_run_cases(const struct policy *policy, policy_case_fn *cb, void *ctx,
                          unsigned *ret_skipped);
/* The same, with a runner for capture cases (NULL: they are skipped). */
unsigned policy_run_cases_with(const struct policy *policy, policy_case_fn *cb, void *ctx,
                               policy_capture_fn *capture, void *capture_ctx,
                               unsigned *ret_skipped);

#endif
