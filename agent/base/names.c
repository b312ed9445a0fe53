/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include <phiguard/event.h>
#include <phiguard/match.h>

const char *
phiguard_confidence_name(enum phiguard_confidence confidence)
{
	if (confidence >= PHIGUARD_CONFIDENCE_HIGH)
		return "high";
	if (confidence >= PHIGUARD_CONFIDENCE_MEDIUM)
		return "medium";
	if (confidence >= PHIGUARD_CONFIDENCE_LOW)
		return "low";
	return "none";
}

int
phiguard_confidence_parse(const char *text, enum phiguard_confidence *ret_confidence)
{
	static const struct {
		const char *name;
		enum phiguard_confidence value;
	} table[] = {
		{ "low", PHIGUARD_CONFIDENCE_LOW },
		{ "medium", PHIGUARD_CONFIDENCE_MEDIUM },
		{ "high", PHIGUARD_CONFIDENCE_HIGH },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(text, table[i].name) == 0) {
			*ret_confidence = table[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
phiguard_decoding_name(unsigned decoding)
{
	switch (decoding) {
	case PHIGUARD_DECODED_CONTENT_ENCODING:
		return "content-encoding";
	case PHIGUARD_DECODED_MIME:
		return "mime";
	case PHIGUARD_DECODED_WEBSOCKET:
		return "websocket";
	case PHIGUARD_DECODED_ZIP:
		return "zip";
	case PHIGUARD_DECODED_GZIP:
		return "gzip";
	default:
		return NULL;
	}
}

const char *
phiguard_verdict_name(enum phiguard_verdict verdict)
{
	switch (verdict) {
	case PHIGUARD_VERDICT_ALLOW:
		return "allow";
	case PHIGUARD_VERDICT_FLAG:
		return "flag";
	case PHIGUARD_VERDICT_BLOCK:
		return "block";
	}
	return "allow";
}
