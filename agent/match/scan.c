/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The block and stream APIs: thin drivers of the shared engine (engine.c). */
#include "match/matcher.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Hyperscan takes unsigned int lengths: feed larger buffers in pieces. */
#define SCAN_PIECE_MAX (1U << 30)

int
phiguard_scratch_new(const struct phiguard_matcher *m, struct phiguard_scratch **ret)
{
	struct phiguard_scratch *s = xcalloc(1, sizeof(*s));
	int r = -ENOMEM;

	if (m->block_db != NULL && hs_alloc_scratch(m->block_db, &s->hs) != HS_SUCCESS)
		goto fail;
	if (m->stream_db != NULL && hs_alloc_scratch(m->stream_db, &s->hs) != HS_SUCCESS)
		goto fail;
	/* One context scratch for both context databases: they are never scanned at once. */
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++)
		if (match_ctx_db(m, k) != NULL &&
		    hs_alloc_scratch(match_ctx_db(m, k), &s->ctx_hs) != HS_SUCCESS)
			goto fail;
	s->ctx_buf = xmalloc(2 * MATCH_WINDOW_MAX + MATCH_CAND_MAX + 4);
	if (m->token_key != NULL) {
		s->mac = match_token_ctx_new();
		if (s->mac == NULL) {
			r = -EIO;
			goto fail;
		}
	}
	s->block = xmalloc(match_state_size(m));
	s->block_size = match_state_size(m);
	*ret = s;
	return 0;
fail:
	phiguard_scratch_free(s);
	return r;
}

int
phiguard_scratch_clone(const struct phiguard_scratch *proto, struct phiguard_scratch **ret)
{
	struct phiguard_scratch *s = xcalloc(1, sizeof(*s));
	int r = -ENOMEM;

	if (proto->hs != NULL && hs_clone_scratch(proto->hs, &s->hs) != HS_SUCCESS)
		goto fail;
	if (proto->ctx_hs != NULL && hs_clone_scratch(proto->ctx_hs, &s->ctx_hs) != HS_SUCCESS)
		goto fail;
	s->ctx_buf = xmalloc(2 * MATCH_WINDOW_MAX + MATCH_CAND_MAX + 4);
	if (proto->mac != NULL) {
		s->mac = match_token_ctx_new();
		if (s->mac == NULL) {
			r = -EIO;
			goto fail;
		}
	}
	s->block = xmalloc(proto->block_size);
	s->block_size = proto->block_size;
	*ret = s;
	return 0;
fail:
	phiguard_scratch_free(s);
	return r;
}

void
phiguard_scratch_free(struct phiguard_scratch *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->hs);
	hs_free_scratch(s->ctx_hs);
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++)
		if (s->block_ctx[k] != NULL)
			(void)hs_close_stream(s->block_ctx[k], NULL, NULL, NULL);
	free(s->ctx_buf);
	EVP_MAC_CTX_free(s->mac);
	free(s->block);
	free(s);
}

static void
state_bind(struct match_state *st, struct phiguard_scratch *scratch, phiguard_finding_fn *cb,
           void *ctx)
{
	st->scratch = scratch;
	st->cb = cb;
	st->ctx = ctx;
}

static bool
scratch_fits(const struct phiguard_matcher *m, const struct phiguard_scratch *s)
{
	return s->block_size >= match_state_size(m) &&
	       ((m->block_db == NULL && m->stream_db == NULL) || s->hs != NULL) &&
	       ((m->ctx_db == NULL && m->digit_db == NULL) || s->ctx_hs != NULL) &&
	       (m->token_key == NULL || s->mac != NULL);
}

int
phiguard_scan_block(const struct phiguard_matcher *m, struct phiguard_scratch *scratch,
                    const void *data, size_t len, phiguard_finding_fn *cb, void *ctx)
{
	struct match_state *st = scratch->block;
	hs_error_t e = HS_SUCCESS;

	if (!(m->modes & PHIGUARD_MATCHER_BLOCK))
		return -EOPNOTSUPP;
	if (!scratch_fits(m, scratch))
		return -EINVAL;
	if (len > UINT_MAX)
		return -EFBIG;
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++) {
		const hs_database_t *db = match_ctx_db(m, k);

		if (db == NULL || scratch->block_ctx_db[k] == db)
			continue;
		/* Opened once per scratch and matcher, then reset for each block. */
		if (scratch->block_ctx[k] != NULL)
			(void)hs_close_stream(scratch->block_ctx[k], NULL, NULL, NULL);
		scratch->block_ctx[k] = NULL;
		scratch->block_ctx_db[k] = NULL;
		if (hs_open_stream(db, 0, &scratch->block_ctx[k]) != HS_SUCCESS)
			return -ENOMEM;
		scratch->block_ctx_db[k] = db;
	}
	match_state_init(st, m);
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++)
		st->context[k].stream = match_ctx_db(m, k) != NULL ? scratch->block_ctx[k] : NULL;
	state_bind(st, scratch, cb, ctx);
	st->at_end = true;
	match_chunk_begin(st, data, len);
	if (m->block_db != NULL)
		e = hs_scan(m->block_db, data, (unsigned)len, 0, scratch->hs, match_on_event, st);
	if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
		return -EIO;
	match_finish(st);
	return 0;
}

/* Close the Hyperscan streams of @s (no matches reported) and free it. */
static void
stream_free(struct phiguard_stream *s)
{
	if (s->hs != NULL)
		(void)hs_close_stream(s->hs, NULL, NULL, NULL);
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++)
		if (s->st.context[k].stream != NULL)
			(void)hs_close_stream(s->st.context[k].stream, NULL, NULL, NULL);
	free(s);
}

int
phiguard_stream_open(const struct phiguard_matcher *m, struct phiguard_stream **ret)
{
	struct phiguard_stream *s;
	bool ok;

	if (!(m->modes & PHIGUARD_MATCHER_STREAM))
		return -EOPNOTSUPP;
	s = xmalloc(sizeof(*s) + match_state_size(m) - sizeof(struct match_state));
	match_state_init(&s->st, m);
	s->hs = NULL;
	ok = m->stream_db == NULL || hs_open_stream(m->stream_db, 0, &s->hs) == HS_SUCCESS;
	for (unsigned k = 0; k < MATCH_CTX_STREAMS; k++)
		if (ok && match_ctx_db(m, k) != NULL)
			ok = hs_open_stream(match_ctx_db(m, k), 0, &s->st.context[k].stream) ==
			     HS_SUCCESS;
	if (!ok) {
		stream_free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

int
phiguard_stream_feed(struct phiguard_stream *s, struct phiguard_scratch *scratch, const void *data,
                     size_t len, phiguard_finding_fn *cb, void *ctx)
{
	const uint8_t *p = data;
	int r = 0;

	if (!scratch_fits(s->st.m, scratch))
		return -EINVAL;
	state_bind(&s->st, scratch, cb, ctx);
	while (len > 0 && !s->st.stopped) {
		unsigned n = len > SCAN_PIECE_MAX ? SCAN_PIECE_MAX : (unsigned)len;
		hs_error_t e = HS_SUCCESS;

		match_chunk_begin(&s->st, p, n);
		if (s->hs != NULL)
			e = hs_scan_stream(s->hs, (const char *)p, n, 0, scratch->hs,
			                   match_on_event, &s->st);
		match_chunk_end(&s->st);
		if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED) {
			r = -EIO;
			break;
		}
		p += n;
		len -= n;
	}
	return r;
}

int
phiguard_stream_close(struct phiguard_stream *s, struct phiguard_scratch *scratch,
                      phiguard_finding_fn *cb, void *ctx)
{
	hs_error_t e = HS_SUCCESS;
	int r = 0;

	if (s == NULL)
		return 0;
	if (!scratch_fits(s->st.m, scratch)) {
		/* Still free the stream: the caller gives up its ownership here. */
		stream_free(s);
		return -EINVAL;
	}
	state_bind(&s->st, scratch, cb, ctx);
	s->st.at_end = true;
	match_chunk_begin(&s->st, NULL, 0);
	if (s->hs != NULL)
		e = hs_close_stream(s->hs, scratch->hs, s->st.stopped ? NULL : match_on_event,
		                    &s->st);
	s->hs = NULL; /* closed */
	if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
		r = -EIO;
	match_finish(&s->st);
	stream_free(s);
	return r;
}
