/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_TESTS_TAP_H
#define PHIGUARD_TESTS_TAP_H

/*
 * A tiny TAP producer (meson's protocol: 'tap' counts the subtests).
 * Header-only: each test is one executable.
 *
 *	tap_ok(r == 0, "parse %s", name);
 *	tap_eq_int(got, want, "count");
 *	tap_eq_str(got, want, "sample");
 *	return tap_done();
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_count_;
static unsigned tap_failed_;

__attribute__((format(printf, 2, 3), unused)) static bool
tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	tap_count_++;
	if (!pass)
		tap_failed_++;
	printf("%s %u - ", pass ? "ok" : "not ok", tap_count_);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return pass;
}

__attribute__((format(printf, 1, 2), unused)) static void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define tap_eq_int(got, want, ...)                                               \
	do {                                                                     \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
		if (!tap_ok(tap_g_ == tap_w_, __VA_ARGS__))                      \
			tap_diag("got %lld, want %lld", tap_g_, tap_w_);         \
	} while (0)

#define tap_eq_str(got, want, ...)                                                  \
	do {                                                                        \
		const char *tap_g_ = (got), *tap_w_ = (want);                       \
		bool tap_p_ = tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0;      \
		if (!tap_ok(tap_p_, __VA_ARGS__))                                   \
			tap_diag("got '%s', want '%s'", tap_g_ ? tap_g_ : "(null)", \
			         tap_w_ ? tap_w_ : "(null)");                       \
	} while (0)

__attribute__((unused)) static int
tap_done(void)
{
	printf("1..%u\n", tap_count_);
	return tap_failed_ ? 1 : 0;
}

#endif
