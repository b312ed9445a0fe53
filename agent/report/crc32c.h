/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_CRC32C_H
#define PHIGUARD_REPORT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C (Castagnoli). Chain calls by passing the previous result as @crc (start with 0). */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
