/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS ClientHello from a client byte stream: every cut of the input too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello_info info;
	enum classify_status st = classify_tls_client_hello(data, size, &info);

	if (st == CLASSIFY_DONE) {
		/* What the policy sees must be a clean, terminated string. */
		if (strlen(info.sni) >= sizeof(info.sni) || strlen(info.alpn) >= sizeof(info.alpn))
			__builtin_trap();
	}
	/* The segment boundary can fall anywhere: a shorter stream never reads past its end. */
	if (size > 1)
		(void)classify_tls_client_hello(data, size / 2, &info);
	return 0;
}
