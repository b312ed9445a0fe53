/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/json.h"

#include <inttypes.h>
#include <string.h>

void
json_init(struct json *j, struct strbuf *sb)
{
	j->sb = sb;
	j->depth = 0;
	j->first[0] = true;
}

static void
json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		strbuf_addc(j->sb, ',');
	j->first[j->depth] = false;
	if (key != NULL) {
		/* keys are ours or from configuration (labels): escape them all the same */
		strbuf_addc(j->sb, '"');
		strbuf_add_escaped(j->sb, key, 256, STRBUF_JSON);
		strbuf_adds(j->sb, "\":");
	}
}

void
json_open(struct json *j, const char *key, char bracket)
{
	if (j->depth + 1 >= JSON_DEPTH_MAX) {
		j->sb->overflow = true; /* a programming error: fail loudly as -ENOSPC */
		return;
	}
	json_key(j, key);
	strbuf_addc(j->sb, bracket);
	j->depth++;
	j->first[j->depth] = true;
}

void
json_close(struct json *j, char bracket)
{
	if (j->depth > 0)
		j->depth--;
	strbuf_addc(j->sb, bracket);
}

void
json_str(struct json *j, const char *key, const char *value, size_t max)
{
	if (value == NULL || value[0] == '\0')
		return;
	json_key(j, key);
	strbuf_addc(j->sb, '"');
	strbuf_add_escaped(j->sb, value, max, STRBUF_JSON);
	strbuf_addc(j->sb, '"');
}

void
json_int(struct json *j, const char *key, int64_t value)
{
	json_key(j, key);
	strbuf_addf(j->sb, "%" PRId64, value);
}

void
json_uint(struct json *j, const char *key, uint64_t value)
{
	json_key(j, key);
	strbuf_addf(j->sb, "%" PRIu64, value);
}
