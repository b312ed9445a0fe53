/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_MATCH_H
#define PHIGUARD_MATCH_H

/**
 * @file
 * The PHI matcher: detectors compiled once into Hyperscan databases, then
 * run over whole buffers (block API) or over a flow's bytes in pieces
 * (stream API; a match split across pieces is still found). Every call that
 * reports findings hands them to a callback; nothing is retained.
 *
 * Threads: a compiled matcher is immutable and may be shared; a scratch and
 * a stream belong to one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Confidence levels; the numbers line up with Purview's 65/75/85. */
enum phiguard_confidence {
	PHIGUARD_CONFIDENCE_NONE = 0,
	PHIGUARD_CONFIDENCE_LOW = 65,
	PHIGUARD_CONFIDENCE_MEDIUM = 75,
	PHIGUARD_CONFIDENCE_HIGH = 85,
};

/** "low", "medium", "high" (or "none"). */
const char *phiguard_confidence_name(enum phiguard_confidence confidence);

/** Parse "low"/"medium"/"high"; returns 0 or -EINVAL. */
int phiguard_confidence_parse(const char *text, enum phiguard_confidence *ret_confidence);

/** A precise error for people: where (file:line:column, 1-based) and what. */
struct phiguard_error {
	char file[256];
	unsigned line;
	unsigned column;
	char msg[512];
};

#define PHIGUARD_SAMPLE_MAX 64
#define PHIGUARD_TOKEN_MAX  33 /* 16 bytes of HMAC-SHA256 as hex, plus NUL */

/** One finding. Valid only for the duration of the callback. */
struct phiguard_finding {
	const char *detector;    /**< detector name, owned by the matcher */
	unsigned detector_index; /**< index in the compiled matcher */
	uint64_t start; /**< byte offset of the first byte (stream offset in stream mode) */
	uint64_t end;   /**< byte offset one past the last byte */
	enum phiguard_confidence confidence;
	const char *tag; /**< negative-evidence tag ("synthetic", "fictional", ...) or NULL */
	char sample[PHIGUARD_SAMPLE_MAX]; /**< redacted: the shape, never the value */
	char token[PHIGUARD_TOKEN_MAX]; /**< keyed hash of the normalised value; "" without a key */
};

/** Return 0 to go on, non-zero to stop scanning. */
typedef int phiguard_finding_fn(const struct phiguard_finding *finding, void *ctx);

/* ---- detector definitions (before compile) ---- */

struct phiguard_detector_set;

/** An empty set. Never NULL (aborts on out of memory). */
struct phiguard_detector_set *phiguard_detector_set_new(void);
void phiguard_detector_set_free(struct phiguard_detector_set *set);

/** Add the built-in detector packs embedded in the binary. 0 or negative errno. */
int phiguard_detector_set_add_builtin(struct phiguard_detector_set *set,
                                      struct phiguard_error *err);

/**
 * Add the detectors of a pack in YAML (the same schema as the built-in packs,
 * documented in phiguard-policy(5)). @filename is used in error messages.
 * On error nothing is added and @err says where.
 */
int phiguard_detector_set_load_yaml(struct phiguard_detector_set *set, const char *text, size_t len,
                                    const char *filename, struct phiguard_error *err);

/** Enable or disable a detector by name. 0 or -ENOENT. */
int phiguard_detector_set_enable(struct phiguard_detector_set *set, const char *name, bool enabled);

/** Number of detectors and their names (enabled or not). */
size_t phiguard_detector_set_count(const struct phiguard_detector_set *set);
const char *phiguard_detector_set_name(const struct phiguard_detector_set *set, size_t index);

/* ---- the compiled matcher ---- */

/** Which scan APIs a matcher serves (phiguard_matcher_options.modes). */
enum {
	PHIGUARD_MATCHER_BLOCK = 1 << 0,  /**< phiguard_scan_block() */
	PHIGUARD_MATCHER_STREAM = 1 << 1, /**< phiguard_stream_*() */
};

struct phiguard_matcher_options {
	const uint8_t *token_key; /**< HMAC key for tokens; NULL: tokens are empty */
	size_t token_key_len;
	/**
	 * PHIGUARD_MATCHER_BLOCK and/or _STREAM; 0 means both. Each mode is a
	 * Hyperscan database of its own: a matcher that serves one compiles
	 * faster and is smaller. The other API then returns -EOPNOTSUPP.
	 */
	unsigned modes;
};

struct phiguard_matcher;

/**
 * Compile the enabled detectors of @set. The set may be freed afterwards.
 * 0, or negative errno with @err naming the detector and pattern at fault.
 */
int phiguard_matcher_compile(const struct phiguard_detector_set *set,
                             const struct phiguard_matcher_options *options,
                             struct phiguard_matcher **ret_matcher, struct phiguard_error *err);
void phiguard_matcher_free(struct phiguard_matcher *matcher);

size_t phiguard_matcher_detector_count(const struct phiguard_matcher *matcher);
const char *phiguard_matcher_detector_name(const struct phiguard_matcher *matcher, size_t index);
/** Index of a detector by name, or -ENOENT. */
int phiguard_matcher_detector_index(const struct phiguard_matcher *matcher, const char *name);
/** Total bytes of the compiled Hyperscan databases (block + stream). */
size_t phiguard_matcher_database_size(const struct phiguard_matcher *matcher);

/* ---- per-thread scratch ---- */

struct phiguard_scratch;

int phiguard_scratch_new(const struct phiguard_matcher *matcher, struct phiguard_scratch **ret);
/**
 * A scratch for another thread, cloned from @prototype (hs_clone_scratch):
 * build one prototype off the hot path, then one clone per worker.
 */
int phiguard_scratch_clone(const struct phiguard_scratch *prototype, struct phiguard_scratch **ret);
void phiguard_scratch_free(struct phiguard_scratch *scratch);

/* ---- block API ---- */

/** Scan one complete buffer. 0, or negative errno; findings go to @cb. */
int phiguard_scan_block(const struct phiguard_matcher *matcher, struct phiguard_scratch *scratch,
                        const void *data, size_t len, phiguard_finding_fn *cb, void *ctx);

/* ---- stream API ---- */

struct phiguard_stream;

int phiguard_stream_open(const struct phiguard_matcher *matcher, struct phiguard_stream **ret);
/** Feed the next bytes of the stream; findings may be reported late (hotwords after a value). */
int phiguard_stream_feed(struct phiguard_stream *stream, struct phiguard_scratch *scratch,
                         const void *data, size_t len, phiguard_finding_fn *cb, void *ctx);
/** End of stream: report what was deferred, then free the stream. Accepts NULL. */
int phiguard_stream_close(struct phiguard_stream *stream, struct phiguard_scratch *scratch,
                          phiguard_finding_fn *cb, void *ctx);
/** Per-stream memory in bytes (for sizing flow tables). */
size_t phiguard_stream_size(const struct phiguard_matcher *matcher);

#ifdef __cplusplus
}
#endif

#endif
