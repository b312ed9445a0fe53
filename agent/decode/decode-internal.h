/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DECODE_INTERNAL_H
#define PHIGUARD_DECODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct decode_view;

/* Decode the upper layer named by ret->ip_proto. */
int decode_l4(const uint8_t *data, size_t len, struct decode_view *ret);

#endif
