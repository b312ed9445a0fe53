/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTPS batches in the shape of Splunk's HTTP Event Collector: one POST
 * carries up to a few hundred events, each {"time":…,"host":…,"source":
 * "phiguard","sourcetype":"phiguard:ecs"|"phiguard:cef","event":…}, and a
 * 2xx answer acknowledges the whole batch. Anything else (4xx, 5xx, a
 * closed connection, no answer in time) leaves the batch unacknowledged: it
 * is sent again after reconnecting. One request in flight, keep-alive.
 */
#include "report/link.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "report/strbuf.h"

#define HTTPS_BATCH_MAX 256

int
https_open(struct link *link, const struct report_collector *col)
{
	int fd, r = 0;
	ssize_t n;

	link->body_len = 0;
	link->request_out = false;
	link->token[0] = '\0';
	(void)snprintf(link->host, sizeof(link->host), "%s",
	               col->server_name[0] != '\0' ? col->server_name : col->address);
	(void)snprintf(link->path, sizeof(link->path), "%s",
	               col->path[0] != '\0' ? col->path : "/services/collector/event");
	if (col->token_file[0] == '\0')
		return 0;
	fd = open(col->token_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		(void)snprintf(link->err, sizeof(link->err), "token file '%.200s': %s",
		               col->token_file, strerror(errno));
		return r;
	}
	n = read(fd, link->token, sizeof(link->token) - 1);
	(void)close(fd);
	if (n <= 0) {
		(void)snprintf(link->err, sizeof(link->err), "token file '%.200s': empty",
		               col->token_file);
		return -EINVAL;
	}
	link->token[n] = '\0';
	link->token[strcspn(link->token, "\r\n")] = '\0'; /* one line; nothing injected */
	return r;
}

void
https_close(struct link *link)
{
	explicit_bzero(link->token, sizeof(link->token));
	link->body_len = 0;
	link->request_out = false;
}

bool
https_full(const struct link *link)
{
	/* room for one more event, wrapped and escaped at worst */
	return link->request_out || link->count >= HTTPS_BATCH_MAX ||
	       link->body_len + 2 * REPORT_RECORD_MAX + 512 > sizeof(link->body);
}

/* "2024-11-28T23:40:01.123456Z" -> "1732837201.123456"; 0 or -EINVAL. */
static int
epoch_of(const char *ts, size_t len, char *buf, size_t size)
{
	char copy[40];
	struct tm tm = { 0 };
	const char *rest;

	if (len >= sizeof(copy))
		return -EINVAL;
	memcpy(copy, ts, len);
	copy[len] = '\0';
	rest = strptime(copy, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL || rest[0] != '.' || strlen(rest) != 8 || rest[7] != 'Z')
		return -EINVAL;
	(void)snprintf(buf, size, "%lld.%.6s", (long long)timegm(&tm), rest + 1);
	return 0;
}

/*
 * Split our own RFC 5424 record: <PRI>1 TIMESTAMP HOSTNAME APP PROCID MSGID
 * [SD] MSG. The SD values escape ']' so the first unescaped ']' outside
 * quotes ends it.
 */
static int
split_record(const char *rec, size_t len, const char **ts, size_t *ts_len, const char **host,
             size_t *host_len, const char **msg, size_t *msg_len)
{
	const char *p = rec, *end = rec + len, *field[6];
	bool quoted = false;

	for (int i = 0; i < 6; i++) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (p == NULL)
			return -EINVAL;
		field[i] = ++p;
	}
	*ts = field[0];
	*ts_len = (size_t)(field[1] - field[0] - 1);
	*host = field[1];
	*host_len = (size_t)(field[2] - field[1] - 1);
	if (p < end && *p == '[') {
		for (; p < end; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				quoted = !quoted;
			else if (*p == ']' && !quoted && (p + 1 == end || p[1] != '['))
				break;
		}
		if (p >= end)
			return -EINVAL;
		p++;
	} else if (p < end && *p == '-') {
		p++;
	}
	if (p >= end || *p != ' ')
		return -EINVAL;
	*msg = p + 1;
	*msg_len = (size_t)(end - p - 1);
	return 0;
}

int
https_send(struct link *link, uint64_t seq, const char *record, size_t len)
{
	const char *ts, *host, *msg;
	size_t ts_len, host_len, msg_len;
	char epoch[32], hostname[256];
	struct strbuf sb;

	if (split_record(record, len, &ts, &ts_len, &host, &host_len, &msg, &msg_len) < 0 ||
	    epoch_of(ts, ts_len, epoch, sizeof(epoch)) < 0 || host_len >= sizeof(hostname)) {
		(void)snprintf(link->err, sizeof(link->err), "spooled record %llu is malformed",
		               (unsigned long long)seq);
		return -EINVAL;
	}
	memcpy(hostname, host, host_len);
	hostname[host_len] = '\0';
	strbuf_init(&sb, link->body + link->body_len, sizeof(link->body) - link->body_len);
	strbuf_addf(&sb, "{\"time\":%s,\"host\":\"", epoch);
	strbuf_add_escaped(&sb, hostname, sizeof(hostname), STRBUF_JSON);
	if (msg_len > 0 && msg[0] == '{') {
		/* our ECS body is already JSON */
		strbuf_adds(&sb, "\",\"source\":\"phiguard\",\"sourcetype\":\"phiguard:ecs\","
		                 "\"event\":");
		strbuf_add(&sb, msg, msg_len);
	} else {
		strbuf_adds(&sb, "\",\"source\":\"phiguard\",\"sourcetype\":\"phiguard:cef\","
		                 "\"event\":\"");
		for (size_t i = 0; i < msg_len;) {
			char chunk[1024];
			size_t n =
			        msg_len - i < sizeof(chunk) - 1 ? msg_len - i : sizeof(chunk) - 1;

			memcpy(chunk, msg + i, n);
			chunk[n] = '\0';
			strbuf_add_escaped(&sb, chunk, sizeof(chunk), STRBUF_JSON);
			i += n;
		}
		strbuf_addc(&sb, '"');
	}
	strbuf_adds(&sb, "}\n");
	if (sb.overflow) {
		(void)snprintf(link->err, sizeof(link->err), "HTTPS batch buffer overflow");
		return -ENOBUFS;
	}
	link->body_len += sb.len;
	link_inflight_push(link, seq, 0);
	return 0;
}

static int
https_request(struct link *link)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head),
	             "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: phiguard\r\n"
	             "Content-Type: application/json\r\nContent-Length: %zu\r\n%s%s%s"
	             "Connection: keep-alive\r\n\r\n",
	             link->path, link->host, link->body_len,
	             link->token[0] != '\0' ? "Authorization: Splunk " : "", link->token,
	             link->token[0] != '\0' ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENAMETOOLONG;
	if (link_queue(link, head, (size_t)n) < 0 || link_flush(link) < 0 ||
	    tls_write_all(link->conn, link->body, link->body_len, LINK_IO_TIMEOUT_MS, link->err,
	                  sizeof(link->err)) < 0)
		return -EPIPE;
	explicit_bzero(head, sizeof(head));
	link->request_out = true;
	link->request_ms = link_now_ms();
	link->rx_len = 0;
	return 0;
}

/* Case-insensitive search for a header's value within the header block. */
static const char *
header_value(const char *head, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
			return p + 3 + n;
	return NULL;
}

int
https_parse_response(char *buf, size_t len, size_t cap, int *ret_status, size_t *ret_used)
{
	char *end_head;
	const char *v;
	size_t head_len, body_len = 0;
	bool full = len + 1 >= cap;

	if (cap == 0)
		return -EINVAL;
	buf[len < cap ? len : cap - 1] = '\0';
	end_head = strstr(buf, "\r\n\r\n");
	if (end_head == NULL)
		return full ? -EPROTO : 0;
	head_len = (size_t)(end_head + 4 - buf);
	/* "HTTP/1.x NNN": exactly three digits, nothing signed or short */
	if (strncmp(buf, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]))
		return -EPROTO;
	*ret_status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	*end_head = '\0';
	if ((v = header_value(buf, "Content-Length")) != NULL) {
		body_len = strtoul(v, NULL, 10);
	} else if ((v = header_value(buf, "Transfer-Encoding")) != NULL &&
	           strstr(v, "chunked") != NULL) {
		/* the answer's body is not used: wait for the last chunk */
		*end_head = '\r';
		if (memmem(buf + head_len - 2, len - head_len + 2, "\r\n0\r\n\r\n", 7) == NULL)
			return full ? -EPROTO : 0;
		*ret_used = len;
		return 1;
	}
	*end_head = '\r';
	if (body_len > cap - head_len)
		return -EPROTO;
	if (len < head_len + body_len)
		return full ? -EPROTO : 0;
	*ret_used = head_len + body_len;
	return 1;
}

int
https_pump(struct link *link, int timeout_ms, uint64_t *ret_acked)
{
	ssize_t n;
	int status = 0, r;
	size_t used = 0;

	if (!link->request_out) {
		if (link->count == 0) {
			/*
			 * Idle. Servers close idle keep-alive connections; the next
			 * request then fails and is sent again after reconnecting.
			 */
			if (timeout_ms > 0)
				(void)tls_idle_wait(&link->idle, timeout_ms);
			return 0;
		}
		r = https_request(link);
		if (r < 0)
			return r;
	}
	if (link_now_ms() - link->request_ms > LINK_IO_TIMEOUT_MS) {
		(void)snprintf(link->err, sizeof(link->err), "collector did not answer in %d ms",
		               LINK_IO_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	if (link->rx_len + 1 >= sizeof(link->rx)) {
		(void)snprintf(link->err, sizeof(link->err),
		               "collector sent an oversized HTTP answer");
		return -EPROTO;
	}
	n = tls_read(link->conn, link->rx + link->rx_len, sizeof(link->rx) - 1 - link->rx_len,
	             timeout_ms, link->err, sizeof(link->err));
	if (n < 0)
		return (int)n;
	link->rx_len += (size_t)n;
	r = https_parse_response(link->rx, link->rx_len, sizeof(link->rx), &status, &used);
	if (r < 0) {
		(void)snprintf(link->err, sizeof(link->err),
		               "collector sent a malformed HTTP answer");
		return r;
	}
	if (r == 0)
		return 0;
	if (status < 200 || status > 299) {
		(void)snprintf(link->err, sizeof(link->err), "collector answered HTTP %d: %.120s",
		               status, link->rx);
		link->err[strcspn(link->err, "\r\n")] = '\0';
		return -EPROTO;
	}
	/* 2xx: the whole batch is the collector's */
	while (link->count > 0) {
		*ret_acked = link_inflight_front(link)->seq;
		link_inflight_pop(link);
	}
	memmove(link->rx, link->rx + used, link->rx_len - used);
	link->rx_len -= used;
	link->body_len = 0;
	link->request_out = false;
	return 0;
}
