/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC Initial: the input is a sequence of records (1-byte kind, 2-byte
 * big-endian length, bytes). Kind 0: a client UDP datagram (header parsing,
 * decryption attempts, coalesced packets). Kind 1: the plaintext frames of a
 * decrypted Initial (frame parser and CRYPTO reassembly, which random bytes
 * cannot reach through AEAD).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify/classify-internal.h"
#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quic_state *state = classify_quic_state_new();
	struct tls_hello_info info;
	size_t off = 0;

	if (state == NULL)
		return 0;
	while (size - off >= 3) {
		uint8_t kind = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		if (kind & 1)
			(void)classify_quic_frames(state, 1, data + off, len, &info);
		else
			(void)classify_quic_initial(state, data + off, len, &info);
		if (strlen(info.sni) >= sizeof(info.sni))
			__builtin_trap();
		off += len;
	}
	classify_quic_state_free(state);
	return 0;
}
