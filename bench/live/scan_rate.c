/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The matcher's own single-core rate on a file, fed the way a queue worker
 * feeds it (stream mode, one write per segment): the baseline for the
 * agent's scanned-flow throughput in bench_live.py.
 *
 *	scan_rate FILE [write-bytes=65536] [passes=3]
 *
 * Prints one JSON line: bytes, best CPU seconds of the passes, MB/s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <phiguard/match.h>

#include "cpu-time.h"

static int
count_finding(const struct phiguard_finding *f, void *arg)
{
	(void)f;
	(*(uint64_t *)arg)++;
	return 0;
}

static char *
read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	data = malloc((size_t)n);
	if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	*ret_len = (size_t)n;
out:
	if (f != NULL)
		fclose(f);
	return data;
}

int
main(int argc, char **argv)
{
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_matcher *m = NULL;
	struct phiguard_scratch *s = NULL;
	struct phiguard_error err = { 0 };
	size_t len = 0, piece = argc > 2 ? strtoul(argv[2], NULL, 10) : 65536;
	int passes = argc > 3 ? atoi(argv[3]) : 3;
	uint64_t findings = 0;
	double best = 1e9;
	char *data;

	if (argc < 2 || piece == 0 || passes <= 0) {
		fprintf(stderr, "usage: scan_rate FILE [write-bytes] [passes]\n");
		return 2;
	}
	data = read_file(argv[1], &len);
	if (data == NULL) {
		perror(argv[1]);
		return 2;
	}
	if (phiguard_detector_set_add_builtin(set, &err) < 0 ||
	    phiguard_matcher_compile(set, NULL, &m, &err) < 0 || phiguard_scratch_new(m, &s) < 0) {
		fprintf(stderr, "scan_rate: %s\n", err.msg);
		return 1;
	}
	for (int pass = 0; pass < passes; pass++) {
		struct phiguard_stream *st = NULL;
		double t = bench_cpu_seconds();

		findings = 0;
		phiguard_stream_open(m, &st);
		for (size_t at = 0; at < len; at += piece)
			phiguard_stream_feed(st, s, data + at, len - at < piece ? len - at : piece,
			                     count_finding, &findings);
		phiguard_stream_close(st, s, count_finding, &findings);
		t = bench_cpu_seconds() - t;
		best = t < best ? t : best;
	}
	printf("{\"bytes\": %zu, \"write\": %zu, \"cpu_secs\": %.4f, \"mbps\": %.1f, \"findings\": %llu}\n",
	       len, piece, best, (double)len / 1e6 / best, (unsigned long long)findings);
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	phiguard_detector_set_free(set);
	free(data);
	return 0;
}
