/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/control.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/macro.h"

static int
fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static void
make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	(void)mkdir(dir, 0755);
}

int
control_listen(const char *path)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, r;

	r = fill_addr(&sa, path);
	if (r < 0)
		return r;
	make_parent(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A socket left by a killed agent: nobody answers on it, so replace it. */
	(void)unlink(path);
	old = umask(0077);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static ssize_t
read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (got + 1 < len) {
		ssize_t n;
		if (poll(&pfd, 1, 1000) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return (ssize_t)got;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (poll(&pfd, 1, 1000) <= 0)
				return;
			continue;
		}
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

int
control_serve_one(int listen_fd, control_handler_fn *handler, void *ctx)
{
	char request[CONTROL_REQUEST_MAX];
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char *answer = NULL;
	size_t answer_len = 0;
	FILE *out;
	int fd, r = 0;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0) {
		r = -EPERM;
		goto out;
	}
	if (read_line(fd, request, sizeof(request)) < 0) {
		r = -ETIMEDOUT;
		goto out;
	}
	out = open_memstream(&answer, &answer_len);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	handler(request, out, ctx);
	fclose(out);
	write_all(fd, answer, MIN(answer_len, (size_t)CONTROL_RESPONSE_MAX));
out:
	free(answer);
	close(fd);
	return r;
}

int
control_request(const char *path, const char *request, char **ret_response)
{
	struct sockaddr_un sa;
	char *buf = NULL;
	size_t got = 0;
	int fd, r;

	r = fill_addr(&sa, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	write_all(fd, request, strlen(request));
	write_all(fd, "\n", 1);
	buf = malloc(CONTROL_RESPONSE_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		if (poll(&pfd, 1, 5000) <= 0) {
			r = -ETIMEDOUT;
			goto out;
		}
		n = read(fd, buf + got, CONTROL_RESPONSE_MAX - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == CONTROL_RESPONSE_MAX)
			break;
	}
	buf[got] = '\0';
	*ret_response = TAKE_PTR(buf);
out:
	free(buf);
	close(fd);
	return r;
}

void
control_put(FILE *out, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	/* One line per key, whatever the value holds. */
	for (char *p = value; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(out, "%s %s\n", key, value);
}

static bool
is_number(const char *s)
{
	char *end;

	if (!*s)
		return false;
	(void)strtod(s, &end);
	return *end == '\0' && s[strspn(s, "0123456789.-")] == '\0';
}

static void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void
control_lines_to_json(const char *lines, FILE *out)
{
	_cleanup_(freep) char *copy = strdup(lines);
	bool first = true;
	char *save = NULL;

	fputs("{", out);
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): copy is freed by _cleanup_ */
	for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *value = strchr(line, ' ');
		if (value)
			*value++ = '\0';
		else
			value = line + strlen(line);
		fputs(first ? "\n  " : ",\n  ", out);
		json_string(out, line);
		fputs(": ", out);
		if (is_number(value) || !strcmp(value, "true") || !strcmp(value, "false"))
			fputs(value, out);
		else
			json_string(out, value);
		first = false;
	}
	fputs("\n}\n", out);
}
