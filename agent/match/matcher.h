/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_MATCH_MATCHER_H
#define PHIGUARD_MATCH_MATCHER_H

/*
 * The compiled matcher (immutable, shareable between threads) and the
 * per-scan engine state shared by the block and stream APIs, so that both
 * run exactly the same candidate pipeline.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>
#include <openssl/evp.h>

#include <phiguard/match.h>

#include "match/detector.h"
#include "match/validators.h"

/* Longest value candidate (bytes); longer ones are dropped in both modes. */
#define MATCH_CAND_MAX 256
/* Bytes after a value's end that must be seen before it is examined. */
#define MATCH_LOOKAHEAD 32
/*
 * Bytes looked at each side of a value; a side with fewer at hand (the
 * start or end of the data) says nothing. A side where a quarter of them
 * are bytes text never has (control bytes, broken UTF-8) is raw data.
 */
#define MATCH_TEXT_SPAN 16
#define MATCH_TEXT_SIDE 8
/* Hotword/structural hits remembered per context stream (the oldest are forgotten first). */
#define MATCH_CTX_HITS 256
/* Context streams: the main one (with the word scanner) and the digit one. */
#define MATCH_CTX_STREAMS 2
/* Largest hotword or structural window of a value detector (bytes each side). */
#define MATCH_WINDOW_MAX DETECTOR_VALUE_WINDOW_MAX
/* Value events waiting for their lookahead bytes. */
#define MATCH_FIFO 64
/* Validated values waiting for their right-hand hotword window. */
#define MATCH_PENDING 32
/* Distinct values per detector that raise the level (aggregation). */
#define MATCH_AGGREGATE 3
/* Longest single-word hotword looked up without Hyperscan (ctx_words.c). */
#define MATCH_WORD_MAX 16

/* match_compile() flags. */
enum {
	/* Keep every hotword in the context database (to compare both paths). */
	MATCH_COMPILE_NO_WORDS = 1U << 0,
	/* No digit database: its hotwords stay in the context database (the same). */
	MATCH_COMPILE_NO_DIGITS = 1U << 1,
	/* Every forename pattern in the bulk database (to compare both paths). */
	MATCH_COMPILE_NO_GAZETTEER = 1U << 2,
};

enum match_role {
	MATCH_ROLE_VALUE = 0,  /* a value pattern of a value detector */
	MATCH_ROLE_STRONG,     /* a strong hotword */
	MATCH_ROLE_WEAK,       /* a weak hotword */
	MATCH_ROLE_STRUCTURAL, /* a structured-field marker */
	MATCH_ROLE_SIGNATURE,  /* a pattern of a record detector */
	MATCH_ROLE_REQUIRE,    /* a required part of a record */
	MATCH_ROLE_NEGATIVE,   /* a negative hotword (order, invoice ...) */
};

/* One use of an expression: by which detector, in which role. */
struct match_target {
	uint16_t detector;
	uint8_t role;
	uint8_t require_index;
	const struct detector_pattern
	        *pattern; /* value/signature; owned by the matcher's set copy */
	unsigned width;   /* effective fixed width (gazetteer added), 0: none */
	bool som;
	const char *word; /* the gazetteer word put in the pattern; owned by the set copy */
};

struct match_expr {
	char *text; /* owned */
	unsigned flags;
	struct match_target *targets; /* owned */
	size_t n_targets;
	/* Where it came from, for compile errors. */
	const char *file;
	unsigned line, column;
	const char *detector;
	bool word;      /* a caseless \bword\b: looked up by the word scanner, not Hyperscan */
	bool digit;     /* a regular-expression hotword with a digit class: the digit database */
	bool gazetteer; /* a forename followed by a space and a capital: gazetteer.c */
	uint8_t after_class; /* ... its class of the byte after the space (match_gazetteer) */
};

/*
 * Single-word caseless hotwords (`\bword\b`): such a word matches exactly
 * where a maximal run of word bytes equals it case-insensitively, so the
 * context scan looks each run up in this open-addressing table instead of
 * running them through Hyperscan.
 */
struct match_word {
	uint64_t key[2]; /* the word, lower case, zero-padded; key[0] == 0: an empty slot */
	uint8_t len;
	uint16_t n_ids;
	uint32_t ids; /* offset in match_words.ids: the expressions, ascending */
};

struct match_words {
	struct match_word *slots; /* owned, [mask + 1] */
	uint32_t mask;
	size_t n;         /* words */
	uint32_t *ids;    /* owned */
	uint64_t lengths; /* bit L: some word is L bytes long */
	unsigned max_len;
	uint8_t fold[256];   /* a word byte folded (c | 0x20: no case), 0 for the others */
	bool first[256];     /* some word starts with this folded byte */
	uint64_t filter[64]; /* bit (hash % 4096): some word has that hash */
	uint64_t keep[MATCH_WORD_MAX + 1][2]; /* the bytes [0, L) of a key (any byte order) */
};

/*
 * Gazetteer patterns of the form `(?i:{gazetteer}) [CLASS]` (a forename,
 * a space, the surname's capital), without Hyperscan: at each space
 * followed by a byte of CLASS, the word before it is looked up. As a
 * literal search they were most of the bulk database's cost ("will",
 * "grace", "mark" are common words); a space before a capital is rare.
 */
#define MATCH_GAZETTEER_CLASSES 8
struct match_gazetteer {
	struct match_words table; /* the forenames, folded (gazetteer.c) */
	/* the particles of their detectors, folded ("Ana de Silva": the forename before "de") */
	struct match_words particles;
	unsigned min_len;
	bool in_word[256]; /* a byte a forename may have */
	bool after[256];   /* a byte of some pattern's CLASS */
	/* in_word has letters, bytes 0x80-0xff, '-' and '\'' only: the space scan may test them */
	bool word_bytes_simple;
	struct byte_class classes[MATCH_GAZETTEER_CLASSES];
	unsigned n_classes;
};

/* The word scanner's place in the context stream (it keeps a partial word across feeds). */
struct match_word_scan {
	const uint8_t *bytes; /* borrowed during a feed: the stream bytes [base, end) */
	uint64_t base, end;
	uint64_t next;  /* the next byte to look at */
	uint64_t start; /* where the current run of word bytes started (in_run) */
	bool in_run;
	/* The run's first bytes before base, folded (the rest of a long run is not kept). */
	uint8_t run[MATCH_WORD_MAX];
};

struct match_detector {
	const struct detector_def *def; /* owned by the matcher's set */
	const struct validator *validator;
	unsigned hold;       /* bytes after a value's end before it is decided */
	unsigned early_hold; /* the same when the bytes before it already decide it */
	bool has_context;
	bool has_digit_context; /* some hotword of it is in the digit database */
};

struct phiguard_matcher {
	struct phiguard_detector_set *set; /* owned: private copy of the enabled detectors */
	struct match_detector *det;        /* [n_det] */
	size_t n_det;
	struct match_expr *expr; /* [n_expr], the Hyperscan id is the index */
	size_t n_expr;
	/* Values, record signatures and parts: scanned over every byte. */
	hs_database_t *block_db;
	hs_database_t *stream_db;
	/*
	 * Hotwords and structural markers (a streaming database): scanned
	 * only around validated values, each byte once however many windows
	 * overlap it, so that frequent short words cost nothing on the bulk
	 * of the traffic.
	 */
	hs_database_t *ctx_db;
	/*
	 * The hotwords with a digit class (ages, phone and postcode shapes):
	 * most of the context scan's cost on digit-heavy text, and used by a
	 * few detectors only, so scanned in a stream of their own, fed only
	 * for those detectors' values.
	 */
	hs_database_t *digit_db;
	struct match_words words;         /* the single-word hotwords of the context scan */
	struct match_gazetteer gazetteer; /* the forename patterns of the bulk scan */
	size_t ctx_stream_size;           /* of both context databases */
	size_t tail_size;   /* stream bytes kept: a power of two covering every window */
	unsigned modes;     /* PHIGUARD_MATCHER_BLOCK | PHIGUARD_MATCHER_STREAM */
	uint8_t *token_key; /* owned, wiped on free */
	size_t token_key_len;
	size_t stream_size;
};

struct match_hit {
	uint64_t to; /* stream offset of the hit's end */
	/*
	 * to - start (expressions with SOM), at most UINT32_MAX: a start that
	 * far back lies outside every window either way. 16 bytes a hit.
	 */
	uint32_t span;
	uint32_t expr;
};

struct match_raw {
	uint64_t from, to;
	uint32_t expr;
	uint16_t target;
};

struct match_cand {
	uint64_t from, to;
	uint16_t detector;
	const struct validator *validator; /* the value's: its pattern's or its detector's */
	bool hotword_required;
	bool early;    /* the bytes before it give its final level, early_level */
	bool labelled; /* a strong hotword of its own before it */
	bool binary;   /* among bytes text never has: reported only with structure */
	enum phiguard_confidence early_level;
	uint8_t aggregate;
	enum phiguard_confidence cap;
	const char *tag;
	char sample[PHIGUARD_SAMPLE_MAX];
	char token[PHIGUARD_TOKEN_MAX];
};

struct match_record {
	uint64_t from, to;
	uint64_t last; /* end of the last part seen */
	uint32_t mask;
	bool started;
	bool done;
};

struct match_aggregate {
	uint64_t hash[MATCH_AGGREGATE - 1];
	uint8_t count;
};

/*
 * A context stream has seen the bytes [base, fed) and its hits are in the
 * ring hits (head, n). base == UINT64_MAX: nothing seen yet.
 */
struct match_ctx {
	hs_stream_t
	        *stream; /* a phiguard_stream's own; borrowed from the scratch in a block scan */
	uint64_t base, fed;
	bool ended; /* fed to the end of the data and flushed */
	/*
	 * The end of the last hit pushed, and whether a hit ever came with an
	 * earlier end since the restart: while not, the ring is in order of
	 * end and a window's hits are found by bisection.
	 */
	bool unordered;
	uint64_t last_to;
	struct match_hit hits[MATCH_CTX_HITS];
	unsigned head, n;
};

/* The engine's state for one scan (a stream, or one block call). */
struct match_state {
	const struct phiguard_matcher *m;
	uint64_t offset;      /* bytes consumed before the current chunk */
	const uint8_t *chunk; /* the current chunk (borrowed during a call) */
	uint8_t *tail;        /* [m->tail_size] ring: byte at offset o is tail[o % tail_size] */
	size_t chunk_len;
	bool at_end;          /* no byte follows the current chunk */
	bool stopped;         /* the callback asked to stop */
	uint64_t visible_end; /* bytes at or after this are not looked at (see advance()) */
	uint64_t overflows;   /* queue overflows: block and stream may then differ */
	struct match_raw fifo[MATCH_FIFO];
	unsigned fifo_head, fifo_n;
	struct match_cand pending[MATCH_PENDING];
	unsigned n_pending;
	/* [0]: the main context stream (and the word scanner), [1]: the digit one. */
	struct match_ctx context[MATCH_CTX_STREAMS];
	struct match_word_scan words;
	uint64_t gazetteer_next; /* the next space the gazetteer scan looks at */
	/*
	 * The bytes of the last value examined: the next target of the same
	 * event (one expression shared by several detectors) reuses them.
	 * Valid within one chunk only (value_len == SIZE_MAX: none).
	 */
	uint64_t value_from, value_to, value_visible;
	size_t value_len;
	uint8_t value[MATCH_CAND_MAX + 1];
	struct match_record *records;      /* [n_det] */
	struct match_aggregate *aggregate; /* [n_det] */
	/* Per call. */
	struct phiguard_scratch *scratch;
	phiguard_finding_fn *cb;
	void *ctx;
};

struct phiguard_scratch {
	hs_scratch_t *hs;
	hs_scratch_t *ctx_hs; /* a second scratch: context scans run inside match callbacks */
	uint8_t *ctx_buf;     /* [2 * MATCH_WINDOW_MAX + MATCH_CAND_MAX + 4] window bytes */
	/* The context streams of block scans, opened at the first one (owned). */
	hs_stream_t *block_ctx[MATCH_CTX_STREAMS];
	const hs_database_t *block_ctx_db[MATCH_CTX_STREAMS]; /* what block_ctx belong to */
	EVP_MAC_CTX *mac;                                     /* NULL without a token key */
	struct match_state *block;                            /* reused by every block scan */
	size_t block_size; /* bytes the block state has room for */
};

struct phiguard_stream {
	hs_stream_t *hs;
	struct match_state
	        st; /* owns st.context[].stream; last: its per-detector arrays follow it */
};

/*
 * compile.c: the other case of a two-byte UTF-8 letter (Latin-1 Supplement,
 * Latin Extended-A) as its second byte, 0 when it has none.
 */
unsigned char match_other_case(unsigned char lead, unsigned char cont);
/* compile.c: phiguard_matcher_compile() with MATCH_COMPILE_* @flags. */
int match_compile(const struct phiguard_detector_set *set,
                  const struct phiguard_matcher_options *options, unsigned flags,
                  struct phiguard_matcher **ret_matcher, struct phiguard_error *err);

/* ctx_words.c */
/*
 * A word table from @n folded words (zero-padded, @len_of[i] 0: none): the
 * ids of one word are the indexes that have it, ascending.
 */
void match_words_fill(struct match_words *w, size_t n, const uint8_t (*word)[MATCH_WORD_MAX],
                      const size_t *len_of);
/* The entry of a folded, zero-padded word, or NULL. */
const struct match_word *match_words_find(const struct match_words *w,
                                          const uint8_t word[MATCH_WORD_MAX], size_t len);
/* The word table of the expressions that are single caseless words; marks them. */
void match_words_build(struct phiguard_matcher *m);
void match_words_free(struct match_words *w);
/* Forget the partial word: the context stream restarts at @at. */
void match_words_restart(struct match_word_scan *ws, uint64_t at);
/* Push the hits of every word that ends at or before @to (of the bytes being fed). */
void match_words_advance(struct match_state *st, uint64_t to);
/* The feed is over: keep what the current run needs of its bytes. */
void match_words_feed_end(struct match_state *st);
/* No byte follows: push the hit of the word the data ends with. */
void match_words_finish(struct match_state *st);

/* gazetteer.c */
/* Takes the qualifying forename expressions out of the bulk database (marks them). */
void match_gazetteer_build(struct phiguard_matcher *m);
void match_gazetteer_free(struct match_gazetteer *g);
/* Report, in order, the forename events that end at or before @to (of the current chunk). */
void match_gazetteer_advance(struct match_state *st, uint64_t to);

/* The context database of stream @k (MATCH_CTX_STREAMS), or NULL. */
static inline const hs_database_t *
match_ctx_db(const struct phiguard_matcher *m, unsigned k)
{
	return k == 0 ? m->ctx_db : m->digit_db;
}

/* engine.c */
/* Remember a context hit (the oldest is forgotten when the ring is full). */
void match_ctx_push(struct match_ctx *c, uint64_t from, uint64_t to, uint32_t expr);
size_t match_state_size(const struct phiguard_matcher *m);
void match_state_init(struct match_state *st, const struct phiguard_matcher *m);
/* A value or record event of bulk expression @id ending at @to, in order of @to. */
void match_bulk_event(struct match_state *st, uint32_t id, uint64_t from, uint64_t to);
/* The byte at stream offset @o if still at hand (the chunk or the kept tail), else -1. */
int match_byte_seen(const struct match_state *st, uint64_t o);
/* Hyperscan match callback; ctx is the struct match_state. */
int match_on_event(unsigned int id, unsigned long long from, unsigned long long to,
                   unsigned int flags, void *ctx);
/* Before scanning a chunk: set it and examine what it completes. */
void match_chunk_begin(struct match_state *st, const uint8_t *data, size_t len);
/* After scanning a chunk: keep its tail, decide what its end allows. */
void match_chunk_end(struct match_state *st);
/* No more bytes: examine and decide everything left. */
void match_finish(struct match_state *st);

/* redact.c: the shape of @value, never the value itself. */
void match_redact(enum detector_redact style, const uint8_t *value, size_t len, char *out,
                  size_t out_size);
/* token.c: HMAC-SHA256(key, detector "\0" normalised), first 16 bytes as hex. */
EVP_MAC_CTX *match_token_ctx_new(void);
int match_token(EVP_MAC_CTX *mac, const uint8_t *key, size_t key_len, const char *detector,
                const char *normalised, size_t normalised_len, char out[PHIGUARD_TOKEN_MAX]);

#endif
