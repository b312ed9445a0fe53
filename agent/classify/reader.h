/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CLASSIFY_READER_H
#define PHIGUARD_CLASSIFY_READER_H

/*
 * A bounded big-endian byte reader for the classify parsers. Every read
 * checks the remaining length; once a read fails the reader stays failed,
 * so a parser can read a whole structure and test `rd.bad` once.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

static inline struct reader
reader_init(const uint8_t *p, size_t len)
{
	struct reader rd = { .p = p, .len = len, .off = 0, .bad = false };

	return rd;
}

static inline size_t
reader_left(const struct reader *rd)
{
	return rd->bad ? 0 : rd->len - rd->off;
}

static inline bool
reader_need(struct reader *rd, size_t n)
{
	if (rd->bad || rd->len - rd->off < n) {
		rd->bad = true;
		return false;
	}
	return true;
}

static inline uint8_t
reader_u8(struct reader *rd)
{
	if (!reader_need(rd, 1))
		return 0;
	return rd->p[rd->off++];
}

/* @n (at most 4) bytes, big-endian. */
static inline uint32_t
reader_be(struct reader *rd, size_t n)
{
	uint32_t v = 0;

	if (!reader_need(rd, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | rd->p[rd->off + i];
	rd->off += n;
	return v;
}

static inline uint16_t
reader_u16(struct reader *rd)
{
	return (uint16_t)reader_be(rd, 2);
}

static inline uint32_t
reader_u24(struct reader *rd)
{
	return reader_be(rd, 3);
}

static inline uint32_t
reader_u32(struct reader *rd)
{
	return reader_be(rd, 4);
}

/* QUIC variable-length integer (RFC 9000 §16). */
static inline uint64_t
reader_varint(struct reader *rd)
{
	uint64_t v;
	size_t n, i;

	if (!reader_need(rd, 1))
		return 0;
	n = (size_t)1 << (rd->p[rd->off] >> 6);
	if (!reader_need(rd, n))
		return 0;
	v = rd->p[rd->off] & 0x3f;
	for (i = 1; i < n; i++)
		v = v << 8 | rd->p[rd->off + i];
	rd->off += n;
	return v;
}

/* A borrowed pointer to the next @n bytes, or NULL (and the reader fails). */
static inline const uint8_t *
reader_bytes(struct reader *rd, size_t n)
{
	const uint8_t *p;

	if (!reader_need(rd, n))
		return NULL;
	p = rd->p + rd->off;
	rd->off += n;
	return p;
}

/* A sub-reader over the next @n bytes; the parent skips them. */
static inline struct reader
reader_sub(struct reader *rd, size_t n)
{
	const uint8_t *p = reader_bytes(rd, n);
	struct reader sub = reader_init(p, p ? n : 0);

	sub.bad = p == NULL;
	return sub;
}

#endif
