/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_MACRO_H
#define PHIGUARD_BASE_MACRO_H

#include <stddef.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FALLTHROUGH   __attribute__((__fallthrough__))
#define _cleanup_(f)  __attribute__((cleanup(f)))
#define _unused_      __attribute__((unused))
#define MIN(a, b)     ((a) < (b) ? (a) : (b))
#define MAX(a, b)     ((a) > (b) ? (a) : (b))

/* Hand ownership out of a _cleanup_ variable: the variable becomes NULL. */
#define TAKE_PTR(p)                        \
	({                                 \
		__typeof__(p) _took = (p); \
		(p) = NULL;                \
		_took;                     \
	})

static inline void
freep(void *p)
{
	free(*(void **)p);
}

#endif
