/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy text -> load, validate, compile; on success run its test cases too. */
#include <stddef.h>
#include <stdint.h>

#include "policy/cases.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phiguard_error err;
	struct policy *policy = NULL;

	if (policy_load_buffer((const char *)data, size, "fuzz.yaml", &policy, &err) == 0) {
		policy_run_cases(policy, NULL, NULL, NULL);
		policy_unref(policy);
	}
	return 0;
}
