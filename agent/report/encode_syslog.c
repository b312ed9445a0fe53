/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/encode.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "report/encode-internal.h"
#include "report/strbuf.h"

/*
 * RFC 5424. HOSTNAME is host.name (PRINTUSASCII, at most 255), APP-NAME
 * "phiguard", PROCID our pid, MSGID the event kind ("alert", "event",
 * "state"). The SD-ID uses 32473, the enterprise number RFC 5612 reserves
 * for documentation, until an IANA number is registered. No BOM before MSG:
 * several collectors keep it as part of the message.
 */
int
report_encode_syslog(const struct phiguard_event *e, const struct report_encode_ctx *ctx,
                     enum report_format format, uint64_t seq, char *buf, size_t size)
{
	struct strbuf sb;
	char ts[40];
	int n;

	strbuf_init(&sb, buf, size);
	strbuf_addf(&sb, "<%u>1 ", report_syslog_pri(e));
	if (report_format_time(e->timestamp_us, ts, sizeof(ts)) >= 0)
		strbuf_adds(&sb, ts);
	else
		strbuf_addc(&sb, '-');
	strbuf_addc(&sb, ' ');
	if (e->host_name[0] != '\0')
		strbuf_add_escaped(&sb, e->host_name, 255, STRBUF_SYSLOG_NAME);
	else
		strbuf_addc(&sb, '-');
	strbuf_addf(&sb, " phiguard %ld %s [phiguard@32473 id=\"", (long)getpid(),
	            report_kind_name(e->kind));
	strbuf_add_escaped(&sb, e->id, sizeof(e->id), STRBUF_SD_VALUE);
	strbuf_addc(&sb, '"');
	if (seq != 0)
		strbuf_addf(&sb, " seq=\"%" PRIu64 "\"", seq);
	strbuf_adds(&sb, "] ");
	if (sb.overflow)
		return -ENOSPC;
	if (format == REPORT_FORMAT_CEF)
		n = report_encode_cef(e, ctx, sb.buf + sb.len, sb.size - sb.len);
	else
		n = report_encode_ecs_ctx(e, ctx, sb.buf + sb.len, sb.size - sb.len);
	if (n < 0)
		return n;
	return (int)sb.len + n;
}
