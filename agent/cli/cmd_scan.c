/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * phiguard scan [--policy FILE] [--format text|json] [--token-key-file F]
 *               [--min-confidence low|medium|high] FILE...|-
 *
 * Runs the detectors over files or standard input, streamed in chunks so
 * that memory stays bounded whatever the file size. Exit 0: nothing found;
 * 1: findings; 2: error (grep's convention). Output carries redacted
 * samples only, never a matched value. The files inside a zip (a .docx,
 * an .xlsx) are read too, each as a text of its own: their findings name
 * the entry, and their offsets are in its text.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <phiguard/match.h>

#include "base/log.h"
#include "base/macro.h"
#include "content/zip.h"
#include "policy/policy.h"

#define SCAN_CHUNK    (64 * 1024)
#define TOKEN_KEY_MAX 4096

enum scan_format {
	SCAN_FORMAT_TEXT,
	SCAN_FORMAT_JSON,
};

struct scan_opts {
	enum scan_format format;
	enum phiguard_confidence min_confidence;
	const char *policy;
	const char *token_key_file;
};

struct scan_ctx {
	const struct scan_opts *opts;
	const char *file;
	const char *entry; /* the zip entry the findings are in, or NULL */
	unsigned long findings;
};

/* A file's zip entries, each through a matcher stream of its own. */
struct entry_scan {
	const struct phiguard_matcher *m;
	struct phiguard_scratch *scratch;
	struct scan_ctx c;
	struct phiguard_stream *stream; /* owned: the current entry's */
	char name[ZIP_NAME_MAX];
	int error;
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: phiguard scan [--policy FILE] [--format text|json] "
	             "[--token-key-file FILE] [--min-confidence low|medium|high] FILE...|-\n");
}

static void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static int
on_finding(const struct phiguard_finding *f, void *arg)
{
	struct scan_ctx *c = arg;

	if (f->confidence < c->opts->min_confidence)
		return 0;
	c->findings++;
	if (c->opts->format == SCAN_FORMAT_JSON) {
		fputs("{\"file\":", stdout);
		json_string(stdout, c->file);
		if (c->entry != NULL) {
			printf(",\"entry\":");
			json_string(stdout, c->entry);
		}
		printf(",\"detector\":");
		json_string(stdout, f->detector);
		printf(",\"start\":%llu,\"end\":%llu,\"confidence\":\"%s\",\"sample\":",
		       (unsigned long long)f->start, (unsigned long long)f->end,
		       phiguard_confidence_name(f->confidence));
		json_string(stdout, f->sample);
		if (f->token[0] != '\0') {
			printf(",\"token\":");
			json_string(stdout, f->token);
		}
		if (f->tag != NULL) {
			printf(",\"tag\":");
			json_string(stdout, f->tag);
		}
		printf("}\n");
	} else {
		printf("%s%s%s:%llu %s %s %s%s%s%s\n", c->file, c->entry ? "!" : "",
		       c->entry ? c->entry : "", (unsigned long long)f->start, f->detector,
		       phiguard_confidence_name(f->confidence), f->sample, f->tag ? " (" : "",
		       f->tag ? f->tag : "", f->tag ? ")" : "");
	}
	return 0;
}

/* The key is the file's bytes, without a trailing newline. */
static int
read_token_key(const char *path, uint8_t *key, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		log_warn("cannot open token key file '%s'", path);
		return -errno;
	}
	n = fread(key, 1, TOKEN_KEY_MAX, f);
	fclose(f);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	if (n == 0) {
		log_warnx("token key file '%s' is empty", path);
		return -EINVAL;
	}
	*ret_len = n;
	return 0;
}

static void
entry_close(struct entry_scan *es)
{
	if (es->stream != NULL &&
	    phiguard_stream_close(es->stream, es->scratch, on_finding, &es->c) < 0)
		es->error = -EIO;
	es->stream = NULL;
}

static void
on_entry_begin(const char *name, void *ctx)
{
	struct entry_scan *es = ctx;
	int r;

	entry_close(es);
	snprintf(es->name, sizeof(es->name), "%s", name);
	es->c.entry = es->name;
	r = phiguard_stream_open(es->m, &es->stream);
	if (r < 0)
		es->error = r;
}

static bool
on_entry_text(const uint8_t *data, size_t len, void *ctx)
{
	struct entry_scan *es = ctx;

	if (es->stream != NULL &&
	    phiguard_stream_feed(es->stream, es->scratch, data, len, on_finding, &es->c) < 0)
		es->error = -EIO;
	return es->error == 0;
}

static int
scan_fd(const struct phiguard_matcher *m, struct phiguard_scratch *scratch, int fd,
        struct scan_ctx *c, uint8_t *buf)
{
	struct entry_scan es = { .m = m, .scratch = scratch, .c = *c };
	struct zip_state zs;
	uint32_t live = 0;
	const struct zip_sink sink = { &live, 1, NULL, on_entry_begin, on_entry_text, &es };
	struct phiguard_stream *s = NULL;
	int r;

	memset(&zs, 0, sizeof(zs));
	r = phiguard_stream_open(m, &s);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, SCAN_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		r = phiguard_stream_feed(s, scratch, buf, (size_t)n, on_finding, c);
		if (r < 0)
			break;
		(void)zip_feed(&zs, buf, (size_t)n, &sink);
		r = es.error;
		if (r < 0)
			break;
	}
	zip_release(&zs);
	entry_close(&es);
	c->findings += es.c.findings;
	if (r == 0)
		r = es.error;
	if (r < 0) {
		(void)phiguard_stream_close(s, scratch, NULL, NULL);
		return r;
	}
	return phiguard_stream_close(s, scratch, on_finding, c);
}

static int
scan_path(const struct phiguard_matcher *m, struct phiguard_scratch *scratch,
          const struct scan_opts *opts, const char *path, unsigned long *findings)
{
	struct scan_ctx c = { .opts = opts, .file = path };
	uint8_t *buf = malloc(SCAN_CHUNK);
	int fd, r;

	if (buf == NULL)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		c.file = "-";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			log_warnx("cannot open '%s': %s", path, strerror(errno));
			free(buf);
			return r;
		}
	}
	r = scan_fd(m, scratch, fd, &c, buf);
	if (r < 0)
		log_warnx("cannot read '%s': %s", path, strerror(-r));
	if (fd != STDIN_FILENO)
		close(fd);
	free(buf);
	*findings += c.findings;
	return r;
}

/*
 * The detectors to run: those of --policy (built-ins plus the policy's own,
 * as the agent would run them), or the built-in packs. *ret_policy owns the
 * matcher in the first case, *ret_own in the second.
 */
static int
build_matcher(const struct scan_opts *opts, const struct phiguard_matcher **ret,
              struct policy **ret_policy, struct phiguard_matcher **ret_own)
{
	struct phiguard_detector_set *set = NULL;
	/* Files are read in chunks through the stream API only. */
	struct phiguard_matcher_options mo = { .modes = PHIGUARD_MATCHER_STREAM };
	struct phiguard_error err = { 0 };
	uint8_t key[TOKEN_KEY_MAX];
	size_t key_len = 0;
	int r;

	if (opts->token_key_file != NULL) {
		r = read_token_key(opts->token_key_file, key, &key_len);
		if (r < 0)
			goto out;
		mo.token_key = key;
		mo.token_key_len = key_len;
	}
	if (opts->policy != NULL) {
		struct policy_load_options po = { .token_key = mo.token_key,
			                          .token_key_len = mo.token_key_len };

		r = policy_load_file_with(opts->policy, &po, ret_policy, &err);
		if (r == 0 && policy_matcher(*ret_policy) == NULL)
			r = -EINVAL;
		if (r == 0)
			*ret = policy_matcher(*ret_policy);
	} else {
		set = phiguard_detector_set_new();
		r = phiguard_detector_set_add_builtin(set, &err);
		if (r == 0)
			r = phiguard_matcher_compile(set, &mo, ret_own, &err);
		if (r == 0)
			*ret = *ret_own;
	}
	if (r < 0 && err.msg[0] != '\0' && err.line > 0)
		log_warnx("%s:%u:%u: %s", err.file, err.line, err.column, err.msg);
	else if (r < 0 && err.msg[0] != '\0')
		log_warnx("%s: %s", err.file[0] ? err.file : "detectors", err.msg);
	else if (r < 0)
		log_warnx("cannot load '%s': %s", opts->policy ? opts->policy : "detectors",
		          strerror(-r));
out:
	explicit_bzero(key, sizeof(key));
	phiguard_detector_set_free(set);
	return r;
}

static int
parse_args(int argc, char **argv, struct scan_opts *opts)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "token-key-file", required_argument, NULL, 'k' },
		{ "min-confidence", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			opts->policy = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0) {
				opts->format = SCAN_FORMAT_JSON;
			} else if (strcmp(optarg, "text") == 0) {
				opts->format = SCAN_FORMAT_TEXT;
			} else {
				log_warnx("unknown format '%s' (text or json)", optarg);
				return -EINVAL;
			}
			break;
		case 'k':
			opts->token_key_file = optarg;
			break;
		case 'c':
			if (phiguard_confidence_parse(optarg, &opts->min_confidence) < 0) {
				log_warnx("unknown confidence '%s' (low, medium or high)", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(CLI_EXIT_OK);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int
cmd_scan(int argc, char **argv)
{
	struct scan_opts opts = { .min_confidence = PHIGUARD_CONFIDENCE_LOW };
	const struct phiguard_matcher *m = NULL;
	struct phiguard_matcher *own = NULL;
	struct policy *policy = NULL;
	struct phiguard_scratch *scratch = NULL;
	unsigned long findings = 0;
	bool failed = false;
	int r, ret = CLI_EXIT_ERROR;

	log_setproc("phiguard scan");
	if (parse_args(argc, argv, &opts) < 0)
		return CLI_EXIT_ERROR;
	if (build_matcher(&opts, &m, &policy, &own) < 0)
		goto out;
	r = phiguard_scratch_new(m, &scratch);
	if (r < 0) {
		log_warnx("cannot allocate matcher scratch: %s", strerror(-r));
		goto out;
	}
	for (int i = optind; i < argc; i++)
		if (scan_path(m, scratch, &opts, argv[i], &findings) < 0)
			failed = true;
	fflush(stdout);
	if (!failed)
		ret = findings > 0 ? CLI_EXIT_FOUND : CLI_EXIT_OK;
out:
	phiguard_scratch_free(scratch);
	phiguard_matcher_free(own);
	policy_unref(policy);
	return ret;
}
