/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_CLOCK_H
#define PHIGUARD_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* @clock (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...) in microseconds. */
uint64_t clock_usec(clockid_t clock);

#endif
