/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/policy_source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/clock.h"
#include "base/macro.h"
#include "config.h"
#include "policy/sign.h"

#define SIG_LEN        POLICY_SIG_BYTES
#define CONNECT_MS     10000L
#define TRANSFER_MS    30000L
#define MAX_BACKOFF_MS (3600u * 1000u)

struct policy_source {
	char directory[512];
	char url[512];
	char state_dir[512]; /* <state_directory>/policy */
	bool require_signature;
	uint64_t interval_ms;
	char tls_ca[512], tls_cert[512], tls_key[512];
	uint32_t socket_mark;

	EVP_PKEY *keys[POLICY_SOURCE_MAX_KEYS];
	char key_files[POLICY_SOURCE_MAX_KEYS][512];
	unsigned n_keys;

	/* What has been processed (committed or refused), persisted in sources.state. */
	char current_sha[65]; /* the last good policy's bytes */
	char dir_done[65];    /* content id of the last drop-in pair processed */
	char url_done[65];    /* sha256 of the last bundle processed */
	char url_etag[256];

	/* Directory scan: skip re-reading a pair whose files did not change. */
	char dir_seen[1024];
	uint64_t next_scan_ms;

	bool curl_ready;       /* curl_global_init() succeeded: cleanup owed */
	uint64_t next_pull_ms; /* 0: not scheduled yet */
	uint64_t retry_after_ms;
	struct policy_source_counters counters;

	/* The thread of policy_source_start(); the mutex guards the fields below it. */
	bool running;
	pthread_t thread;
	struct policy_source_hooks hooks;
	atomic_bool stop; /* also read by the transfer progress callback */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool kick;
	struct policy_source_counters shared_counters;
};

/* ---- small helpers ---- */

static void set_msg(char *buf, size_t len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
set_msg(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Truncating copy; names longer than the field are cut, never overflowed. */
static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n;

	if (len == 0)
		return;
	n = src != NULL ? strnlen(src, len - 1) : 0;
	if (n > 0)
		memmove(dst, src, n);
	dst[n] = '\0';
}

static void
sha256_hex(const void *data, size_t len, char ret[65])
{
	uint8_t md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof(md)) {
		ret[0] = '\0';
		return;
	}
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(ret + 2 * i, 3, "%02x", md[i]);
}

static uint64_t
random_below(uint64_t n)
{
	uint64_t r = 0;

	if (n == 0)
		return 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint64_t)time(NULL) * 6364136223846793005ULL + (uint64_t)getpid();
	return r % n;
}

/* Read a whole regular file of at most @limit bytes, NUL-terminated. 0 or negative errno. */
static int
read_file(const char *path, size_t limit, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > limit) {
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1); /* owned by the caller on success */
	if (buf == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = got;
out:
	free(buf);
	close(fd);
	return r;
}

/* Replace @path with @data: temporary file, fsync, rename, fsync of the directory. */
static int
write_file_atomic(const char *dir, const char *name, const void *data, size_t len)
{
	char path[1024], tmp[1100];
	size_t done = 0;
	int fd, dfd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd); /* the rename is durable once the directory is */
		close(dfd);
	}
	return 0;
}

const char *
policy_origin_name(enum policy_origin origin)
{
	static const char *const names[POLICY_ORIGIN_MAX] = {
		[POLICY_ORIGIN_NONE] = "none",
		[POLICY_ORIGIN_DIRECTORY] = "directory",
		[POLICY_ORIGIN_URL] = "url",
		[POLICY_ORIGIN_LAST_GOOD] = "last-good",
	};

	return (unsigned)origin < POLICY_ORIGIN_MAX ? names[origin] : "none";
}

const char *
policy_refusal_name(enum policy_refusal refusal)
{
	static const char *const names[POLICY_REFUSAL_MAX] = {
		[POLICY_REFUSAL_NONE] = "none",
		[POLICY_REFUSAL_BAD_SIGNATURE] = "bad-signature",
		[POLICY_REFUSAL_UNSIGNED] = "unsigned",
		[POLICY_REFUSAL_MALFORMED] = "malformed",
		[POLICY_REFUSAL_COMPILE_FAILED] = "compile-failed",
		[POLICY_REFUSAL_TESTS_FAILED] = "tests-failed",
	};

	return (unsigned)refusal < POLICY_REFUSAL_MAX ? names[refusal] : "none";
}

void
policy_candidate_clear(struct policy_candidate *c)
{
	if (c == NULL)
		return;
	free(c->text);
	free(c->sig);
	memset(c, 0, sizeof(*c));
}

/* ---- signatures ---- */

/*
 * Decide whether @c may go on to be compiled. Fills c->is_signed/c->key and
 * returns NONE, or the refusal with @detail set.
 */
static enum policy_refusal
verify_candidate(const struct policy_source *ps, struct policy_candidate *c,
                 bool signature_required, const uint8_t *sig_file, size_t sig_file_len,
                 char *detail, size_t detail_len)
{
	uint8_t sig[SIG_LEN];
	size_t key = 0;
	int r;

	if (sig_file == NULL) {
		if (signature_required) {
			set_msg(detail, detail_len, "no signature, and signatures are required");
			return POLICY_REFUSAL_UNSIGNED;
		}
		return POLICY_REFUSAL_NONE;
	}
	r = policy_verify_signature_buffer(c->text, c->len, sig_file, sig_file_len, ps->keys,
	                                   ps->n_keys, &key, sig);
	if (r == -EBADMSG) {
		set_msg(detail, detail_len, "the signature file is not an Ed25519 signature");
		return POLICY_REFUSAL_BAD_SIGNATURE;
	}
	if (r == 0) {
		c->is_signed = true;
		copy_str(c->key, sizeof(c->key), ps->key_files[key]);
		c->sig = malloc(SIG_LEN); /* owned by the candidate */
		if (c->sig != NULL) {
			memcpy(c->sig, sig, SIG_LEN);
			c->sig_len = SIG_LEN;
		}
		return POLICY_REFUSAL_NONE;
	}
	set_msg(detail, detail_len, "the signature does not verify with any of the %u trusted keys",
	        ps->n_keys);
	return POLICY_REFUSAL_BAD_SIGNATURE;
}

static int
load_key(const char *path, EVP_PKEY **ret, char *err, size_t errlen)
{
	EVP_PKEY *key;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL) {
		int r = -errno;
		set_msg(err, errlen, "trusted key '%s': %s", path, strerror(errno));
		return r;
	}
	key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL || !EVP_PKEY_is_a(key, "ED25519")) {
		EVP_PKEY_free(key);
		set_msg(err, errlen, "trusted key '%s': not an Ed25519 public key in PEM", path);
		return -EBADMSG;
	}
	*ret = key;
	return 0;
}

/* ---- state ---- */

static int
save_sources(const struct policy_source *ps)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "directory %s\nurl %s %s\n",
	             ps->dir_done[0] ? ps->dir_done : "-", ps->url_done[0] ? ps->url_done : "-",
	             ps->url_etag[0] ? ps->url_etag : "-");
	return write_file_atomic(ps->state_dir, "sources.state", buf, (size_t)n);
}

static void
load_sources(struct policy_source *ps)
{
	char path[1024], *text = NULL, *line, *save = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/sources.state", ps->state_dir);
	if (read_file(path, 4096, &text, &len) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char a[80] = "", b[256] = "";
		if (sscanf(line, "directory %64s", a) == 1 && strcmp(a, "-") != 0)
			copy_str(ps->dir_done, sizeof(ps->dir_done), a);
		else if (sscanf(line, "url %64s %255s", a, b) >= 1) {
			if (strcmp(a, "-") != 0)
				copy_str(ps->url_done, sizeof(ps->url_done), a);
			if (b[0] != '\0' && strcmp(b, "-") != 0)
				copy_str(ps->url_etag, sizeof(ps->url_etag), b);
		}
	}
	free(text);
}

static void
load_current_sha(struct policy_source *ps)
{
	char path[1024], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/current.yaml", ps->state_dir);
	if (read_file(path, POLICY_SOURCE_MAX_POLICY, &text, &len) == 0)
		sha256_hex(text, len, ps->current_sha);
	free(text);
}

static int
ensure_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
init_sync(struct policy_source *ps)
{
	pthread_condattr_t attr;
	int r;

	if (pthread_condattr_init(&attr) != 0)
		return -ENOMEM;
	/* Timed waits on the monotonic clock: the due times are CLOCK_MONOTONIC. */
	r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (r == 0)
		r = pthread_cond_init(&ps->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (r != 0)
		return -ENOMEM;
	if (pthread_mutex_init(&ps->lock, NULL) != 0) {
		pthread_cond_destroy(&ps->wake);
		return -ENOMEM;
	}
	return 0;
}

int
policy_source_new(const struct policy_source_config *cfg, struct policy_source **ret, char *err,
                  size_t errlen)
{
	struct policy_source *ps;
	int r;

	if (cfg->state_directory == NULL || cfg->state_directory[0] == '\0' ||
	    cfg->n_trusted_keys > POLICY_SOURCE_MAX_KEYS || cfg->pull_interval == 0) {
		set_msg(err, errlen,
		        "policy sources: state_directory and pull_interval are required");
		return -EINVAL;
	}
	if (cfg->url != NULL && cfg->url[0] != '\0') {
		if (strncmp(cfg->url, "https://", 8) != 0) {
			set_msg(err, errlen, "policy url '%s': only https:// is allowed", cfg->url);
			return -EINVAL;
		}
		if (cfg->n_trusted_keys == 0) {
			set_msg(err, errlen,
			        "policy url is set but trusted_keys is empty: a pulled policy must be signed");
			return -EINVAL;
		}
	}
	/* require_signature without keys is allowed: every drop-in is refused, saying why. */
	ps = calloc(1, sizeof(*ps)); /* owned by the caller, policy_source_free() */
	if (ps == NULL)
		return -ENOMEM;
	if (init_sync(ps) < 0) {
		free(ps);
		return -ENOMEM;
	}
	copy_str(ps->directory, sizeof(ps->directory), cfg->directory);
	copy_str(ps->url, sizeof(ps->url), cfg->url);
	snprintf(ps->state_dir, sizeof(ps->state_dir), "%s/policy", cfg->state_directory);
	ps->require_signature = cfg->require_signature;
	ps->interval_ms = (uint64_t)cfg->pull_interval * 1000u;
	copy_str(ps->tls_ca, sizeof(ps->tls_ca), cfg->tls_ca);
	copy_str(ps->tls_cert, sizeof(ps->tls_cert), cfg->tls_cert);
	copy_str(ps->tls_key, sizeof(ps->tls_key), cfg->tls_key);
	ps->socket_mark = cfg->socket_mark;
	for (unsigned i = 0; i < cfg->n_trusted_keys; i++) {
		r = load_key(cfg->trusted_keys[i], &ps->keys[i], err, errlen);
		if (r < 0)
			goto fail;
		copy_str(ps->key_files[i], sizeof(ps->key_files[i]), cfg->trusted_keys[i]);
		ps->n_keys++;
	}
	r = ensure_dir(cfg->state_directory);
	if (r == 0)
		r = ensure_dir(ps->state_dir);
	if (r < 0) {
		set_msg(err, errlen, "state directory '%s': %s", ps->state_dir, strerror(-r));
		goto fail;
	}
	load_sources(ps);
	load_current_sha(ps);
	if (ps->url[0] != '\0') {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			set_msg(err, errlen, "cannot initialise the HTTPS client");
			r = -ENOMEM;
			goto fail;
		}
		ps->curl_ready = true;
	}
	*ret = ps;
	return 0;
fail:
	policy_source_free(ps);
	return r;
}

struct policy_source *
policy_source_free(struct policy_source *ps)
{
	if (ps == NULL)
		return NULL;
	policy_source_stop(ps);
	pthread_cond_destroy(&ps->wake);
	pthread_mutex_destroy(&ps->lock);
	for (unsigned i = 0; i < ps->n_keys; i++)
		EVP_PKEY_free(ps->keys[i]);
	if (ps->curl_ready)
		curl_global_cleanup();
	free(ps);
	return NULL;
}

void
policy_source_get_counters(struct policy_source *ps, struct policy_source_counters *ret)
{
	pthread_mutex_lock(&ps->lock);
	*ret = ps->running ? ps->shared_counters : ps->counters;
	pthread_mutex_unlock(&ps->lock);
}

uint64_t
policy_source_next_due_ms(const struct policy_source *ps)
{
	uint64_t due = UINT64_MAX;

	if (ps->directory[0] != '\0')
		due = ps->next_scan_ms;
	if (ps->url[0] != '\0' && ps->next_pull_ms < due)
		due = ps->next_pull_ms;
	return due;
}

static void
mark_processed(struct policy_source *ps, const struct policy_candidate *c)
{
	if (c->origin == POLICY_ORIGIN_DIRECTORY) {
		copy_str(ps->dir_done, sizeof(ps->dir_done), c->content_id);
	} else if (c->origin == POLICY_ORIGIN_URL) {
		copy_str(ps->url_done, sizeof(ps->url_done), c->content_id);
		copy_str(ps->url_etag, sizeof(ps->url_etag), c->etag);
	}
}

static void
report_init(struct policy_source_report *rep, enum policy_origin origin, const char *name)
{
	memset(rep, 0, sizeof(*rep));
	rep->origin = origin;
	copy_str(rep->name, sizeof(rep->name), name);
}

/*
 * Turn verified-or-not bytes into a candidate or a refusal. Takes ownership of
 * @text. Records @content_id as processed for @origin when refused here.
 */
static int
offer(struct policy_source *ps, enum policy_origin origin, bool required, const char *name,
      char *text, size_t len, const uint8_t *sig_file, size_t sig_len, const char *content_id,
      const char *etag, struct policy_candidate *ret, struct policy_source_report *rep)
{
	struct policy_candidate c = { .origin = origin, .text = text, .len = len };
	enum policy_refusal why;

	copy_str(c.name, sizeof(c.name), name);
	copy_str(c.etag, sizeof(c.etag), etag);
	sha256_hex(text, len, c.sha256);
	report_init(rep, origin, name);
	copy_str(rep->sha256, sizeof(rep->sha256), c.sha256);
	why = verify_candidate(ps, &c, required, sig_file, sig_len, rep->detail,
	                       sizeof(rep->detail));
	if (why != POLICY_REFUSAL_NONE) {
		rep->refusal = why;
		ps->counters.refused++;
		copy_str(c.content_id, sizeof(c.content_id), content_id);
		copy_str(c.etag, sizeof(c.etag), etag);
		if (origin != POLICY_ORIGIN_LAST_GOOD) {
			mark_processed(ps, &c);
			(void)save_sources(ps); /* at worst it is reported again after a restart */
		}
		policy_candidate_clear(&c);
		return POLICY_POLL_REFUSED;
	}
	copy_str(c.content_id, sizeof(c.content_id), content_id);
	*ret = c;
	return POLICY_POLL_CANDIDATE;
}

/* ---- the policy.d directory ---- */

struct dropin {
	char name[256];
	struct timespec mtime;
	bool found;
};

static bool
newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec : a->tv_nsec > b->tv_nsec;
}

/* The newest NAME.yaml (by mtime, then name); ignores dot files and editor backups. */
static int
find_newest(const char *dir, struct dropin *ret)
{
	struct dirent *de;
	DIR *d;

	memset(ret, 0, sizeof(*ret));
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (de->d_name[0] == '.' || !policy_name_has_suffix(de->d_name, ".yaml") ||
		    strlen(de->d_name) >= sizeof(ret->name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (!ret->found || newer(&st.st_mtim, &ret->mtime) ||
		    (st.st_mtim.tv_sec == ret->mtime.tv_sec &&
		     st.st_mtim.tv_nsec == ret->mtime.tv_nsec &&
		     strcmp(de->d_name, ret->name) > 0)) {
			copy_str(ret->name, sizeof(ret->name), de->d_name);
			ret->mtime = st.st_mtim;
			ret->found = true;
		}
	}
	closedir(d);
	return 0;
}

static int
poll_directory(struct policy_source *ps, uint64_t now_ms, struct policy_candidate *ret,
               struct policy_source_report *rep)
{
	char path[1024], sig_path[1100], seen[1024], id[65], ids[200];
	char *text = NULL, *sig = NULL;
	size_t len = 0, sig_len = 0;
	struct stat st, sst;
	struct dropin d;
	struct timespec now;
	bool have_sig;
	int r;

	ps->next_scan_ms = now_ms + POLICY_SOURCE_SCAN_MS;
	ps->counters.scans++;
	r = find_newest(ps->directory, &d);
	if (r < 0 || !d.found)
		return POLICY_POLL_NOTHING;
	snprintf(path, sizeof(path), "%s/%s", ps->directory, d.name);
	snprintf(sig_path, sizeof(sig_path), "%s.sig", path);
	if (stat(path, &st) < 0)
		return POLICY_POLL_NOTHING;
	have_sig = stat(sig_path, &sst) == 0 && S_ISREG(sst.st_mode);
	snprintf(seen, sizeof(seen), "%s %lld.%ld %lld %lld.%ld %lld", d.name,
	         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_size,
	         have_sig ? (long long)sst.st_mtim.tv_sec : 0LL,
	         have_sig ? sst.st_mtim.tv_nsec : 0L, have_sig ? (long long)sst.st_size : -1LL);
	if (strcmp(seen, ps->dir_seen) == 0)
		return POLICY_POLL_NOTHING;
	/* Wait until both files have been quiet for a while: writers need not be atomic. */
	clock_gettime(CLOCK_REALTIME, &now);
	{
		struct timespec last = st.st_mtim;
		int64_t age_ms;
		if (have_sig && newer(&sst.st_mtim, &last))
			last = sst.st_mtim;
		age_ms = (int64_t)(now.tv_sec - last.tv_sec) * 1000 +
		         (now.tv_nsec - last.tv_nsec) / 1000000;
		if (age_ms >= 0 && age_ms < (int64_t)POLICY_SOURCE_SETTLE_MS) {
			ps->next_scan_ms =
			        now_ms + (POLICY_SOURCE_SETTLE_MS - (uint64_t)age_ms) + 50;
			return POLICY_POLL_NOTHING;
		}
	}
	copy_str(ps->dir_seen, sizeof(ps->dir_seen), seen);
	r = read_file(path, POLICY_SOURCE_MAX_POLICY, &text, &len);
	if (r == 0 && have_sig)
		r = read_file(sig_path, POLICY_SOURCE_MAX_SIG, &sig, &sig_len);
	if (r < 0) {
		report_init(rep, POLICY_ORIGIN_DIRECTORY, path);
		rep->refusal = POLICY_REFUSAL_MALFORMED;
		set_msg(rep->detail, sizeof(rep->detail), "cannot read the drop-in: %s",
		        r == -EFBIG ? "over the size limit" : strerror(-r));
		ps->counters.refused++;
		free(text);
		free(sig);
		return POLICY_POLL_REFUSED;
	}
	/* Content id: the policy and its signature together. */
	sha256_hex(text, len, id);
	snprintf(ids, sizeof(ids), "%s ", id);
	if (sig != NULL) {
		char sid[65];
		sha256_hex(sig, sig_len, sid);
		strncat(ids, sid, sizeof(ids) - strlen(ids) - 1);
	}
	sha256_hex(ids, strlen(ids), id);
	if (strcmp(id, ps->dir_done) == 0) {
		free(text);
		free(sig);
		return POLICY_POLL_NOTHING;
	}
	r = offer(ps, POLICY_ORIGIN_DIRECTORY, ps->require_signature, path, text, len,
	          (const uint8_t *)sig, sig_len, id, "", ret, rep);
	free(sig);
	if (r == POLICY_POLL_CANDIDATE && strcmp(ret->sha256, ps->current_sha) == 0) {
		/* Already enforced (e.g. the same policy came by URL first): just note it. */
		copy_str(ps->dir_done, sizeof(ps->dir_done), id);
		(void)save_sources(ps);
		policy_candidate_clear(ret);
		return POLICY_POLL_NOTHING;
	}
	return r;
}

/* ---- the HTTPS pull ---- */

struct fetch {
	uint8_t *body;
	size_t len, cap;
	bool too_big;
	char etag[256];
	long retry_after;
};

static size_t
fetch_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;

	if (n > POLICY_SOURCE_MAX_BUNDLE - f->len) {
		f->too_big = true;
		return 0; /* curl aborts the transfer */
	}
	if (f->len + n > f->cap) {
		size_t cap = f->cap ? f->cap : 65536;
		uint8_t *nb;
		while (cap < f->len + n)
			cap *= 2;
		nb = realloc(f->body, cap);
		if (nb == NULL)
			return 0;
		f->body = nb;
		f->cap = cap;
	}
	memcpy(f->body + f->len, p, n);
	f->len += n;
	return n;
}

static size_t
fetch_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb, i;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after a redirect): forget the previous one's headers. */
		f->etag[0] = '\0';
		f->retry_after = 0;
	} else if (n > 5 && strncasecmp(p, "etag:", 5) == 0) {
		for (i = 5; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		size_t end = n;
		while (end > i && (p[end - 1] == '\r' || p[end - 1] == '\n' || p[end - 1] == ' '))
			end--;
		if (end - i < sizeof(f->etag)) {
			bool clean = true;
			for (size_t k = i; k < end; k++)
				clean = clean && p[k] > ' ' && p[k] < 0x7f;
			if (clean) {
				memcpy(f->etag, p + i, end - i);
				f->etag[end - i] = '\0';
			}
		}
	} else if (n > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
		f->retry_after = strtol(p + 12, NULL, 10);
	}
	return n;
}

static void
schedule_pull(struct policy_source *ps, uint64_t now_ms, bool failed)
{
	uint64_t delay;

	if (!failed) {
		ps->counters.consecutive_failures = 0;
		/* interval +-10 %, so an estate's polls do not line up */
		delay = ps->interval_ms - ps->interval_ms / 10 +
		        random_below(ps->interval_ms / 5 + 1);
	} else {
		uint32_t n = ++ps->counters.consecutive_failures;
		uint64_t cap = ps->interval_ms > MAX_BACKOFF_MS ? ps->interval_ms : MAX_BACKOFF_MS;
		uint64_t backoff = POLICY_SOURCE_RETRY_MS;
		for (uint32_t i = 1; i < n && backoff < cap; i++)
			backoff *= 2;
		if (backoff > cap)
			backoff = cap;
		delay = backoff / 2 + random_below(backoff / 2 + 1); /* "equal jitter" */
		if (ps->retry_after_ms > delay)
			delay = ps->retry_after_ms;
	}
	ps->retry_after_ms = 0;
	ps->next_pull_ms = now_ms + delay;
}

/* Lets policy_source_stop() abort a transfer in progress. */
static int
fetch_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
               curl_off_t ulnow)
{
	const struct policy_source *ps = arg;

	return atomic_load(&ps->stop) ? 1 : 0;
}

/* Marks the pull's sockets so our own rules never queue them (needs CAP_NET_ADMIN). */
static int
mark_socket(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	const struct policy_source *ps = arg;

	if (purpose == CURLSOCKTYPE_IPCXN && ps->socket_mark != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_MARK, &ps->socket_mark,
		                 sizeof(ps->socket_mark));
	return CURL_SOCKOPT_OK;
}

static int
http_get(struct policy_source *ps, struct fetch *f, long *ret_status, char *detail, size_t dlen)
{
	char errbuf[CURL_ERROR_SIZE] = "", inm[300];
	struct curl_slist *hdrs = NULL;
	CURLcode cc;
	CURL *h;
	int r = 0;

	h = curl_easy_init();
	if (h == NULL)
		return -ENOMEM;
	curl_easy_setopt(h, CURLOPT_URL, ps->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TRANSFER_MS);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "phiguard/" PHIGUARD_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fetch_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, fetch_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, ps);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, mark_socket);
	curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, ps);
	if (ps->tls_ca[0] != '\0') {
		/* Pinned: only this CA, not the system store as well. */
		curl_easy_setopt(h, CURLOPT_CAINFO, ps->tls_ca);
		curl_easy_setopt(h, CURLOPT_CAPATH, (char *)NULL);
	}
	if (ps->tls_cert[0] != '\0')
		curl_easy_setopt(h, CURLOPT_SSLCERT, ps->tls_cert);
	if (ps->tls_key[0] != '\0')
		curl_easy_setopt(h, CURLOPT_SSLKEY, ps->tls_key);
	if (ps->url_etag[0] != '\0') {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", ps->url_etag);
		hdrs = curl_slist_append(hdrs, inm);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		if (f->too_big) {
			set_msg(detail, dlen, "bundle larger than %u bytes",
			        POLICY_SOURCE_MAX_BUNDLE);
			r = -EFBIG;
		} else {
			set_msg(detail, dlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
			r = -EIO;
		}
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, ret_status);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return r;
}

static int
poll_url(struct policy_source *ps, uint64_t now_ms, struct policy_candidate *ret,
         struct policy_source_report *rep)
{
	struct fetch f = { 0 };
	struct policy_bundle b;
	char id[65], name[800];
	long status = 0;
	char *text = NULL;
	int r;

	ps->counters.pulls++;
	report_init(rep, POLICY_ORIGIN_URL, ps->url);
	r = http_get(ps, &f, &status, rep->detail, sizeof(rep->detail));
	if (r == 0 && status == 304) {
		ps->counters.not_modified++;
		schedule_pull(ps, now_ms, false);
		r = POLICY_POLL_NOTHING;
		goto out;
	}
	if (r == 0 && status != 200) {
		set_msg(rep->detail, sizeof(rep->detail), "HTTP status %ld", status);
		if ((status == 429 || status == 503) && f.retry_after > 0)
			ps->retry_after_ms =
			        (uint64_t)(f.retry_after > 3600 ? 3600 : f.retry_after) * 1000u;
		r = -EIO;
	}
	if (r < 0) {
		ps->counters.fetch_errors++;
		schedule_pull(ps, now_ms, true);
		goto out;
	}
	ps->counters.fetched++;
	schedule_pull(ps, now_ms, false);
	sha256_hex(f.body != NULL ? (void *)f.body : (void *)"", f.len, id);
	if (strcmp(id, ps->url_done) == 0) {
		/* Same bytes as last time (the server ignores If-None-Match). */
		copy_str(ps->url_etag, sizeof(ps->url_etag), f.etag);
		r = POLICY_POLL_NOTHING;
		goto out;
	}
	if (policy_bundle_parse(f.body, f.len, &b) < 0) {
		rep->refusal = POLICY_REFUSAL_MALFORMED;
		copy_str(rep->sha256, sizeof(rep->sha256), id);
		set_msg(rep->detail, sizeof(rep->detail),
		        "not a bundle: a tar with one NAME.yaml and NAME.yaml.sig");
		copy_str(ps->url_done, sizeof(ps->url_done), id);
		copy_str(ps->url_etag, sizeof(ps->url_etag), f.etag);
		(void)save_sources(ps);
		ps->counters.refused++;
		r = POLICY_POLL_REFUSED;
		goto out;
	}
	text = malloc(b.policy_len + 1); /* ownership passes to offer() */
	if (text == NULL) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(text, b.policy, b.policy_len);
	text[b.policy_len] = '\0';
	snprintf(name, sizeof(name), "%s#%s", ps->url, b.name);
	r = offer(ps, POLICY_ORIGIN_URL, true, name, text, b.policy_len, b.sig, b.sig_len, id,
	          f.etag, ret, rep);
	if (r == POLICY_POLL_CANDIDATE && strcmp(ret->sha256, ps->current_sha) == 0) {
		/* Already enforced (e.g. the same policy came as a drop-in first): just note it. */
		copy_str(ps->url_done, sizeof(ps->url_done), id);
		copy_str(ps->url_etag, sizeof(ps->url_etag), f.etag);
		(void)save_sources(ps);
		policy_candidate_clear(ret);
		r = POLICY_POLL_NOTHING;
	}
out:
	free(f.body);
	return r;
}

int
policy_source_poll(struct policy_source *ps, uint64_t now_ms, struct policy_candidate *ret,
                   struct policy_source_report *rep)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	memset(rep, 0, sizeof(*rep));
	if (ps->directory[0] != '\0' && now_ms >= ps->next_scan_ms) {
		r = poll_directory(ps, now_ms, ret, rep);
		if (r != POLICY_POLL_NOTHING)
			return r;
	}
	if (ps->url[0] == '\0')
		return POLICY_POLL_NOTHING;
	/* The first pull is at once (next_pull_ms 0); later ones are jittered. */
	if (now_ms < ps->next_pull_ms)
		return POLICY_POLL_NOTHING;
	return poll_url(ps, now_ms, ret, rep);
}

/* ---- commit, refuse, last good ---- */

int
policy_source_commit(struct policy_source *ps, const struct policy_candidate *c)
{
	char meta[2048], sig_path[1024];
	int n, r;

	if (c->origin != POLICY_ORIGIN_LAST_GOOD) {
		if (c->is_signed && c->sig != NULL) {
			r = write_file_atomic(ps->state_dir, "current.yaml.sig", c->sig,
			                      c->sig_len);
		} else {
			snprintf(sig_path, sizeof(sig_path), "%s/current.yaml.sig", ps->state_dir);
			r = unlink(sig_path) < 0 && errno != ENOENT ? -errno : 0;
		}
		/* The policy last: a crash in between leaves a pair that fails to verify, never a
		 * new policy with an old signature that verifies. */
		if (r == 0)
			r = write_file_atomic(ps->state_dir, "current.yaml", c->text, c->len);
		if (r < 0)
			return r;
		n = snprintf(meta, sizeof(meta),
		             "origin=%s\nname=%s\nsha256=%s\nkey=%s\ncommitted=%lld\n",
		             policy_origin_name(c->origin), c->name, c->sha256, c->key,
		             (long long)time(NULL));
		r = write_file_atomic(ps->state_dir, "current.meta", meta, (size_t)n);
		if (r < 0)
			return r;
	}
	copy_str(ps->current_sha, sizeof(ps->current_sha), c->sha256);
	mark_processed(ps, c);
	ps->counters.committed++;
	return save_sources(ps);
}

int
policy_source_refuse(struct policy_source *ps, const struct policy_candidate *c,
                     enum policy_refusal why)
{
	(void)why; /* the caller reports it; what matters here is not offering it again */
	ps->counters.refused++;
	mark_processed(ps, c);
	return save_sources(ps);
}

int
policy_source_last_good(struct policy_source *ps, struct policy_candidate *ret,
                        struct policy_source_report *rep)
{
	char path[1024], *text = NULL, *sig = NULL, *meta = NULL, *line, *save = NULL;
	char origin[32] = "", name[512] = "";
	size_t len = 0, sig_len = 0, meta_len = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	snprintf(path, sizeof(path), "%s/current.yaml", ps->state_dir);
	r = read_file(path, POLICY_SOURCE_MAX_POLICY, &text, &len);
	if (r == -ENOENT)
		return POLICY_POLL_NOTHING;
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/current.yaml.sig", ps->state_dir);
	r = read_file(path, POLICY_SOURCE_MAX_SIG, &sig, &sig_len);
	if (r < 0 && r != -ENOENT) {
		free(text);
		return r;
	}
	snprintf(path, sizeof(path), "%s/current.meta", ps->state_dir);
	if (read_file(path, 8192, &meta, &meta_len) == 0) {
		for (line = strtok_r(meta, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "origin=", 7) == 0)
				copy_str(origin, sizeof(origin), line + 7);
			else if (strncmp(line, "name=", 5) == 0)
				copy_str(name, sizeof(name), line + 5);
		}
	}
	free(meta);
	/* Verified again with today's keys; a pulled policy needed a signature then and still does. */
	r = offer(ps, POLICY_ORIGIN_LAST_GOOD, ps->require_signature || strcmp(origin, "url") == 0,
	          name[0] ? name : "last-good", text, len, (const uint8_t *)sig, sig_len, "", "",
	          ret, rep);
	free(sig);
	return r;
}

/* ---- the policy thread ---- */

/* Hand a verified candidate to the caller, then commit or refuse it. */
static void
apply_candidate(struct policy_source *ps, struct policy_candidate *c)
{
	struct policy_source_report rep;
	enum policy_refusal why;

	report_init(&rep, c->origin, c->name);
	copy_str(rep.sha256, sizeof(rep.sha256), c->sha256);
	why = ps->hooks.apply(ps->hooks.arg, c, rep.detail, sizeof(rep.detail));
	if (why == POLICY_REFUSAL_NONE) {
		int r = policy_source_commit(ps, c);
		if (r < 0 && ps->hooks.report != NULL) {
			set_msg(rep.detail, sizeof(rep.detail),
			        "in force, but not kept as the last good policy: %s", strerror(-r));
			ps->hooks.report(ps->hooks.arg, &rep, r);
		}
		return;
	}
	rep.refusal = why;
	(void)policy_source_refuse(ps, c, why);
	if (ps->hooks.report != NULL)
		ps->hooks.report(ps->hooks.arg, &rep, 0);
}

int
policy_source_restore(struct policy_source *ps, const struct policy_source_hooks *hooks)
{
	struct policy_candidate c;
	struct policy_source_report rep;
	int r;

	ps->hooks = *hooks;
	r = policy_source_last_good(ps, &c, &rep);
	if (r == POLICY_POLL_REFUSED && hooks->report != NULL)
		hooks->report(hooks->arg, &rep, 0);
	if (r != POLICY_POLL_CANDIDATE)
		return r < 0 ? r : 0;
	report_init(&rep, c.origin, c.name);
	copy_str(rep.sha256, sizeof(rep.sha256), c.sha256);
	/* A newer agent may no longer compile an old policy: then it is refused, not kept. */
	rep.refusal = hooks->apply(hooks->arg, &c, rep.detail, sizeof(rep.detail));
	r = rep.refusal == POLICY_REFUSAL_NONE;
	if (r)
		copy_str(ps->current_sha, sizeof(ps->current_sha), c.sha256);
	else if (hooks->report != NULL)
		hooks->report(hooks->arg, &rep, 0);
	policy_candidate_clear(&c);
	return r;
}

static void *
policy_thread(void *arg)
{
	struct policy_source *ps = arg;

	while (!atomic_load(&ps->stop)) {
		struct policy_candidate c;
		struct policy_source_report rep;
		uint64_t now = clock_usec(CLOCK_MONOTONIC) / 1000u, due;
		struct timespec until;
		int r;

		pthread_mutex_lock(&ps->lock);
		if (ps->kick) {
			/* SIGHUP or a control request: look at every source now. */
			ps->kick = false;
			ps->next_scan_ms = 0;
			ps->dir_seen[0] = '\0';
			if (ps->url[0] != '\0')
				ps->next_pull_ms = now;
		}
		due = policy_source_next_due_ms(ps);
		if (now < due) {
			if (due - now > 60000)
				due = now + 60000;
			until.tv_sec = (time_t)(due / 1000u);
			until.tv_nsec = (long)(due % 1000u) * 1000000L;
			if (!atomic_load(&ps->stop))
				pthread_cond_timedwait(&ps->wake, &ps->lock, &until);
			pthread_mutex_unlock(&ps->lock);
			continue;
		}
		pthread_mutex_unlock(&ps->lock);

		r = policy_source_poll(ps, now, &c, &rep);
		if (r == POLICY_POLL_CANDIDATE)
			apply_candidate(ps, &c);
		else if ((r == POLICY_POLL_REFUSED || r < 0) && ps->hooks.report != NULL &&
		         !atomic_load(&ps->stop))
			ps->hooks.report(ps->hooks.arg, &rep, r < 0 ? r : 0);
		policy_candidate_clear(&c);
		pthread_mutex_lock(&ps->lock);
		ps->shared_counters = ps->counters;
		pthread_mutex_unlock(&ps->lock);
	}
	return NULL;
}

int
policy_source_start(struct policy_source *ps, const struct policy_source_hooks *hooks)
{
	int r;

	if (ps->running)
		return -EBUSY;
	ps->hooks = *hooks;
	atomic_store(&ps->stop, false);
	ps->shared_counters = ps->counters;
	r = pthread_create(&ps->thread, NULL, policy_thread, ps);
	if (r != 0)
		return -r;
	(void)pthread_setname_np(ps->thread, "phiguard-policy");
	pthread_mutex_lock(&ps->lock);
	ps->running = true;
	pthread_mutex_unlock(&ps->lock);
	return 0;
}

void
policy_source_kick(struct policy_source *ps)
{
	pthread_mutex_lock(&ps->lock);
	ps->kick = true;
	pthread_cond_signal(&ps->wake);
	pthread_mutex_unlock(&ps->lock);
}

void
policy_source_stop(struct policy_source *ps)
{
	bool running;

	pthread_mutex_lock(&ps->lock);
	running = ps->running;
	atomic_store(&ps->stop, true);
	pthread_cond_signal(&ps->wake);
	pthread_mutex_unlock(&ps->lock);
	if (!running)
		return;
	pthread_join(ps->thread, NULL);
	pthread_mutex_lock(&ps->lock);
	ps->running = false;
	pthread_mutex_unlock(&ps->lock);
}
