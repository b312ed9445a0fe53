/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IP -> name cache: TTL expiry, bounded size, updates, both families. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "classify/classify.h"
#include "tap.h"

int
main(void)
{
	struct dns_cache *c = classify_dns_cache_new(64);
	uint8_t a4[4] = { 157, 240, 1, 53 }, a6[16];
	char name[64];
	unsigned found = 0;

	inet_pton(AF_INET6, "2a03:2880:f12f:83:face:b00c:0:167", a6);
	tap_ok(c != NULL, "cache created");
	tap_ok(classify_dns_cache_lookup(c, AF_INET, a4, 0) == NULL, "empty cache");
	classify_dns_cache_insert(c, AF_INET, a4, "web.whatsapp.com", 1000);
	classify_dns_cache_insert(c, AF_INET6, a6, "chat.signal.org", 2000);
	tap_eq_str(classify_dns_cache_lookup(c, AF_INET, a4, 999), "web.whatsapp.com", "IPv4 hit");
	tap_eq_str(classify_dns_cache_lookup(c, AF_INET6, a6, 999), "chat.signal.org", "IPv6 hit");
	{
		uint8_t a4_as6[16] = { 157, 240, 1, 53 };

		tap_ok(classify_dns_cache_lookup(c, AF_INET6, a4_as6, 999) == NULL,
		       "family is part of the key");
	}
	tap_ok(classify_dns_cache_lookup(c, AF_INET, a4, 1000) == NULL, "expired at its TTL");
	classify_dns_cache_insert(c, AF_INET6, a6, "cdn.signal.org", 3000);
	tap_eq_str(classify_dns_cache_lookup(c, AF_INET6, a6, 2500), "cdn.signal.org",
	           "a newer answer replaces the name and TTL");
	classify_dns_cache_insert(c, 99, a4, "x", 10);
	classify_dns_cache_insert(c, AF_INET, a4, "", 10);
	tap_ok(classify_dns_cache_lookup(c, AF_INET, a4, 0) == NULL, "bad family or name ignored");

	/* Far more addresses than entries: bounded, and the most recent ones stay. */
	for (uint32_t i = 0; i < 100000; i++) {
		uint8_t a[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

		snprintf(name, sizeof(name), "h%u.example", i);
		classify_dns_cache_insert(c, AF_INET, a, name, 10000 + i);
	}
	for (uint32_t i = 0; i < 100000; i++) {
		uint8_t a[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

		found += classify_dns_cache_lookup(c, AF_INET, a, 0) != NULL;
	}
	tap_ok(found <= 64, "no more entries than the bound (%u)", found);
	tap_ok(found >= 32, "the table is used, not thrown away (%u)", found);
	{
		uint8_t a[4] = { 10, 1, 0x86, 0x9f }; /* i = 99999 */

		tap_eq_str(classify_dns_cache_lookup(c, AF_INET, a, 0), "h99999.example",
		           "the latest insert survives");
	}
	classify_dns_cache_free(c);
	classify_dns_cache_free(NULL);
	return tap_done();
}
