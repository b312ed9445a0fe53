/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * phiguard scan [--policy FILE] [--format text|json] [--token-key-file F]
 *               [--min-confidence low|medium|high] FILE...|-
 *
 * Runs the detectors over files or standard input, streamed in chunks so
 * that memory stays bounded whatever the file size. Exit 0: nothing found;
 * 1: findings; 2: error (grep's convention). Output carries redacted
 * samples only, never a matched value. A file is read as the agent reads
 * it: the files inside a zip (a .docx, an .xlsx) and gzip files (a .gz)
 * each as a text of its own, and a saved mail's base64 and
 * quoted-printable parts decoded, each named by its file name (in a
 * mailbox, after the number of its mail); their findings name that text,
 * and their offsets are in it.
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
#include "content/archive.h"
#include "content/inflate.h"
#include "content/mime.h"
#include "policy/policy.h"
#include "report/strbuf.h"

#define SCAN_CHUNK    (64 * 1024)
#define SCAN_NAME_MAX 200
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
	const char *entry;       /* the text inside the file the findings are in, or NULL */
	unsigned long *findings; /* the file's, shared by its texts */
};

/*
 * One text the detectors read, with a matcher stream of its own: the file
 * as it is, a mail's decoded attachment, or a zip entry or gzip file found
 * in one of those. Findings name it (`entry`) and their offsets are in its
 * text.
 */
struct text_scan {
	const struct phiguard_matcher *m;
	struct phiguard_scratch *scratch;
	struct scan_ctx c;
	struct phiguard_stream *stream; /* owned: text_close */
	char name[SCAN_NAME_MAX];
	uint64_t len; /* bytes of text read */
	int error;
};

/* A text and the zip entries and gzip files found in its bytes, each a text too (one level). */
struct layer {
	struct text_scan text;
	struct text_scan entry;
	struct archive_state archive;
	uint32_t inflaters;    /* held for its entries */
	const char *gunzipped; /* what a gzip file without a stored name is called */
};

/*
 * Where a mailbox (mbox: mails one after another, each after a line that
 * starts "From ", the envelope) starts its next mail. A "From " at the
 * start of a line inside a mail is written ">From " by the programs that
 * keep mailboxes, so a line that starts so is always an envelope.
 */
struct mbox_split {
	bool on;          /* the file is a mailbox */
	bool line_start;  /* the next byte starts a line */
	bool envelope;    /* inside an envelope line: the mail starts after it */
	unsigned matched; /* bytes of "From " matched at the start of this line */
	unsigned mails;
};

/* A file's texts: itself, and its coded mail parts when it is a mail or a mailbox. */
struct file_scan {
	struct layer file;
	struct layer part;         /* a mail's current coded part */
	struct mime_decoder *mime; /* owned, while a mail is read */
	struct mbox_split mbox;
	char gunzipped[SCAN_NAME_MAX]; /* the name gunzip would give the file */
	unsigned parts;                /* of the current mail */
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: phiguard scan [--policy FILE] [--format text|json] "
	             "[--token-key-file FILE] [--min-confidence low|medium|high] FILE...|-\n");
}

/*
 * A JSON string the way the events are written (report/strbuf.c): UTF-8
 * kept (a file named "Siobhán referral.docx" reads back as itself), control
 * bytes escaped, invalid UTF-8 as U+FFFD.
 */
static void
json_string(FILE *out, const char *s)
{
	size_t n = strlen(s), size = 6 * n + 1; /* "\u00XX" is the longest a byte becomes */
	char *buf = malloc(size);               /* owned here */
	struct strbuf sb;

	if (buf == NULL) {
		fputs("\"\"", out);
		return;
	}
	strbuf_init(&sb, buf, size);
	strbuf_add_escaped(&sb, s, n + 1, STRBUF_JSON);
	fprintf(out, "\"%.*s\"", (int)sb.len, buf);
	free(buf);
}

static int
on_finding(const struct phiguard_finding *f, void *arg)
{
	struct scan_ctx *c = arg;

	if (f->confidence < c->opts->min_confidence)
		return 0;
	(*c->findings)++;
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

/* @name for a terminal: a hostile mail or zip may name a part with control bytes. */
static void
text_name(char *out, size_t size, const char *parent, const char *name)
{
	size_t n;

	snprintf(out, size, "%s%s%s", parent ? parent : "", parent ? "!" : "", name);
	n = strlen(out);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

static void
text_close(struct text_scan *ts)
{
	if (ts->stream != NULL &&
	    phiguard_stream_close(ts->stream, ts->scratch, ts->error == 0 ? on_finding : NULL,
	                          &ts->c) < 0 &&
	    ts->error == 0)
		ts->error = -EIO;
	ts->stream = NULL;
}

/* A new text named @name inside @parent (NULL: the file itself when @name is NULL too). */
static void
text_open(struct text_scan *ts, const char *parent, const char *name)
{
	int r;

	text_close(ts);
	ts->c.entry = NULL;
	ts->len = 0;
	if (name != NULL) {
		text_name(ts->name, sizeof(ts->name), parent, name);
		ts->c.entry = ts->name;
	}
	r = phiguard_stream_open(ts->m, &ts->stream);
	if (r < 0 && ts->error == 0)
		ts->error = r;
}

static bool
text_feed(const uint8_t *data, size_t len, void *ctx)
{
	struct text_scan *ts = ctx;

	ts->len += len;
	if (ts->stream != NULL &&
	    phiguard_stream_feed(ts->stream, ts->scratch, data, len, on_finding, &ts->c) < 0 &&
	    ts->error == 0)
		ts->error = -EIO;
	return ts->error == 0;
}

static void
on_entry(const char *name, enum archive_kind kind, void *ctx)
{
	struct layer *l = ctx;

	if (name[0] == '\0')
		name = kind == ARCHIVE_KIND_GZIP ? l->gunzipped : "(unnamed)";
	text_open(&l->entry, l->text.c.entry, name);
}

static bool
on_entry_text(const uint8_t *data, size_t len, void *ctx)
{
	struct layer *l = ctx;

	return text_feed(data, len, &l->entry);
}

/*
 * An entry's text stopped short: said, since its findings may be
 * incomplete. One that gave no text at all was a chance signature in other
 * data (random bytes hold a gzip header every few hundred megabytes).
 */
static void
on_entry_cut(enum inflate_status why, void *ctx)
{
	struct layer *l = ctx;
	const struct text_scan *e = &l->entry;
	char reason[64];

	if (e->len == 0)
		return;
	if (why == INFLATE_LIMIT)
		snprintf(reason, sizeof(reason), "it grows past %d times its compressed size",
		         INFLATE_RATIO);
	else
		snprintf(reason, sizeof(reason), "%s",
		         why == INFLATE_ERROR ? "its compressed data is corrupt"
		                              : "the file ends inside it");
	log_warnx("%s!%s: only the first %llu bytes of its text were read: %s", e->c.file,
	          e->c.entry ? e->c.entry : "(unnamed)", (unsigned long long)e->len, reason);
}

static void
layer_init(struct layer *l, const struct phiguard_matcher *m, struct phiguard_scratch *scratch,
           const struct scan_ctx *c)
{
	memset(l, 0, sizeof(*l));
	l->text = (struct text_scan){ .m = m, .scratch = scratch, .c = *c };
	l->entry = l->text;
	l->gunzipped = "(gunzipped)";
}

/* A whole file read offline: no packet waits, so only the ratio bounds an entry. */
static struct archive_sink
layer_sink(struct layer *l)
{
	return (struct archive_sink){
		.live = &l->inflaters,
		.live_max = 1,
		.begin = on_entry,
		.out = on_entry_text,
		.cut = on_entry_cut,
		.max = UINT64_MAX,
		.ctx = l,
	};
}

static void
layer_open(struct layer *l, const char *name)
{
	const struct archive_sink sink = layer_sink(l);

	archive_release(&l->archive, &sink);
	text_close(&l->entry);
	text_open(&l->text, NULL, name);
}

static bool
layer_feed(const uint8_t *data, size_t len, void *ctx)
{
	struct layer *l = ctx;
	const struct archive_sink sink = layer_sink(l);

	if (l->text.stream == NULL)
		return true;
	(void)text_feed(data, len, &l->text);
	(void)archive_feed(&l->archive, data, len, &sink);
	return l->text.error == 0 && l->entry.error == 0;
}

/* Its texts closed (findings still waiting decided); its first error. */
static int
layer_close(struct layer *l)
{
	const struct archive_sink sink = layer_sink(l);

	archive_release(&l->archive, l->text.error == 0 ? &sink : NULL);
	text_close(&l->entry);
	text_close(&l->text);
	return l->text.error < 0 ? l->text.error : l->entry.error;
}

static void
on_mail_part(const char *name, void *ctx)
{
	struct file_scan *fs = ctx;
	char numbered[32], in_mailbox[SCAN_NAME_MAX];

	fs->parts++;
	if (name[0] == '\0') {
		snprintf(numbered, sizeof(numbered), "part %u", fs->parts);
		name = numbered;
	}
	if (fs->mbox.on) {
		snprintf(in_mailbox, sizeof(in_mailbox), "mail %u!%s", fs->mbox.mails, name);
		name = in_mailbox;
	}
	layer_open(&fs->part, name);
}

static bool
on_mail_text(const uint8_t *data, size_t len, void *ctx)
{
	struct file_scan *fs = ctx;

	return layer_feed(data, len, &fs->part);
}

/* The current mail ends: what its decoder holds goes out. */
static void
mail_end(struct file_scan *fs)
{
	if (fs->mime != NULL)
		(void)mime_decoder_end(fs->mime, on_mail_text, fs);
	mime_decoder_free(fs->mime);
	fs->mime = NULL;
}

/* A mailbox's next mail starts: a decoder of its own, its parts counted anew. */
static void
mail_start(struct file_scan *fs)
{
	mail_end(fs);
	fs->mime = mime_decoder_new(NULL);
	if (fs->mime != NULL)
		mime_decoder_coded_only(fs->mime, on_mail_part);
	fs->mbox.mails++;
	fs->parts = 0;
}

static void
mail_feed(struct file_scan *fs, const uint8_t *data, size_t len)
{
	if (fs->mime != NULL && len > 0)
		(void)mime_decoder_feed(fs->mime, data, len, on_mail_text, fs);
}

/*
 * A mail saved as a file (.eml) starts with a header field: a name of
 * printable characters and a colon (RFC 5322 2.2). Its coded parts are
 * then decoded; a file that only looks so has none.
 */
static bool
looks_like_mail(const uint8_t *buf, size_t n)
{
	size_t i = 0;

	while (i < n && i < 77 && buf[i] > 0x20 && buf[i] < 0x7f && buf[i] != ':')
		i++;
	return i > 0 && i < n && buf[i] == ':';
}

/* A mailbox starts with the envelope line of its first mail. */
static bool
looks_like_mbox(const uint8_t *buf, size_t n)
{
	return n > 5 && memcmp(buf, "From ", 5) == 0;
}

/*
 * What the file's first bytes say: a mail's coded parts are decoded (a
 * mailbox's, mail by mail), and a gzip file without a stored name is
 * called as gunzip would call it.
 */
static void
file_kind(struct file_scan *fs, const char *path, const uint8_t *buf, size_t n)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len = strlen(base);

	if (len > 3 && strcmp(base + len - 3, ".gz") == 0)
		snprintf(fs->gunzipped, sizeof(fs->gunzipped), "%.*s", (int)(len - 3), base);
	else if (len > 4 && strcmp(base + len - 4, ".tgz") == 0)
		snprintf(fs->gunzipped, sizeof(fs->gunzipped), "%.*s.tar", (int)(len - 4), base);
	if (fs->gunzipped[0] != '\0')
		fs->file.gunzipped = fs->gunzipped;
	if (looks_like_mbox(buf, n)) {
		fs->mbox.on = true;
		fs->mbox.line_start = true;
	} else if (looks_like_mail(buf, n)) {
		mail_start(fs);
	}
}

/*
 * A mailbox's next bytes, to the mail they belong to; envelope lines go to
 * none. An envelope split across reads may leave its first bytes to the
 * mail before it: a line of text after that mail's last part.
 */
static void
mbox_feed(struct file_scan *fs, const uint8_t *buf, size_t n)
{
	static const char envelope[] = "From ";
	struct mbox_split *mb = &fs->mbox;
	size_t seg = 0;

	for (size_t i = 0; i < n; i++) {
		if (mb->envelope) {
			if (buf[i] == '\n') {
				mb->envelope = false;
				mb->line_start = true;
				mail_start(fs);
				seg = i + 1;
			}
			continue;
		}
		if ((mb->line_start || mb->matched > 0) &&
		    buf[i] == (uint8_t)envelope[mb->matched]) {
			if (++mb->matched == sizeof(envelope) - 1) {
				size_t from =
				        i + 1 >= seg + mb->matched ? i + 1 - mb->matched : seg;

				mail_feed(fs, buf + seg, from - seg);
				mb->envelope = true;
				mb->matched = 0;
			}
		} else {
			mb->matched = 0;
		}
		mb->line_start = buf[i] == '\n';
	}
	if (!mb->envelope)
		mail_feed(fs, buf + seg, n - seg);
}

/* The file's next bytes, into each of its texts. */
static int
file_feed(struct file_scan *fs, const uint8_t *buf, size_t n)
{
	(void)layer_feed(buf, n, &fs->file);
	if (fs->mbox.on)
		mbox_feed(fs, buf, n);
	else
		mail_feed(fs, buf, n);
	if (fs->file.text.error < 0)
		return fs->file.text.error;
	return fs->part.text.error;
}

/* Reads @fd in whole chunks (a pipe too): the first one says what the file is. */
static ssize_t
read_chunk(int fd, uint8_t *buf)
{
	size_t n = 0;

	while (n < SCAN_CHUNK) {
		ssize_t r = read(fd, buf + n, SCAN_CHUNK - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

static int
scan_fd(const struct phiguard_matcher *m, struct phiguard_scratch *scratch, int fd,
        struct scan_ctx *c, uint8_t *buf)
{
	struct file_scan fs;
	bool first = true;
	int r = 0, e;

	memset(&fs, 0, sizeof(fs));
	layer_init(&fs.file, m, scratch, c);
	layer_init(&fs.part, m, scratch, c);
	layer_open(&fs.file, NULL);
	for (;;) {
		ssize_t n = read_chunk(fd, buf);

		if (n < 0)
			r = (int)n;
		if (n <= 0)
			break;
		if (first)
			file_kind(&fs, c->file, buf, (size_t)n);
		first = false;
		r = file_feed(&fs, buf, (size_t)n);
		if (r < 0)
			break;
	}
	if (r == 0)
		mail_end(&fs);
	mime_decoder_free(fs.mime);
	if (r < 0) {
		/* nothing more is reported from a file that could not be read */
		fs.part.text.error = fs.part.entry.error = r;
		fs.file.text.error = fs.file.entry.error = r;
	}
	e = layer_close(&fs.part);
	r = r < 0 ? r : e;
	e = layer_close(&fs.file);
	return r < 0 ? r : e;
}

static int
scan_path(const struct phiguard_matcher *m, struct phiguard_scratch *scratch,
          const struct scan_opts *opts, const char *path, unsigned long *findings)
{
	struct scan_ctx c = { .opts = opts, .file = path, .findings = findings };
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
