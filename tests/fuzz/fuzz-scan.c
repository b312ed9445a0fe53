/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The matcher on arbitrary bytes: a block scan and a stream scan split at
 * points taken from the input must both survive and agree.
 *
 * Input: byte 0 = number of split points n (mod 16), then n 16-bit little
 * endian split offsets (mod the data length), then the data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <phiguard/match.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rec {
	unsigned idx;
	uint64_t start, end;
	int conf;
	char sample[PHIGUARD_SAMPLE_MAX];
	char token[PHIGUARD_TOKEN_MAX];
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

static int
collect(const struct phiguard_finding *f, void *arg)
{
	struct recs *r = arg;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		if (r->v == NULL)
			abort();
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	r->v[r->n].idx = f->detector_index;
	r->v[r->n].start = f->start;
	r->v[r->n].end = f->end;
	r->v[r->n].conf = f->confidence;
	memcpy(r->v[r->n].sample, f->sample, sizeof(f->sample));
	memcpy(r->v[r->n].token, f->token, sizeof(f->token));
	r->n++;
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rec));
}

static const struct phiguard_matcher *
matcher(struct phiguard_scratch **ret_scratch)
{
	static struct phiguard_matcher *m;
	static struct phiguard_scratch *s;

	if (m == NULL) {
		struct phiguard_detector_set *set = phiguard_detector_set_new();
		struct phiguard_matcher_options o = { .token_key = (const uint8_t *)"fuzz",
			                              .token_key_len = 4 };
		struct phiguard_error err;

		if (phiguard_detector_set_add_builtin(set, &err) < 0 ||
		    phiguard_matcher_compile(set, &o, &m, &err) < 0 ||
		    phiguard_scratch_new(m, &s) < 0)
			abort();
		phiguard_detector_set_free(set);
	}
	*ret_scratch = s;
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phiguard_scratch *s;
	const struct phiguard_matcher *m = matcher(&s);
	struct recs block = { 0 }, stream = { 0 };
	struct phiguard_stream *st = NULL;
	size_t cuts[16], n_cuts, at = 0;

	if (size < 1)
		return 0;
	n_cuts = data[0] % 16;
	if (size < 1 + 2 * n_cuts)
		return 0;
	for (size_t i = 0; i < n_cuts; i++)
		cuts[i] = (size_t)data[1 + 2 * i] | (size_t)data[2 + 2 * i] << 8;
	data += 1 + 2 * n_cuts;
	size -= 1 + 2 * n_cuts;
	for (size_t i = 0; i < n_cuts; i++)
		cuts[i] = size ? cuts[i] % size : 0;
	for (size_t i = 1; i < n_cuts; i++)
		for (size_t k = i; k > 0 && cuts[k - 1] > cuts[k]; k--) {
			size_t t = cuts[k];

			cuts[k] = cuts[k - 1];
			cuts[k - 1] = t;
		}

	if (phiguard_scan_block(m, s, data, size, collect, &block) < 0)
		abort();
	if (phiguard_stream_open(m, &st) < 0)
		abort();
	for (size_t i = 0; i <= n_cuts; i++) {
		size_t end = i < n_cuts ? cuts[i] : size;

		if (phiguard_stream_feed(st, s, data + at, end - at, collect, &stream) < 0)
			abort();
		at = end;
	}
	if (phiguard_stream_close(st, s, collect, &stream) < 0)
		abort();

	if (block.n > 0)
		qsort(block.v, block.n, sizeof(block.v[0]), cmp);
	if (stream.n > 0)
		qsort(stream.v, stream.n, sizeof(stream.v[0]), cmp);
	if (block.n != stream.n ||
	    (block.n && memcmp(block.v, stream.v, block.n * sizeof(block.v[0]))))
		abort(); /* block and stream must agree */
	free(block.v);
	free(stream.v);
	return 0;
}
