/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy sources: signatures checked before anything is handed on, refusals
 * reported once, the last good policy kept across restarts and re-verified
 * against today's keys. Keys are generated here; files are real files.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "daemon/policy_source.h"
#include "policy/sign.h"
#include "tap.h"

static char root[64];
static char dropins[128], state[128], key_ok[128], key_other[128];
static EVP_PKEY *trusted, *untrusted;

static const char policy_a[] = "version: \"2026.1\"\nrules: []\n";
static const char policy_b[] = "version: \"2026.2\"\nrules: []\n";
static const char policy_c[] = "version: \"2026.3\"\nrules: []\n";

/* Set @path's times to @age seconds ago. */
static void
backdate(const char *path, time_t age)
{
	struct timespec ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= age;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
}

static void
write_bytes(const char *path, const void *data, size_t len, time_t age)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
	backdate(path, age);
}

static void
sign(EVP_PKEY *key, const char *text, uint8_t sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = 64;

	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &len, (const uint8_t *)text, strlen(text)) != 1 || len != 64)
		abort();
	EVP_MD_CTX_free(ctx);
}

/* NAME.yaml (+ NAME.yaml.sig as base64 text when @key), both @age seconds old. */
static void
dropin(const char *name, const char *text, EVP_PKEY *key, time_t age)
{
	char path[256], sig_path[300], b64[100];
	uint8_t sig[64];

	/*
	 * Both files are written fresh, then aged: the agent's settle rule (a
	 * pair is read once both have been quiet for a while) keeps a source
	 * thread from reading a new policy with the old signature meanwhile.
	 */
	snprintf(path, sizeof(path), "%s/%s", dropins, name);
	snprintf(sig_path, sizeof(sig_path), "%s.sig", path);
	write_bytes(path, text, strlen(text), 0);
	if (key != NULL) {
		sign(key, text, sig);
		EVP_EncodeBlock((unsigned char *)b64, sig, 64);
		strcat(b64, "\n");
		write_bytes(sig_path, b64, strlen(b64), 0);
		backdate(sig_path, age);
	}
	backdate(path, age);
}

static void
write_pubkey(EVP_PKEY *key, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || PEM_write_PUBKEY(f, key) != 1)
		abort();
	fclose(f);
}

static struct policy_source *
open_source(const char *key, bool require_signature)
{
	struct policy_source_config cfg = {
		.directory = dropins,
		.state_directory = state,
		.require_signature = require_signature,
		.pull_interval = 300,
		.n_trusted_keys = 1,
	};
	struct policy_source *ps = NULL;
	char err[256] = "";

	cfg.trusted_keys[0] = key;
	if (policy_source_new(&cfg, &ps, err, sizeof(err)) < 0)
		tap_diag("policy_source_new: %s", err);
	return ps;
}

static uint64_t now_ms = 1000000;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw);

static int
poll_once(struct policy_source *ps, struct policy_candidate *c, struct policy_source_report *rep)
{
	now_ms += POLICY_SOURCE_SCAN_MS;
	return policy_source_poll(ps, now_ms, c, rep);
}

/* ---- tar ---- */

static size_t
tar_add(uint8_t *buf, size_t off, const char *name, char type, const void *data, size_t len)
{
	uint8_t *h = buf + off;
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011zo", len);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	memcpy(h + 512, data, len);
	return off + 512 + ((len + 511) & ~(size_t)511);
}

static void
test_bundles(void)
{
	static uint8_t buf[16384];
	struct policy_bundle b;
	uint8_t sig[64];
	size_t n;

	sign(trusted, policy_a, sig);
	memset(buf, 0, sizeof(buf));
	n = tar_add(buf, 0, "./", '5', "", 0);
	n = tar_add(buf, n, "./PaxHeaders/x", 'x', "20 path=ignored.txt\n", 20);
	n = tar_add(buf, n, "./estate.yaml", '0', policy_a, strlen(policy_a));
	n = tar_add(buf, n, "./estate.yaml.sig", '0', sig, 64);
	n = tar_add(buf, n, "./README", '0', "hello", 5);
	tap_eq_int(policy_bundle_parse(buf, n + 1024, &b), 0,
	           "bundle: tar with dir, pax header, yaml, sig");
	tap_eq_str(b.name, "estate.yaml", "bundle: member name without directories");
	tap_ok(b.policy_len == strlen(policy_a) && memcmp(b.policy, policy_a, b.policy_len) == 0,
	       "bundle: policy bytes");
	tap_ok(b.sig != NULL && b.sig_len == 64 && memcmp(b.sig, sig, 64) == 0,
	       "bundle: signature bytes");

	buf[n + 512 + 100] ^= 1; /* nothing after the end marker matters */
	tap_eq_int(policy_bundle_parse(buf, n, &b), 0, "bundle: end of data ends the archive");
	tap_eq_int(policy_bundle_parse(buf, n - 600, &b), -EBADMSG, "bundle: truncated member");

	n = tar_add(buf, 0, "a.yaml", '0', policy_a, strlen(policy_a));
	n = tar_add(buf, n, "b.yaml", '0', policy_b, strlen(policy_b));
	tap_eq_int(policy_bundle_parse(buf, n, &b), -EBADMSG, "bundle: two policies refused");

	n = tar_add(buf, 0, "a.yaml", '0', policy_a, strlen(policy_a));
	buf[10] ^= 0x20;
	tap_eq_int(policy_bundle_parse(buf, n, &b), -EBADMSG, "bundle: bad header checksum");

	n = tar_add(buf, 0, "only.txt", '0', "x", 1);
	tap_eq_int(policy_bundle_parse(buf, n, &b), -EBADMSG, "bundle: no policy");
	tap_eq_int(policy_bundle_parse((const uint8_t *)"not a tar", 9, &b), -EBADMSG,
	           "bundle: not a tar");
}

static void
test_signature_decode(void)
{
	static const char pem[] =
	        "-----BEGIN PHIGUARD SIGNATURE-----\n"
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n"
	        "MDEyMzQ1Njc4OTo7PD0+Pw==\n"
	        "-----END PHIGUARD SIGNATURE-----\n";
	uint8_t raw[64], got[64];

	for (int i = 0; i < 64; i++)
		raw[i] = (uint8_t)i;
	tap_ok(policy_signature_decode(raw, 64, got) == 0 && memcmp(raw, got, 64) == 0,
	       "signature: raw 64 bytes");
	memset(got, 0, sizeof(got));
	tap_ok(policy_signature_decode((const uint8_t *)pem, strlen(pem), got) == 0 &&
	               memcmp(raw, got, 64) == 0,
	       "signature: PEM-armoured base64");
	tap_eq_int(policy_signature_decode((const uint8_t *)"AAEC\n", 5, got), -EBADMSG,
	           "signature: too short");
	tap_eq_int(policy_signature_decode((const uint8_t *)"!!!!", 4, got), -EBADMSG,
	           "signature: not base64");
}

static void
test_config_errors(void)
{
	struct policy_source_config cfg = {
		.state_directory = state,
		.pull_interval = 60,
		.url = "http://10.200.0.1/p.tar",
		.n_trusted_keys = 1,
		.trusted_keys = { key_ok },
	};
	struct policy_source *ps = NULL;
	char err[256];

	tap_eq_int(policy_source_new(&cfg, &ps, err, sizeof(err)), -EINVAL,
	           "config: http:// refused");
	cfg.url = "https://10.200.0.1/p.tar";
	cfg.n_trusted_keys = 0;
	tap_eq_int(policy_source_new(&cfg, &ps, err, sizeof(err)), -EINVAL,
	           "config: a URL without trusted keys refused");
	cfg.n_trusted_keys = 1;
	cfg.trusted_keys[0] = "/nonexistent/key.pem";
	tap_eq_int(policy_source_new(&cfg, &ps, err, sizeof(err)), -ENOENT,
	           "config: missing key file");
	cfg.trusted_keys[0] = dropins; /* a directory is not a key */
	tap_ok(policy_source_new(&cfg, &ps, err, sizeof(err)) < 0, "config: unreadable key: %s",
	       err);
}

static void
test_dropins(void)
{
	struct policy_candidate c = { 0 };
	struct policy_source_report rep;
	struct policy_source *ps;
	char sha_a[65];
	int r;

	ps = open_source(key_ok, true);
	tap_ok(ps != NULL, "drop-ins: source opened");
	if (ps == NULL)
		return;
	tap_eq_int(poll_once(ps, &c, &rep), POLICY_POLL_NOTHING, "drop-ins: empty directory");

	dropin("estate.yaml", policy_a, trusted, 60);
	r = poll_once(ps, &c, &rep);
	tap_eq_int(r, POLICY_POLL_CANDIDATE, "drop-ins: signed policy offered");
	tap_ok(c.is_signed && strcmp(c.key, key_ok) == 0, "drop-ins: verified by the trusted key");
	tap_ok(c.text != NULL && strcmp(c.text, policy_a) == 0, "drop-ins: policy bytes handed on");
	snprintf(sha_a, sizeof(sha_a), "%s", c.sha256);
	tap_eq_int(strlen(sha_a), 64, "drop-ins: sha256 computed");
	tap_eq_int(policy_source_commit(ps, &c), 0, "drop-ins: committed");
	policy_candidate_clear(&c);
	tap_eq_int(poll_once(ps, &c, &rep), POLICY_POLL_NOTHING,
	           "drop-ins: nothing new after commit");

	/* Tampered: new bytes, the old signature. */
	dropin("estate.yaml", policy_b, NULL, 50);
	r = poll_once(ps, &c, &rep);
	tap_eq_int(r, POLICY_POLL_REFUSED, "drop-ins: tampered policy refused");
	tap_eq_str(policy_refusal_name(rep.refusal), "bad-signature",
	           "drop-ins: reason bad-signature");
	tap_ok(strstr(rep.detail, "trusted") != NULL, "drop-ins: detail says why: %s", rep.detail);
	tap_eq_int(poll_once(ps, &c, &rep), POLICY_POLL_NOTHING,
	           "drop-ins: a refusal is reported once");

	/* Signed by a key nobody trusts. */
	dropin("other.yaml", policy_b, untrusted, 40);
	tap_eq_int(poll_once(ps, &c, &rep), POLICY_POLL_REFUSED, "drop-ins: untrusted key refused");

	/* Unsigned while signatures are required. */
	dropin("unsigned.yaml", policy_c, NULL, 30);
	tap_eq_int(poll_once(ps, &c, &rep), POLICY_POLL_REFUSED, "drop-ins: unsigned refused");
	tap_eq_str(policy_refusal_name(rep.refusal), "unsigned", "drop-ins: reason unsigned");

	/* Still being written: not read until it has been quiet for a while. */
	dropin("fresh.yaml", policy_c, trusted, 0);
	tap_eq_int(policy_source_poll(ps, now_ms + 1, &c, &rep), POLICY_POLL_NOTHING,
	           "drop-ins: a pair just written waits");
	dropin("fresh.yaml", policy_c, trusted, 20);
	r = poll_once(ps, &c, &rep);
	tap_eq_int(r, POLICY_POLL_CANDIDATE, "drop-ins: offered once quiet");
	/* The caller's compile failed: refused, never offered again. */
	tap_eq_int(policy_source_refuse(ps, &c, POLICY_REFUSAL_COMPILE_FAILED), 0,
	           "drop-ins: caller refuses (compile failed)");
	policy_candidate_clear(&c);
	tap_eq_int(poll_once(ps, &c, &rep), POLICY_POLL_NOTHING,
	           "drop-ins: refused pair not offered again");
	ps = policy_source_free(ps);

	/* Restart: the last good policy is A, and nothing processed comes back. */
	ps = open_source(key_ok, true);
	r = policy_source_last_good(ps, &c, &rep);
	tap_eq_int(r, POLICY_POLL_CANDIDATE, "restart: last good policy found");
	tap_ok(c.origin == POLICY_ORIGIN_LAST_GOOD && strcmp(c.sha256, sha_a) == 0 && c.is_signed,
	       "restart: it is the committed policy, signature verified again");
	policy_candidate_clear(&c);
	tap_eq_int(poll_once(ps, &c, &rep), POLICY_POLL_NOTHING,
	           "restart: refused and enforced drop-ins are not offered again");
	ps = policy_source_free(ps);

	/* The key is withdrawn from trusted_keys: the last good policy is no longer good. */
	ps = open_source(key_other, true);
	r = policy_source_last_good(ps, &c, &rep);
	tap_eq_int(r, POLICY_POLL_REFUSED,
	           "revocation: last good policy refused with the key gone");
	tap_eq_str(policy_refusal_name(rep.refusal), "bad-signature",
	           "revocation: reason bad-signature");
	ps = policy_source_free(ps);

	/* Signatures optional: an unsigned drop-in goes on to be compiled. */
	ps = open_source(key_ok, false);
	dropin("zz-local.yaml", "version: \"local\"\n", NULL, 10);
	r = poll_once(ps, &c, &rep);
	tap_eq_int(r, POLICY_POLL_CANDIDATE, "optional: unsigned drop-in offered");
	tap_ok(!c.is_signed, "optional: marked unsigned");
	policy_candidate_clear(&c);
	ps = policy_source_free(ps);
}

/* ---- the policy thread, with a stand-in compiler: "bad" in the text fails to compile ---- */

struct seen {
	pthread_mutex_t lock;
	unsigned applied, refused;
	char last_applied[65];
	enum policy_refusal last_refusal;
};

static enum policy_refusal
fake_apply(void *arg, const struct policy_candidate *c, char *detail, size_t len)
{
	struct seen *s = arg;
	enum policy_refusal why = POLICY_REFUSAL_NONE;

	pthread_mutex_lock(&s->lock);
	if (strstr(c->text, "bad") != NULL) {
		snprintf(detail, len, "policy.yaml:1:1: does not compile");
		why = POLICY_REFUSAL_COMPILE_FAILED;
	} else {
		s->applied++;
		snprintf(s->last_applied, sizeof(s->last_applied), "%s", c->sha256);
	}
	pthread_mutex_unlock(&s->lock);
	return why;
}

static void
fake_report(void *arg, const struct policy_source_report *rep, int error)
{
	struct seen *s = arg;

	pthread_mutex_lock(&s->lock);
	s->refused++;
	s->last_refusal = rep->refusal;
	pthread_mutex_unlock(&s->lock);
}

/* Wait up to 5 s for @pred over @s. */
static bool
wait_for(struct seen *s, unsigned applied, unsigned refused)
{
	for (int i = 0; i < 500; i++) {
		bool done;
		pthread_mutex_lock(&s->lock);
		done = s->applied >= applied && s->refused >= refused;
		pthread_mutex_unlock(&s->lock);
		if (done)
			return true;
		usleep(10000);
	}
	return false;
}

static void
test_thread(void)
{
	struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct policy_source_hooks hooks = { .apply = fake_apply,
		                             .report = fake_report,
		                             .arg = &s };
	struct policy_source_counters counters;
	struct policy_source *ps;
	struct timespec t0, t1;
	char path[256];

	nftw(dropins, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	nftw(state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(dropins, 0755);
	ps = open_source(key_ok, true);
	if (ps == NULL)
		return;
	tap_eq_int(policy_source_restore(ps, &hooks), 0,
	           "thread: nothing to restore on a fresh host");
	tap_eq_int(policy_source_start(ps, &hooks), 0, "thread: started");
	dropin("estate.yaml", policy_a, trusted, 60);
	tap_ok(wait_for(&s, 1, 0), "thread: signed drop-in compiled and put in force");
	dropin("estate.yaml", "version: \"bad\"\n", trusted, 50);
	policy_source_kick(ps);
	tap_ok(wait_for(&s, 1, 1), "thread: compile failure reported");
	tap_eq_str(policy_refusal_name(s.last_refusal), "compile-failed",
	           "thread: reason compile-failed");
	dropin("estate.yaml", policy_b, NULL, 40);
	policy_source_kick(ps);
	tap_ok(wait_for(&s, 1, 2), "thread: tampered drop-in reported");
	tap_eq_str(policy_refusal_name(s.last_refusal), "bad-signature",
	           "thread: reason bad-signature");
	policy_source_get_counters(ps, &counters);
	tap_ok(counters.committed == 1 && counters.refused == 2,
	       "thread: counters %llu committed, %llu refused",
	       (unsigned long long)counters.committed, (unsigned long long)counters.refused);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	policy_source_stop(ps);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tap_ok(t1.tv_sec - t0.tv_sec < 2, "thread: stops promptly");
	ps = policy_source_free(ps);

	/* Restart: the last good policy (A) goes back in force through apply(). */
	ps = open_source(key_ok, true);
	s.applied = 0;
	tap_eq_int(policy_source_restore(ps, &hooks), 1,
	           "thread: last good policy restored at start");
	tap_ok(s.applied == 1 && strcmp(s.last_applied, s.last_applied) == 0,
	       "thread: through apply()");
	snprintf(path, sizeof(path), "%s/policy/current.yaml", state);
	tap_ok(access(path, R_OK) == 0, "thread: state/policy/current.yaml kept");
	ps = policy_source_free(ps);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/phiguard-ps.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 2;
	snprintf(dropins, sizeof(dropins), "%s/policy.d", root);
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(key_ok, sizeof(key_ok), "%s/infosec.pem", root);
	snprintf(key_other, sizeof(key_other), "%s/other.pem", root);
	mkdir(dropins, 0755);
	trusted = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	untrusted = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (trusted == NULL || untrusted == NULL)
		return 2;
	write_pubkey(trusted, key_ok);
	write_pubkey(untrusted, key_other);

	test_signature_decode();
	test_bundles();
	test_config_errors();
	test_dropins();
	test_thread();

	EVP_PKEY_free(trusted);
	EVP_PKEY_free(untrusted);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
