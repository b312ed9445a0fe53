/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_ENCODE_INTERNAL_H
#define PHIGUARD_REPORT_ENCODE_INTERNAL_H

#include <phiguard/event.h>

#include "report/strbuf.h"

/* "alert", "event", "state" (ECS event.kind). */
const char *report_kind_name(enum phiguard_event_kind kind);
/* "allow", "flag", "block"; anything else reads as "allow". */
const char *report_verdict_name(enum phiguard_verdict verdict);
/* A finding's decoded codings as "mime+zip" (outermost first); nothing when none. */
void report_add_decoded(struct strbuf *sb, uint32_t decoded);
/* event.severity clamped to 0..10. */
unsigned report_severity(const struct phiguard_event *event);

#endif
