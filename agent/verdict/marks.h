/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_VERDICT_MARKS_H
#define PHIGUARD_VERDICT_MARKS_H

/*
 * Bits phiguard owns in the packet mark and the connection mark. Every rule
 * and every verdict touches only these bits (masked), so marks set by other
 * software (policy routing, VPN clients, container networking) survive.
 *
 *   connmark  STATE   0x00300000  flow state: 0 unknown, inspect, bypass, block
 *   connmark  SHARD   0x0f000000  0x08000000 "assigned" + worker index (3 bits)
 *   nfmark    STATE   0x00300000  state chosen by the verdict, saved to the connmark
 *   nfmark    SEEN    0x00400000  this packet has had its verdict (NF_REPEAT pass)
 *   nfmark    AGENT   0x00800000  set with SO_MARK on phiguard's own sockets
 */

#include <stdint.h>

#define MARK_STATE_MASK    0x00300000u
#define MARK_STATE_INSPECT 0x00100000u
#define MARK_STATE_BYPASS  0x00200000u
#define MARK_STATE_BLOCK   0x00300000u
#define MARK_SEEN          0x00400000u
#define MARK_AGENT         0x00800000u
#define MARK_SHARD_MASK    0x0f000000u
#define MARK_SHARD_SET     0x08000000u
#define MARK_SHARD_SHIFT   24
#define MARK_SHARD_MAX     8 /* TCP worker queues addressable by the shard bits */
#define MARK_OURS          (MARK_STATE_MASK | MARK_SEEN | MARK_AGENT | MARK_SHARD_MASK)

static inline uint32_t
mark_shard_value(unsigned index)
{
	return MARK_SHARD_SET | ((uint32_t)index << MARK_SHARD_SHIFT);
}

#endif
