/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HTTP/1.x request heads, SMTP greetings and commands, and the wire fingerprints over the same bytes. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ports[] = { 80, 443, 500, 3478, 4244, 5222, 7985, 50004 };
	struct http_request_info info;

	if (classify_http_request(data, size, &info) == CLASSIFY_DONE) {
		if (info.header_len > size || strlen(info.host) >= sizeof(info.host) ||
		    info.content_length < -1)
			__builtin_trap();
	}
	(void)classify_smtp_greeting(data, size);
	(void)classify_smtp_command(data, size);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		(void)classify_fingerprint(data, size, IPPROTO_TCP, ports[i]);
		(void)classify_fingerprint(data, size, IPPROTO_UDP, ports[i]);
	}
	return 0;
}
