/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spool recovery over arbitrary segment bytes: the input becomes the spool's
 * first segment (and, from its first 32 bytes, the ack file). Recovery must
 * never crash, never hand out a record that fails its checksum, and leave a
 * spool that takes appends and acknowledgements.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void
write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static void
remove_dir(void)
{
	(void)spool_remove(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_options o = { .max_bytes = 4096,
		                   .fsync = REPORT_FSYNC_NEVER,
		                   .segment_bytes = 1024 };
	static char buf[SPOOL_PAYLOAD_MAX];
	struct spool_recovery rec;
	struct spool_record r;
	struct spool *sp = NULL;
	uint64_t after = 0, evicted, n = 0;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/phiguard-fuzz-spool-%ld", (long)getpid());
		if (mkdir(dir, 0700) < 0 && access(dir, F_OK) != 0)
			abort();
		atexit(remove_dir);
	}
	o.directory = dir;
	/* the segment name says which sequence number it starts with: take it from the input */
	write_file("0000000000000001.seg", data, size);
	if (size > 0 && data[0] & 1)
		write_file("ack", data, size < 32 ? size : 32);
	if (spool_open(&o, &sp, &rec) < 0)
		goto out;
	for (int ret; (ret = spool_read_next(sp, after, &r, buf, sizeof(buf))) != 0;) {
		if (ret < 0 && ret != -5 /* -EIO: skip */)
			break;
		if (r.seq <= after)
			abort(); /* sequence numbers must grow */
		after = r.seq;
		n++;
	}
	if (n != rec.records)
		abort();
	for (int i = 0; i < 12; i++)
		(void)spool_append(sp, (uint8_t)(i % 11), i % 7 == 0 ? SPOOL_F_BLOCK : 0, buf, 600,
		                   &evicted);
	(void)spool_ack(sp, after);
	spool_close(sp);
out:
	if (spool_remove(dir) < 0 || mkdir(dir, 0700) < 0)
		abort();
	return 0;
}
