/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The MPSC ring: no loss, no duplication, per-producer order, full -> drop, never blocks. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "report/ring.h"
#include "tap.h"

#define PRODUCERS    4
#define PER_PRODUCER 20000

static struct ring *ring;
static atomic_ulong dropped;

static void *
producer(void *arg)
{
	struct phiguard_event e;
	unsigned id = (unsigned)(uintptr_t)arg;

	memset(&e, 0, sizeof(e));
	for (unsigned i = 0; i < PER_PRODUCER; i++) {
		e.source_port = (uint16_t)id;
		e.pid = i;
		if (!ring_push(ring, &e))
			atomic_fetch_add(&dropped, 1);
	}
	return NULL;
}

int
main(void)
{
	pthread_t t[PRODUCERS];
	struct phiguard_event e;
	int64_t last[PRODUCERS];
	unsigned long got = 0;
	bool order = true;
	int live = PRODUCERS;

	ring = ring_new(3); /* rounded up to 4 */
	memset(&e, 0, sizeof(e));
	tap_ok(ring_push(ring, &e) && ring_push(ring, &e) && ring_push(ring, &e) &&
	               ring_push(ring, &e),
	       "4 slots");
	tap_ok(!ring_push(ring, &e), "full: push fails at once");
	for (int i = 0; i < 4; i++)
		ring_pop(ring, &e);
	tap_ok(!ring_pop(ring, &e), "empty: pop fails");
	ring_free(ring);

	ring = ring_new(256);
	for (int i = 0; i < PRODUCERS; i++) {
		last[i] = -1;
		pthread_create(&t[i], NULL, producer, (void *)(uintptr_t)i);
	}
	for (;;) {
		if (ring_pop(ring, &e)) {
			if (e.pid <= last[e.source_port])
				order = false;
			last[e.source_port] = e.pid;
			got++;
			continue;
		}
		if (live == 0)
			break;
		if (got + atomic_load(&dropped) >= (unsigned long)PRODUCERS * PER_PRODUCER) {
			for (int i = 0; i < PRODUCERS; i++)
				pthread_join(t[i], NULL);
			live = 0;
		}
	}
	tap_eq_int(got + atomic_load(&dropped), PRODUCERS * PER_PRODUCER,
	           "every push either delivered or counted as dropped (%lu dropped)",
	           atomic_load(&dropped));
	tap_ok(order, "each producer's events arrive in order");
	ring_free(ring);
	return tap_done();
}
