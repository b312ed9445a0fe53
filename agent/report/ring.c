/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/ring.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ring_slot {
	_Atomic size_t seq;
	struct phiguard_event event;
};

struct ring {
	size_t mask;
	/* producers and the consumer touch different cache lines */
	_Alignas(64) _Atomic size_t head; /* next slot to claim (producers) */
	_Alignas(64) size_t tail;         /* next slot to read (consumer) */
	_Alignas(64) struct ring_slot *slots;
};

struct ring *
ring_new(size_t size)
{
	struct ring *ring;
	size_t n = 2;

	while (n < size && n < (SIZE_MAX >> 1))
		n <<= 1;
	ring = calloc(1, sizeof(*ring));
	if (ring == NULL)
		return NULL;
	ring->slots = calloc(n, sizeof(*ring->slots)); /* owned by the ring */
	if (ring->slots == NULL) {
		free(ring);
		return NULL;
	}
	ring->mask = n - 1;
	for (size_t i = 0; i < n; i++)
		atomic_init(&ring->slots[i].seq, i);
	atomic_init(&ring->head, 0);
	ring->tail = 0;
	return ring;
}

void
ring_free(struct ring *ring)
{
	if (ring == NULL)
		return;
	free(ring->slots);
	free(ring);
}

bool
ring_push(struct ring *ring, const struct phiguard_event *event)
{
	size_t pos = atomic_load_explicit(&ring->head, memory_order_relaxed);
	struct ring_slot *slot;

	for (;;) {
		size_t seq;
		intptr_t diff;

		slot = &ring->slots[pos & ring->mask];
		seq = atomic_load_explicit(&slot->seq, memory_order_acquire);
		diff = (intptr_t)seq - (intptr_t)pos;
		if (diff == 0) {
			if (atomic_compare_exchange_weak_explicit(&ring->head, &pos, pos + 1,
			                                          memory_order_relaxed,
			                                          memory_order_relaxed))
				break;
		} else if (diff < 0) {
			return false; /* full */
		} else {
			pos = atomic_load_explicit(&ring->head, memory_order_relaxed);
		}
	}
	memcpy(&slot->event, event, sizeof(*event));
	atomic_store_explicit(&slot->seq, pos + 1, memory_order_release);
	return true;
}

bool
ring_pop(struct ring *ring, struct phiguard_event *ret_event)
{
	struct ring_slot *slot = &ring->slots[ring->tail & ring->mask];
	size_t seq = atomic_load_explicit(&slot->seq, memory_order_acquire);

	if ((intptr_t)seq - (intptr_t)(ring->tail + 1) < 0)
		return false; /* empty, or a producer is still copying into this slot */
	memcpy(ret_event, &slot->event, sizeof(*ret_event));
	atomic_store_explicit(&slot->seq, ring->tail + ring->mask + 1, memory_order_release);
	ring->tail++;
	return true;
}
