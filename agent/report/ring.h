/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_RING_H
#define PHIGUARD_REPORT_RING_H

/*
 * Bounded multi-producer single-consumer ring of events (Vyukov's bounded
 * queue: one sequence number per slot, producers claim a slot with one CAS).
 * ring_push never blocks and never allocates: when the ring is full it
 * returns false and the caller counts a drop.
 */

#include <stdbool.h>
#include <stddef.h>

#include <phiguard/event.h>

struct ring;

/* @size is rounded up to a power of two (at least 2). NULL on allocation failure. */
struct ring *ring_new(size_t size);
void ring_free(struct ring *ring);
bool ring_push(struct ring *ring, const struct phiguard_event *event);
/* Consumer side only. */
bool ring_pop(struct ring *ring, struct phiguard_event *ret_event);

#endif
