/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiling detectors: databases, names, disabled detectors, errors mapped back. */
#include <errno.h>
#include <string.h>

#include "test-match-util.h"

static void
test_builtin(void)
{
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_matcher *m = NULL;
	struct phiguard_error err = { 0 };
	int r;

	phiguard_detector_set_add_builtin(set, &err);
	phiguard_detector_set_enable(set, "us_npi", false);
	r = phiguard_matcher_compile(set, NULL, &m, &err);
	tap_eq_int(r, 0, "built-in detectors compile (%s)", err.msg);
	phiguard_detector_set_free(set); /* the matcher keeps its own copy */
	if (m == NULL)
		return;
	tap_eq_int(phiguard_matcher_detector_index(m, "us_npi"), -ENOENT,
	           "a disabled detector is not compiled");
	tap_ok(phiguard_matcher_detector_index(m, "nhs_number") >= 0, "nhs_number compiled");
	tap_eq_str(phiguard_matcher_detector_name(
	                   m, (size_t)phiguard_matcher_detector_index(m, "chi_number")),
	           "chi_number", "index and name agree");
	tap_ok(phiguard_matcher_database_size(m) > 10000, "databases: %zu bytes",
	       phiguard_matcher_database_size(m));
	tap_ok(phiguard_stream_size(m) < 32 * 1024, "stream state: %zu bytes",
	       phiguard_stream_size(m));
	{
		struct phiguard_scratch *proto = NULL, *clone = NULL;
		struct found_list a = { 0 }, b = { 0 };
		static const char text[] = "NHS no 401 023 2137 and jane.doe@nhs.net";

		tap_ok(phiguard_scratch_new(m, &proto) == 0 &&
		               phiguard_scratch_clone(proto, &clone) == 0,
		       "a scratch clones (one per worker thread)");
		if (clone != NULL) {
			scan_block(m, proto, text, strlen(text), &a);
			scan_block(m, clone, text, strlen(text), &b);
			tap_ok(a.n > 0 && a.n == b.n, "the clone scans like its prototype");
		}
		found_clear(&a);
		found_clear(&b);
		phiguard_scratch_free(clone);
		phiguard_scratch_free(proto);
	}
	{
		/*
		 * A labelled NHS number is reported while the flow is still open
		 * (the live agent blocks it while the packet is queued), even
		 * though the detector has negative hotwords: its label outweighs them.
		 */
		struct phiguard_scratch *sc = NULL;
		struct phiguard_stream *st = NULL;
		struct found_list fl = { 0 };
		static const char text[] = "patient NHS no 401 023 2137 please";
		char tail[96];

		memset(tail, ' ', sizeof(tail));
		if (phiguard_scratch_new(m, &sc) == 0 && phiguard_stream_open(m, &st) == 0) {
			phiguard_stream_feed(st, sc, text, strlen(text), found_collect, &fl);
			phiguard_stream_feed(st, sc, tail, sizeof(tail), found_collect, &fl);
			tap_ok(fl.n >= 1 && strcmp(fl.items[0].detector, "nhs_number") == 0,
			       "a labelled NHS number is decided before its window ends (%zu found)",
			       fl.n);
			phiguard_stream_close(st, sc, found_collect, &fl);
		}
		found_clear(&fl);
		phiguard_scratch_free(sc);
	}
	phiguard_matcher_free(m);
}

static void
test_error_position(void)
{
	static const char pack[] = "detectors:\n"
	                           "  - name: good\n"
	                           "    patterns: ['abc']\n"
	                           "  - name: broken\n"
	                           "    patterns:\n"
	                           "      - 'fine'\n"
	                           "      - 'a(b'\n";
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_matcher *m = NULL;
	struct phiguard_error err = { 0 };
	int r;

	r = phiguard_detector_set_load_yaml(set, pack, strlen(pack), "custom.yaml", &err);
	tap_eq_int(r, 0, "pack with a bad expression loads (checked at compile)");
	r = phiguard_matcher_compile(set, NULL, &m, &err);
	tap_ok(r < 0 && m == NULL, "compile fails");
	tap_eq_str(err.file, "custom.yaml", "error names the file");
	tap_ok(err.line == 7 && err.column == 9, "error at the pattern, 7:9 (got %u:%u)", err.line,
	       err.column);
	tap_ok(strstr(err.msg, "broken") != NULL && strstr(err.msg, "a(b") != NULL,
	       "error names detector and expression: %s", err.msg);
	phiguard_detector_set_free(set);
}

static void
test_empty_and_mismatch(void)
{
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_matcher *m = NULL,
	                        *big = matcher_from(
	                                "detectors:\n  - name: big\n    patterns: ['abc', 'def']\n",
	                                false, NULL);
	struct phiguard_scratch *s = NULL;
	struct phiguard_error err = { 0 };
	struct found_list fl = { 0 };

	tap_eq_int(phiguard_matcher_compile(set, NULL, &m, &err), 0, "an empty set compiles");
	tap_eq_int(phiguard_scratch_new(m, &s), 0, "scratch for an empty matcher");
	tap_eq_int(scan_block(m, s, "4010232137", 10, &fl), 0, "scan with no detectors");
	tap_eq_int(fl.n, 0, "finds nothing");
	tap_eq_int(phiguard_scan_block(big, s, "x", 1, found_collect, &fl), -EINVAL,
	           "a scratch too small for the matcher is refused");
	found_clear(&fl);
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	phiguard_matcher_free(big);
	phiguard_detector_set_free(set);
}

static void
test_modes(void)
{
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_matcher_options o = { .modes = PHIGUARD_MATCHER_STREAM };
	struct phiguard_matcher *m = NULL;
	struct phiguard_scratch *s = NULL;
	struct phiguard_stream *st = NULL;
	struct phiguard_error err = { 0 };
	struct found_list fl = { 0 };
	static const char pack[] = "detectors:\n  - name: d\n    patterns: ['\\bAB[0-9]{4}\\b']\n";

	phiguard_detector_set_load_yaml(set, pack, strlen(pack), "t.yaml", &err);
	tap_eq_int(phiguard_matcher_compile(set, &o, &m, &err), 0, "a stream-only matcher");
	tap_eq_int(phiguard_scratch_new(m, &s), 0, "its scratch");
	tap_eq_int(phiguard_scan_block(m, s, "AB1234", 6, found_collect, &fl), -EOPNOTSUPP,
	           "block scans are refused");
	tap_eq_int(phiguard_stream_open(m, &st), 0, "streams work");
	phiguard_stream_feed(st, s, "x AB12", 6, found_collect, &fl);
	phiguard_stream_feed(st, s, "34 y", 4, found_collect, &fl);
	phiguard_stream_close(st, s, found_collect, &fl);
	tap_ok(fl.n == 1 && fl.items[0].start == 2 && fl.items[0].end == 8,
	       "and find a value split across feeds");
	found_clear(&fl);
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	phiguard_detector_set_free(set);
}

int
main(void)
{
	test_modes();
	test_builtin();
	test_error_position();
	test_empty_and_mismatch();
	return tap_done();
}
