/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoders over arbitrary event bytes: unterminated strings, out-of-range
 * counts and enums, invalid UTF-8. Every output must be bounded, terminated
 * and free of raw line breaks (one record per line on the collector).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/encode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int n, const char *buf, size_t size)
{
	if (n < 0)
		return;
	if ((size_t)n >= size || buf[n] != '\0' || strlen(buf) != (size_t)n)
		abort();
	if (memchr(buf, '\n', (size_t)n) != NULL || memchr(buf, '\r', (size_t)n) != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[REPORT_RECORD_MAX];
	struct report_labels labels = { .n = 2 };
	struct report_heartbeat hb = { 0 };
	struct report_encode_ctx ctx = { .labels = &labels, .heartbeat = NULL };
	struct phiguard_event e;

	memset(&e, 0, sizeof(e));
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	memcpy(labels.key[0], "site", 5);
	memset(labels.value[0], 'x', sizeof(labels.value[0]) - 1);
	if (size > sizeof(e)) {
		size_t rest = size - sizeof(e);

		memcpy(labels.value[1], data + sizeof(e),
		       rest < sizeof(labels.value[1]) ? rest : sizeof(labels.value[1]) - 1);
		memcpy(labels.key[1], "ward", 5);
		ctx.heartbeat = &hb;
	}
	check(report_encode_ecs_ctx(&e, &ctx, buf, sizeof(buf)), buf, sizeof(buf));
	check(report_encode_cef(&e, &ctx, buf, sizeof(buf)), buf, sizeof(buf));
	check(report_encode_syslog(&e, &ctx, REPORT_FORMAT_ECS, 7, buf, sizeof(buf)), buf,
	      sizeof(buf));
	check(report_encode_syslog(&e, &ctx, REPORT_FORMAT_CEF, 7, buf, sizeof(buf)), buf,
	      sizeof(buf));
	check(report_format_text(&e, buf, sizeof(buf)), buf, sizeof(buf));
	/* a small buffer: truncated, terminated, -ENOSPC */
	if (report_encode_ecs(&e, buf, 100) >= 0 && strlen(buf) >= 100)
		abort();
	return 0;
}
