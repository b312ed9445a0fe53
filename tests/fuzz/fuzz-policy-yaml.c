/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy text -> load, validate, compile the catalogue and rules; on success
 * run its test cases too. The Hyperscan compile is left out (the matcher has
 * its own targets): at half a second per input it would starve the fuzzer.
 */
#include <stddef.h>
#include <stdint.h>

#include "policy/cases.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phiguard_error err;
	struct policy_load_options options = { .skip_matcher = true };
	struct policy *policy = NULL;

	if (policy_load_buffer_with((const char *)data, size, "fuzz.yaml", &options, &policy,
	                            &err) == 0) {
		policy_run_cases(policy, NULL, NULL, NULL);
		policy_unref(policy);
	}
	return 0;
}
