/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/encode.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "report/encode-internal.h"

int
report_format_time(int64_t timestamp_us, char *buf, size_t size)
{
	time_t secs;
	int64_t us;
	struct tm tm;
	int n;

	/* floor division so times before the epoch still format sanely */
	secs = (time_t)(timestamp_us / 1000000);
	us = timestamp_us % 1000000;
	if (us < 0) {
		us += 1000000;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
		return size > 0 ? (buf[0] = '\0', -ERANGE) : -ERANGE;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

const char *
report_kind_name(enum phiguard_event_kind kind)
{
	switch (kind) {
	case PHIGUARD_EVENT_ALERT:
		return "alert";
	case PHIGUARD_EVENT_FLOW:
		return "event";
	case PHIGUARD_EVENT_STATE:
		return "state";
	}
	return "event";
}

const char *
report_verdict_name(enum phiguard_verdict verdict)
{
	/* our own copy: an out-of-range value from a torn record must not index anything */
	switch (verdict) {
	case PHIGUARD_VERDICT_FLAG:
		return "flag";
	case PHIGUARD_VERDICT_BLOCK:
		return "block";
	case PHIGUARD_VERDICT_ALLOW:
		break;
	}
	return "allow";
}

void
report_add_decoded(struct strbuf *sb, uint32_t decoded)
{
	bool first = true;

	for (unsigned i = 0; i < PHIGUARD_DECODINGS; i++) {
		const char *name = phiguard_decoding_name(1U << i);

		if ((decoded & (1U << i)) == 0 || name == NULL)
			continue;
		strbuf_adds(sb, first ? "" : "+");
		strbuf_adds(sb, name);
		first = false;
	}
}

unsigned
report_severity(const struct phiguard_event *event)
{
	return event->severity > 10 ? 10 : event->severity;
}

unsigned
report_syslog_pri(const struct phiguard_event *event)
{
	static const unsigned char map[11] = {
		/* CEF 0..10 -> syslog: 0 info, 1-3 notice, 4-6 warning, 7-8 err, 9-10 crit */
		6, 5, 5, 5, 4, 4, 4, 3, 3, 2, 2,
	};

	return 16 * 8 + map[report_severity(event)]; /* facility local0 */
}
