/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC Initial secrets (RFC 9001 §5.2, RFC 9369 §3.3): anyone can derive
 * them from the client's Destination Connection ID and a per-version salt,
 * which is what lets a passive observer read the ClientHello.
 */
#include "classify/classify-internal.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define QUIC_V1       0x00000001u
#define QUIC_V2       0x6b3343cfu
#define QUIC_DRAFT(n) (0xff000000u | (n))

#define QUIC_SALT_LEN 20

/* Several version ranges share a salt, so each salt is written once. */
static const uint8_t salt_v1[QUIC_SALT_LEN] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[QUIC_SALT_LEN] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t salt_draft29[QUIC_SALT_LEN] = {
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};
static const uint8_t salt_draft23[QUIC_SALT_LEN] = {
	0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
	0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02,
};
static const uint8_t salt_draft17[QUIC_SALT_LEN] = {
	0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
	0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a,
};
static const uint8_t salt_t050[QUIC_SALT_LEN] = {
	0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
	0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10,
};
static const uint8_t salt_t051[QUIC_SALT_LEN] = {
	0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
	0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d,
};

struct quic_salt {
	uint32_t first, last; /* version range */
	bool v2_labels;
	const uint8_t *salt; /* QUIC_SALT_LEN bytes */
};

static const struct quic_salt quic_salts[] = {
	{ QUIC_V1, QUIC_V1, false, salt_v1 },
	{ QUIC_V2, QUIC_V2, true, salt_v2 },
	/* Drafts 33 and 34 already used the v1 salt. */
	{ QUIC_DRAFT(33), QUIC_DRAFT(34), false, salt_v1 },
	{ QUIC_DRAFT(29), QUIC_DRAFT(32), false, salt_draft29 },
	{ QUIC_DRAFT(23), QUIC_DRAFT(28), false, salt_draft23 },
	{ QUIC_DRAFT(17), QUIC_DRAFT(22), false, salt_draft17 },
	/* Meta's mvfst: MVFST-22 (0xfaceb001) follows draft 22, the later ones draft 23-27. */
	{ 0xfaceb001u, 0xfaceb001u, false, salt_draft17 },
	{ 0xfaceb002u, 0xfaceb00fu, false, salt_draft23 },
	/* Google's TLS-based gQUIC T050 and T051. */
	{ 0x54303530u, 0x54303530u, false, salt_t050 },
	{ 0x54303531u, 0x54303531u, false, salt_t051 },
};

static const struct quic_salt *
quic_salt_find(uint32_t version)
{
	size_t i;

	for (i = 0; i < sizeof(quic_salts) / sizeof(quic_salts[0]); i++) {
		if (version >= quic_salts[i].first && version <= quic_salts[i].last)
			return &quic_salts[i];
	}
	return NULL;
}

/* One HKDF step (extract or expand) with SHA-256 through OpenSSL's EVP_KDF. */
static int
quic_hkdf(EVP_KDF_CTX *ctx, int mode, const uint8_t *key, size_t key_len, const uint8_t *salt,
          size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[6], *p = params;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	if (salt != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
		                                         salt_len);
	if (info != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
		                                         info_len);
	*p = OSSL_PARAM_construct_end();
	return EVP_KDF_derive(ctx, out, out_len, params) == 1 ? 0 : -EIO;
}

/* HKDF-Expand-Label (RFC 8446 §7.1) with an empty context. */
static int
quic_expand_label(EVP_KDF_CTX *ctx, const uint8_t secret[32], const char *label, uint8_t *out,
                  size_t out_len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1];
	size_t label_len = strlen(label), n = 0;

	if (label_len > 32 || out_len > 255)
		return -EINVAL;
	info[n++] = 0;
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + label_len);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = 0;
	return quic_hkdf(ctx, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0, info, n, out,
	                 out_len);
}

int
classify_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                           struct quic_keys *ret)
{
	const struct quic_salt *salt = quic_salt_find(version);
	uint8_t initial[32], secret[32];
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	int r = -EIO;

	if (salt == NULL)
		return -EPROTONOSUPPORT;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (kdf == NULL)
		goto out;
	ctx = EVP_KDF_CTX_new(kdf);
	if (ctx == NULL)
		goto out;
	r = quic_hkdf(ctx, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dcid_len, salt->salt,
	              QUIC_SALT_LEN, NULL, 0, initial, sizeof(initial));
	if (r == 0)
		r = quic_expand_label(ctx, initial, server ? "server in" : "client in", secret,
		                      sizeof(secret));
	if (r == 0)
		r = quic_expand_label(ctx, secret, salt->v2_labels ? "quicv2 key" : "quic key",
		                      ret->key, sizeof(ret->key));
	if (r == 0)
		r = quic_expand_label(ctx, secret, salt->v2_labels ? "quicv2 iv" : "quic iv",
		                      ret->iv, sizeof(ret->iv));
	if (r == 0)
		r = quic_expand_label(ctx, secret, salt->v2_labels ? "quicv2 hp" : "quic hp",
		                      ret->hp, sizeof(ret->hp));
out:
	OPENSSL_cleanse(initial, sizeof(initial));
	OPENSSL_cleanse(secret, sizeof(secret));
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}
