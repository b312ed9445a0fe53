/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_POLICY_SOURCE_H
#define PHIGUARD_DAEMON_POLICY_SOURCE_H

/*
 * Where new policies come from, and the proof that they may be compiled.
 *
 * Two sources feed the agent besides policy.file: signed drop-ins in
 * policy.d (NAME.yaml + NAME.yaml.sig, written by configuration management)
 * and a signed bundle pulled over HTTPS with a client certificate (a tar of
 * NAME.yaml and NAME.yaml.sig, served by any web server or CDN). Each new
 * policy's Ed25519 signature is checked against the pinned keys here, before
 * anything is compiled; only then is it handed to the caller as a candidate.
 * The caller compiles it and runs its embedded tests, then says which way it
 * went: policy_source_commit() (it is now enforced: kept as the last good
 * policy across restarts) or policy_source_refuse() (never offered again
 * until its bytes change). A refused policy never replaces a good one.
 *
 * State directory layout (state_directory, default /var/lib/phiguard):
 *   policy/current.yaml       the last good policy, byte for byte
 *   policy/current.yaml.sig   its signature (absent when it was unsigned)
 *   policy/current.meta       origin, name, sha256, key and commit time (key=value lines)
 *   policy/sources.state      per source, the sha256 of the last policy processed
 *                             (committed or refused) and, for the URL, its ETag
 * Every file is replaced atomically (temporary file, fsync, rename).
 *
 * Threading: policy_source_poll() may block for a whole HTTPS fetch (bounded:
 * 10 s to connect, 30 s in all), so the daemon calls it from the thread that
 * compiles policies, never from a packet worker or the watchdog loop. One
 * struct policy_source is used by one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define POLICY_SOURCE_MAX_POLICY (4u << 20) /* bytes of policy YAML */
#define POLICY_SOURCE_MAX_BUNDLE (POLICY_SOURCE_MAX_POLICY + (64u << 10))
#define POLICY_SOURCE_MAX_SIG    4096u
#define POLICY_SOURCE_MAX_KEYS   8
#define POLICY_SOURCE_SETTLE_MS  2000u  /* a drop-in must be this quiet before it is read */
#define POLICY_SOURCE_SCAN_MS    2000u  /* how often the directory is looked at */
#define POLICY_SOURCE_RETRY_MS   30000u /* first retry after a failed pull, doubled each time */

struct policy_source_config {
	const char *directory;                            /* policy.d, or NULL/"" for none */
	const char *url;                                  /* https://..., or NULL/"" for none */
	const char *state_directory;                      /* required */
	const char *trusted_keys[POLICY_SOURCE_MAX_KEYS]; /* Ed25519 public keys, PEM files */
	unsigned n_trusted_keys;
	bool require_signature; /* drop-ins; a pulled bundle must always be signed */
	uint32_t pull_interval; /* seconds, > 0 */
	const char *tls_ca;     /* pinned CA for the URL; NULL/"" -> system store */
	const char *tls_cert;   /* client certificate (PEM) */
	const char *tls_key;    /* its key (PEM) */
	uint32_t socket_mark;   /* SO_MARK on the pull's sockets (0: none) */
};

enum policy_origin {
	POLICY_ORIGIN_NONE = 0,
	POLICY_ORIGIN_DIRECTORY,
	POLICY_ORIGIN_URL,
	POLICY_ORIGIN_LAST_GOOD,
	POLICY_ORIGIN_MAX,
};

/* Why a policy was refused; the names are event.reason values ("bad-signature", ...). */
enum policy_refusal {
	POLICY_REFUSAL_NONE = 0,
	POLICY_REFUSAL_BAD_SIGNATURE,  /* a signature, but not by a trusted key over these bytes */
	POLICY_REFUSAL_UNSIGNED,       /* no signature where one is required */
	POLICY_REFUSAL_MALFORMED,      /* unreadable bundle or files, or over the size limits */
	POLICY_REFUSAL_COMPILE_FAILED, /* reported by the caller */
	POLICY_REFUSAL_TESTS_FAILED,   /* reported by the caller */
	POLICY_REFUSAL_MAX,
};

struct policy_candidate {
	enum policy_origin origin;
	char name[512];  /* drop-in path or URL (with the member name for bundles) */
	char sha256[65]; /* hex of the policy bytes */
	bool is_signed;
	char key[512]; /* trusted key file that verified it, "" when unsigned */
	char *text;    /* policy bytes, NUL-terminated; owned, see _clear() */
	size_t len;
	uint8_t *sig; /* raw 64-byte Ed25519 signature, or NULL; owned */
	size_t sig_len;
	char etag[256];      /* URL only */
	char content_id[65]; /* what marks its source as processed (bundle or pair hash) */
};

/* What a poll found when it refuses (refusal != NONE) or fails to fetch. */
struct policy_source_report {
	enum policy_origin origin;
	enum policy_refusal refusal;
	char name[512];
	char sha256[65];  /* "" when the bytes never arrived */
	char detail[256]; /* one line for people, no policy content */
};

enum {
	POLICY_POLL_NOTHING = 0,   /* nothing new */
	POLICY_POLL_CANDIDATE = 1, /* *ret_candidate is a verified policy to compile */
	POLICY_POLL_REFUSED = 2,   /* *ret_report says what was refused and why */
};

struct policy_source_counters {
	uint64_t scans, pulls, not_modified, fetched, fetch_errors, refused, committed;
	uint32_t consecutive_failures;
};

struct policy_source;

/*
 * Load the trusted keys and the state. 0, or negative errno with a message in
 * @err: -EINVAL for a configuration that cannot be right (a URL that is not
 * https://, a URL without trusted keys, require_signature without keys),
 * -ENOENT/-EACCES/-EBADMSG for a key file that is missing, unreadable or not
 * an Ed25519 public key.
 */
int policy_source_new(const struct policy_source_config *config, struct policy_source **ret,
                      char *err, size_t errlen);
/* Accepts NULL; returns NULL. */
struct policy_source *policy_source_free(struct policy_source *ps);

/*
 * The last good policy, verified again against today's keys (a key removed
 * from trusted_keys revokes it). POLICY_POLL_CANDIDATE with origin LAST_GOOD,
 * POLICY_POLL_NOTHING when there is none, POLICY_POLL_REFUSED when it no
 * longer verifies, or negative errno.
 */
int policy_source_last_good(struct policy_source *ps, struct policy_candidate *ret_candidate,
                            struct policy_source_report *ret_report);

/*
 * Look at the directory (every call) and pull the URL when it is due at
 * @now_ms (CLOCK_MONOTONIC milliseconds). Returns POLICY_POLL_*, or negative
 * errno when a pull failed (*ret_report has the detail; the next pull backs
 * off). On POLICY_POLL_CANDIDATE the caller owns the candidate's buffers and
 * must follow with policy_source_commit() or policy_source_refuse().
 */
int policy_source_poll(struct policy_source *ps, uint64_t now_ms,
                       struct policy_candidate *ret_candidate,
                       struct policy_source_report *ret_report);

/* When the next poll has work to do (directory scan or pull), CLOCK_MONOTONIC ms. */
uint64_t policy_source_next_due_ms(const struct policy_source *ps);

/* The candidate is enforced now: keep it as the last good policy. 0 or negative errno. */
int policy_source_commit(struct policy_source *ps, const struct policy_candidate *candidate);

/* The caller refused the candidate (compile or tests failed): do not offer it again. */
int policy_source_refuse(struct policy_source *ps, const struct policy_candidate *candidate,
                         enum policy_refusal why);

/*
 * The simple way to drive all of the above: a thread of its own.
 *
 * apply() compiles @candidate and runs its embedded tests; if both pass it
 * puts the policy in force and returns POLICY_REFUSAL_NONE, else it returns
 * POLICY_REFUSAL_COMPILE_FAILED or _TESTS_FAILED with @detail filled (one
 * line, no policy content). report() hears every refusal (error 0) and every
 * failed pull (error < 0, refusal NONE): the daemon turns them into
 * `policy-refused` events and log lines. Both are called from the policy
 * thread (or, for restore, the caller's); apply() may take seconds.
 */
struct policy_source_hooks {
	enum policy_refusal (*apply)(void *arg, const struct policy_candidate *candidate,
	                             char *detail, size_t detail_len);
	void (*report)(void *arg, const struct policy_source_report *report, int error);
	void *arg;
};

/*
 * At start, before the workers run: put the last good policy back in force
 * through hooks->apply. 1 when it is in force, 0 when there is none or it
 * no longer verifies (reported), negative errno on I/O errors. The caller
 * then falls back to policy.file or the built-in policy.
 */
int policy_source_restore(struct policy_source *ps, const struct policy_source_hooks *hooks);

/* Start the policy thread: directory every 2 s, URL when due. 0 or negative errno. */
int policy_source_start(struct policy_source *ps, const struct policy_source_hooks *hooks);
/* Look at every source now (SIGHUP, `reload` on the control socket). Any thread. */
void policy_source_kick(struct policy_source *ps);
/* Stop the thread (aborting a transfer in progress) and join it. Idempotent. */
void policy_source_stop(struct policy_source *ps);

/* Free the candidate's buffers and zero it. Accepts a zeroed candidate. */
void policy_candidate_clear(struct policy_candidate *candidate);

void policy_source_get_counters(struct policy_source *ps, struct policy_source_counters *ret);

const char *policy_origin_name(enum policy_origin origin);    /* "directory", "url", ... */
const char *policy_refusal_name(enum policy_refusal refusal); /* "bad-signature", ... */

/*
 * A bundle is a tar archive (ustar, GNU or pax) holding one NAME.yaml and,
 * normally, NAME.yaml.sig; other members are ignored. Pointers into @data are
 * returned (no copies). 0, or -EBADMSG for a malformed archive, none or
 * several .yaml members, or members over the limits above.
 */
struct policy_bundle {
	char name[256]; /* NAME.yaml, without directories */
	const uint8_t *policy;
	size_t policy_len;
	const uint8_t *sig; /* NULL when the bundle has no NAME.yaml.sig */
	size_t sig_len;
};
int policy_bundle_parse(const uint8_t *data, size_t len, struct policy_bundle *ret);

/* Does the file name @s end with @suffix (".yaml", ".yaml.sig")? */
static inline bool
policy_name_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

#endif
