/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TCP reassembly against the evasions a sender can try: split data, out of
 * order, retransmissions, overlaps with different bytes (first copy wins),
 * holes, sequence wrap-around, and a window that stays bounded.
 */
#include <stdlib.h>

#include "flow/flow.h"
#include "tap.h"

struct sink {
	uint8_t data[65536];
	size_t len;
	unsigned calls;
};

static void
collect(const uint8_t *data, size_t len, void *ctx)
{
	struct sink *s = ctx;

	if (s->len + len <= sizeof(s->data))
		memcpy(s->data + s->len, data, len);
	s->len += len;
	s->calls++;
}

static bool
sink_is(const struct sink *s, const char *want)
{
	return s->len == strlen(want) && memcmp(s->data, want, s->len) == 0;
}

#define SEG(r, seq, str, c, s) \
	reasm_segment(r, seq, (const uint8_t *)(str), strlen(str), c, collect, s)

static void
test_in_order_and_split(void)
{
	struct reasm r;
	struct reasm_counters c = { 0 };
	struct sink s = { 0 };

	reasm_init(&r, 4096);
	reasm_syn(&r, 999);
	SEG(&r, 1000, "NHS 401 ", &c, &s);
	SEG(&r, 1008, "023 2137", &c, &s);
	tap_ok(sink_is(&s, "NHS 401 023 2137"), "split in order: joined");
	tap_ok(r.buf == NULL, "no window allocated for in-order data");
	reasm_clear(&r);
}

static void
test_out_of_order(void)
{
	struct reasm r;
	struct reasm_counters c = { 0 };
	struct sink s = { 0 };
	const char *msg = "Patient NHS no 401 023 2137, DOB 01/02/1960";

	reasm_init(&r, 4096);
	reasm_syn(&r, 0);
	/* three pieces, sent 3, 1, 2 */
	reasm_segment(&r, 1 + 19, (const uint8_t *)msg + 19, strlen(msg) - 19, &c, collect, &s);
	tap_eq_int(s.len, 0, "third piece held");
	reasm_segment(&r, 1, (const uint8_t *)msg, 15, &c, collect, &s);
	tap_eq_int(s.len, 15, "first piece delivered, third still held");
	reasm_segment(&r, 1 + 15, (const uint8_t *)msg + 15, 4, &c, collect, &s);
	tap_ok(sink_is(&s, msg), "out of order: stream is the message");
	tap_eq_int(c.out_of_order, 1, "one segment held out of order");
	tap_eq_int(r.queued, 0, "nothing left held");
	reasm_clear(&r);
}

static void
test_retransmission_and_overlap(void)
{
	struct reasm r;
	struct reasm_counters c = { 0 };
	struct sink s = { 0 };

	reasm_init(&r, 4096);
	reasm_syn(&r, 99);
	SEG(&r, 100, "401 023 2137", &c, &s);
	SEG(&r, 100, "401 023 2137", &c, &s);
	tap_eq_int(c.retransmissions, 1, "exact retransmission counted");
	/* Same sequence, different bytes, after delivery: the first copy was scanned and stays. */
	SEG(&r, 100, "XXX XXX XXXX", &c, &s);
	tap_ok(sink_is(&s, "401 023 2137"), "first-wins over delivered bytes");
	/* Partly old, partly new: only the new part is delivered. */
	SEG(&r, 108, "ZZZZ, DOB", &c, &s);
	tap_ok(sink_is(&s, "401 023 2137, DOB"), "overlap: new tail only");
	tap_eq_int(c.overlaps, 1, "partial overlap counted");
	reasm_clear(&r);
}

static void
test_overlap_held(void)
{
	struct reasm r;
	struct reasm_counters c = { 0 };
	struct sink s = { 0 };

	reasm_init(&r, 4096);
	reasm_syn(&r, 0);
	SEG(&r, 5, "023 2137", &c, &s); /* held: first copy */
	SEG(&r, 5, "XXXXXXXX", &c, &s); /* conflicting second copy */
	SEG(&r, 9, "YYYYYYYY", &c, &s); /* overlaps the tail and extends it */
	SEG(&r, 1, "401 ", &c, &s);     /* fills the hole */
	tap_ok(sink_is(&s, "401 023 2137YYYY"), "first-wins over held bytes, new tail kept");
	tap_ok((r.flags & REASM_F_OVERLAP_DIFF) != 0, "conflicting overlap flagged on the flow");
	tap_eq_int(c.overlap_diffs, 2, "two conflicting copies counted");
	reasm_clear(&r);
}

static void
test_bounds(void)
{
	struct reasm r;
	struct reasm_counters c = { 0 };
	struct sink s = { 0 };

	reasm_init(&r, 64);
	reasm_syn(&r, 0);
	SEG(&r, 11, "held", &c, &s);
	tap_eq_int(r.queued, 4, "held inside the window");
	/* Far ahead of the hole: the hole is given up, held and new bytes go on. */
	SEG(&r, 1000, "later", &c, &s);
	tap_ok(sink_is(&s, "heldlater"), "beyond the window: gap skipped, data delivered");
	tap_ok((r.flags & REASM_F_GAP) != 0, "gap flagged");
	tap_eq_int(c.gaps, 2, "two holes given up");
	tap_ok(r.queued <= r.window, "window bounded");
	reasm_clear(&r);

	/* An in-order segment larger than the window, over held data. */
	memset(&s, 0, sizeof(s));
	reasm_init(&r, 16);
	reasm_syn(&r, 0);
	SEG(&r, 5, "EFG", &c, &s);
	SEG(&r, 1, "abcdefghijklmnopqrstuvwxyz0123456789", &c, &s);
	tap_ok(sink_is(&s, "abcdEFGhijklmnopqrstuvwxyz0123456789"),
	       "large in-order segment over held bytes: held bytes win, rest delivered");
	reasm_clear(&r);
}

static void
test_wrap_and_midstream(void)
{
	struct reasm r;
	struct reasm_counters c = { 0 };
	struct sink s = { 0 };

	reasm_init(&r, 4096);
	reasm_syn(&r, 0xfffffff0U);
	SEG(&r, 0xfffffff1U + 8, "23 2137", &c, &s);
	SEG(&r, 0xfffffff1U, "401 023 ", &c, &s);
	tap_ok(sink_is(&s, "401 023 23 2137"), "sequence wrap-around");
	reasm_clear(&r);

	memset(&s, 0, sizeof(s));
	reasm_init(&r, 4096);
	SEG(&r, 5000, "mid", &c, &s);
	SEG(&r, 5003, "stream", &c, &s);
	tap_ok(sink_is(&s, "midstream"), "no SYN: stream starts at the first data");
	tap_ok((r.flags & REASM_F_MIDSTREAM) != 0, "midstream flagged");
	reasm_clear(&r);
}

static void
test_flush(void)
{
	struct reasm r;
	struct reasm_counters c = { 0 };
	struct sink s = { 0 };

	reasm_init(&r, 4096);
	reasm_syn(&r, 0);
	SEG(&r, 1, "a", &c, &s);
	SEG(&r, 3, "c", &c, &s);
	SEG(&r, 6, "f", &c, &s);
	reasm_flush(&r, &c, collect, &s);
	tap_ok(sink_is(&s, "acf"), "flush delivers held bytes after holes");
	tap_eq_int(r.queued, 0, "nothing held after flush");
	reasm_clear(&r);
}

/* Random cuts, duplicates and order (same bytes): the stream must come out whole. */
static void
test_shuffled(void)
{
	static uint8_t msg[8192];
	struct {
		uint32_t off, len;
	} seg[512];
	struct reasm r;
	struct reasm_counters c = { 0 };
	static struct sink s;
	uint32_t state = 12345, n = 0, off = 0;
	bool all_ok = true;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)('a' + i % 26);
	for (int round = 0; round < 50; round++) {
		n = 0;
		off = 0;
		while (off < sizeof(msg) && n < 500) {
			state = state * 1103515245 + 12345;
			uint32_t len = 1 + (state >> 16) % 700;
			if (off + len > sizeof(msg))
				len = (uint32_t)sizeof(msg) - off;
			seg[n].off = off;
			seg[n].len = len;
			n++;
			/* overlap the next piece with this one now and then */
			off += len > 8 && (state & 1) ? len - 8 : len;
		}
		for (uint32_t i = n; i-- > 1;) {
			state = state * 1103515245 + 12345;
			uint32_t j = (state >> 16) % (i + 1);
			__typeof__(seg[0]) t = seg[i];
			seg[i] = seg[j];
			seg[j] = t;
		}
		memset(&s, 0, sizeof(s));
		reasm_init(&r, 16384);
		reasm_syn(&r, state);
		for (uint32_t i = 0; i < n; i++)
			reasm_segment(&r, state + 1 + seg[i].off, msg + seg[i].off, seg[i].len, &c,
			              collect, &s);
		if (s.len != sizeof(msg) || memcmp(s.data, msg, sizeof(msg)) != 0)
			all_ok = false;
		reasm_clear(&r);
	}
	tap_ok(all_ok, "50 shuffled, overlapping deliveries reassemble exactly");
}

int
main(void)
{
	test_in_order_and_split();
	test_out_of_order();
	test_retransmission_and_overlap();
	test_overlap_held();
	test_bounds();
	test_wrap_and_midstream();
	test_flush();
	test_shuffled();
	return tap_done();
}
