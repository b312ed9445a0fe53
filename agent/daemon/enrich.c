/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/enrich.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/agent.h"

#define EVENT_SLOTS 256
#define WARM_SLOTS  4096

struct event_item {
	struct phiguard_event event;
	uint32_t inode;
	uint32_t uid;
};

struct warm_item {
	uint32_t inode;
	uint32_t uid;
};

struct enricher {
	struct agent *agent;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* guards everything below; taken per event, never per packet */
	pthread_cond_t cond;
	bool stop;
	struct event_item *events; /* owned ring, EVENT_SLOTS */
	unsigned ev_head, ev_len;
	struct warm_item *warm; /* owned ring, WARM_SLOTS */
	unsigned warm_head, warm_len;
	struct proc_cache *cache; /* owned; used by the enricher thread only */
	struct enricher_counters counters;
};

/*
 * An event waits out the gap between full /proc scans rather than lose its
 * process: two connections opened together each get theirs. This thread
 * sleeps (at most FULL_SCAN_GAP_NS), so the gap still bounds the CPU spent;
 * a backlog overflows into queue_full, as it would anyway.
 */
static int
find_pid(struct enricher *e, uint32_t inode, uint32_t uid, pid_t *ret_pid)
{
	int r = proc_cache_pid(e->cache, inode, uid, ret_pid);
	int64_t wait_ns;

	if (r != -EAGAIN)
		return r;
	wait_ns = proc_cache_scan_wait_ns(e->cache);
	if (wait_ns > 0)
		(void)nanosleep(&(struct timespec){ .tv_sec = wait_ns / 1000000000,
		                                    .tv_nsec = wait_ns % 1000000000 },
		                NULL);
	return proc_cache_pid(e->cache, inode, uid, ret_pid);
}

static void
enrich_event(struct enricher *e, struct event_item *it)
{
	struct phiguard_event *ev = &it->event;
	pid_t pid;
	uint32_t uid = ev->uid >= 0 ? (uint32_t)ev->uid : it->uid;

	if (ev->uid < 0 && it->inode)
		ev->uid = it->uid;
	if (ev->pid < 0 && it->inode && find_pid(e, it->inode, uid, &pid) == 0) {
		ev->pid = pid;
		e->counters.attributed++;
	} else if (ev->pid < 0) {
		e->counters.unattributed++;
	}
	if (ev->pid > 0 && !ev->executable[0])
		(void)proc_cache_exe(e->cache, (pid_t)ev->pid, ev->executable,
		                     sizeof(ev->executable));
	if (ev->uid >= 0 && !ev->user_name[0])
		proc_cache_user(e->cache, (uint32_t)ev->uid, ev->user_name, sizeof(ev->user_name));
}

static void *
enricher_main(void *arg)
{
	struct enricher *e = arg;
	struct event_item *item = malloc(sizeof(*item));

	if (!item)
		return NULL;
	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (!e->stop && e->ev_len == 0 && e->warm_len == 0)
			pthread_cond_wait(&e->cond, &e->lock);
		if (e->ev_len > 0) {
			*item = e->events[e->ev_head];
			e->ev_head = (e->ev_head + 1) % EVENT_SLOTS;
			e->ev_len--;
			pthread_mutex_unlock(&e->lock);
			enrich_event(e, item);
			agent_emit(e->agent, &item->event);
			pthread_mutex_lock(&e->lock);
			continue;
		}
		if (e->warm_len > 0) {
			struct warm_item w = e->warm[e->warm_head];
			pid_t pid;
			e->warm_head = (e->warm_head + 1) % WARM_SLOTS;
			e->warm_len--;
			pthread_mutex_unlock(&e->lock);
			(void)proc_cache_pid(e->cache, w.inode, w.uid, &pid);
			pthread_mutex_lock(&e->lock);
			continue;
		}
		if (e->stop)
			break;
	}
	pthread_mutex_unlock(&e->lock);
	free(item);
	return NULL;
}

struct enricher *
enricher_new(struct agent *agent, uint32_t cache_entries)
{
	struct enricher *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->agent = agent;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->events = calloc(EVENT_SLOTS, sizeof(*e->events));
	e->warm = calloc(WARM_SLOTS, sizeof(*e->warm));
	e->cache = proc_cache_new(cache_entries);
	if (!e->events || !e->warm || !e->cache)
		goto fail;
	if (pthread_create(&e->thread, NULL, enricher_main, e) != 0)
		goto fail;
	(void)pthread_setname_np(e->thread, "phiguard-attrib");
	e->started = true;
	return e;
fail:
	enricher_free(e);
	return NULL;
}

void
enricher_free(struct enricher *e)
{
	if (!e)
		return;
	if (e->started) {
		pthread_mutex_lock(&e->lock);
		e->stop = true;
		pthread_cond_signal(&e->cond);
		pthread_mutex_unlock(&e->lock);
		pthread_join(e->thread, NULL);
	}
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	proc_cache_free(e->cache);
	free(e->events);
	free(e->warm);
	free(e);
}

void
enricher_submit(struct enricher *e, const struct phiguard_event *event, uint32_t inode,
                uint32_t sock_uid)
{
	bool full;

	pthread_mutex_lock(&e->lock);
	e->counters.events++;
	full = e->ev_len == EVENT_SLOTS;
	if (!full) {
		struct event_item *it = &e->events[(e->ev_head + e->ev_len) % EVENT_SLOTS];
		it->event = *event;
		it->inode = inode;
		it->uid = sock_uid;
		/* Wake the thread only when it may be asleep: one wake-up per burst. */
		if (e->ev_len++ == 0 && e->warm_len == 0)
			pthread_cond_signal(&e->cond);
	} else {
		e->counters.queue_full++;
	}
	pthread_mutex_unlock(&e->lock);
	/* Never lose an event for the sake of attribution. */
	if (full)
		agent_emit(e->agent, event);
}

void
enricher_warm(struct enricher *e, uint32_t inode, uint32_t uid)
{
	pthread_mutex_lock(&e->lock);
	if (e->warm_len < WARM_SLOTS) {
		e->warm[(e->warm_head + e->warm_len) % WARM_SLOTS] =
		        (struct warm_item){ .inode = inode, .uid = uid };
		if (e->warm_len++ == 0 && e->ev_len == 0)
			pthread_cond_signal(&e->cond);
	} else {
		e->counters.warm_dropped++;
	}
	pthread_mutex_unlock(&e->lock);
}

void
enricher_get_counters(struct enricher *e, struct enricher_counters *ret)
{
	pthread_mutex_lock(&e->lock);
	*ret = e->counters;
	pthread_mutex_unlock(&e->lock);
	/* The cache counters are the enricher thread's; a torn read only skews status. */
	proc_cache_get_counters(e->cache, &ret->cache);
}
