/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_JSON_H
#define PHIGUARD_REPORT_JSON_H

/* A minimal JSON writer over a strbuf: objects, arrays, strings, integers. */

#include <stdbool.h>
#include <stdint.h>

#include "report/strbuf.h"

#define JSON_DEPTH_MAX 8

struct json {
	struct strbuf *sb;
	unsigned depth;
	bool first[JSON_DEPTH_MAX];
};

void json_init(struct json *j, struct strbuf *sb);
/* @key NULL inside arrays and for the top level. */
void json_open(struct json *j, const char *key, char bracket);
void json_close(struct json *j, char bracket);
/* Empty strings are skipped: ECS has no use for "" and it keeps events short. */
void json_str(struct json *j, const char *key, const char *value, size_t max);
void json_int(struct json *j, const char *key, int64_t value);
void json_uint(struct json *j, const char *key, uint64_t value);

#endif
