/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Samples show the shape of a value, never the value: enough for a person
 * to see what kind of thing was found (and, for numbers, the last digits
 * that staff already use to tell records apart), not enough to recover it.
 */
#include "match/matcher.h"

#include <stdio.h>
#include <string.h>

#include "base/macro.h"

struct out {
	char *buf;
	size_t size, n;
};

static void
put(struct out *o, char c)
{
	if (o->n + 1 < o->size)
		o->buf[o->n++] = c;
	o->buf[o->n < o->size ? o->n : o->size - 1] = '\0';
}

static void
puts_out(struct out *o, const char *s)
{
	while (*s != '\0')
		put(o, *s++);
}

static bool
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Separators are kept so the shape stays readable; anything else is '?'. */
static char
shape_of(uint8_t c)
{
	if (is_alpha(c))
		return 'X';
	if (is_digit(c))
		return '*';
	if (strchr(" -./:()+'", c) != NULL && c != '\0')
		return (char)c;
	return '?';
}

static void
redact_digits(const uint8_t *v, size_t len, size_t keep, struct out *o)
{
	size_t digits = 0, seen = 0;

	for (size_t i = 0; i < len; i++)
		digits += is_digit(v[i]);
	/* Keep the last digits only of long numbers: at least twice as many stay hidden. */
	if (digits < 2 * keep)
		keep = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == 0xC2 && i + 1 < len && v[i + 1] == 0xA0) {
			put(o, ' '); /* no-break space */
			i++;
			continue;
		}
		if (is_digit(v[i]) && ++seen > digits - keep)
			put(o, (char)v[i]);
		else
			put(o, shape_of(v[i]));
	}
}

static void
redact_email(const uint8_t *v, size_t len, struct out *o)
{
	const uint8_t *at = memchr(v, '@', len);
	size_t dlen, labels = 0, keep_from = 0, dots_seen = 0;
	const uint8_t *d;

	if (at == NULL || at == v) {
		redact_digits(v, len, 0, o);
		return;
	}
	put(o, is_alpha(v[0]) || is_digit(v[0]) ? (char)v[0] : '*');
	puts_out(o, "***@***");
	d = at + 1;
	dlen = len - (size_t)(d - v);
	for (size_t i = 0; i < dlen; i++)
		labels += d[i] == '.';
	labels++;
	/* Keep the last two labels of a longer domain (".nhs.uk"), else the last one. */
	for (size_t i = 0; i < dlen; i++) {
		if (d[i] == '.' && ++dots_seen == (labels >= 3 ? labels - 2 : labels - 1)) {
			keep_from = i;
			break;
		}
	}
	if (labels < 2)
		return;
	for (size_t i = keep_from; i < dlen; i++)
		put(o, is_alpha(d[i]) || is_digit(d[i]) || d[i] == '.' || d[i] == '-' ? (char)d[i]
		                                                                      : '?');
}

/*
 * An initial is shown whole, as an ASCII one is ("Ł*****" for a Polish
 * name), when it is a letter of an alphabet: a well-formed two-byte UTF-8
 * sequence (Latin, Greek, Cyrillic, Hebrew, Arabic). Three- and four-byte
 * ones show as '?': in Chinese, Japanese or Korean a name's first
 * character is its family name, not an initial, and an emoji says nothing.
 */
static void
put_initial(const uint8_t *v, size_t len, struct out *o)
{
	if (is_alpha(v[0])) {
		put(o, (char)v[0]);
	} else if (len >= 2 && v[0] >= 0xC2 && v[0] <= 0xDF && v[1] >= 0x80 && v[1] <= 0xBF &&
	           o->n + 2 < o->size) {
		put(o, (char)v[0]);
		put(o, (char)v[1]);
	} else {
		put(o, '?');
	}
}

static void
redact_name(const uint8_t *v, size_t len, struct out *o)
{
	bool word_start = true;

	for (size_t i = 0; i < len; i++) {
		/*
		 * A UTF-8 letter is one letter of the word, not a break in it (a
		 * break showed the letter after it: "Siobh??n"); its continuation
		 * bytes add nothing.
		 */
		if (v[i] >= 0x80 && v[i] < 0xC0 && i > 0 && v[i - 1] >= 0x80)
			continue;
		if (is_alpha(v[i]) || v[i] >= 0x80) {
			if (word_start)
				put_initial(v + i, len - i, o);
			else
				put(o, '*');
			word_start = false;
		} else {
			put(o, shape_of(v[i]));
			word_start = true;
		}
	}
}

void
match_redact(enum detector_redact style, const uint8_t *value, size_t len, char *out,
             size_t out_size)
{
	struct out o = { .buf = out, .size = out_size };

	if (out_size == 0)
		return;
	out[0] = '\0';
	switch (style) {
	case DETECTOR_REDACT_LAST4:
		redact_digits(value, len, 4, &o);
		break;
	case DETECTOR_REDACT_EMAIL:
		redact_email(value, len, &o);
		break;
	case DETECTOR_REDACT_NAME:
		redact_name(value, len, &o);
		break;
	case DETECTOR_REDACT_RECORD:
		snprintf(out, out_size, "[%.*s]", (int)MIN(len, out_size), (const char *)value);
		break;
	default:
		redact_digits(value, len, 0, &o);
		break;
	}
	/* A long value: show that it was cut. */
	if (len > 0 && o.n + 1 >= out_size && out_size > 4)
		memcpy(out + out_size - 4, "...", 4);
}
