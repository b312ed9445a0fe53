/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Set once at startup, read-only afterwards: not hot-path state. */
static enum log_target log_target = LOG_TARGET_STDERR;
static int log_verbosity;
static const char *log_procname = "phiguard";

void
log_init(enum log_target target, int verbosity)
{
	log_target = target;
	log_verbosity = verbosity;
	if (target == LOG_TARGET_SYSLOG)
		openlog("phiguard", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setproc(const char *name)
{
	log_procname = name;
}

__attribute__((format(printf, 2, 0))) static void
log_vemit(int priority, const char *fmt, va_list ap, int errnum)
{
	char msg[1024];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && errnum != 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));

	switch (log_target) {
	case LOG_TARGET_SYSLOG:
		syslog(priority, "%s", msg);
		break;
	case LOG_TARGET_JOURNAL:
		fprintf(stderr, "<%d>%s\n", priority, msg);
		break;
	case LOG_TARGET_STDERR:
		fprintf(stderr, "%s: %s\n", log_procname, msg);
		break;
	}
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(2);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(2);
}
