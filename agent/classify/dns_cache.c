/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IP -> name cache fed by DNS answers. One per worker, so no locks. Fixed
 * size: 4-way set-associative, the entry that expires first makes room, so
 * inserts and look-ups are O(1) and memory never grows. The set index is a
 * keyed hash, so answers crafted to collide cannot flush chosen entries.
 */
#include "classify/classify.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#define DNS_CACHE_WAYS     4
#define DNS_CACHE_MAX_SETS (1u << 22)

struct dns_cache_entry {
	int64_t expires_us; /* 0: empty */
	uint8_t family;
	uint8_t addr[16];
	char name[256];
};

struct dns_cache {
	size_t n_sets; /* a power of two */
	uint64_t seed;
	struct dns_cache_entry entries[];
};

static size_t
dns_cache_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

struct dns_cache *
classify_dns_cache_new(uint32_t max_entries)
{
	struct dns_cache *cache;
	size_t n_sets = 1;

	while (n_sets * DNS_CACHE_WAYS < max_entries && n_sets < DNS_CACHE_MAX_SETS)
		n_sets <<= 1;
	cache = calloc(1, sizeof(*cache) + n_sets * DNS_CACHE_WAYS * sizeof(cache->entries[0]));
	if (cache == NULL)
		return NULL;
	cache->n_sets = n_sets;
	if (getrandom(&cache->seed, sizeof(cache->seed), GRND_NONBLOCK) != sizeof(cache->seed))
		cache->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)cache;
	return cache;
}

void
classify_dns_cache_free(struct dns_cache *cache)
{
	free(cache);
}

static uint64_t
dns_cache_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static struct dns_cache_entry *
dns_cache_set(struct dns_cache *cache, int family, const uint8_t *addr)
{
	uint64_t h = dns_cache_mix(cache->seed ^ (uint64_t)family);
	size_t i, n = dns_cache_addr_len(family);

	for (i = 0; i < n; i += 8) {
		uint64_t w = 0;

		memcpy(&w, addr + i, n - i < 8 ? n - i : 8);
		h = dns_cache_mix(h ^ w);
	}
	return &cache->entries[(h & (cache->n_sets - 1)) * DNS_CACHE_WAYS];
}

static bool
dns_cache_same(const struct dns_cache_entry *e, int family, const uint8_t *addr)
{
	return e->expires_us != 0 && e->family == family &&
	       memcmp(e->addr, addr, dns_cache_addr_len(family)) == 0;
}

void
classify_dns_cache_insert(struct dns_cache *cache, int family, const uint8_t *addr,
                          const char *name, int64_t expires_us)
{
	struct dns_cache_entry *set, *victim;
	size_t n = strlen(name), i;

	if (dns_cache_addr_len(family) == 0 || n == 0 || n >= sizeof(set->name) || expires_us <= 0)
		return;
	set = dns_cache_set(cache, family, addr);
	victim = &set[0];
	for (i = 0; i < DNS_CACHE_WAYS; i++) {
		if (dns_cache_same(&set[i], family, addr)) {
			victim = &set[i];
			break;
		}
		if (set[i].expires_us < victim->expires_us)
			victim = &set[i];
	}
	memset(victim, 0, sizeof(*victim));
	victim->expires_us = expires_us;
	victim->family = (uint8_t)family;
	memcpy(victim->addr, addr, dns_cache_addr_len(family));
	memcpy(victim->name, name, n + 1);
}

const char *
classify_dns_cache_lookup(struct dns_cache *cache, int family, const uint8_t *addr, int64_t now_us)
{
	struct dns_cache_entry *set;
	size_t i;

	if (dns_cache_addr_len(family) == 0)
		return NULL;
	set = dns_cache_set(cache, family, addr);
	for (i = 0; i < DNS_CACHE_WAYS; i++) {
		if (!dns_cache_same(&set[i], family, addr))
			continue;
		if (set[i].expires_us <= now_us) {
			set[i].expires_us = 0;
			return NULL;
		}
		return set[i].name;
	}
	return NULL;
}
