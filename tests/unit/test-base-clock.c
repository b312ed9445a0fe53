/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock_usec: the units match clock_gettime, and the monotonic clock does not go back. */
#include <time.h>

#include "base/clock.h"
#include "tap.h"

static uint64_t
timespec_usec(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000u + (uint64_t)ts->tv_nsec / 1000u;
}

int
main(void)
{
	struct timespec before, after;
	uint64_t got, prev;
	volatile unsigned long spin = 0;

	clock_gettime(CLOCK_MONOTONIC, &before);
	got = clock_usec(CLOCK_MONOTONIC);
	clock_gettime(CLOCK_MONOTONIC, &after);
	tap_ok(got >= timespec_usec(&before) && got <= timespec_usec(&after),
	       "monotonic microseconds lie between two clock_gettime readings");

	clock_gettime(CLOCK_REALTIME, &before);
	got = clock_usec(CLOCK_REALTIME);
	clock_gettime(CLOCK_REALTIME, &after);
	tap_ok(got >= timespec_usec(&before) && got <= timespec_usec(&after),
	       "any clock id is read, not only the monotonic one");

	prev = clock_usec(CLOCK_MONOTONIC);
	for (int i = 0; i < 1000; i++) {
		uint64_t now = clock_usec(CLOCK_MONOTONIC);

		if (now < prev)
			break;
		prev = now;
	}
	tap_ok(clock_usec(CLOCK_MONOTONIC) >= prev, "the monotonic clock never goes back");

	prev = clock_usec(CLOCK_PROCESS_CPUTIME_ID);
	while (clock_usec(CLOCK_PROCESS_CPUTIME_ID) == prev && spin < 100000000ul)
		spin++;
	tap_ok(clock_usec(CLOCK_PROCESS_CPUTIME_ID) > prev, "process CPU time advances with work");
	return tap_done();
}
