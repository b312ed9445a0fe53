/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Zip entries and gzip files searched for in a hostile stream
 * (agent/content/archive.c), fed
 * in pieces: the first byte picks the piece size. Every inflater is given
 * back, and what comes out stays within the inflater's bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "content/archive.h"
#include "fuzz-count.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_name(const char *name, enum archive_kind kind, void *ctx)
{
	(void)ctx;
	if (strlen(name) >= ARCHIVE_NAME_MAX ||
	    (kind != ARCHIVE_KIND_ZIP && kind != ARCHIVE_KIND_GZIP))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct archive_state as;
	uint32_t live = 0;
	uint64_t out = 0, entries = 0;
	const struct archive_sink sink = {
		.live = &live,
		.live_max = 2,
		.zip_entries = &entries,
		.gzip_files = &entries,
		.begin = check_name,
		.out = fuzz_count_out,
		.ctx = &out,
	};
	size_t piece = fuzz_take_piece(&data, &size);

	if (piece == 0)
		return 0;
	memset(&as, 0, sizeof(as));
	for (size_t at = 0; at < size; at += piece)
		(void)archive_feed(&as, data + at, size - at < piece ? size - at : piece, &sink);
	archive_release(&as, &sink);
	/* each entry is bounded on its own; one entry at a time is open */
	if (live != 0 || out > entries * (INFLATE_FREE + INFLATE_RATIO * (uint64_t)size))
		__builtin_trap();
	return 0;
}
