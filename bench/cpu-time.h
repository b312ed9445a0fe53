/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BENCH_CPU_TIME_H
#define PHIGUARD_BENCH_CPU_TIME_H

#include <time.h>

/*
 * CPU time of this (single-threaded) process, in seconds: the benchmarks'
 * figures are per core and do not depend on what else the machine runs.
 */
static inline double
bench_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
