/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS responses into a small IP -> name cache (hostile answers, compression loops). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_answer(const char *name, int family, const uint8_t *addr, uint32_t ttl, void *ctx)
{
	struct dns_cache *cache = ctx;
	const char *got;

	if (strlen(name) == 0 || strlen(name) > 255)
		__builtin_trap();
	classify_dns_cache_insert(cache, family, addr, name, 1 + (int64_t)ttl * 1000000);
	got = classify_dns_cache_lookup(cache, family, addr, 0);
	if (got == NULL || strcmp(got, name) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_cache *cache = classify_dns_cache_new(16);

	if (cache == NULL)
		return 0;
	char name[256];

	(void)classify_dns_response(data, size, on_answer, cache);
	if (classify_dns_query(data, size, name, sizeof(name)) == CLASSIFY_DONE &&
	    strlen(name) >= sizeof(name))
		__builtin_trap();
	classify_dns_cache_free(cache);
	return 0;
}
