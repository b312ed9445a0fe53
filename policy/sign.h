/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_SIGN_H
#define PHIGUARD_POLICY_SIGN_H

/*
 * Detached Ed25519 signatures over a policy file's exact bytes. The
 * signature file holds one line: the 64-byte signature in base64. Keys are
 * PEM (PKCS#8 private, SubjectPublicKeyInfo public), as OpenSSL writes them.
 * All return 0 or negative errno with @err saying what is wrong.
 */

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "policy/policy.h"

#define POLICY_SIG_BYTES 64
/* The largest signature text policy_signature_decode() takes (armoured base64). */
#define POLICY_SIG_TEXT_MAX 4096

int policy_keygen(const char *private_path, const char *public_path, struct phiguard_error *err);
/* Sign @path with the private key in @key_path; write the signature to @sig_path. */
int policy_sign_file(const char *key_path, const char *path, const char *sig_path,
                     struct phiguard_error *err);
/* Verify @len bytes against the signature in @sig_path with any of @n_keys public keys. */
int policy_verify_buffer(const void *data, size_t len, const char *filename, const char *sig_path,
                         const char *const *pubkey_paths, size_t n_keys,
                         struct phiguard_error *err);
int policy_verify_file(const char *path, const char *sig_path, const char *const *pubkey_paths,
                       size_t n_keys, struct phiguard_error *err);
/*
 * Read @path once, verify its signature, then load those same bytes, so the
 * file cannot change between the check and the load. For agents configured
 * with policy.require_signature.
 */
int policy_load_file_signed(const char *path, const char *sig_path, const char *const *pubkey_paths,
                            size_t n_keys, const struct policy_load_options *options,
                            struct policy **ret_policy, struct phiguard_error *err);
/*
 * A signature held in memory: the 64-byte Ed25519 signature raw, or base64
 * text (the line `phiguard policy sign` writes, optionally PEM-armoured).
 * 0 with the 64 bytes in @ret_sig, or -EBADMSG.
 */
int policy_signature_decode(const uint8_t *data, size_t len, uint8_t ret_sig[POLICY_SIG_BYTES]);
/*
 * Verify @len bytes of @data against the signature @sig (@sig_len bytes, as
 * policy_signature_decode() takes it) with any of the @n_keys preloaded
 * Ed25519 public keys. 0 when one verifies: its index goes to @ret_key and the
 * decoded signature to @ret_sig (both may be NULL). -EBADMSG when @sig is not
 * a signature, -EKEYREJECTED when no key verifies it.
 */
int policy_verify_signature_buffer(const void *data, size_t len, const uint8_t *sig, size_t sig_len,
                                   EVP_PKEY *const *keys, size_t n_keys, size_t *ret_key,
                                   uint8_t ret_sig[POLICY_SIG_BYTES]);
/* Read a policy file (at most the size limit); *ret_text is NUL-terminated, caller frees. */
int policy_read_file(const char *path, char **ret_text, size_t *ret_len,
                     struct phiguard_error *err);

#endif
