/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_LOG_H
#define PHIGUARD_BASE_LOG_H

#include <stdbool.h>

/*
 * OpenBSD-shaped logging. Stage libraries never log above debug: they return
 * an error and the driver logs it once. Never log matched content.
 */
enum log_target {
	LOG_TARGET_STDERR,  /* plain, for CLI subcommands */
	LOG_TARGET_JOURNAL, /* stderr with <N> priority prefix: journald files it */
	LOG_TARGET_SYSLOG,
};

void log_init(enum log_target target, int verbosity);
void log_setproc(const char *name);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
