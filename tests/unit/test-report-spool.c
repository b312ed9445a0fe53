/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spool: recovery (torn tail, checksum mismatch), acknowledgement, eviction order, modes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/spool.h"
#include "tap.h"

static char dir[] = "/tmp/phiguard-spool-test-XXXXXX";

/* Between topics: the spool's files go, the directory is made again. */
static void
wipe(void)
{
	tap_ok(spool_remove(dir) == 0 && mkdir(dir, 0700) == 0, "spool removed");
}

static struct spool *
open_spool(uint64_t max_bytes, uint64_t segment_bytes, struct spool_recovery *rec)
{
	struct spool_options o = { .directory = dir,
		                   .max_bytes = max_bytes,
		                   .fsync = REPORT_FSYNC_NEVER,
		                   .segment_bytes = segment_bytes };
	struct spool_recovery unused;
	struct spool *sp = NULL;
	int r = spool_open(&o, &sp, rec != NULL ? rec : &unused);

	if (r < 0)
		tap_diag("spool_open: %s", strerror(-r));
	return sp;
}

static int
append(struct spool *sp, uint8_t severity, uint8_t flags, uint64_t *ret_evicted)
{
	char rec[200];
	uint64_t evicted = 0;
	int n = snprintf(rec, sizeof(rec), "record %llu severity %u",
	                 (unsigned long long)spool_next_seq(sp), severity);
	int r;

	memset(rec + n, 'x', sizeof(rec) - (size_t)n);
	r = spool_append(sp, severity, flags, rec, sizeof(rec), &evicted);
	if (ret_evicted != NULL)
		*ret_evicted += evicted;
	return r;
}

/* The sequence numbers still to send, in order, into @seqs; returns how many. */
static size_t
pending(struct spool *sp, uint64_t *seqs, size_t max, uint8_t *flags)
{
	struct spool_record rec;
	char buf[4096];
	uint64_t after = spool_acked(sp);
	size_t n = 0;

	while (n < max && spool_read_next(sp, after, &rec, buf, sizeof(buf)) == 1) {
		if (flags != NULL)
			flags[n] = rec.flags;
		seqs[n++] = rec.seq;
		after = rec.seq;
	}
	return n;
}

static char *
last_segment(char *path, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char best[256] = "";

	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".seg") && strcmp(de->d_name, best) > 0)
			memcpy(best, de->d_name, strnlen(de->d_name, sizeof(best) - 1) + 1);
	closedir(d);
	snprintf(path, size, "%s/%s", dir, best);
	return path;
}

static void
test_roundtrip_and_ack(void)
{
	struct spool_recovery rec;
	struct spool *sp = open_spool(1 << 20, 1024, NULL);
	uint64_t seqs[64];
	struct stat st;
	char path[512];

	for (int i = 0; i < 10; i++)
		append(sp, 3, 0, NULL);
	tap_eq_int(pending(sp, seqs, 64, NULL), 10, "10 records to send");
	tap_ok(seqs[0] == 1 && seqs[9] == 10, "sequence numbers 1..10");
	tap_eq_int(spool_ack(sp, 5), 0, "ack through 5");
	spool_close(sp);

	sp = open_spool(1 << 20, 1024, &rec);
	tap_eq_int(rec.records, 5, "reopen: 5 unacknowledged records recovered");
	tap_eq_int(pending(sp, seqs, 64, NULL), 5, "reopen: 5 to send");
	tap_ok(seqs[0] == 6 && seqs[4] == 10, "reopen: resumes after the acknowledged one");
	tap_eq_int(spool_next_seq(sp), 11, "reopen: sequence numbers go on");
	tap_eq_int(spool_ack(sp, 10), 0, "ack everything");
	stat(dir, &st);
	tap_eq_int(st.st_mode & 0777, 0700, "directory mode 0700");
	stat(last_segment(path, sizeof(path)), &st);
	tap_eq_int(st.st_mode & 0777, 0600, "segment mode 0600");
	snprintf(path, sizeof(path), "%s/ack", dir);
	stat(path, &st);
	tap_eq_int(st.st_mode & 0777, 0600, "ack file mode 0600");
	spool_close(sp);
	sp = open_spool(1 << 20, 1024, &rec);
	tap_eq_int(rec.records, 0, "all acknowledged: nothing recovered");
	tap_eq_int(spool_next_seq(sp), 11, "sequence numbers never reused");
	spool_close(sp);
	wipe();
}

static void
test_torn_tail(void)
{
	struct spool_recovery rec;
	struct spool *sp = open_spool(1 << 20, 1 << 20, NULL);
	uint64_t seqs[8];
	char path[512];
	struct stat st;

	for (int i = 0; i < 3; i++)
		append(sp, 3, 0, NULL);
	spool_close(sp);
	last_segment(path, sizeof(path));
	stat(path, &st);
	tap_eq_int(truncate(path, st.st_size - 5), 0, "cut 5 bytes off the last record");
	sp = open_spool(1 << 20, 1 << 20, &rec);
	tap_eq_int(rec.records, 2, "torn tail: 2 records survive");
	tap_eq_int(rec.torn, 1, "torn tail: counted");
	stat(path, &st);
	tap_eq_int(st.st_size, 2 * (SPOOL_HEADER_SIZE + 200), "torn tail: truncated to 2 records");
	append(sp, 3, 0, NULL);
	tap_eq_int(pending(sp, seqs, 8, NULL), 3, "append after recovery");
	tap_ok(seqs[2] == 3, "the torn record's number is reused only because it never existed");
	spool_close(sp);
	wipe();
}

static void
test_crc_mismatch(void)
{
	struct spool_recovery rec;
	struct spool *sp = open_spool(1 << 20, 1 << 20, NULL);
	uint64_t seqs[8];
	char path[512], c;
	int fd;

	for (int i = 0; i < 3; i++)
		append(sp, 3, 0, NULL);
	spool_close(sp);
	fd = open(last_segment(path, sizeof(path)), O_RDWR);
	/* one payload byte of record 2 */
	tap_ok(pread(fd, &c, 1, SPOOL_HEADER_SIZE + 200 + SPOOL_HEADER_SIZE + 50) == 1,
	       "read a byte of record 2");
	c ^= 0x20;
	tap_ok(pwrite(fd, &c, 1, SPOOL_HEADER_SIZE + 200 + SPOOL_HEADER_SIZE + 50) == 1, "flip it");
	close(fd);
	sp = open_spool(1 << 20, 1 << 20, &rec);
	tap_eq_int(rec.records, 1, "crc mismatch: records before it survive");
	tap_eq_int(rec.torn, 1, "crc mismatch: counted");
	tap_eq_int(pending(sp, seqs, 8, NULL), 1, "crc mismatch: the bad record is never sent");
	spool_close(sp);
	wipe();
}

static void
test_eviction(void)
{
	/* 224-byte records, 8 KiB budget: about 36 fit */
	struct spool *sp = open_spool(8192, 1024, NULL);
	struct spool_recovery rec;
	uint64_t seqs[256], evicted = 0, events, bytes;
	uint8_t flags[256];
	size_t n;
	bool order = true;
	int r = 0;

	for (int i = 0; i < 10; i++)
		append(sp, 1, 0, &evicted); /* seq 1..10: least severe */
	for (int i = 0; i < 10; i++)
		append(sp, 8, SPOOL_F_BLOCK, &evicted); /* 11..20: block */
	for (int i = 0; i < 16; i++)
		append(sp, 5, 0, &evicted); /* 21..36 */
	tap_eq_int(evicted, 0, "under budget: nothing evicted");
	append(sp, 5, 0, &evicted); /* 37: over the budget */
	tap_ok(evicted > 0, "over budget: evicted %llu", (unsigned long long)evicted);
	spool_usage(sp, &events, &bytes);
	tap_ok(bytes <= 8192 / 4 * 3, "live bytes back under 75%% of the budget (%llu)",
	       (unsigned long long)bytes);
	n = pending(sp, seqs, 256, flags);
	tap_ok(n == 37 - evicted && seqs[0] == evicted + 1 && seqs[n - 1] == 37,
	       "the oldest of the least severe went first: %llu..37 left",
	       (unsigned long long)evicted + 1);
	for (int i = 0; i < 20; i++)
		append(sp, 5, 0, &evicted); /* 38..57: the rest of severity 1 goes, then old 5s */
	n = pending(sp, seqs, 256, flags);
	for (size_t i = 0; i < n; i++) {
		if (seqs[i] <= 10)
			order = false; /* a severity-1 record outlived a severity-5 eviction */
		if (i > 0 && !(flags[i] & SPOOL_F_BLOCK) && !(flags[i - 1] & SPOOL_F_BLOCK) &&
		    seqs[i] > 20 && seqs[i] != seqs[i - 1] + 1)
			order = false; /* severity 5 kept must be the newest, without holes */
	}
	tap_ok(order, "severity 1 all gone before severity 5; the newest severity 5 kept");
	for (size_t i = 0, blocks = 0; i <= n; i++) {
		if (i == n) {
			tap_eq_int(blocks, 10, "all 10 block records kept");
			break;
		}
		blocks += (flags[i] & SPOOL_F_BLOCK) != 0;
	}
	tap_ok(n > 0 && seqs[n - 1] == 57, "the newest record is kept");
	spool_close(sp);
	sp = open_spool(8192, 1024, &rec);
	tap_eq_int(rec.records, n, "eviction survives a restart (segments rewritten)");
	tap_eq_int(rec.torn, 0, "no damage after rewriting segments");
	/* only block records left: block records go up to twice the budget, then -ENOSPC */
	spool_ack(sp, spool_next_seq(sp) - 1);
	for (int i = 0; i < 100 && r == 0; i++)
		r = append(sp, 8, SPOOL_F_BLOCK, NULL);
	spool_usage(sp, &events, &bytes);
	tap_eq_int(r, -ENOSPC, "block records refused only past twice the budget");
	tap_ok(bytes <= 2 * 8192 && bytes > 8192, "block records filled %llu bytes",
	       (unsigned long long)bytes);
	tap_eq_int(append(sp, 9, 0, NULL), -ENOSPC,
	           "a non-block record is refused when nothing at most as severe can go");
	n = pending(sp, seqs, 256, flags);
	tap_eq_int(n, events, "nothing but the block records");
	spool_close(sp);
	wipe();
}

static void
test_garbage_files(void)
{
	struct spool_recovery rec;
	struct spool *sp;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/0000000000000001.seg", dir);
	f = fopen(path, "w");
	fputs("not a spool at all", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/0000000000000009.tmp", dir);
	f = fopen(path, "w");
	fclose(f);
	sp = open_spool(1 << 20, 1024, &rec);
	tap_ok(sp != NULL && rec.records == 0 && rec.torn == 1, "garbage segment: truncated");
	tap_ok(access(path, F_OK) != 0, "leftover compaction file removed");
	tap_eq_int(append(sp, 1, 0, NULL), 0, "append after garbage");
	spool_close(sp);
	wipe();
}

static void
test_foreign_directory(void)
{
	struct spool_options o = { .max_bytes = 1 << 20, .fsync = REPORT_FSYNC_NEVER };
	struct spool_recovery rec;
	struct spool *sp = NULL;
	char foreign[512], nested[512];

	snprintf(nested, sizeof(nested), "%s/x/y/spool", dir);
	o.directory = nested;
	tap_eq_int(spool_open(&o, &sp, &rec), 0, "missing parents are created");
	spool_close(sp);
	snprintf(foreign, sizeof(foreign), "%s/x/y/spool/ack", dir);
	unlink(foreign);
	rmdir(nested);
	if (geteuid() != 0) {
		tap_ok(true, "# SKIP foreign owner: not root");
		return;
	}
	snprintf(foreign, sizeof(foreign), "%s/foreign", dir);
	mkdir(foreign, 0700);
	tap_ok(chown(foreign, 65534, 65534) == 0, "a directory owned by someone else");
	o.directory = foreign;
	tap_eq_int(spool_open(&o, &sp, &rec), -EPERM, "is refused");
	rmdir(foreign);
	snprintf(nested, sizeof(nested), "%s/x/y", dir);
	rmdir(nested);
	snprintf(nested, sizeof(nested), "%s/x", dir);
	rmdir(nested);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_roundtrip_and_ack();
	test_torn_tail();
	test_crc_mismatch();
	test_eviction();
	test_garbage_files();
	test_foreign_directory();
	tap_eq_int(spool_remove(dir), 0, "spool_remove leaves nothing");
	tap_ok(access(dir, F_OK) != 0, "directory gone");
	return tap_done();
}
