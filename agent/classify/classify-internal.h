/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CLASSIFY_INTERNAL_H
#define PHIGUARD_CLASSIFY_INTERNAL_H

/* Shared between the classify parsers and their unit tests; not a public API. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

/* Largest ClientHello handshake message accepted (TLS record or QUIC CRYPTO stream). */
#define CLASSIFY_HELLO_MAX 16384

/*
 * Parse one complete TLS handshake message that must be a ClientHello
 * (type byte first), as found after record reassembly or in QUIC CRYPTO
 * frames. CLASSIFY_DONE or CLASSIFY_NOT_THIS; never NEED_MORE.
 */
enum classify_status classify_tls_parse_hello_msg(const uint8_t *msg, size_t len,
                                                  struct tls_hello_info *ret);

/*
 * Copy a host name into @dst (size @size) in lower case, without a trailing
 * dot. False, with @dst set to "", when the name is empty, too long, or holds
 * a byte that no host name has (so hostile bytes never reach the policy).
 */
bool classify_copy_hostname(char *dst, size_t size, const uint8_t *src, size_t len);

/*
 * QUIC Initial key material for one direction (RFC 9001 §5.2). Exposed for
 * the RFC 9001 / RFC 9369 test vectors.
 */
struct quic_keys {
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

/* 0, or -EPROTONOSUPPORT for a version without known Initial salt, -EIO on a crypto error. */
int classify_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                               struct quic_keys *ret);

/*
 * The frames of an already decrypted Initial packet (what
 * classify_quic_initial() does after decryption): lets the fuzzer reach the
 * frame parser and CRYPTO reassembly without forging AEAD tags.
 */
enum classify_status classify_quic_frames(struct quic_state *state, uint32_t version,
                                          const uint8_t *frames, size_t len,
                                          struct tls_hello_info *ret);

#endif
