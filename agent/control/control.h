/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CONTROL_CONTROL_H
#define PHIGUARD_CONTROL_CONTROL_H

/*
 * The control socket: a root-only (0600) unix stream socket. A client
 * sends one request line ("status" or "reload"), the agent answers with
 * "key value" lines and closes. Keys are dotted (queue.0.packets); values
 * never contain a newline. `phiguard status --json` turns the lines into
 * one JSON object.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONTROL_REQUEST_MAX  64
#define CONTROL_RESPONSE_MAX (256 * 1024)

/* Create the socket (and its directory, 0755), replacing a stale one. fd or negative errno. */
int control_listen(const char *path);

/* Writes the answer to @out; @request is the line the client sent. */
typedef void control_handler_fn(const char *request, FILE *out, void *ctx);

/*
 * Accept one client on @listen_fd and answer it. Only root (SO_PEERCRED)
 * is answered. Never blocks longer than a second on a slow client.
 */
int control_serve_one(int listen_fd, control_handler_fn *handler, void *ctx);

/* Client: send @request, read the whole answer into *ret (malloc'd). */
int control_request(const char *path, const char *request, char **ret_response);

/* "key value" helpers for handlers. */
void control_put(FILE *out, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Render "key value" lines as one JSON object (numbers stay numbers). */
void control_lines_to_json(const char *lines, FILE *out);

#endif
