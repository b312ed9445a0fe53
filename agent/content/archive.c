/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Zip entries and gzip members found in a byte stream and inflated: see archive.h. */
#include "content/archive.h"

#include <string.h>

#include "base/macro.h"

static const uint8_t zip_signature[4] = { 'P', 'K', 3, 4 };
/* ID1, ID2 and CM (8, deflate: the only method RFC 1952 defines). */
static const uint8_t gzip_signature[3] = { 0x1f, 0x8b, 8 };

/* APPNOTE 4.4.4: bit 0, the entry is encrypted (nothing to read). */
#define ZIP_FLAG_ENCRYPTED 0x0001
/* APPNOTE 4.4.5: method 8, deflated. */
#define ZIP_METHOD_DEFLATE 8
/* RFC 1952 2.3.1 FLG: the optional fields, in the order they come. */
#define GZIP_FHCRC    0x02
#define GZIP_FEXTRA   0x04
#define GZIP_FNAME    0x08
#define GZIP_FCOMMENT 0x10
#define GZIP_RESERVED 0xe0
/* A gzip name or comment longer than this is not a gzip header. */
#define GZIP_TEXT_MAX 1024

/* The fixed part after the signature: zip (APPNOTE 4.3.7), gzip (FLG, MTIME, XFL, OS). */
#define ZIP_HEADER_REST  26
#define GZIP_HEADER_REST 7

static unsigned
le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* The last three bytes searched, with those before them when @len is short. */
static void
keep_tail(struct archive_state *as, const uint8_t *data, size_t len)
{
	uint8_t joined[6];
	size_t n = as->tail_len, m = MIN(len, (size_t)3), all;

	memcpy(joined, as->tail, n);
	memcpy(joined + n, data + len - m, m);
	all = n + m;
	as->tail_len = (uint8_t)MIN(all, (size_t)3);
	memcpy(as->tail, joined + all - as->tail_len, as->tail_len);
}

/* Which signature starts at @p (with @n bytes there): its phase, or ARCHIVE_SEARCH. */
static enum archive_phase
signature_at(const uint8_t *p, size_t n, size_t *ret_len)
{
	if (n >= sizeof(zip_signature) && memcmp(p, zip_signature, sizeof(zip_signature)) == 0) {
		*ret_len = sizeof(zip_signature);
		return ARCHIVE_ZIP_HEADER;
	}
	if (n >= sizeof(gzip_signature) && memcmp(p, gzip_signature, sizeof(gzip_signature)) == 0) {
		*ret_len = sizeof(gzip_signature);
		return ARCHIVE_GZIP_HEADER;
	}
	return ARCHIVE_SEARCH;
}

/* The first of 'P' and 0x1f at or after @p, or NULL. */
static const uint8_t *
next_candidate(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *zip = memchr(p, 'P', (size_t)(end - p));
	const uint8_t *gz = memchr(p, gzip_signature[0], (size_t)(zip ? zip - p : end - p));

	return gz != NULL ? gz : zip;
}

/*
 * The index in @data just past the first signature (one may start in the
 * tail), its phase in *@ret_phase; SIZE_MAX when none.
 */
static size_t
find_signature(struct archive_state *as, const uint8_t *data, size_t len,
               enum archive_phase *ret_phase)
{
	const uint8_t *p = data, *end = data + len;
	size_t sig = 0;

	if (as->tail_len > 0) {
		uint8_t joined[6];
		size_t n = as->tail_len, m = MIN(len, (size_t)3);

		memcpy(joined, as->tail, n);
		memcpy(joined + n, data, m);
		for (size_t i = 0; i < n; i++) {
			*ret_phase = signature_at(joined + i, n + m - i, &sig);
			if (*ret_phase != ARCHIVE_SEARCH && i + sig > n)
				return i + sig - n;
		}
	}
	while ((p = next_candidate(p, end)) != NULL) {
		*ret_phase = signature_at(p, (size_t)(end - p), &sig);
		if (*ret_phase != ARCHIVE_SEARCH)
			return (size_t)(p - data) + sig;
		p++;
	}
	keep_tail(as, data, len);
	return SIZE_MAX;
}

static void
open_entry(struct archive_state *as, const struct archive_sink *sink, enum archive_kind kind)
{
	uint64_t *count = kind == ARCHIVE_KIND_GZIP ? sink->gzip_files : sink->zip_entries;

	as->phase = ARCHIVE_SEARCH;
	if (*sink->live >= sink->live_max)
		return;
	as->entry = inflater_new(INFLATE_RAW, sink->live);
	if (as->entry == NULL)
		return;
	if (sink->max != 0)
		inflater_set_max(as->entry, sink->max);
	as->phase = ARCHIVE_ENTRY;
	as->kind = (uint8_t)kind;
	if (count != NULL)
		(*count)++;
	if (sink->begin != NULL) {
		as->name[as->name_len] = '\0';
		sink->begin(as->name, kind, sink->ctx);
	}
}

/* The fixed part of a zip local file header is in: an entry worth inflating? */
static void
zip_header_done(struct archive_state *as, const struct archive_sink *sink)
{
	const uint8_t *h = as->header;

	/* Stored entries are plain in the stream already; encrypted ones say nothing. */
	if (le16(h + 4) != ZIP_METHOD_DEFLATE || (le16(h + 2) & ZIP_FLAG_ENCRYPTED) != 0) {
		as->phase = ARCHIVE_SEARCH;
		return;
	}
	as->name_left = le16(h + 22);
	as->skip = as->name_left + le16(h + 24);
	as->phase = ARCHIVE_ZIP_NAME;
	if (as->skip == 0)
		open_entry(as, sink, ARCHIVE_KIND_ZIP);
}

/* A gzip member's next optional field, or its data when none is left. */
static void
gzip_next_field(struct archive_state *as, const struct archive_sink *sink)
{
	as->header_len = 0;
	as->skip = 0;
	if (as->gzip_flags == 0)
		open_entry(as, sink, ARCHIVE_KIND_GZIP);
	else
		as->phase = ARCHIVE_GZIP_FIELDS;
}

/* A gzip member's fixed header is in: flags RFC 1952 defines, or it is no gzip header. */
static void
gzip_header_done(struct archive_state *as, const struct archive_sink *sink)
{
	uint8_t flags = as->header[0];

	if ((flags & GZIP_RESERVED) != 0) {
		as->phase = ARCHIVE_SEARCH;
		return;
	}
	as->gzip_flags = flags & (GZIP_FEXTRA | GZIP_FNAME | GZIP_FCOMMENT | GZIP_FHCRC);
	gzip_next_field(as, sink);
}

/*
 * Bytes of the gzip optional fields, in their order: FEXTRA (a length and
 * that many bytes), FNAME and FCOMMENT (up to a NUL), FHCRC (two bytes).
 * How many of @len it took.
 */
static size_t
gzip_fields(struct archive_state *as, const struct archive_sink *sink, const uint8_t *data,
            size_t len)
{
	size_t k = 0;

	if (as->gzip_flags & GZIP_FEXTRA) {
		if (as->header_len < 2) {
			as->header[as->header_len++] = data[0];
			if (as->header_len == 2)
				as->skip = le16(as->header);
			k = 1;
		} else {
			k = MIN(len, (size_t)as->skip);
			as->skip -= (uint32_t)k;
		}
		if (as->header_len == 2 && as->skip == 0) {
			as->gzip_flags &= (uint8_t)~GZIP_FEXTRA;
			gzip_next_field(as, sink);
		}
		return k;
	}
	if (as->gzip_flags & (GZIP_FNAME | GZIP_FCOMMENT)) {
		bool name = (as->gzip_flags & GZIP_FNAME) != 0;

		while (k < len && data[k] != 0) {
			if (name && as->name_len < ARCHIVE_NAME_MAX - 1)
				as->name[as->name_len++] = (char)data[k];
			k++;
		}
		as->skip += (uint32_t)k;
		if (as->skip > GZIP_TEXT_MAX) {
			as->phase = ARCHIVE_SEARCH;
			return k;
		}
		if (k < len) {
			as->gzip_flags &= (uint8_t) ~(name ? GZIP_FNAME : GZIP_FCOMMENT);
			gzip_next_field(as, sink);
			k++; /* the NUL */
		}
		return k;
	}
	/* FHCRC: two bytes, not checked */
	if (++as->header_len == 2) {
		as->gzip_flags = 0;
		gzip_next_field(as, sink);
	}
	return 1;
}

/* A fixed header's bytes after the signature; how many of @len it took. */
static size_t
header_bytes(struct archive_state *as, const struct archive_sink *sink, const uint8_t *data,
             size_t len, size_t need)
{
	size_t k = MIN(len, need - as->header_len);

	memcpy(as->header + as->header_len, data, k);
	as->header_len = (uint8_t)(as->header_len + k);
	if (as->header_len < need)
		return k;
	if (as->phase == ARCHIVE_ZIP_HEADER)
		zip_header_done(as, sink);
	else
		gzip_header_done(as, sink);
	return k;
}

/* An entry's deflated bytes; how many of @len were its, SIZE_MAX when the sink said stop. */
static size_t
entry_bytes(struct archive_state *as, const struct archive_sink *sink, const uint8_t *data,
            size_t len)
{
	size_t used = len;
	enum inflate_status st = inflater_feed(as->entry, data, len, sink->out, sink->ctx, &used);

	if (st == INFLATE_STOP)
		return SIZE_MAX;
	if (st == INFLATE_OK)
		return len;
	if (st != INFLATE_END && sink->cut != NULL)
		sink->cut(st, sink->ctx);
	/* Its end: what follows is searched; on an error, these bytes too. */
	archive_release(as, NULL);
	return st == INFLATE_END ? used : 0;
}

bool
archive_feed(struct archive_state *as, const uint8_t *data, size_t len,
             const struct archive_sink *sink)
{
	while (len > 0) {
		size_t k = len;
		enum archive_phase found;

		switch (as->phase) {
		case ARCHIVE_SEARCH:
			k = find_signature(as, data, len, &found);
			if (k == SIZE_MAX)
				return true;
			as->tail_len = 0;
			as->header_len = 0;
			as->name_len = 0;
			as->phase = (uint8_t)found;
			break;
		case ARCHIVE_ZIP_HEADER:
			k = header_bytes(as, sink, data, len, ZIP_HEADER_REST);
			break;
		case ARCHIVE_GZIP_HEADER:
			k = header_bytes(as, sink, data, len, GZIP_HEADER_REST);
			break;
		case ARCHIVE_GZIP_FIELDS:
			k = gzip_fields(as, sink, data, len);
			break;
		case ARCHIVE_ZIP_NAME:
			k = MIN(len, (size_t)as->skip);
			for (size_t i = 0; i < k && as->name_left > 0; i++, as->name_left--)
				if (as->name_len < ARCHIVE_NAME_MAX - 1)
					as->name[as->name_len++] = (char)data[i];
			as->skip -= (uint32_t)k;
			if (as->skip == 0)
				open_entry(as, sink, ARCHIVE_KIND_ZIP);
			break;
		default:
			k = entry_bytes(as, sink, data, len);
			if (k == SIZE_MAX)
				return false;
			break;
		}
		data += k;
		len -= k;
	}
	return true;
}

void
archive_release(struct archive_state *as, const struct archive_sink *sink)
{
	if (as->entry != NULL && sink != NULL && sink->cut != NULL && inflater_midway(as->entry))
		sink->cut(INFLATE_OK, sink->ctx);
	inflater_free(as->entry);
	memset(as, 0, sizeof(*as));
}
