/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_MATCH_DETECTOR_H
#define PHIGUARD_MATCH_DETECTOR_H

/*
 * Detector definitions as loaded from YAML, before compilation. One
 * definition owns all its strings; a set owns its definitions.
 */

#include <stdbool.h>
#include <stddef.h>

#include <phiguard/match.h>

struct validator;

/* Limits on user-controlled sizes (a pack is data, possibly hostile). */
#define DETECTOR_MAX              256 /* detectors in one set */
#define DETECTOR_NAME_MAX         63
#define DETECTOR_PATTERNS_MAX     64   /* patterns (or require/structural) per list */
#define DETECTOR_HOTWORDS_MAX     1024 /* per class */
#define DETECTOR_GAZETTEER_MAX    4096
#define DETECTOR_PARTICLES_MAX    64 /* words joining a surname to the next word */
#define DETECTOR_PARTICLE_LEN     15
#define DETECTOR_EXPR_MAX         4096       /* bytes of one expression, after substitution */
#define DETECTOR_WINDOW_MAX       (1u << 20) /* records */
#define DETECTOR_VALUE_WINDOW_MAX 4096       /* hotword/structural windows of values */
#define DETECTOR_EXTEND_LEFT_MAX  255
#define DETECTOR_EXTEND_RIGHT_MAX 31

enum detector_kind {
	DETECTOR_KIND_VALUE = 0,
	DETECTOR_KIND_RECORD,
};

enum detector_boundary {
	DETECTOR_BOUNDARY_NONE = 0,
	DETECTOR_BOUNDARY_DIGIT,
	DETECTOR_BOUNDARY_ALNUM,
};

enum detector_redact {
	DETECTOR_REDACT_MASK = 0,
	DETECTOR_REDACT_LAST4,
	DETECTOR_REDACT_EMAIL,
	DETECTOR_REDACT_NAME,
	DETECTOR_REDACT_RECORD,
};

/* A 256-bit byte set, for extend_left / extend_right classes. */
struct byte_class {
	unsigned long bits[256 / (8 * sizeof(unsigned long))];
};

static inline bool
byte_class_has(const struct byte_class *c, unsigned char b)
{
	const unsigned w = 8 * sizeof(unsigned long);

	return (c->bits[b / w] >> (b % w)) & 1UL;
}

/*
 * The class body @s[0..@len) ("A-Za-z\x27\x80-\xff\-": bytes, ranges, \xHH
 * and \c escapes) into @ret; -EINVAL with *@ret_why on a bad one.
 */
int byte_class_parse(const char *s, size_t len, struct byte_class *ret, const char **ret_why);

struct detector_pattern {
	char *expr;     /* Hyperscan syntax; owned */
	unsigned width; /* 0: not fixed */
	bool has_extend_left;
	bool has_extend_right;
	struct byte_class extend_left;
	struct byte_class extend_right;
	bool hotword_required; /* this pattern counts only with hotword context */
	/* This pattern's own validator (a static table entry), NULL: the detector's */
	const struct validator *validator;
	unsigned line, column; /* 1-based position of the pattern in the pack */
};

struct detector_list {
	struct detector_pattern *items; /* owned */
	size_t n;
};

struct detector_words {
	char **items; /* owned, each owned */
	size_t n;
};

struct detector_def {
	char *name;            /* owned */
	char *description;     /* owned, may be NULL */
	char *file;            /* owned: the pack's file name, for errors */
	unsigned line, column; /* of the mapping */
	enum detector_kind kind;
	struct detector_list patterns;
	struct detector_list require;    /* record detectors */
	struct detector_list structural; /* value detectors */
	unsigned structural_window;
	struct detector_words strong, weak;
	struct detector_words negative; /* in the window: the value stays at low at most */
	struct detector_words gazetteer;
	/*
	 * Words that join a surname to the next one ("de", "van", "Ní"): a
	 * value widened right that ends in one, then a space and a capital or
	 * UTF-8 letter, goes on over the next word ("Aoife Ní Bhriain").
	 */
	struct detector_words particles;
	bool caseless;
	enum detector_boundary boundary;
	char *validator; /* owned; NULL means none */
	enum phiguard_confidence confidence;
	enum phiguard_confidence max_confidence;
	bool hotword_required;
	unsigned window;        /* the wider of the two below: what the stream must keep */
	unsigned window_before; /* hotwords ending at most this far before the value */
	unsigned window_after;  /* hotwords starting at most this far after it */
	bool same_line;         /* a hotword counts only with no line break between */
	enum detector_redact redact;
	bool enabled;
};

struct phiguard_detector_set {
	struct detector_def **defs; /* owned */
	size_t n;
};

void detector_def_free(struct detector_def *def);
struct detector_def *detector_def_clone(const struct detector_def *def);

/* Adds @def to @set, replacing a detector of the same name. Takes ownership. */
int detector_set_put(struct phiguard_detector_set *set, struct detector_def *def,
                     struct phiguard_error *err);

const struct detector_def *detector_set_find(const struct phiguard_detector_set *set,
                                             const char *name);

/* Fill @err (any of file/line/column may be empty/0). */
void detector_error(struct phiguard_error *err, const char *file, unsigned line, unsigned column,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The built-in packs embedded at build time (generated file). */
struct detector_pack {
	const char *filename;
	const char *text;
	size_t len;
};
extern const struct detector_pack detector_builtin_packs[];
extern const size_t detector_builtin_pack_count;

#endif
