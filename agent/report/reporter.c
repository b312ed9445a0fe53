/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/xalloc.h"
#include "report/link.h"
#include "report/ring.h"
#include "report/spool.h"

/* the longest sleep with nothing to do: how stale `phiguard status` may be */
#define IDLE_WAIT_MS      1000
#define STOP_WAIT_MS      10
#define SYNC_INTERVAL_MS  100
#define OVERFLOW_EVERY_MS 1000
#define BACKOFF_FIRST_MS  250
#define DRAIN_BATCH       512

struct reporter {
	struct report_config config;
	struct ring *ring;   /* owned */
	struct spool *spool; /* owned */
	pthread_t thread;
	atomic_bool stop;
	/*
	 * The reporter waits on an eventfd, written by the first event pushed
	 * after it asked (asleep set, arm_wake), not on a timer: an idle agent
	 * wakes about once a second, not a hundred times.
	 */
	int wake_fd;        /* owned */
	atomic_bool asleep; /* set by the reporter, cleared by the producer that writes wake_fd */
	atomic_uint_fast64_t emitted;
	atomic_uint_fast64_t dropped_ring;

	pthread_mutex_t lock; /* guards state and status */
	struct report_state state;
	struct report_status status;

	/* the reporter thread's own */
	struct link link;
	bool to_stdout;
	uint64_t sent_cursor;
	int64_t next_connect_ms;
	unsigned backoff_ms;
	int64_t next_heartbeat_ms;
	int64_t next_sync_ms;
	int64_t last_overflow_ms;
	uint64_t pending_overflow;
	uint64_t spooled, sent, acked, dropped_spool, reconnects;
	int64_t last_ack_us;
	enum report_link link_state;
	char last_error[256];
	struct phiguard_event scratch;
	char encoded[REPORT_RECORD_MAX]; /* ring -> spool (also while the link waits) */
	char record[REPORT_RECORD_MAX];  /* spool -> link */
};

const char *
report_link_name(enum report_link link)
{
	switch (link) {
	case REPORT_LINK_NONE:
		return "none";
	case REPORT_LINK_CONNECTING:
		return "connecting";
	case REPORT_LINK_UP:
		return "up";
	case REPORT_LINK_DOWN:
		return "down";
	}
	return "none";
}

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
report_new_event_id(char *buf, size_t size)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* never expected after boot; still unique enough within this host */
		static atomic_uint_fast64_t counter;
		uint64_t c = atomic_fetch_add(&counter, 1), t = (uint64_t)wall_us();

		memcpy(b, &t, 8);
		memcpy(b + 8, &c, 8);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	(void)snprintf(buf, size,
	               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
	               b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	               b[13], b[14], b[15]);
}

static void
identity_defaults(struct report_config *c)
{
	FILE *f;

	if (c->host_name[0] == '\0' && gethostname(c->host_name, sizeof(c->host_name) - 1) < 0)
		(void)snprintf(c->host_name, sizeof(c->host_name), "localhost");
	if (c->host_id[0] != '\0')
		return;
	f = fopen("/etc/machine-id", "re");
	if (f != NULL) {
		if (fgets(c->host_id, sizeof(c->host_id), f) == NULL)
			c->host_id[0] = '\0';
		c->host_id[strcspn(c->host_id, "\r\n")] = '\0';
		(void)fclose(f);
	}
	if (c->host_id[0] == '\0')
		(void)snprintf(c->host_id, sizeof(c->host_id), "unknown");
}

/* ---- from the ring to the spool ---- */

static void
print_event(struct reporter *r, const struct phiguard_event *e, const struct report_encode_ctx *ctx)
{
	int n;

	if (r->config.stdout_format == REPORT_STDOUT_JSON)
		n = report_encode_ecs_ctx(e, ctx, r->encoded, sizeof(r->encoded));
	else
		n = report_format_text(e, r->encoded, sizeof(r->encoded));
	if (n < 0)
		return;
	r->encoded[n] = '\n';
	(void)fwrite(r->encoded, 1, (size_t)n + 1, stdout);
	(void)fflush(stdout);
}

static void
spool_event(struct reporter *r, struct phiguard_event *e, const struct report_heartbeat *hb,
            bool keep)
{
	struct report_encode_ctx ctx = { .labels = &r->config.labels, .heartbeat = hb };
	uint64_t evicted = 0;
	uint8_t flags = 0;
	int n, ret;

	if (e->id[0] == '\0')
		report_new_event_id(e->id, sizeof(e->id));
	if (e->timestamp_us == 0)
		e->timestamp_us = wall_us();
	if (e->host_name[0] == '\0')
		(void)snprintf(e->host_name, sizeof(e->host_name), "%s", r->config.host_name);
	if (e->host_id[0] == '\0')
		(void)snprintf(e->host_id, sizeof(e->host_id), "%s", r->config.host_id);
	if (r->to_stdout)
		print_event(r, e, &ctx);
	n = report_encode_syslog(e, &ctx, r->config.collector.format, spool_next_seq(r->spool),
	                         r->encoded, sizeof(r->encoded));
	if (n < 0) {
		r->dropped_spool++;
		return;
	}
	if (keep || (e->kind != PHIGUARD_EVENT_STATE && e->verdict == PHIGUARD_VERDICT_BLOCK))
		flags |= SPOOL_F_BLOCK;
	ret = spool_append(r->spool, e->severity, flags, r->encoded, (size_t)n, &evicted);
	if (ret == 0) {
		r->spooled++;
	} else {
		r->dropped_spool++;
		r->pending_overflow++;
		if (ret != -ENOSPC)
			(void)snprintf(r->last_error, sizeof(r->last_error), "spool write: %s",
			               strerror(-ret));
	}
	r->dropped_spool += evicted;
	r->pending_overflow += evicted;
}

static void
state_event(struct phiguard_event *e, const char *action, uint8_t severity, const char *message)
{
	memset(e, 0, sizeof(*e));
	e->kind = PHIGUARD_EVENT_STATE;
	e->pid = -1;
	e->uid = -1;
	e->severity = severity;
	(void)snprintf(e->action, sizeof(e->action), "%s", action);
	(void)snprintf(e->message, sizeof(e->message), "%s", message);
}

static void
overflow_event(struct reporter *r, int64_t now)
{
	struct phiguard_event *e = &r->scratch;
	char msg[160];

	if (r->pending_overflow == 0 || now - r->last_overflow_ms < OVERFLOW_EVERY_MS)
		return;
	(void)snprintf(msg, sizeof(msg),
	               "spool full: %llu events dropped, least severe first (block events kept)",
	               (unsigned long long)r->pending_overflow);
	state_event(e, "spool-overflow", 8, msg);
	(void)snprintf(e->reason, sizeof(e->reason), "%.*s", (int)sizeof(e->reason) - 1, msg);
	r->pending_overflow = 0;
	r->last_overflow_ms = now;
	spool_event(r, e, NULL, true);
}

static void
heartbeat_event(struct reporter *r, int64_t now)
{
	struct report_heartbeat hb = { .interval = r->config.heartbeat_interval };
	struct phiguard_event *e = &r->scratch;

	if (r->config.heartbeat_interval == 0 || now < r->next_heartbeat_ms)
		return;
	r->next_heartbeat_ms = now + (int64_t)r->config.heartbeat_interval * 1000;
	state_event(e, "heartbeat", 1, "heartbeat");
	pthread_mutex_lock(&r->lock);
	(void)snprintf(e->policy_version, sizeof(e->policy_version), "%s", r->state.policy_version);
	(void)snprintf(hb.policy_hash, sizeof(hb.policy_hash), "%s", r->state.policy_hash);
	hb.packets = r->state.packets;
	hb.flows = r->state.flows;
	hb.alerts = r->state.alerts;
	hb.blocks = r->state.blocks;
	hb.uninspected_periods = r->state.uninspected_periods;
	pthread_mutex_unlock(&r->lock);
	spool_usage(r->spool, &hb.spool_events, &hb.spool_bytes);
	hb.dropped = r->dropped_spool + atomic_load(&r->dropped_ring);
	spool_event(r, e, &hb, false);
}

static void publish_status(struct reporter *r);

static unsigned
drain(struct reporter *r)
{
	unsigned n = 0;

	while (n < DRAIN_BATCH && ring_pop(r->ring, &r->scratch)) {
		spool_event(r, &r->scratch, NULL, false);
		n++;
	}
	return n;
}

static void
wake_reporter(struct reporter *r)
{
	(void)eventfd_write(r->wake_fd, 1);
}

/*
 * Before anything that may block (the network, an idle sleep): ask the
 * next producer to write wake_fd, then look at the ring once more, so an
 * event pushed before the request is not left waiting. Pairs with the
 * fence in report_emit. Returns what it drained; a full batch may have left
 * more, so it wakes itself.
 */
static unsigned
arm_wake(struct reporter *r)
{
	unsigned n;

	atomic_store(&r->asleep, true);
	atomic_thread_fence(memory_order_seq_cst);
	n = drain(r);
	if (n == DRAIN_BATCH)
		wake_reporter(r);
	return n;
}

/*
 * While the link waits on a slow or unreachable collector (connect, TLS
 * handshake, a full send buffer), keep taking events off the ring so the
 * inspection threads never find it full because of the network.
 */
static void
reporter_idle(void *arg)
{
	struct reporter *r = arg;

	if (arm_wake(r) > 0)
		publish_status(r);
}

/* ---- from the spool to the collector ---- */

static void
link_down(struct reporter *r, const char *why, int64_t now)
{
	unsigned jitter;

	link_close(&r->link, false);
	r->link_state = REPORT_LINK_DOWN;
	(void)snprintf(r->last_error, sizeof(r->last_error), "%s", why);
	r->sent_cursor = spool_acked(r->spool); /* resend what was not acknowledged */
	/* full jitter on the upper half: hosts that lost the collector together spread out */
	if (getrandom(&jitter, sizeof(jitter), GRND_NONBLOCK) != (ssize_t)sizeof(jitter))
		jitter = (unsigned)now;
	r->next_connect_ms = now + r->backoff_ms / 2 + jitter % (r->backoff_ms / 2 + 1);
	r->backoff_ms = r->backoff_ms * 2 > r->config.backoff_max_ms ? r->config.backoff_max_ms
	                                                             : r->backoff_ms * 2;
}

static void
ack_through(struct reporter *r, uint64_t seq)
{
	uint64_t before, after, bytes;

	if (seq <= spool_acked(r->spool))
		return;
	spool_usage(r->spool, &before, &bytes);
	if (spool_ack(r->spool, seq) < 0)
		(void)snprintf(r->last_error, sizeof(r->last_error),
		               "spool: cannot record the acknowledgement");
	spool_usage(r->spool, &after, &bytes);
	r->acked += before - after;
	r->last_ack_us = wall_us();
}

static void
transport_step(struct reporter *r, int wait_ms)
{
	int64_t now = link_now_ms();
	uint64_t acked;
	int ret;

	if (!r->config.collector.enabled) {
		if (wait_ms > 0)
			(void)tls_idle_wait(&r->link.idle, wait_ms);
		return;
	}
	if (!link_is_open(&r->link)) {
		if (now < r->next_connect_ms) {
			if (wait_ms > 0)
				(void)tls_idle_wait(&r->link.idle,
				                    (int)MIN(wait_ms, r->next_connect_ms - now));
			return;
		}
		r->link_state = REPORT_LINK_CONNECTING;
		ret = link_open(&r->link, &r->config.collector, r->config.window);
		if (ret < 0) {
			link_down(r, r->link.err, link_now_ms());
			return;
		}
		r->link_state = REPORT_LINK_UP;
		r->last_error[0] = '\0';
		r->backoff_ms = BACKOFF_FIRST_MS;
		r->sent_cursor = spool_acked(r->spool);
		r->reconnects++;
	}
	while (!link_full(&r->link)) {
		struct spool_record rec;

		ret = spool_read_next(r->spool, r->sent_cursor, &rec, r->record, sizeof(r->record));
		if (ret == 0)
			break;
		if (ret == -EIO) {
			r->sent_cursor = rec.seq; /* damaged on disk since it was written: skip */
			r->dropped_spool++;
			continue;
		}
		if (ret < 0) {
			(void)snprintf(r->last_error, sizeof(r->last_error), "spool read: %s",
			               strerror(-ret));
			break;
		}
		ret = link_send(&r->link, rec.seq, r->record, rec.len);
		if (ret < 0) {
			link_down(r, r->link.err, now);
			return;
		}
		r->sent_cursor = rec.seq;
		r->sent++;
	}
	acked = spool_acked(r->spool);
	ret = link_pump(&r->link, wait_ms, &acked);
	ack_through(r, acked);
	if (ret < 0)
		link_down(r, r->link.err, link_now_ms());
}

static void
publish_status(struct reporter *r)
{
	struct report_status *s = &r->status;

	pthread_mutex_lock(&r->lock);
	s->link = r->config.collector.enabled ? r->link_state : REPORT_LINK_NONE;
	(void)snprintf(s->last_error, sizeof(s->last_error), "%s", r->last_error);
	spool_usage(r->spool, &s->spool_events, &s->spool_bytes);
	s->spooled = r->spooled;
	s->sent = r->sent;
	s->acked = r->acked;
	s->dropped_spool = r->dropped_spool;
	s->reconnects = r->reconnects;
	s->last_ack_us = r->last_ack_us;
	pthread_mutex_unlock(&r->lock);
}

/* How long the reporter may sleep: until its next timed duty, at most IDLE_WAIT_MS. */
static int
idle_wait_ms(const struct reporter *r, int64_t now)
{
	int64_t until = now + IDLE_WAIT_MS;

	if (r->config.heartbeat_interval != 0)
		until = MIN(until, r->next_heartbeat_ms);
	if (spool_dirty(r->spool))
		until = MIN(until, r->next_sync_ms);
	if (r->pending_overflow != 0)
		until = MIN(until, r->last_overflow_ms + OVERFLOW_EVERY_MS);
	return until > now ? (int)(until - now) : 0;
}

static void *
reporter_main(void *arg)
{
	struct reporter *r = arg;
	int64_t stop_deadline = 0;
	sigset_t pipe;

	/*
	 * A collector that closes the connection under a write raises SIGPIPE,
	 * whose default kills the process. Block it in this thread only (the
	 * write then fails with EPIPE), leaving the daemon's dispositions alone.
	 */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &pipe, NULL);

	for (;;) {
		unsigned n = drain(r);
		int64_t now = link_now_ms();
		uint64_t events, bytes;

		overflow_event(r, now);
		heartbeat_event(r, now);
		if (now >= r->next_sync_ms) {
			if (spool_sync(r->spool) < 0)
				(void)snprintf(r->last_error, sizeof(r->last_error),
				               "spool: fsync failed");
			r->next_sync_ms = now + SYNC_INTERVAL_MS;
		}
		if (atomic_load(&r->stop) && n == 0) {
			if (stop_deadline == 0)
				stop_deadline = now + r->config.stop_timeout_ms;
			spool_usage(r->spool, &events, &bytes);
			if (events == 0 || now >= stop_deadline || !r->config.collector.enabled)
				break;
		}
		n += arm_wake(r);
		/* stopping: the wait ends with the last acknowledgements, or by the deadline */
		transport_step(r, n > 0                   ? 0
		                  : atomic_load(&r->stop) ? STOP_WAIT_MS
		                                          : idle_wait_ms(r, now));
		publish_status(r);
	}
	link_close(&r->link, true);
	(void)spool_sync(r->spool);
	publish_status(r);
	return NULL;
}

/* ---- the API ---- */

static int
check_readable(const char *what, const char *path, struct phiguard_error *err)
{
	if (access(path, R_OK) == 0)
		return 0;
	(void)snprintf(err->msg, sizeof(err->msg), "%s '%.256s': %s", what, path, strerror(errno));
	return -errno;
}

struct reporter *
report_start(const struct report_config *config, struct phiguard_error *err)
{
	struct reporter *r = xcalloc(1, sizeof(*r)); /* owned by the caller until report_stop */
	struct spool_options so = { .directory = config->spool_directory,
		                    .max_bytes = config->spool_max_bytes,
		                    .fsync = config->fsync };
	int ret;

	r->config = *config;
	identity_defaults(&r->config);
	if (r->config.collector.enabled &&
	    (check_readable("pinned CA", config->collector.ca, err) < 0 ||
	     check_readable("client certificate", config->collector.cert, err) < 0 ||
	     check_readable("client key", config->collector.key, err) < 0))
		goto fail;
	ret = spool_open(&so, &r->spool, NULL);
	if (ret < 0) {
		(void)snprintf(
		        err->msg, sizeof(err->msg), "spool '%.256s': %s", config->spool_directory,
		        ret == -EPERM ? "owned by another user, refusing it" : strerror(-ret));
		goto fail;
	}
	r->ring = ring_new(config->ring_size);
	if (r->ring == NULL) {
		(void)snprintf(err->msg, sizeof(err->msg), "reporter ring: %s", strerror(ENOMEM));
		goto fail;
	}
	r->to_stdout = config->stdout_mode == REPORT_STDOUT_ALWAYS ||
	               (config->stdout_mode == REPORT_STDOUT_AUTO &&
	                (isatty(STDOUT_FILENO) || !config->collector.enabled));
	r->backoff_ms = BACKOFF_FIRST_MS;
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->wake_fd == 0) { /* stdin was closed; 0 means "none" to tls_idle */
		r->wake_fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
		(void)close(0);
	}
	if (r->wake_fd < 0) {
		(void)snprintf(err->msg, sizeof(err->msg), "reporter eventfd: %s", strerror(errno));
		goto fail;
	}
	r->link.idle = (struct tls_idle){ .fn = reporter_idle, .arg = r, .wake_fd = r->wake_fd };
	r->link_state = config->collector.enabled ? REPORT_LINK_CONNECTING : REPORT_LINK_NONE;
	r->sent_cursor = spool_acked(r->spool);
	pthread_mutex_init(&r->lock, NULL);
	r->state = config->initial_state;
	publish_status(r);
	ret = pthread_create(&r->thread, NULL, reporter_main, r);
	if (ret == 0)
		(void)pthread_setname_np(r->thread, "phiguard-report");
	if (ret != 0) {
		(void)snprintf(err->msg, sizeof(err->msg), "reporter thread: %s", strerror(ret));
		pthread_mutex_destroy(&r->lock);
		goto fail;
	}
	return r;
fail:
	if (r->wake_fd > 0)
		(void)close(r->wake_fd);
	ring_free(r->ring);
	spool_close(r->spool);
	free(r);
	return NULL;
}

void
report_emit(struct reporter *r, const struct phiguard_event *event)
{
	if (ring_push(r->ring, event))
		atomic_fetch_add_explicit(&r->emitted, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&r->dropped_ring, 1, memory_order_relaxed);
	/* The push before the look at asleep (pairs with arm_wake); one write per request. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->asleep, memory_order_relaxed) &&
	    atomic_exchange(&r->asleep, false))
		wake_reporter(r);
}

void
report_set_state(struct reporter *r, const struct report_state *state)
{
	pthread_mutex_lock(&r->lock);
	r->state = *state;
	pthread_mutex_unlock(&r->lock);
}

void
report_get_status(const struct reporter *r, struct report_status *ret_status)
{
	struct reporter *w = (struct reporter *)r; /* the lock is not part of the value */

	pthread_mutex_lock(&w->lock);
	*ret_status = r->status;
	pthread_mutex_unlock(&w->lock);
	ret_status->emitted = atomic_load(&w->emitted);
	ret_status->dropped_ring = atomic_load(&w->dropped_ring);
}

void
report_stop(struct reporter *r)
{
	if (r == NULL)
		return;
	atomic_store(&r->stop, true);
	wake_reporter(r);
	(void)pthread_join(r->thread, NULL);
	(void)close(r->wake_fd);
	pthread_mutex_destroy(&r->lock);
	ring_free(r->ring);
	spool_close(r->spool);
	free(r);
}
