/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_XALLOC_H
#define PHIGUARD_BASE_XALLOC_H

#include <stddef.h>

/*
 * Control-plane allocations only (policy, configuration, reporting setup):
 * they are small and rare, so running out of memory aborts. The packet path
 * never allocates through these.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
