/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input: a policy bundle as the HTTPS pull receives it (a tar archive). A
 * parsed bundle's pointers must lie inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/policy_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_inside(const uint8_t *data, size_t size, const uint8_t *p, size_t len)
{
	if (p == NULL)
		return;
	if (p < data || len > size || (size_t)(p - data) > size - len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_bundle b;

	if (policy_bundle_parse(data, size, &b) < 0)
		return 0;
	if (b.policy == NULL || b.name[0] == '\0')
		abort();
	check_inside(data, size, b.policy, b.policy_len);
	check_inside(data, size, b.sig, b.sig_len);
	return 0;
}
