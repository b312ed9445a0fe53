/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/xalloc.h"
#include "report/crc32c.h"

#define SPOOL_MAGIC  0x31534750U /* "PGS1" little-endian */
#define ACK_MAGIC    0x314b4150U /* "PAK1" */
#define SEVERITY_MAX 10
#define SEGMENTS_MAX 4096

struct entry {
	uint64_t seq;
	uint64_t seg;    /* first_seq of the segment holding it */
	uint64_t offset; /* of the header in the segment */
	uint32_t len;    /* header + payload */
	uint8_t severity;
	uint8_t flags;
	bool dead; /* evicted */
};

struct segment {
	uint64_t first_seq;
	int fd;
	uint64_t size;
	uint64_t n_live;
	uint64_t n_dead; /* evicted records still in the file */
};

struct spool {
	int dir_fd;
	int ack_fd;
	unsigned ack_slot;
	uint64_t max_bytes;
	uint64_t segment_bytes;
	enum report_fsync fsync;
	bool dirty;

	uint64_t next_seq;
	uint64_t acked;

	struct segment *segs; /* ordered by first_seq; the last one is the active one */
	size_t n_segs, cap_segs;
	bool active_open; /* false: the next append starts a new segment */

	struct entry *entries; /* ordered by seq; [head, n) are unacknowledged */
	size_t head, n, cap;

	uint64_t live_events;
	uint64_t live_bytes;
	uint64_t evictable[SEVERITY_MAX + 1]; /* live bytes of non-block records by severity */
};

static void
put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static uint32_t
record_crc(const unsigned char *header, const void *payload, size_t len)
{
	return crc32c(crc32c(0, header, 20), payload, len);
}

static void
segment_name(uint64_t first_seq, const char *suffix, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%016" PRIx64 "%s", first_seq, suffix);
}

static int
full_pwrite(int fd, const void *data, size_t len, uint64_t offset)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

/* Header and payload in one system call (the common case), else the rest piecewise. */
static int
record_write(int fd, const unsigned char *hdr, const void *data, size_t len, uint64_t offset)
{
	struct iovec iov[2] = { { .iov_base = (void *)hdr, .iov_len = SPOOL_HEADER_SIZE },
		                { .iov_base = (void *)data, .iov_len = len } };
	ssize_t n;

	do
		n = pwritev(fd, iov, 2, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n == SPOOL_HEADER_SIZE + len)
		return 0;
	if ((size_t)n < SPOOL_HEADER_SIZE) {
		int r = full_pwrite(fd, hdr + n, SPOOL_HEADER_SIZE - (size_t)n, offset + (size_t)n);

		if (r < 0)
			return r;
		n = SPOOL_HEADER_SIZE;
	}
	return full_pwrite(fd, (const char *)data + ((size_t)n - SPOOL_HEADER_SIZE),
	                   len - ((size_t)n - SPOOL_HEADER_SIZE), offset + (size_t)n);
}

/* Bytes read (short only at end of file) or negative errno. */
static ssize_t
full_pread(int fd, void *data, size_t len, uint64_t offset)
{
	char *p = data;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static struct segment *
segment_find(struct spool *sp, uint64_t first_seq)
{
	size_t lo = 0, hi = sp->n_segs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp->segs[mid].first_seq < first_seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sp->n_segs && sp->segs[lo].first_seq == first_seq)
		return &sp->segs[lo];
	return NULL;
}

/* Index of the first entry in [head, n) with seq >= @seq. */
static size_t
entry_lower_bound(const struct spool *sp, uint64_t seq)
{
	size_t lo = sp->head, hi = sp->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp->entries[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
entry_push(struct spool *sp, const struct entry *e)
{
	if (sp->n == sp->cap) {
		if (sp->head > 0) {
			memmove(sp->entries, sp->entries + sp->head,
			        (sp->n - sp->head) * sizeof(*sp->entries));
			sp->n -= sp->head;
			sp->head = 0;
		}
		if (sp->n == sp->cap) {
			sp->cap = sp->cap == 0 ? 1024 : sp->cap * 2;
			sp->entries = xrealloc(sp->entries, sp->cap, sizeof(*sp->entries));
		}
	}
	sp->entries[sp->n++] = *e;
}

static void
entry_account(struct spool *sp, const struct entry *e, int sign)
{
	struct segment *seg = segment_find(sp, e->seg);
	uint64_t len = e->len;

	if (sign > 0) {
		sp->live_events++;
		sp->live_bytes += len;
		if (!(e->flags & SPOOL_F_BLOCK))
			sp->evictable[e->severity] += len;
		if (seg != NULL)
			seg->n_live++;
	} else {
		sp->live_events--;
		sp->live_bytes -= len;
		if (!(e->flags & SPOOL_F_BLOCK))
			sp->evictable[e->severity] -= len;
		if (seg != NULL)
			seg->n_live--;
	}
}

static int
sync_dir(struct spool *sp)
{
	if (sp->fsync == REPORT_FSYNC_NEVER)
		return 0;
	return fsync(sp->dir_fd) < 0 ? -errno : 0;
}

static int
segment_add(struct spool *sp, uint64_t first_seq, int fd, uint64_t size)
{
	if (sp->n_segs >= SEGMENTS_MAX)
		return -ENOSPC;
	if (sp->n_segs == sp->cap_segs) {
		sp->cap_segs = sp->cap_segs == 0 ? 16 : sp->cap_segs * 2;
		sp->segs = xrealloc(sp->segs, sp->cap_segs, sizeof(*sp->segs));
	}
	sp->segs[sp->n_segs++] = (struct segment){ .first_seq = first_seq, .fd = fd, .size = size };
	return 0;
}

static void
segment_remove(struct spool *sp, struct segment *seg)
{
	char name[32];
	size_t i = (size_t)(seg - sp->segs);

	segment_name(seg->first_seq, ".seg", name, sizeof(name));
	(void)unlinkat(sp->dir_fd, name, 0);
	if (seg->fd >= 0)
		(void)close(seg->fd);
	memmove(&sp->segs[i], &sp->segs[i + 1], (sp->n_segs - i - 1) * sizeof(*sp->segs));
	sp->n_segs--;
	if (i == sp->n_segs)
		sp->active_open = false; /* that was the active segment */
}

static int
segment_create(struct spool *sp)
{
	char name[32];
	int fd, r;

	segment_name(sp->next_seq, ".seg", name, sizeof(name));
	fd = openat(sp->dir_fd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = segment_add(sp, sp->next_seq, fd, 0);
	if (r < 0) {
		(void)close(fd);
		(void)unlinkat(sp->dir_fd, name, 0);
		return r;
	}
	sp->active_open = true;
	return sync_dir(sp);
}

/* ---- the acknowledgement cursor: two checksummed slots, written in turn ---- */

static int
ack_write(struct spool *sp)
{
	unsigned char buf[16];
	int r;

	put_le32(buf, ACK_MAGIC);
	put_le64(buf + 4, sp->acked);
	put_le32(buf + 12, crc32c(0, buf, 12));
	sp->ack_slot ^= 1;
	r = full_pwrite(sp->ack_fd, buf, sizeof(buf), sp->ack_slot * sizeof(buf));
	if (r < 0)
		return r;
	if (sp->fsync == REPORT_FSYNC_ALWAYS && fdatasync(sp->ack_fd) < 0)
		return -errno;
	sp->dirty = true;
	return 0;
}

static int
ack_read(struct spool *sp)
{
	unsigned char buf[32];
	ssize_t n = full_pread(sp->ack_fd, buf, sizeof(buf), 0);

	sp->acked = 0;
	for (unsigned i = 0; n >= 0 && i < 2; i++) {
		const unsigned char *p = buf + 16 * i;

		if ((size_t)n < 16 * (i + 1) || get_le32(p) != ACK_MAGIC ||
		    get_le32(p + 12) != crc32c(0, p, 12))
			continue; /* torn or never written: the other slot holds the truth */
		if (get_le64(p + 4) >= sp->acked) {
			sp->acked = get_le64(p + 4);
			sp->ack_slot = i;
		}
	}
	return n < 0 ? (int)n : 0;
}

/* ---- recovery ---- */

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Read the records of one segment into the index; truncate a bad tail. */
static int
recover_segment(struct spool *sp, struct segment *seg, struct spool_recovery *rec)
{
	unsigned char hdr[SPOOL_HEADER_SIZE];
	char *payload = xmalloc(SPOOL_PAYLOAD_MAX); /* owned here */
	uint64_t off = 0;
	int r = 0;

	for (;;) {
		ssize_t n = full_pread(seg->fd, hdr, sizeof(hdr), off);
		struct entry e;
		uint32_t len;

		if (n < 0) {
			r = (int)n;
			goto out;
		}
		if (n == 0)
			break;
		len = get_le32(hdr + 4);
		if ((size_t)n < sizeof(hdr) || get_le32(hdr) != SPOOL_MAGIC ||
		    len > SPOOL_PAYLOAD_MAX || get_le64(hdr + 8) < sp->next_seq ||
		    hdr[16] > SEVERITY_MAX || get_le64(hdr + 8) < seg->first_seq)
			goto torn;
		n = full_pread(seg->fd, payload, len, off + sizeof(hdr));
		if (n < 0) {
			r = (int)n;
			goto out;
		}
		if ((size_t)n < len || record_crc(hdr, payload, len) != get_le32(hdr + 20))
			goto torn;
		e = (struct entry){ .seq = get_le64(hdr + 8),
			            .seg = seg->first_seq,
			            .offset = off,
			            .len = (uint32_t)sizeof(hdr) + len,
			            .severity = hdr[16],
			            .flags = hdr[17] };
		sp->next_seq = e.seq + 1;
		off += e.len;
		if (e.seq <= sp->acked)
			continue;
		entry_push(sp, &e);
		entry_account(sp, &e, 1);
		rec->records++;
	}
	goto out;
torn:
	/* a crash mid-write, or damage: what follows cannot be trusted */
	rec->torn++;
	rec->truncated_bytes += seg->size - off;
	if (ftruncate(seg->fd, (off_t)off) < 0)
		r = -errno;
out:
	seg->size = off;
	free(payload);
	return r;
}

static int
recover(struct spool *sp, struct spool_recovery *rec)
{
	_cleanup_(freep) uint64_t *firsts = NULL;
	size_t n = 0, cap = 0;
	DIR *dir;
	struct dirent *de;
	int dfd, r = 0;

	dfd = dup(sp->dir_fd);
	if (dfd < 0)
		return -errno;
	dir = fdopendir(dfd);
	if (dir == NULL) {
		(void)close(dfd);
		return -errno;
	}
	while ((de = readdir(dir)) != NULL) {
		char *end;
		uint64_t first;

		if (strlen(de->d_name) == 20 && strcmp(de->d_name + 16, ".tmp") == 0) {
			(void)unlinkat(sp->dir_fd, de->d_name, 0); /* an interrupted compaction */
			continue;
		}
		if (strlen(de->d_name) != 20 || strcmp(de->d_name + 16, ".seg") != 0)
			continue;
		first = strtoull(de->d_name, &end, 16);
		if (end != de->d_name + 16)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			firsts = xrealloc(firsts, cap, sizeof(*firsts));
		}
		firsts[n++] = first;
	}
	(void)closedir(dir);
	if (n > 0)
		qsort(firsts, n, sizeof(*firsts), compare_u64);
	for (size_t i = 0; i < n && r == 0; i++) {
		char name[32];
		struct stat st;
		int fd;

		segment_name(firsts[i], ".seg", name, sizeof(name));
		fd = openat(sp->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fstat(fd, &st) < 0) {
			r = -errno;
			if (fd >= 0)
				(void)close(fd);
			break;
		}
		(void)fchmod(fd, 0600);
		r = segment_add(sp, firsts[i], fd, (uint64_t)st.st_size);
		if (r < 0) {
			(void)close(fd);
			break;
		}
		if (sp->next_seq <= firsts[i])
			sp->next_seq = firsts[i];
		r = recover_segment(sp, &sp->segs[sp->n_segs - 1], rec);
	}
	if (sp->next_seq <= sp->acked)
		sp->next_seq = sp->acked + 1;
	/* segments with nothing left to send go now; the newest stays open for appends */
	for (size_t i = 0; i < sp->n_segs;) {
		if (sp->segs[i].n_live == 0 && i + 1 < sp->n_segs)
			segment_remove(sp, &sp->segs[i]);
		else
			i++;
	}
	sp->active_open = sp->n_segs > 0 && sp->segs[sp->n_segs - 1].size < sp->segment_bytes;
	return r;
}

/* Create the missing parents of @path (0755, like /var/lib), not @path itself. */
static int
mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* Is @name one of ours: 16 hex digits + ".seg" or ".tmp", or "ack"? */
static bool
spool_file_name(const char *name)
{
	size_t n = strlen(name);

	if (strcmp(name, "ack") == 0)
		return true;
	if (n != 20 || (strcmp(name + 16, ".seg") != 0 && strcmp(name + 16, ".tmp") != 0))
		return false;
	return strspn(name, "0123456789abcdef") == 16;
}

int
spool_remove(const char *directory)
{
	struct dirent *de;
	DIR *dir;
	int r = 0;

	dir = opendir(directory);
	if (dir == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir)) != NULL)
		if (spool_file_name(de->d_name) && unlinkat(dirfd(dir), de->d_name, 0) < 0)
			r = -errno;
	(void)closedir(dir);
	if (r == 0 && rmdir(directory) < 0 && errno != ENOTEMPTY)
		r = -errno;
	return r;
}

int
spool_open(const struct spool_options *o, struct spool **ret_spool,
           struct spool_recovery *ret_recovery)
{
	struct spool *sp = xcalloc(1, sizeof(*sp)); /* owned by the caller on success */
	struct spool_recovery rec = { 0 };
	struct stat st;
	int r;

	sp->dir_fd = -1;
	sp->ack_fd = -1;
	sp->fsync = o->fsync;
	sp->max_bytes = o->max_bytes;
	sp->segment_bytes = o->segment_bytes;
	if (sp->segment_bytes == 0)
		sp->segment_bytes = MAX(MIN(o->max_bytes / 16, UINT64_C(4) << 20), UINT64_C(16384));
	sp->next_seq = 1;
	r = mkdir_parents(o->directory);
	if (r < 0)
		goto fail;
	if (mkdir(o->directory, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	sp->dir_fd = open(o->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sp->dir_fd < 0) {
		r = -errno;
		goto fail;
	}
	/* a directory someone else made could be read or swapped by them: refuse it */
	if (fstat(sp->dir_fd, &st) < 0 || st.st_uid != geteuid()) {
		r = -EPERM;
		goto fail;
	}
	/* events name hosts, users and rules: the owner (root) only */
	if (fchmod(sp->dir_fd, 0700) < 0) {
		r = -errno;
		goto fail;
	}
	sp->ack_fd = openat(sp->dir_fd, "ack", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sp->ack_fd < 0) {
		r = -errno;
		goto fail;
	}
	(void)fchmod(sp->ack_fd, 0600);
	r = ack_read(sp);
	if (r < 0)
		goto fail;
	r = recover(sp, &rec);
	if (r < 0)
		goto fail;
	if (ret_recovery != NULL)
		*ret_recovery = rec;
	*ret_spool = sp;
	return 0;
fail:
	spool_close(sp);
	return r;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	(void)spool_sync(sp);
	for (size_t i = 0; i < sp->n_segs; i++)
		if (sp->segs[i].fd >= 0)
			(void)close(sp->segs[i].fd);
	if (sp->ack_fd >= 0)
		(void)close(sp->ack_fd);
	if (sp->dir_fd >= 0)
		(void)close(sp->dir_fd);
	free(sp->segs);
	free(sp->entries);
	free(sp);
}

uint64_t
spool_next_seq(const struct spool *sp)
{
	return sp->next_seq;
}

uint64_t
spool_acked(const struct spool *sp)
{
	return sp->acked;
}

void
spool_usage(const struct spool *sp, uint64_t *ret_events, uint64_t *ret_bytes)
{
	*ret_events = sp->live_events;
	*ret_bytes = sp->live_bytes;
}

bool
spool_dirty(const struct spool *sp)
{
	return sp->dirty && sp->fsync != REPORT_FSYNC_NEVER;
}

int
spool_sync(struct spool *sp)
{
	int r = 0;

	if (!sp->dirty || sp->fsync == REPORT_FSYNC_NEVER)
		return 0;
	if (sp->n_segs > 0 && sp->segs[sp->n_segs - 1].fd >= 0 &&
	    fdatasync(sp->segs[sp->n_segs - 1].fd) < 0)
		r = -errno;
	if (sp->ack_fd >= 0 && fdatasync(sp->ack_fd) < 0)
		r = -errno;
	sp->dirty = false;
	return r;
}

/* ---- eviction ---- */

/* Rewrite @seg keeping only its live records (same sequence numbers, same order). */
static int
segment_compact(struct spool *sp, struct segment *seg)
{
	char name[32], tmp[32];
	char *buf;
	uint64_t off = 0;
	size_t first = entry_lower_bound(sp, seg->first_seq);
	int fd, r = 0;

	if (seg->n_live == 0 && seg != &sp->segs[sp->n_segs - 1]) {
		segment_remove(sp, seg);
		return sync_dir(sp);
	}
	segment_name(seg->first_seq, ".seg", name, sizeof(name));
	segment_name(seg->first_seq, ".tmp", tmp, sizeof(tmp));
	fd = openat(sp->dir_fd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	buf = xmalloc(SPOOL_HEADER_SIZE + SPOOL_PAYLOAD_MAX); /* owned here */
	for (size_t i = first; i < sp->n && sp->entries[i].seg == seg->first_seq; i++) {
		struct entry *e = &sp->entries[i];
		ssize_t n;

		if (e->dead)
			continue;
		n = full_pread(seg->fd, buf, e->len, e->offset);
		if (n < 0 || (size_t)n != e->len) {
			r = n < 0 ? (int)n : -EIO;
			goto out;
		}
		r = full_pwrite(fd, buf, e->len, off);
		if (r < 0)
			goto out;
		off += e->len;
	}
	/*
	 * Only "always" pays for a flush here: a rename over the old file is
	 * atomic, and ext4 writes a replaced file's data before committing the
	 * rename (auto_da_alloc), so "batch" keeps its 100 ms exposure.
	 */
	if (sp->fsync == REPORT_FSYNC_ALWAYS && fdatasync(fd) < 0) {
		r = -errno;
		goto out;
	}
	if (renameat(sp->dir_fd, tmp, sp->dir_fd, name) < 0) {
		r = -errno;
		goto out;
	}
	/* the new file is in place: point the index at it */
	off = 0;
	for (size_t i = first; i < sp->n && sp->entries[i].seg == seg->first_seq; i++) {
		if (sp->entries[i].dead)
			continue;
		sp->entries[i].offset = off;
		off += sp->entries[i].len;
	}
	(void)close(seg->fd);
	seg->fd = fd;
	fd = -1;
	seg->size = off;
	seg->n_dead = 0;
	if (sp->fsync == REPORT_FSYNC_ALWAYS)
		r = sync_dir(sp);
	else
		sp->dirty = true;
out:
	if (fd >= 0) {
		(void)close(fd);
		(void)unlinkat(sp->dir_fd, tmp, 0);
	}
	free(buf);
	return r;
}

/*
 * Bring live bytes down to 75% of the budget (so evictions come in rounds
 * that each rewrite segments once, not one rewrite per record): whole severities from the least severe up, then the
 * oldest records of the last severity needed. Block records are never chosen.
 */
static int
evict(struct spool *sp, uint64_t *ret_evicted)
{
	uint64_t target = sp->max_bytes / 4 * 3, need, budget[SEVERITY_MAX + 1] = { 0 };
	uint64_t evicted = 0;
	struct segment *seg;
	int r = 0;

	if (sp->live_bytes <= target)
		return 0;
	need = sp->live_bytes - target;
	for (unsigned s = 0; s <= SEVERITY_MAX && need > 0; s++) {
		budget[s] = MIN(need, sp->evictable[s]);
		need -= budget[s];
	}
	for (size_t i = sp->head; i < sp->n; i++) {
		struct entry *e = &sp->entries[i];

		if (e->dead || (e->flags & SPOOL_F_BLOCK) || budget[e->severity] == 0)
			continue;
		budget[e->severity] -= MIN(budget[e->severity], (uint64_t)e->len);
		entry_account(sp, e, -1);
		e->dead = true;
		evicted++;
		seg = segment_find(sp, e->seg);
		if (seg != NULL)
			seg->n_dead++;
	}
	if (evicted > 0) {
		/* rewrite from the newest down: removing a segment shifts the later ones */
		sp->active_open = false;
		for (size_t k = sp->n_segs; k-- > 0 && r == 0;)
			if (sp->segs[k].n_dead > 0)
				r = segment_compact(sp, &sp->segs[k]);
	}
	*ret_evicted += evicted;
	return r;
}

int
spool_append(struct spool *sp, uint8_t severity, uint8_t flags, const void *data, size_t len,
             uint64_t *ret_evicted)
{
	unsigned char hdr[SPOOL_HEADER_SIZE];
	struct segment *seg;
	struct entry e;
	uint64_t reclen = SPOOL_HEADER_SIZE + len, cheaper = 0;
	int r;

	*ret_evicted = 0;
	if (len > SPOOL_PAYLOAD_MAX)
		return -EMSGSIZE;
	severity = MIN(severity, SEVERITY_MAX);
	if (flags & SPOOL_F_BLOCK) {
		if (sp->live_bytes + reclen > 2 * sp->max_bytes)
			return -ENOSPC;
	} else if (sp->live_bytes + reclen > sp->max_bytes) {
		/* refuse this one when nothing at most as severe could make room */
		for (unsigned s = 0; s <= severity; s++)
			cheaper += sp->evictable[s];
		if (cheaper < sp->live_bytes + reclen - sp->max_bytes)
			return -ENOSPC;
	}
	if (!sp->active_open || sp->segs[sp->n_segs - 1].size >= sp->segment_bytes) {
		r = segment_create(sp);
		if (r < 0)
			return r;
	}
	seg = &sp->segs[sp->n_segs - 1];
	put_le32(hdr, SPOOL_MAGIC);
	put_le32(hdr + 4, (uint32_t)len);
	put_le64(hdr + 8, sp->next_seq);
	hdr[16] = severity;
	hdr[17] = flags;
	hdr[18] = hdr[19] = 0;
	put_le32(hdr + 20, record_crc(hdr, data, len));
	r = record_write(seg->fd, hdr, data, len, seg->size);
	if (r < 0) {
		/* leave no partial record behind: the next append starts where this one did */
		if (ftruncate(seg->fd, (off_t)seg->size) < 0)
			sp->active_open = false; /* recovery will cut the partial record */
		return r;
	}
	if (sp->fsync == REPORT_FSYNC_ALWAYS && fdatasync(seg->fd) < 0)
		return -errno;
	sp->dirty = true;
	e = (struct entry){ .seq = sp->next_seq,
		            .seg = seg->first_seq,
		            .offset = seg->size,
		            .len = (uint32_t)reclen,
		            .severity = severity,
		            .flags = flags };
	seg->size += reclen;
	sp->next_seq++;
	entry_push(sp, &e);
	entry_account(sp, &e, 1);
	if (sp->live_bytes > sp->max_bytes)
		return evict(sp, ret_evicted);
	return 0;
}

int
spool_read_next(struct spool *sp, uint64_t after, struct spool_record *ret_record, void *buf,
                size_t size)
{
	unsigned char hdr[SPOOL_HEADER_SIZE];
	size_t i = entry_lower_bound(sp, after + 1);
	struct segment *seg;
	struct entry *e;
	uint32_t len;
	ssize_t n;

	while (i < sp->n && sp->entries[i].dead)
		i++;
	if (i >= sp->n)
		return 0;
	e = &sp->entries[i];
	seg = segment_find(sp, e->seg);
	len = e->len - SPOOL_HEADER_SIZE;
	*ret_record = (struct spool_record){
		.seq = e->seq, .severity = e->severity, .flags = e->flags, .len = len
	};
	if (seg == NULL || len > size)
		return -EIO;
	n = full_pread(seg->fd, hdr, sizeof(hdr), e->offset);
	if (n == (ssize_t)sizeof(hdr))
		n = full_pread(seg->fd, buf, len, e->offset + sizeof(hdr));
	if (n < 0)
		return (int)n;
	/* checked again: the disk may have changed under us since recovery */
	if ((size_t)n != len || get_le64(hdr + 8) != e->seq ||
	    record_crc(hdr, buf, len) != get_le32(hdr + 20))
		return -EIO;
	return 1;
}

int
spool_ack(struct spool *sp, uint64_t seq)
{
	if (seq <= sp->acked)
		return 0;
	if (seq >= sp->next_seq)
		seq = sp->next_seq - 1;
	sp->acked = seq;
	while (sp->head < sp->n && sp->entries[sp->head].seq <= seq) {
		struct entry *e = &sp->entries[sp->head++];

		if (!e->dead)
			entry_account(sp, e, -1);
	}
	/* whole segments that are done, except the one being appended to */
	while (sp->n_segs > 1 && sp->segs[0].n_live == 0 &&
	       (sp->head >= sp->n || sp->entries[sp->head].seg != sp->segs[0].first_seq))
		segment_remove(sp, &sp->segs[0]);
	return ack_write(sp);
}
