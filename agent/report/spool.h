/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_SPOOL_H
#define PHIGUARD_REPORT_SPOOL_H

/*
 * The durable spool: every record is on disk before it is sent.
 *
 * Layout of the directory (0700, files 0600):
 *   <first-seq as 16 hex digits>.seg   append-only segments of records
 *   ack                                 the last acknowledged sequence number
 * A record is a 24-byte little-endian header (magic "PGS1", payload length,
 * sequence number, severity, flags, CRC-32C over header and payload) and the
 * payload (the RFC 5424 record as sent). Sequence numbers only grow.
 *
 * Recovery reads every segment, stops at the first record that is short or
 * fails its checksum and truncates the segment there (a torn tail from a
 * crash), and resumes after the acknowledged sequence number.
 *
 * Bounded: live records never take more than max_bytes. When a record
 * would go past it, the least severe records go first (oldest first within
 * a severity), never a record flagged SPOOL_F_BLOCK; the segments holding
 * them are rewritten without them. Records flagged SPOOL_F_BLOCK are only
 * refused when they alone would pass twice max_bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

#define SPOOL_F_BLOCK     0x01 /* an enforcement event: never evicted */
#define SPOOL_HEADER_SIZE 24
#define SPOOL_PAYLOAD_MAX REPORT_RECORD_MAX

struct spool_options {
	const char *directory;
	uint64_t max_bytes;
	enum report_fsync fsync;
	uint64_t
	        segment_bytes; /* roll to a new segment past this size; 0: derived from max_bytes */
};

struct spool_recovery {
	uint64_t records; /* unacknowledged records found */
	uint64_t torn;    /* segments truncated at a bad record */
	uint64_t truncated_bytes;
};

struct spool_record {
	uint64_t seq;
	uint8_t severity;
	uint8_t flags;
	uint32_t len; /* payload bytes */
};

struct spool;

/* Open or recover. 0 or negative errno (directory, permissions, I/O). */
int spool_open(const struct spool_options *options, struct spool **ret_spool,
               struct spool_recovery *ret_recovery);
/* Sync (unless fsync is never) and close. Accepts NULL. */
void spool_close(struct spool *sp);

/* The sequence number the next append will get. */
uint64_t spool_next_seq(const struct spool *sp);

/*
 * Append one record with sequence number spool_next_seq(). May evict older
 * records (*ret_evicted counts them). 0, -ENOSPC when the record itself is
 * refused (it is the least severe, or block records fill twice the budget),
 * -EMSGSIZE when @len is too large, or negative errno on I/O error.
 */
int spool_append(struct spool *sp, uint8_t severity, uint8_t flags, const void *data, size_t len,
                 uint64_t *ret_evicted);

/*
 * The first live record with a sequence number after @after: payload into
 * @buf. 1 found, 0 none, negative errno on error (-EIO for a record that no
 * longer checks out: it is skipped by the next call).
 */
int spool_read_next(struct spool *sp, uint64_t after, struct spool_record *ret_record, void *buf,
                    size_t size);

/* Everything up to and including @seq is acknowledged: record it, free whole segments. */
int spool_ack(struct spool *sp, uint64_t seq);
uint64_t spool_acked(const struct spool *sp);

/* Appended or acknowledged since the last sync, and syncing is on. */
bool spool_dirty(const struct spool *sp);
/* Flush to stable storage what the fsync policy has left pending. */
int spool_sync(struct spool *sp);

/*
 * Delete a spool that is not open: its segments, ack file and leftover
 * temporary files, then the directory if nothing else is in it (an
 * administrator discarding what was never delivered; tests). 0 or negative
 * errno; files that are not the spool's are left alone.
 */
int spool_remove(const char *directory);

/* Live (unacknowledged, not evicted) records and their bytes on disk, headers included. */
void spool_usage(const struct spool *sp, uint64_t *ret_events, uint64_t *ret_bytes);

#endif
