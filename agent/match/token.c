/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tokens let the SOC correlate one identifier across hosts without seeing
 * it: HMAC-SHA256 under the fleet's key of the detector name and the
 * normalised value, truncated to 16 bytes (hex). The detector name is part
 * of the input so that the same digits as an NHS and as a CHI number give
 * different tokens.
 */
#include "match/matcher.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

EVP_MAC_CTX *
match_token_ctx_new(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx;

	if (mac == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context holds its own reference */
	return ctx;
}

int
match_token(EVP_MAC_CTX *mac, const uint8_t *key, size_t key_len, const char *detector,
            const char *normalised, size_t normalised_len, char out[PHIGUARD_TOKEN_MAX])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	unsigned char md[32];
	size_t md_len = 0;

	out[0] = '\0';
	if (EVP_MAC_init(mac, key, key_len, params) != 1 ||
	    EVP_MAC_update(mac, (const unsigned char *)detector, strlen(detector) + 1) != 1 ||
	    EVP_MAC_update(mac, (const unsigned char *)normalised, normalised_len) != 1 ||
	    EVP_MAC_final(mac, md, &md_len, sizeof(md)) != 1 || md_len < 16)
		return -EIO;
	for (size_t i = 0; i < 16; i++) {
		out[2 * i] = "0123456789abcdef"[md[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	out[32] = '\0';
	return 0;
}
