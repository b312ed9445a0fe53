/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "base/log.h"
#include "base/macro.h"
#include "cli/cli.h"
#include "control/control.h"
#include "daemon/caps.h"
#include "daemon/enrich.h"
#ifdef HAVE_POLICY_SOURCE
#include "daemon/policy_source.h"
#include "policy/cases.h"
#endif
#include "daemon/worker.h"
#include "policy/policy.h"
#include "verdict/marks.h"

#define NFLOG_GROUP_BASE     10240 /* NFLOG group of worker i: base + i */
#define DRAIN_AFTER_RULES_US 100000
#define GAP_REPORT_EVERY_US  (10 * 1000000LL)

int64_t
agent_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	(void)sd_notify(0, state);
#else
	(void)state;
#endif
}

void
agent_emit(struct agent *a, const struct phiguard_event *event)
{
	/* Copied into the reporter's ring; never blocks. */
	if (a->reporter)
		report_emit(a->reporter, event);
	else if (a->n_early < AGENT_EARLY_EVENTS &&
	         (a->early[a->n_early] = malloc(sizeof(*event))) != NULL)
		memcpy(a->early[a->n_early++], event, sizeof(*event));
}

/* Send (or, with no reporter, drop) what came before the reporter started. */
static void
flush_early(struct agent *a)
{
	for (unsigned i = 0; i < a->n_early; i++) {
		if (a->reporter)
			report_emit(a->reporter, a->early[i]);
		free(a->early[i]);
		a->early[i] = NULL;
	}
	a->n_early = 0;
}

void
agent_emit_state(struct agent *a, const char *action, uint8_t severity, const char *fmt, ...)
{
	struct phiguard_event *ev = calloc(1, sizeof(*ev));
	va_list ap;

	if (!ev)
		return;
	ev->kind = PHIGUARD_EVENT_STATE;
	ev->timestamp_us = agent_now_us();
	ev->severity = severity;
	ev->pid = -1;
	ev->uid = -1;
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	snprintf(ev->rule_name, sizeof(ev->rule_name), "agent-%s", action);
	va_start(ap, fmt);
	vsnprintf(ev->message, sizeof(ev->message), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&a->policy_lock);
	snprintf(ev->policy_version, sizeof(ev->policy_version), "%s", a->policy_version);
	pthread_mutex_unlock(&a->policy_lock);
	agent_emit(a, ev);
	free(ev);
}

/* Policy */

static const char *
policy_path(const struct agent *a)
{
	return a->options.policy_path ? a->options.policy_path : a->config.policy_file;
}

static int
load_policy(struct agent *a, struct policy **ret, char *source, size_t source_len,
            struct phiguard_error *err)
{
	const char *path = policy_path(a);
	struct stat st;

	memset(err, 0, sizeof(*err));
	/* No policy file and none asked for by name: the embedded default protects the host. */
	if (!a->options.policy_path && stat(path, &st) < 0 && errno == ENOENT) {
		snprintf(source, source_len, "embedded default");
		return policy_load_default(ret, err);
	}
	snprintf(source, source_len, "%s", path);
	return policy_load_file_with(path, &a->load_options, ret, err);
}

/*
 * The HMAC key for finding tokens (report.token_key_file): from the agent's
 * configuration, never from the policy. Without it, tokens stay empty.
 */
static void
read_token_key(struct agent *a)
{
	const char *path = a->report_config.token_key_file;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		log_info("no token key '%s': findings carry no tokens", path);
		return;
	}
	n = read(fd, a->token_key, sizeof(a->token_key));
	close(fd);
	if (n < 16) {
		log_warnx("token key '%s' is shorter than 16 bytes, ignoring", path);
		return;
	}
	a->load_options.token_key = a->token_key;
	a->load_options.token_key_len = (size_t)n;
}

static void rules_follow_policy(struct agent *a, const struct policy *p);

/*
 * Put @p in force (takes our reference). A policy from policy.file or the
 * embedded default (@from_sources false) never replaces one from the policy
 * sources: then @p is dropped and -EBUSY returned. Checked under the lock, as
 * the policy thread installs concurrently.
 */
static int
install_policy(struct agent *a, struct policy *p, const char *source, bool from_sources)
{
	struct policy *old;

	pthread_mutex_lock(&a->policy_lock);
	if (!from_sources && a->policy_from_sources) {
		pthread_mutex_unlock(&a->policy_lock);
		policy_unref(p);
		return -EBUSY;
	}
	old = a->policy;
	a->policy = p;
	a->policy_from_sources = from_sources;
	snprintf(a->policy_version, sizeof(a->policy_version), "%s", policy_version(p));
	snprintf(a->policy_hash, sizeof(a->policy_hash), "%s", policy_hash(p));
	snprintf(a->policy_source, sizeof(a->policy_source), "%s", source);
	atomic_fetch_add_explicit(&a->policy_gen, 1, memory_order_release);
	policy_ref(p); /* another install may replace it while the rules follow it */
	pthread_mutex_unlock(&a->policy_lock);
	/* Workers hold their own references; ours to the old one goes. */
	policy_unref(old);
	/* Idle workers would hold the old one until their next packet. */
	for (unsigned i = 0; i < a->n_workers; i++)
		worker_wake(a->workers[i]);
	rules_follow_policy(a, p);
	policy_unref(p);
	return 0;
}

static bool
sources_in_force(struct agent *a)
{
	bool r;

	pthread_mutex_lock(&a->policy_lock);
	r = a->policy_from_sources;
	pthread_mutex_unlock(&a->policy_lock);
	return r;
}

static void *
reload_main(void *arg)
{
	struct agent *a = arg;
	uint64_t one = 1;

	a->reload_r = load_policy(a, &a->reload_result, a->reload_source, sizeof(a->reload_source),
	                          &a->reload_err);
	(void)!write(a->reload_fd, &one, sizeof(one));
	return NULL;
}

/* Start a reload; one at a time, requests meanwhile fold into one more. */
static void
request_reload(struct agent *a, const char *why)
{
	/* The policy sources own the policy now; SIGHUP asks them to look again instead. */
	if (sources_in_force(a)) {
		log_debug("policy reload (%s): a policy from the policy sources is in force, "
		          "policy.file not read",
		          why);
		return;
	}
	snprintf(a->reload_why, sizeof(a->reload_why), "%s", why);
	if (a->reloading) {
		a->reload_pending = true;
		return;
	}
	a->reload_result = NULL;
	a->reloading = pthread_create(&a->reload_thread, NULL, reload_main, a) == 0;
	if (a->reloading)
		(void)pthread_setname_np(a->reload_thread, "phiguard-reload");
	if (!a->reloading)
		log_warnx("policy reload (%s): cannot start a thread, ignoring", why);
}

/* The reload thread is done: install its policy or refuse it. */
static void
finish_reload(struct agent *a)
{
	uint64_t n;

	(void)!read(a->reload_fd, &n, sizeof(n));
	if (!a->reloading)
		return;
	pthread_join(a->reload_thread, NULL);
	a->reloading = false;
	if (a->reload_r < 0) {
		struct phiguard_error *err = &a->reload_err;
		a->reloads_refused++;
		snprintf(a->last_reload_error, sizeof(a->last_reload_error), "%s:%u:%u: %s",
		         err->file, err->line, err->column, err->msg);
		log_warnx("policy reload (%s) refused, keeping version '%s': %s", a->reload_why,
		          a->policy_version, a->last_reload_error);
		agent_emit_state(a, "policy-refused", 7,
		                 "policy reload refused, version %s stays in force: %s",
		                 a->policy_version, a->last_reload_error);
	} else if (install_policy(a, TAKE_PTR(a->reload_result), a->reload_source, false) < 0) {
		log_info("policy reload (%s): a policy from the policy sources came in meanwhile, "
		         "keeping version '%s'",
		         a->reload_why, a->policy_version);
	} else {
		a->reloads++;
		log_info("policy version '%s' from %s in force (%s)", a->policy_version,
		         a->reload_source, a->reload_why);
		agent_emit_state(a, "policy-loaded", 1, "policy version %s from %.160s in force",
		                 a->policy_version, a->reload_source);
	}
	if (a->reload_pending) {
		a->reload_pending = false;
		request_reload(a, a->reload_why);
	}
}

static void
stop_reload(struct agent *a)
{
	if (a->reloading) {
		pthread_join(a->reload_thread, NULL);
		a->reloading = false;
		a->reload_result = policy_unref(a->reload_result);
	}
	if (a->reload_fd >= 0)
		close(a->reload_fd);
	a->reload_fd = -1;
}

/* mkdir -p with @mode for the directories we create; existing ones are left as they are. */
static int
make_dirs(const char *path, mode_t mode)
{
	char buf[CONFIG_PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Policy sources: signed drop-ins in policy.d and the HTTPS pull */

#ifdef HAVE_POLICY_SOURCE
struct case_failure {
	char *detail;
	size_t detail_len;
	unsigned failed;
};

/* The first failing embedded test names the refusal; names and counts only, never content. */
static void
on_case(const struct policy_case_result *r, void *ctx)
{
	struct case_failure *f = ctx;

	if (r->passed || r->skipped)
		return;
	if (f->failed++ == 0)
		snprintf(f->detail, f->detail_len, "test '%.64s' (line %u) failed: %.160s", r->name,
		         r->line, r->message);
}

/*
 * On the policy thread: compile a verified candidate, run its embedded tests
 * (capture cases need the pipeline's replay and are skipped here; `phiguard
 * policy test` runs them before signing), and put it in force.
 */
static enum policy_refusal
source_apply(void *arg, const struct policy_candidate *c, char *detail, size_t detail_len)
{
	struct agent *a = arg;
	struct case_failure f = { .detail = detail, .detail_len = detail_len };
	struct phiguard_error err;
	struct policy *p = NULL;
	unsigned skipped = 0;

	if (policy_load_buffer_with(c->text, c->len, c->name, &a->load_options, &p, &err) < 0) {
		snprintf(detail, detail_len, "%s:%u:%u: %s", err.file, err.line, err.column,
		         err.msg);
		return POLICY_REFUSAL_COMPILE_FAILED;
	}
	if (policy_run_cases(p, on_case, &f, &skipped) > 0) {
		policy_unref(p);
		return POLICY_REFUSAL_TESTS_FAILED;
	}
	(void)install_policy(a, p, c->name, true);
	log_info("policy version '%s' from %s '%s' in force", policy_version(p),
	         policy_origin_name(c->origin), c->name);
	agent_emit_state(a, "policy-loaded", 1, "policy version %s from %s %.120s in force",
	                 policy_version(p), policy_origin_name(c->origin), c->name);
	return POLICY_REFUSAL_NONE;
}

static void
source_report(void *arg, const struct policy_source_report *r, int error)
{
	struct agent *a = arg;

	log_warnx("policy from %s '%s' refused (%s): %s", policy_origin_name(r->origin), r->name,
	          policy_refusal_name(r->refusal), r->detail);
	agent_emit_state(a, "policy-refused", 7, "policy from %s %.100s refused (%s): %.80s",
	                 policy_origin_name(r->origin), r->name, policy_refusal_name(r->refusal),
	                 r->detail);
}

static const struct policy_source_hooks *
source_hooks(struct agent *a)
{
	static struct policy_source_hooks hooks;

	hooks = (struct policy_source_hooks){ .apply = source_apply,
		                              .report = source_report,
		                              .arg = a };
	return &hooks;
}

/*
 * Sources are used when configured (a policy.d that exists, or a URL) and no
 * --policy was given. 1 when the last good policy from them is in force.
 */
static int
sources_open(struct agent *a)
{
	struct policy_source_config sc = {
		.url = a->config.policy_url,
		.state_directory = a->config.state_directory,
		.require_signature = a->config.require_signature,
		.pull_interval = a->config.pull_interval,
		.tls_ca = a->config.tls_ca,
		.tls_cert = a->config.tls_cert,
		.tls_key = a->config.tls_key,
		.socket_mark = MARK_AGENT,
	};
	struct stat st;
	char err[256];

	if (a->options.policy_path)
		return 0;
	if (stat(a->config.policy_directory, &st) == 0 && S_ISDIR(st.st_mode))
		sc.directory = a->config.policy_directory;
	if (!sc.directory && !a->config.policy_url[0])
		return 0;
	for (unsigned i = 0; i < a->config.n_trusted_keys && i < POLICY_SOURCE_MAX_KEYS; i++)
		sc.trusted_keys[sc.n_trusted_keys++] = a->config.trusted_keys[i];
	(void)make_dirs(a->config.state_directory, 0700);
	if (policy_source_new(&sc, &a->sources, err, sizeof(err)) < 0) {
		log_warnx("policy sources: %s, using policy.file only", err);
		a->sources = NULL;
		return 0;
	}
	return policy_source_restore(a->sources, source_hooks(a)) == 1;
}

static void
sources_start(struct agent *a)
{
	if (a->sources && policy_source_start(a->sources, source_hooks(a)) < 0)
		log_warnx("policy sources: cannot start the policy thread");
}

static void
sources_kick(struct agent *a)
{
	if (a->sources)
		policy_source_kick(a->sources);
}

static void
sources_close(struct agent *a)
{
	if (a->sources) {
		policy_source_stop(a->sources);
		a->sources = policy_source_free(a->sources);
	}
}
#else
static int
sources_open(struct agent *a)
{
	return 0;
}

static void
sources_start(struct agent *a)
{
}

static void
sources_kick(struct agent *a)
{
}

static void
sources_close(struct agent *a)
{
}
#endif

/* Rules */

static void
own_cgroup(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[512];

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* Only a cgroup of our own (our unit): anything wider would exempt other programs. */
		if (!strncmp(line, "0::/", 4) && strstr(line, "/phiguard.service") &&
		    strlen(line + 3) < len)
			memcpy(buf, line + 3, strlen(line + 3) + 1);
	}
	fclose(f);
}

/* Our own peers are never queued: resolve them now, before our rules exist. */
static void
exempt_peer(struct rules_config *rc, const char *host, uint16_t port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char service[8];

	if (!host[0] || port == 0)
		return;
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0) {
		log_warnx("cannot resolve '%s': its traffic will be inspected like any other",
		          host);
		return;
	}
	for (struct addrinfo *ai = res; ai && rc->n_exempt < RULES_EXEMPT_MAX; ai = ai->ai_next) {
		struct rules_exempt *e = &rc->exempt[rc->n_exempt];
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, e->addr, sizeof(e->addr), NULL, 0,
		                NI_NUMERICHOST) != 0)
			continue;
		e->family = ai->ai_family;
		e->port = port;
		rc->n_exempt++;
	}
	freeaddrinfo(res);
}

static void
policy_server(const char *url, char *host, size_t len, uint16_t *port)
{
	const char *p = strstr(url, "://"), *end;
	size_t n;

	host[0] = '\0';
	*port = 443;
	if (!p)
		return;
	p += 3;
	end = p + strcspn(p, ":/");
	n = (size_t)(end - p);
	if (n == 0 || n >= len)
		return;
	memcpy(host, p, n);
	host[n] = '\0';
	if (*end == ':')
		*port = (uint16_t)atoi(end + 1);
}

static void
add_fail_closed(int family, const uint8_t *addr, uint8_t prefix_len, const char *app, void *ctx)
{
	struct rules_config *rc = ctx;
	struct rules_prefix *e;
	char text[INET6_ADDRSTRLEN];

	(void)app;
	if (rc->n_fail_closed == RULES_FAIL_CLOSED_MAX ||
	    inet_ntop(family, addr, text, sizeof(text)) == NULL)
		return;
	e = &rc->fail_closed[rc->n_fail_closed++];
	e->family = family;
	snprintf(e->cidr, sizeof(e->cidr), "%s/%u", text, prefix_len);
}

/* The prefixes the kernel keeps dropping while no agent runs (fail_mode: closed). */
static void
fail_closed_from(struct rules_config *rc, const struct policy *p)
{
	size_t n;

	rc->n_fail_closed = 0;
	n = policy_fail_closed_cidrs(p, add_fail_closed, rc);
	if (n > rc->n_fail_closed)
		log_warnx("%zu fail-closed prefixes, only the first %u are held while the agent "
		          "is down",
		          n, rc->n_fail_closed);
}

/* A new policy may close other prefixes: reinstall (one transaction) when they changed. */
static void
rules_follow_policy(struct agent *a, const struct policy *p)
{
	struct rules_config *next = NULL;
	struct rules_report report;
	char err[512];

	pthread_mutex_lock(&a->rules_lock);
	if (!a->rules_installed)
		goto out;
	next = malloc(sizeof(*next)); /* owned here; large for a thread's stack */
	if (next == NULL)
		goto out;
	*next = a->rules_config;
	fail_closed_from(next, p);
	if (next->n_fail_closed == a->rules_config.n_fail_closed &&
	    memcmp(next->fail_closed, a->rules_config.fail_closed,
	           next->n_fail_closed * sizeof(next->fail_closed[0])) == 0)
		goto out;
	if (rules_install(next, &report, err, sizeof(err)) < 0) {
		log_warnx("cannot update the fail-closed prefixes: %s", err);
		goto out;
	}
	a->rules_config = *next;
	log_info("%u fail-closed prefixes held in the kernel", next->n_fail_closed);
out:
	pthread_mutex_unlock(&a->rules_lock);
	free(next);
}

static void
rules_config_from(struct agent *a)
{
	struct rules_config *rc = &a->rules_config;
	char host[256];
	uint16_t port;

	memset(rc, 0, sizeof(*rc));
	memcpy(rc->tcp_queues, a->config.tcp_queues, sizeof(rc->tcp_queues));
	rc->n_tcp_queues = a->config.n_tcp_queues;
	rc->has_udp_queue = a->config.has_udp_queue;
	rc->udp_queue = a->config.udp_queue;
	rc->fail_open = a->config.fail_open;
	own_cgroup(rc->cgroup, sizeof(rc->cgroup));
	if (a->report_config.collector.enabled)
		exempt_peer(rc, a->report_config.collector.address,
		            a->report_config.collector.port);
	policy_server(a->config.policy_url, host, sizeof(host), &port);
	exempt_peer(rc, host, port);
	fail_closed_from(rc, a->policy);
}

/* Workers */

static int
start_workers(struct agent *a)
{
	unsigned n = a->config.n_tcp_queues + (a->config.has_udp_queue ? 1 : 0);
	int r;

	for (unsigned i = 0; i < n; i++) {
		bool udp = i == a->config.n_tcp_queues;
		struct worker_options wo = {
			.queue = udp ? a->config.udp_queue : a->config.tcp_queues[i],
			.udp = udp,
			.fail_open = a->config.fail_open,
			.nflog_group = (int)(NFLOG_GROUP_BASE + i),
			.max_flows = a->config.max_flows,
			.attribute_flows = a->config.attribution == ATTRIBUTION_FLOWS,
		};
		r = worker_new(a, &wo, &a->workers[i]);
		if (r == -EBUSY || r == -EEXIST) {
			/* Someone else holds this NFLOG group: inspect without DNS names there. */
			wo.nflog_group = -1;
			r = worker_new(a, &wo, &a->workers[i]);
		}
		if (r < 0) {
			errno = -r;
			log_warn("cannot bind NFQUEUE %u (is another agent running?)", wo.queue);
			return r;
		}
		a->n_workers++;
		if (wo.nflog_group >= 0)
			a->rules_config.nflog_groups[a->rules_config.n_nflog_groups++] =
			        (uint16_t)wo.nflog_group;
	}
	for (unsigned i = 0; i < a->n_workers; i++) {
		r = worker_start(a->workers[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static void
stop_workers(struct agent *a)
{
	for (unsigned i = 0; i < a->n_workers; i++)
		worker_stop(a->workers[i]);
	for (unsigned i = 0; i < a->n_workers; i++) {
		worker_join(a->workers[i]);
		worker_free(a->workers[i]);
		a->workers[i] = NULL;
	}
	a->n_workers = 0;
}

/* Status */

#define LOAD(x) ((uint64_t)atomic_load_explicit(&(x), memory_order_relaxed))

/* The kernel's own per-queue counters (/proc/net/netfilter/nfnetlink_queue). */
static void
kernel_queue_stats(FILE *out, uint16_t queue, const char *prefix)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	unsigned num, portid, total, mode, range, qdrop, udrop, seq, one;

	if (!f)
		return;
	while (fscanf(f, "%u %u %u %u %u %u %u %u %u", &num, &portid, &total, &mode, &range, &qdrop,
	              &udrop, &seq, &one) == 9) {
		if (num != queue)
			continue;
		fprintf(out,
		        "%s.kernel_waiting %u\n%s.kernel_queue_dropped %u\n"
		        "%s.kernel_user_dropped %u\n%s.kernel_id_sequence %u\n",
		        prefix, total, prefix, qdrop, prefix, udrop, prefix, seq);
	}
	fclose(f);
}

static void
worker_status(FILE *out, const struct worker *w, unsigned i)
{
	const struct worker_stats *s = worker_stats(w);
	const struct worker_options *o = worker_options(w);
	const struct nfq_features *f = worker_features(w);
	char p[32];

	snprintf(p, sizeof(p), "queue.%u", i);
	fprintf(out, "%s.number %u\n%s.transport %s\n%s.gso %s\n%s.fail_open %s\n", p, o->queue, p,
	        o->udp ? "udp" : "tcp", p, f->gso ? "true" : "false", p,
	        f->fail_open ? "true" : "false");
	fprintf(out,
	        "%s.packets %" PRIu64 "\n%s.bytes %" PRIu64 "\n%s.gso_packets %" PRIu64
	        "\n%s.truncated %" PRIu64 "\n",
	        p, LOAD(s->packets), p, LOAD(s->bytes), p, LOAD(s->gso), p, LOAD(s->truncated));
	fprintf(out,
	        "%s.uninspected %" PRIu64 "\n%s.overruns %" PRIu64 "\n%s.send_errors %" PRIu64
	        "\n%s.verdict_messages %" PRIu64 "\n",
	        p, LOAD(s->missed), p, LOAD(s->overruns), p, LOAD(s->send_errors), p,
	        LOAD(s->verdict_msgs));
	fprintf(out,
	        "%s.passed %" PRIu64 "\n%s.inspected %" PRIu64 "\n%s.bypassed %" PRIu64
	        "\n%s.blocked %" PRIu64 "\n%s.dns_observed %" PRIu64 "\n",
	        p, LOAD(s->passed), p, LOAD(s->inspected), p, LOAD(s->bypassed), p,
	        LOAD(s->blocked), p, LOAD(s->dns_observed));
	fprintf(out,
	        "%s.flows_active %" PRIu64 "\n%s.flows_total %" PRIu64 "\n%s.events %" PRIu64
	        "\n%s.sockets_found %" PRIu64 "\n%s.bytes_scanned %" PRIu64 "\n",
	        p, LOAD(s->flows_active), p, LOAD(s->flows_total), p, LOAD(s->events), p,
	        LOAD(s->attributed), p, LOAD(s->bytes_scanned));
	fprintf(out,
	        "%s.bodies_decoded %" PRIu64 "\n%s.bodies_not_decoded %" PRIu64
	        "\n%s.mail_parts_decoded %" PRIu64 "\n%s.zip_entries_decoded %" PRIu64
	        "\n%s.gzip_files_decoded %" PRIu64 "\n%s.websocket_messages %" PRIu64 "\n",
	        p, LOAD(s->bodies_decoded), p, LOAD(s->bodies_not_decoded), p,
	        LOAD(s->mail_parts_decoded), p, LOAD(s->zip_entries_decoded), p,
	        LOAD(s->gzip_files_decoded), p, LOAD(s->websocket_messages));
	kernel_queue_stats(out, o->queue, p);
}

static void
collector_status(struct agent *a, FILE *out)
{
	struct report_status rs;

	if (!a->reporter)
		return;
	report_get_status(a->reporter, &rs);
	control_put(out, "collector.state", "%s", report_link_name(rs.link));
	if (rs.last_error[0])
		control_put(out, "collector.last_error", "%s", rs.last_error);
	fprintf(out,
	        "collector.spool_events %" PRIu64 "\ncollector.spool_bytes %" PRIu64
	        "\ncollector.emitted %" PRIu64 "\ncollector.acked %" PRIu64
	        "\ncollector.dropped_ring %" PRIu64 "\ncollector.dropped_spool %" PRIu64 "\n",
	        rs.spool_events, rs.spool_bytes, rs.emitted, rs.acked, rs.dropped_ring,
	        rs.dropped_spool);
}

static void
status(struct agent *a, FILE *out)
{
	struct enricher_counters ec = { 0 };

	fprintf(out, "agent.pid %d\nagent.uptime_s %" PRId64 "\n", (int)getpid(),
	        (agent_now_us() - a->started_us) / 1000000);
	pthread_mutex_lock(&a->policy_lock);
	control_put(out, "policy.version", "%s", a->policy_version);
	control_put(out, "policy.hash", "%s", a->policy_hash);
	control_put(out, "policy.source", "%s", a->policy_source);
	pthread_mutex_unlock(&a->policy_lock);
	fprintf(out, "policy.reloads %" PRIu64 "\npolicy.reloads_refused %" PRIu64 "\n", a->reloads,
	        a->reloads_refused);
	if (a->last_reload_error[0])
		control_put(out, "policy.last_error", "%s", a->last_reload_error);
	fprintf(out, "rules.backend iptables-nft\nrules.ipv6 %s\nrules.nft_queue_available %s\n",
	        a->rules.ipv6 ? "true" : "false", a->rules.nft_queue ? "true" : "false");
	fprintf(out, "rules.fail_open %s\nqueues.count %u\n",
	        a->config.fail_open ? "true" : "false", a->n_workers);
	for (unsigned i = 0; i < a->n_workers; i++)
		worker_status(out, a->workers[i], i);
	if (a->enricher)
		enricher_get_counters(a->enricher, &ec);
	fprintf(out,
	        "attribution.mode %s\nattribution.events %" PRIu64
	        "\nattribution.attributed %" PRIu64 "\nattribution.unattributed %" PRIu64 "\n",
	        a->config.attribution == ATTRIBUTION_FLOWS ? "flows"
	        : a->config.attribution == ATTRIBUTION_OFF ? "off"
	                                                   : "events",
	        ec.events, ec.attributed, ec.unattributed);
	fprintf(out,
	        "attribution.cache_hits %" PRIu64 "\nattribution.cache_misses %" PRIu64
	        "\nattribution.proc_scans %" PRIu64 "\nattribution.proc_scans_skipped %" PRIu64
	        "\n",
	        ec.cache.hits, ec.cache.misses, ec.cache.scans, ec.cache.scans_skipped);
	collector_status(a, out);
}

static void
control_handler(const char *request, FILE *out, void *ctx)
{
	struct agent *a = ctx;

	if (!strcmp(request, "status"))
		status(a, out);
	else if (!strcmp(request, "reload")) {
		request_reload(a, "control socket");
		sources_kick(a);
		control_put(out, "policy.reload", "started");
		control_put(out, "policy.version", "%s", a->policy_version);
	} else
		control_put(out, "error", "unknown request '%s'", request);
}

/* Inspection gaps: overload (fail-open passes) and periods with no agent at all. */

static void
check_gaps(struct agent *a, uint64_t *last_missed, int64_t *last_report)
{
	uint64_t missed = 0;
	int64_t now = agent_now_us();

	for (unsigned i = 0; i < a->n_workers; i++) {
		const struct worker_stats *s = worker_stats(a->workers[i]);
		missed += LOAD(s->missed) + LOAD(s->overruns);
	}
	if (missed > *last_missed && now - *last_report >= GAP_REPORT_EVERY_US) {
		agent_emit_state(a, "inspection-gap", 6,
		                 "overload: %" PRIu64
		                 " packets passed uninspected (fail-open) since the last report",
		                 missed - *last_missed);
		*last_missed = missed;
		*last_report = now;
		a->gap_reports++;
	}
}

static void
publish_state(struct agent *a)
{
	struct report_state st = { 0 };

	pthread_mutex_lock(&a->policy_lock);
	snprintf(st.policy_version, sizeof(st.policy_version), "%s", a->policy_version);
	snprintf(st.policy_hash, sizeof(st.policy_hash), "%s", a->policy_hash);
	pthread_mutex_unlock(&a->policy_lock);
	for (unsigned i = 0; i < a->n_workers; i++) {
		const struct worker_stats *s = worker_stats(a->workers[i]);
		st.packets += LOAD(s->packets);
		st.flows += LOAD(s->flows_total);
		st.alerts += LOAD(s->events);
		st.blocks += LOAD(s->blocked);
	}
	st.uninspected_periods = a->gap_reports;
	report_set_state(a->reporter, &st);
}

static void
report_stale(struct agent *a, int64_t last_alive_us)
{
	if (!a->rules.stale)
		return;
	a->gap_reports++;
	if (last_alive_us > 0)
		agent_emit_state(
		        a, "inspection-gap", 6,
		        "the previous agent stopped without removing its rules: no inspection for about %" PRId64
		        " s (traffic %s)",
		        (agent_now_us() - last_alive_us) / 1000000,
		        a->config.fail_open ? "passed uninspected" : "was held");
	else
		agent_emit_state(
		        a, "inspection-gap", 6,
		        "the previous agent stopped without removing its rules: traffic %s until now",
		        a->config.fail_open ? "passed uninspected" : "was held");
}

/* The control socket's mtime is our heartbeat: after a crash it says when we were last alive. */
static int64_t
last_alive(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
}

/* Main loop */

struct loop {
	int sfd;
	int ifd;
	int iwd;
	int cfd;
	int tfd;
};

static int
watch_policy(struct agent *a, struct loop *l)
{
	char dir[CONFIG_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", policy_path(a));
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	l->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (l->ifd < 0)
		return -errno;
	l->iwd = inotify_add_watch(l->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
	return l->iwd < 0 ? -errno : 0;
}

static bool
policy_changed(struct agent *a, struct loop *l)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = strrchr(policy_path(a), '/');
	bool changed = false;
	ssize_t n;

	base = base ? base + 1 : policy_path(a);
	while ((n = read(l->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			if (ev->len && !strcmp(ev->name, base) && !(ev->mask & IN_CREATE))
				changed = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

static void
on_signal(struct agent *a, struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			request_reload(a, "SIGHUP");
			sources_kick(a);
		} else {
			atomic_store(&a->stopping, true);
		}
	}
}

static void
run_loop(struct agent *a, struct loop *l)
{
	uint64_t last_missed = 0, watchdog_us = 0;
	int64_t last_gap_report = 0;
	bool watchdog = false;

#ifdef HAVE_LIBSYSTEMD
	watchdog = sd_watchdog_enabled(0, &watchdog_us) > 0;
#endif
	(void)watchdog_us;
	while (!atomic_load(&a->stopping)) {
		struct pollfd fds[] = {
			{ .fd = l->sfd, .events = POLLIN },
			{ .fd = l->ifd, .events = POLLIN },
			{ .fd = l->cfd, .events = POLLIN },
			{ .fd = l->tfd, .events = POLLIN },
			{ .fd = a->reload_fd, .events = POLLIN },
		};
		if (poll(fds, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			break;
		}
		if (fds[0].revents)
			on_signal(a, l);
		if (fds[1].revents && policy_changed(a, l))
			request_reload(a, "policy file changed");
		if (fds[4].revents)
			finish_reload(a);
		if (fds[2].revents)
			(void)control_serve_one(l->cfd, control_handler, a);
		if (fds[3].revents) {
			uint64_t ticks;
			(void)!read(l->tfd, &ticks, sizeof(ticks));
			check_gaps(a, &last_missed, &last_gap_report);
			publish_state(a);
			(void)utimensat(AT_FDCWD, a->config.control_socket, NULL, 0);
			if (watchdog)
				notify("WATCHDOG=1");
		}
	}
}

static int
loop_open(struct agent *a, struct loop *l)
{
	sigset_t mask;
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	l->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	a->reload_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->sfd < 0 || l->tfd < 0 || a->reload_fd < 0 ||
	    timerfd_settime(l->tfd, 0, &its, NULL) < 0)
		return -errno;
	r = watch_policy(a, l);
	if (r < 0) {
		errno = -r;
		log_warn("cannot watch the policy file for changes, reload with SIGHUP");
	}
	l->cfd = control_listen(a->config.control_socket);
	if (l->cfd < 0) {
		errno = -l->cfd;
		log_warn("control socket '%s'", a->config.control_socket);
		return l->cfd;
	}
	return 0;
}

static void
loop_close(struct agent *a, struct loop *l)
{
	if (l->sfd >= 0)
		close(l->sfd);
	if (l->ifd >= 0)
		close(l->ifd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->cfd >= 0) {
		close(l->cfd);
		(void)unlink(a->config.control_socket);
	}
}

static void
identity_to_report(struct agent *a)
{
	struct report_config *rc = &a->report_config;
	struct report_labels *l = &rc->labels;

	snprintf(rc->host_name, sizeof(rc->host_name), "%s", a->config.host_name);
	snprintf(rc->host_id, sizeof(rc->host_id), "%s", a->config.host_id);
	l->n = 0;
	for (unsigned i = 0; i < a->config.n_labels && l->n < REPORT_LABELS_MAX; i++, l->n++) {
		snprintf(l->key[l->n], sizeof(l->key[l->n]), "%s", a->config.label_keys[i]);
		snprintf(l->value[l->n], sizeof(l->value[l->n]), "%s", a->config.label_values[i]);
	}
}

static int
setup(struct agent *a, const struct agent_options *options)
{
	struct phiguard_error err;
	char source[CONFIG_PATH_MAX];
	struct policy *p = NULL;
	int r;

	a->options = *options;
	a->started_us = agent_now_us();
	pthread_mutex_init(&a->policy_lock, NULL);
	pthread_mutex_init(&a->rules_lock, NULL);
	config_defaults(&a->config);
	report_config_defaults(&a->report_config);
	if (options->config_path) {
		r = config_load(&a->config, options->config_path, &err);
		if (r == 0 && a->config.have_document)
			r = report_config_parse(&a->report_config, &a->config.document,
			                        a->config.report_node, a->config.spool_node,
			                        options->config_path, &err);
		if (r < 0) {
			log_warnx("%s:%u:%u: %s", err.file, err.line, err.column, err.msg);
			return r;
		}
	}
	identity_to_report(a);
	read_token_key(a);
	/* `sudo phiguard run` on a fresh host: the spool (0700, events may hold samples). */
	r = make_dirs(a->report_config.spool_directory, 0700);
	if (r < 0) {
		errno = -r;
		log_warn("cannot create the spool directory '%s'",
		         a->report_config.spool_directory);
	}
	/* The last good policy from policy.d or the URL, else policy.file or the built-in one. */
	if (!sources_open(a)) {
		r = load_policy(a, &p, source, sizeof(source), &err);
		if (r < 0) {
			log_warnx("%s:%u:%u: %s", err.file, err.line, err.column, err.msg);
			return r;
		}
		(void)install_policy(a, p, source, false);
	}
	/* After the policy: the reporter's first heartbeat already carries its version. */
	a->report_config.collector.socket_mark = MARK_AGENT;
	snprintf(a->report_config.initial_state.policy_version,
	         sizeof(a->report_config.initial_state.policy_version), "%s", a->policy_version);
	snprintf(a->report_config.initial_state.policy_hash,
	         sizeof(a->report_config.initial_state.policy_hash), "%s", a->policy_hash);
	a->reporter = report_start(&a->report_config, &err);
	if (!a->reporter) {
		log_warnx("cannot start reporting: %s", err.msg);
		return -EIO;
	}
	publish_state(a);
	flush_early(a);
	if (a->config.attribution != ATTRIBUTION_OFF) {
		a->enricher = enricher_new(a, a->config.attribution_cache);
		if (!a->enricher)
			return -ENOMEM;
	}
	return 0;
}

static void
teardown(struct agent *a)
{
	char err[512] = "";

	stop_reload(a);
	sources_close(a);
	/* Rules first, while the workers still answer: nothing is left waiting in a queue. */
	pthread_mutex_lock(&a->rules_lock);
	if (a->rules_installed && rules_remove(err, sizeof(err)) < 0)
		log_warnx("cannot remove firewall rules: %s", err);
	a->rules_installed = false;
	pthread_mutex_unlock(&a->rules_lock);
	if (a->n_workers)
		usleep(DRAIN_AFTER_RULES_US);
	stop_workers(a);
	enricher_free(a->enricher);
	a->enricher = NULL;
	/* Last: everything above may still emit. Undelivered events stay spooled. */
	report_stop(a->reporter);
	a->reporter = NULL;
	flush_early(a);
	a->policy = policy_unref(a->policy);
	explicit_bzero(a->token_key, sizeof(a->token_key));
	config_release(&a->config);
}

int
agent_run(const struct agent_options *options)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct loop l = { .sfd = -1, .ifd = -1, .iwd = -1, .cfd = -1, .tfd = -1 };
	char err[512] = "";
	int64_t alive_us;
	sigset_t mask;
	int ret = CLI_EXIT_ERROR, r;

	if (!a)
		return CLI_EXIT_ERROR;
	a->reload_fd = -1;
	/* Before any thread starts: signals go to the main loop's signalfd only. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (setup(a, options) < 0)
		goto out;
	alive_us = last_alive(a->config.control_socket);
	rules_config_from(a);
	/* Queues first: once the rules are in, packets must find a listener. */
	if (start_workers(a) < 0)
		goto out;
	pthread_mutex_lock(&a->rules_lock);
	r = rules_install(&a->rules_config, &a->rules, err, sizeof(err));
	a->rules_installed = r >= 0;
	pthread_mutex_unlock(&a->rules_lock);
	if (r < 0) {
		log_warnx("cannot install firewall rules: %s", err);
		goto out;
	}
	if (loop_open(a, &l) < 0)
		goto out;
	r = caps_reduce();
	if (r < 0) {
		errno = -r;
		log_warn("cannot drop capabilities, continuing with full root");
	}
	log_info("protecting this host: policy '%s' (%s), %u queues, fail-%s, IPv6 %s",
	         a->policy_version, a->policy_source, a->n_workers,
	         a->config.fail_open ? "open" : "closed", a->rules.ipv6 ? "on" : "off");
	report_stale(a, alive_us);
	sources_start(a);
	notify("READY=1");
	run_loop(a, &l);
	notify("STOPPING=1");
	ret = CLI_EXIT_OK;
out:
	loop_close(a, &l);
	teardown(a);
	pthread_mutex_destroy(&a->policy_lock);
	pthread_mutex_destroy(&a->rules_lock);
	free(a);
	return ret;
}
