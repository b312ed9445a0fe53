/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy/sign.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/macro.h"
#include "base/xalloc.h"
#include "policy/node.h"

#define SIG_BYTES   POLICY_SIG_BYTES
#define SIG_B64_LEN 88 /* base64 of 64 bytes, with padding */

static int fail(struct phiguard_error *err, const char *file, int r, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int
fail(struct phiguard_error *err, const char *file, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	node_set_error(err, file, 0, 0, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return r;
}

static int
read_small(const char *path, char *buf, size_t size, size_t *ret_len, struct phiguard_error *err)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return fail(err, path, -errno, "cannot open: %s", strerror(errno));
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	*ret_len = n;
	return 0;
}

static EVP_PKEY *
read_key(const char *path, bool private_key, struct phiguard_error *err)
{
	EVP_PKEY *key = NULL;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		fail(err, path, -errno, "cannot open key: %s", strerror(errno));
		return NULL;
	}
	key = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
	                  : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL) {
		fail(err, path, -EINVAL, "not a PEM %s key", private_key ? "private" : "public");
		return NULL;
	}
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		fail(err, path, -EINVAL, "not an Ed25519 key (policy signatures are Ed25519)");
		return NULL;
	}
	return key;
}

static int
write_pem(const char *path, EVP_PKEY *key, bool private_key, struct phiguard_error *err)
{
	FILE *f;
	int fd, ok;

	/* Never replace a key: an overwritten signing key cannot be recovered. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, private_key ? 0600 : 0644);
	if (fd < 0)
		return fail(err, path, -errno, "cannot create: %s", strerror(errno));
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return fail(err, path, -errno, "cannot create: %s", strerror(errno));
	}
	ok = private_key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
	                 : PEM_write_PUBKEY(f, key);
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		return fail(err, path, -EIO, "cannot write the key");
	return 0;
}

int
policy_keygen(const char *private_path, const char *public_path, struct phiguard_error *err)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int r;

	if (key == NULL)
		return fail(err, private_path, -EIO, "cannot generate an Ed25519 key");
	r = write_pem(private_path, key, true, err);
	if (r == 0)
		r = write_pem(public_path, key, false, err);
	EVP_PKEY_free(key);
	return r;
}

static int
read_signature(const char *sig_path, unsigned char sig[SIG_BYTES], struct phiguard_error *err)
{
	char text[512];
	unsigned char raw[SIG_BYTES + 4];
	size_t len = 0;
	int r, n;

	r = read_small(sig_path, text, sizeof(text), &len, err);
	if (r < 0)
		return r;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (len != SIG_B64_LEN)
		return fail(err, sig_path, -EBADMSG,
		            "not a policy signature (expected one line of %d base64 characters)",
		            SIG_B64_LEN);
	n = EVP_DecodeBlock(raw, (const unsigned char *)text, (int)len);
	if (n != SIG_BYTES + 2 || text[len - 1] != '=' || text[len - 2] != '=')
		return fail(err, sig_path, -EBADMSG,
		            "not a policy signature (the base64 text is damaged)");
	memcpy(sig, raw, SIG_BYTES);
	return 0;
}

int
policy_sign_file(const char *key_path, const char *path, const char *sig_path,
                 struct phiguard_error *err)
{
	unsigned char sig[SIG_BYTES];
	char b64[SIG_B64_LEN + 1];
	size_t sig_len = sizeof(sig), len = 0;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *key;
	char *text = NULL;
	FILE *f;
	int r;

	key = read_key(key_path, true, err);
	if (key == NULL)
		return -EINVAL;
	r = policy_read_file(path, &text, &len, err);
	if (r < 0)
		goto out;
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)text, len) != 1) {
		r = fail(err, path, -EIO, "signing failed");
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)sig_len);
	f = fopen(sig_path, "we");
	if (f == NULL) {
		r = fail(err, sig_path, -errno, "cannot create: %s", strerror(errno));
		goto out;
	}
	fprintf(f, "%s\n", b64);
	if (fclose(f) != 0)
		r = fail(err, sig_path, -EIO, "cannot write the signature");
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	free(text);
	return r;
}

static int
verify_one(EVP_PKEY *key, const unsigned char *sig, const void *data, size_t len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (md == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
	     EVP_DigestVerify(md, sig, SIG_BYTES, data, len) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

static bool
is_base64_char(uint8_t ch)
{
	return isalnum(ch) || ch == '+' || ch == '/' || ch == '=';
}

int
policy_signature_decode(const uint8_t *data, size_t len, uint8_t ret_sig[POLICY_SIG_BYTES])
{
	char text[POLICY_SIG_TEXT_MAX + 1];
	uint8_t out[POLICY_SIG_TEXT_MAX];
	size_t n = 0, pad = 0;
	int got;

	if (len == SIG_BYTES) {
		/* Raw bytes, unless they happen to be base64 text of the right shape. */
		bool printable = true;

		for (size_t i = 0; i < len && printable; i++)
			printable = is_base64_char(data[i]);
		if (!printable) {
			memcpy(ret_sig, data, SIG_BYTES);
			return 0;
		}
	}
	if (len > POLICY_SIG_TEXT_MAX)
		return -EBADMSG;
	/* Keep base64 characters; skip "-----BEGIN/END ...-----" lines. */
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = data[i];

		if (ch == '-' && (i == 0 || data[i - 1] == '\n')) {
			while (i < len && data[i] != '\n')
				i++;
			continue;
		}
		if (isspace(ch))
			continue;
		if (!is_base64_char(ch))
			return -EBADMSG;
		text[n++] = (char)ch;
	}
	if (n == 0 || n % 4 != 0)
		return -EBADMSG;
	text[n] = '\0';
	while (pad < 2 && text[n - 1 - pad] == '=')
		pad++;
	got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (got < 0 || (size_t)got - pad != SIG_BYTES)
		return -EBADMSG;
	memcpy(ret_sig, out, SIG_BYTES);
	return 0;
}

int
policy_verify_signature_buffer(const void *data, size_t len, const uint8_t *sig, size_t sig_len,
                               EVP_PKEY *const *keys, size_t n_keys, size_t *ret_key,
                               uint8_t ret_sig[POLICY_SIG_BYTES])
{
	uint8_t raw[SIG_BYTES];

	if (policy_signature_decode(sig, sig_len, raw) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < n_keys; i++) {
		if (!verify_one(keys[i], raw, data, len))
			continue;
		if (ret_key != NULL)
			*ret_key = i;
		if (ret_sig != NULL)
			memcpy(ret_sig, raw, SIG_BYTES);
		return 0;
	}
	return -EKEYREJECTED;
}

int
policy_verify_buffer(const void *data, size_t len, const char *filename, const char *sig_path,
                     const char *const *pubkey_paths, size_t n_keys, struct phiguard_error *err)
{
	unsigned char sig[SIG_BYTES];
	int r;

	if (n_keys == 0)
		return fail(err, filename, -ENOKEY, "no trusted public key to verify with");
	r = read_signature(sig_path, sig, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_keys; i++) {
		EVP_PKEY *key = read_key(pubkey_paths[i], false, err);
		int ok;

		if (key == NULL)
			return -EINVAL;
		ok = verify_one(key, sig, data, len);
		EVP_PKEY_free(key);
		if (ok)
			return 0;
	}
	return fail(
	        err, filename, -EBADMSG,
	        "signature check failed: the policy or its signature '%s' was changed after signing, or it was signed with a key that is not trusted",
	        sig_path);
}

/* Read @path once and verify it; *ret_text (caller frees) holds the verified bytes. */
static int
read_verified(const char *path, const char *sig_path, const char *const *pubkey_paths,
              size_t n_keys, char **ret_text, size_t *ret_len, struct phiguard_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = policy_read_file(path, &text, &len, err);
	if (r < 0)
		return r;
	r = policy_verify_buffer(text, len, path, sig_path, pubkey_paths, n_keys, err);
	if (r < 0) {
		free(text);
		return r;
	}
	*ret_text = text;
	*ret_len = len;
	return 0;
}

int
policy_verify_file(const char *path, const char *sig_path, const char *const *pubkey_paths,
                   size_t n_keys, struct phiguard_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = read_verified(path, sig_path, pubkey_paths, n_keys, &text, &len, err);
	free(text);
	return r;
}

int
policy_load_file_signed(const char *path, const char *sig_path, const char *const *pubkey_paths,
                        size_t n_keys, const struct policy_load_options *options,
                        struct policy **ret_policy, struct phiguard_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = read_verified(path, sig_path, pubkey_paths, n_keys, &text, &len, err);
	if (r == 0)
		r = policy_load_buffer_with(text, len, path, options, ret_policy, err);
	free(text);
	return r;
}
