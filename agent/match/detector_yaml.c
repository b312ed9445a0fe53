/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "match/detector_yaml.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/macro.h"
#include "base/suggest.h"
#include "base/xalloc.h"
#include "match/detector.h"
#include "match/validators.h"

/* A pack larger than this is not a detector pack. */
#define PACK_TEXT_MAX (4u << 20)

struct yparse {
	yaml_document_t *doc;
	const char *file;
	struct phiguard_error *err;
};

#define POS(n) (unsigned)(n)->start_mark.line + 1, (unsigned)(n)->start_mark.column + 1

static const char *const detector_keys[] = {
	"name",         "description", "kind",           "patterns", "caseless", "boundary",
	"validator",    "confidence",  "max_confidence", "hotwords", "window",   "hotword_required",
	"structural",   "gazetteer",   "require",        "redact",   "enabled",  "window_before",
	"window_after", "same_line",   "particles",
};
static const char *const pattern_keys[] = {
	"regex", "width", "extend_left", "extend_right", "hotword_required", "validator",
};
static const char *const hotword_keys[] = { "strong", "weak", "negative" };
static const char *const structural_keys[] = { "patterns", "window" };
static const char *const pack_keys[] = { "detectors" };

static const char *
nearest_key(const char *key, const char *const *keys, size_t n)
{
	const char *best = keys[0];
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(key, keys[i]);

		/* A prefix ("hotword" for "hotwords") is as near as it gets. */
		if (strncmp(keys[i], key, strlen(key)) == 0 ||
		    strncmp(key, keys[i], strlen(keys[i])) == 0)
			d = MIN(d, 1);
		if (d < best_d) {
			best_d = d;
			best = keys[i];
		}
	}
	return best;
}

__attribute__((format(printf, 3, 4))) static int
fail(struct yparse *p, yaml_node_t *node, const char *fmt, ...)
{
	char msg[sizeof(p->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	detector_error(p->err, p->file, node ? (unsigned)node->start_mark.line + 1 : 0,
	               node ? (unsigned)node->start_mark.column + 1 : 0, "%s", msg);
	return -EINVAL;
}

static const char *
scalar(struct yparse *p, yaml_node_t *node, const char *what, int *r)
{
	if (node == NULL || node->type != YAML_SCALAR_NODE) {
		*r = fail(p, node, "'%s' must be a single value", what);
		return NULL;
	}
	if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length) {
		*r = fail(p, node, "'%s' contains a NUL byte", what);
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

static int
parse_bool(struct yparse *p, yaml_node_t *node, const char *what, bool *ret)
{
	int r = 0;
	const char *v = scalar(p, node, what, &r);

	if (v == NULL)
		return r;
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "on") == 0)
		*ret = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "off") == 0)
		*ret = false;
	else
		return fail(p, node, "'%s' must be true or false, not '%s'", what, v);
	return 0;
}

static int
parse_uint(struct yparse *p, yaml_node_t *node, const char *what, unsigned min, unsigned max,
           unsigned *ret)
{
	int r = 0;
	const char *v = scalar(p, node, what, &r);
	char *end;
	unsigned long x;
	char range[64];

	if (v == NULL)
		return r;
	errno = 0;
	x = strtoul(v, &end, 10);
	snprintf(range, sizeof(range), "%u..%u", min, max);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 || x < min || x > max)
		return fail(p, node, "'%s' must be a number in %s", what, range);
	*ret = (unsigned)x;
	return 0;
}

static int
parse_level(struct yparse *p, yaml_node_t *node, const char *what, enum phiguard_confidence *ret)
{
	int r = 0;
	const char *v = scalar(p, node, what, &r);

	if (v == NULL)
		return r;
	if (phiguard_confidence_parse(v, ret) < 0)
		return fail(p, node, "'%s' must be low, medium or high, not '%s'", what, v);
	return 0;
}

static int
parse_enum(struct yparse *p, yaml_node_t *node, const char *what, const char *const *names,
           size_t n, int *ret)
{
	int r = 0;
	const char *v = scalar(p, node, what, &r);

	if (v == NULL)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*ret = (int)i;
			return 0;
		}
	}
	return fail(p, node, "unknown %s '%s'", what, v);
}

/* One byte of a class body at *s, with \xHH and \c escapes; -1 on error. */
static int
class_byte(const char **s)
{
	const unsigned char *c = (const unsigned char *)*s;
	int hi, lo;

	if (c[0] != '\\') {
		(*s)++;
		return c[0];
	}
	if (c[1] == 'x') {
		hi = hex_digit_value(c[2]);
		lo = hi < 0 ? -1 : hex_digit_value(c[3]);
		if (lo < 0)
			return -1;
		*s += 4;
		return hi * 16 + lo;
	}
	if (c[1] == '\0')
		return -1;
	*s += 2;
	return c[1];
}

int
byte_class_parse(const char *s, size_t len, struct byte_class *ret, const char **ret_why)
{
	const char *end = s + len;
	const unsigned w = 8 * sizeof(unsigned long);

	memset(ret, 0, sizeof(*ret));
	if (len == 0) {
		*ret_why = "must not be empty";
		return -EINVAL;
	}
	while (s < end) {
		int lo = class_byte(&s), hi;

		if (lo < 0 || s > end) {
			*ret_why = "bad escape in character class";
			return -EINVAL;
		}
		hi = lo;
		if (s + 1 < end && s[0] == '-') {
			s++;
			hi = class_byte(&s);
			if (hi < lo || s > end) {
				*ret_why = "bad range in character class";
				return -EINVAL;
			}
		}
		for (int b = lo; b <= hi; b++)
			ret->bits[b / w] |= 1UL << (b % w);
	}
	return 0;
}

static int
parse_class(struct yparse *p, yaml_node_t *node, const char *what, struct byte_class *ret)
{
	int r = 0;
	const char *s = scalar(p, node, what, &r), *why = NULL;

	if (s == NULL)
		return r;
	if (byte_class_parse(s, strlen(s), ret, &why) < 0)
		return fail(p, node, "'%s': %s", what, why);
	return 0;
}

static yaml_node_t *
node_at(struct yparse *p, int index)
{
	return yaml_document_get_node(p->doc, index);
}

static int
check_key(struct yparse *p, yaml_node_t *knode, const char *const *keys, size_t n,
          const char *where, const char **ret_key)
{
	int r = 0;
	const char *k = scalar(p, knode, "key", &r);

	if (k == NULL)
		return r < 0 ? r : -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(k, keys[i]) == 0) {
			*ret_key = keys[i];
			return 0;
		}
	}
	{
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown key '%.60s' in %s (did you mean '%s'?)", k,
		         where, nearest_key(k, keys, n));
		return fail(p, knode, "%s", msg);
	}
}

static int
parse_words(struct yparse *p, yaml_node_t *node, const char *what, size_t max,
            struct detector_words *ret)
{
	yaml_node_item_t *it;
	int r = 0;

	if (node->type != YAML_SEQUENCE_NODE)
		return fail(p, node, "'%s' must be a list", what);
	for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
		yaml_node_t *item = node_at(p, *it);
		const char *v = scalar(p, item, what, &r);

		if (v == NULL)
			return r;
		if (*v == '\0' || strlen(v) > 256)
			return fail(p, item, "'%s' entries must be 1 to 256 bytes", what);
		if (ret->n >= max)
			return fail(p, item, "too many '%s' entries", what);
		ret->items = xrealloc(ret->items, ret->n + 1, sizeof(*ret->items));
		ret->items[ret->n++] = xstrdup(v);
	}
	return 0;
}

/* Particles are single words: no blank, at most DETECTOR_PARTICLE_LEN bytes. */
static int
parse_particles(struct yparse *p, yaml_node_t *node, struct detector_def *def)
{
	int r = parse_words(p, node, "particles", DETECTOR_PARTICLES_MAX, &def->particles);
	size_t i = 0;

	if (r < 0)
		return r;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++, i++) {
		const char *w = def->particles.items[i];

		if (strlen(w) > DETECTOR_PARTICLE_LEN || strpbrk(w, " \t\r\n") != NULL)
			return fail(p, node_at(p, *it),
			            "'particles' entries must be one word of at most %d bytes",
			            DETECTOR_PARTICLE_LEN);
	}
	return 0;
}

static int
parse_pattern(struct yparse *p, yaml_node_t *node, const char *what, struct detector_pattern *pat)
{
	yaml_node_pair_t *pair;
	const char *key = NULL;
	int r = 0;

	pat->line = (unsigned)node->start_mark.line + 1;
	pat->column = (unsigned)node->start_mark.column + 1;
	if (node->type == YAML_SCALAR_NODE) {
		const char *v = scalar(p, node, what, &r);

		if (v == NULL)
			return r;
		pat->expr = xstrdup(v);
		goto check;
	}
	if (node->type != YAML_MAPPING_NODE)
		return fail(p, node, "each entry of '%s' must be an expression or a mapping", what);
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(p, pair->key), *v = node_at(p, pair->value);

		r = check_key(p, k, pattern_keys, ARRAY_SIZE(pattern_keys), "a pattern", &key);
		if (r < 0)
			return r;
		if (strcmp(key, "regex") == 0) {
			const char *s = scalar(p, v, "regex", &r);

			if (s == NULL)
				return r;
			free(pat->expr);
			pat->expr = xstrdup(s);
		} else if (strcmp(key, "width") == 0) {
			r = parse_uint(p, v, "width", 1, 4096, &pat->width);
		} else if (strcmp(key, "extend_left") == 0) {
			r = parse_class(p, v, "extend_left", &pat->extend_left);
			pat->has_extend_left = true;
		} else if (strcmp(key, "extend_right") == 0) {
			r = parse_class(p, v, "extend_right", &pat->extend_right);
			pat->has_extend_right = true;
		} else if (strcmp(key, "validator") == 0) {
			const char *s = scalar(p, v, "validator", &r);

			if (s == NULL)
				return r;
			pat->validator = validator_lookup(s);
			if (pat->validator == NULL)
				return fail(p, v, "unknown validator '%.64s'", s);
		} else {
			r = parse_bool(p, v, "hotword_required", &pat->hotword_required);
		}
		if (r < 0)
			return r;
	}
	if (pat->expr == NULL)
		return fail(p, node, "a pattern needs 'regex'");
check:
	if (*pat->expr == '\0' || strlen(pat->expr) > DETECTOR_EXPR_MAX)
		return fail(p, node, "an expression must be 1 to 4096 bytes");
	return 0;
}

static int
parse_patterns(struct yparse *p, yaml_node_t *node, const char *what, struct detector_list *ret)
{
	yaml_node_item_t *it;
	int r;

	if (node->type != YAML_SEQUENCE_NODE)
		return fail(p, node, "'%s' must be a list", what);
	for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
		if (ret->n >= DETECTOR_PATTERNS_MAX)
			return fail(p, node_at(p, *it), "too many entries in '%s'", what);
		ret->items = xrealloc(ret->items, ret->n + 1, sizeof(*ret->items));
		memset(&ret->items[ret->n], 0, sizeof(ret->items[0]));
		ret->n++;
		r = parse_pattern(p, node_at(p, *it), what, &ret->items[ret->n - 1]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
parse_sub_mapping(struct yparse *p, yaml_node_t *node, const char *what, struct detector_def *def)
{
	yaml_node_pair_t *pair;
	const char *key = NULL;
	bool hot = strcmp(what, "hotwords") == 0;
	int r;

	if (node->type != YAML_MAPPING_NODE)
		return fail(p, node, "'%s' must be a mapping", what);
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(p, pair->key), *v = node_at(p, pair->value);

		if (hot)
			r = check_key(p, k, hotword_keys, ARRAY_SIZE(hotword_keys), "'hotwords'",
			              &key);
		else
			r = check_key(p, k, structural_keys, ARRAY_SIZE(structural_keys),
			              "'structural'", &key);
		if (r < 0)
			return r;
		if (strcmp(key, "strong") == 0)
			r = parse_words(p, v, "strong", DETECTOR_HOTWORDS_MAX, &def->strong);
		else if (strcmp(key, "weak") == 0)
			r = parse_words(p, v, "weak", DETECTOR_HOTWORDS_MAX, &def->weak);
		else if (strcmp(key, "negative") == 0)
			r = parse_words(p, v, "negative", DETECTOR_HOTWORDS_MAX, &def->negative);
		else if (strcmp(key, "patterns") == 0)
			r = parse_patterns(p, v, "structural patterns", &def->structural);
		else
			r = parse_uint(p, v, "window", 1, DETECTOR_WINDOW_MAX,
			               &def->structural_window);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
parse_field(struct yparse *p, const char *key, yaml_node_t *v, struct detector_def *def)
{
	static const char *const kinds[] = { "value", "record" };
	static const char *const boundaries[] = { "none", "digit", "alnum" };
	static const char *const redacts[] = { "mask", "last4", "email", "name", "record" };
	const char *s;
	int r = 0, e = 0;

	if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0 ||
	    strcmp(key, "validator") == 0) {
		s = scalar(p, v, key, &r);
		if (s == NULL)
			return r;
		if (strcmp(key, "name") == 0) {
			free(def->name);
			def->name = xstrdup(s);
		} else if (strcmp(key, "description") == 0) {
			free(def->description);
			def->description = xstrdup(s);
		} else {
			free(def->validator);
			def->validator = strcmp(s, "none") == 0 ? NULL : xstrdup(s);
		}
		return 0;
	}
	if (strcmp(key, "kind") == 0) {
		r = parse_enum(p, v, "kind", kinds, ARRAY_SIZE(kinds), &e);
		def->kind = (enum detector_kind)e;
	} else if (strcmp(key, "boundary") == 0) {
		r = parse_enum(p, v, "boundary", boundaries, ARRAY_SIZE(boundaries), &e);
		def->boundary = (enum detector_boundary)e;
	} else if (strcmp(key, "redact") == 0) {
		r = parse_enum(p, v, "redact", redacts, ARRAY_SIZE(redacts), &e);
		def->redact = (enum detector_redact)e;
	} else if (strcmp(key, "patterns") == 0) {
		r = parse_patterns(p, v, "patterns", &def->patterns);
	} else if (strcmp(key, "require") == 0) {
		r = parse_patterns(p, v, "require", &def->require);
	} else if (strcmp(key, "caseless") == 0) {
		r = parse_bool(p, v, key, &def->caseless);
	} else if (strcmp(key, "hotword_required") == 0) {
		r = parse_bool(p, v, key, &def->hotword_required);
	} else if (strcmp(key, "enabled") == 0) {
		r = parse_bool(p, v, key, &def->enabled);
	} else if (strcmp(key, "confidence") == 0) {
		r = parse_level(p, v, key, &def->confidence);
	} else if (strcmp(key, "max_confidence") == 0) {
		r = parse_level(p, v, key, &def->max_confidence);
	} else if (strcmp(key, "window") == 0) {
		r = parse_uint(p, v, key, 1, DETECTOR_WINDOW_MAX, &def->window);
	} else if (strcmp(key, "window_before") == 0) {
		r = parse_uint(p, v, key, 0, DETECTOR_WINDOW_MAX, &def->window_before);
	} else if (strcmp(key, "window_after") == 0) {
		r = parse_uint(p, v, key, 0, DETECTOR_WINDOW_MAX, &def->window_after);
	} else if (strcmp(key, "same_line") == 0) {
		r = parse_bool(p, v, key, &def->same_line);
	} else if (strcmp(key, "hotwords") == 0 || strcmp(key, "structural") == 0) {
		r = parse_sub_mapping(p, v, key, def);
	} else if (strcmp(key, "gazetteer") == 0) {
		r = parse_words(p, v, key, DETECTOR_GAZETTEER_MAX, &def->gazetteer);
	} else if (strcmp(key, "particles") == 0) {
		r = parse_particles(p, v, def);
	}
	return r;
}

static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DETECTOR_NAME_MAX || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* Checks that span fields, once the mapping is read. */
static int
check_def(struct yparse *p, yaml_node_t *mapping, struct detector_def *def)
{
	bool gaz = false;

	if (def->name == NULL)
		return fail(p, mapping, "a detector needs a 'name'");
	if (!valid_name(def->name))
		return fail(
		        p, mapping,
		        "detector name '%.64s' must be 1 to 63 of a-z, 0-9, _ (starting with a letter)",
		        def->name);
	if (def->patterns.n == 0)
		return fail(p, mapping, "detector '%s' needs at least one pattern", def->name);
	if (def->kind != DETECTOR_KIND_RECORD && def->require.n > 0)
		return fail(p, mapping, "detector '%s': 'require' is only for kind: record",
		            def->name);
	/*
	 * 'window' is the default of both sides; a side given on its own
	 * narrows (or widens) that side only, and 'window' becomes the wider.
	 */
	if (def->window_before != UINT_MAX || def->window_after != UINT_MAX) {
		if (def->window_before == UINT_MAX)
			def->window_before = def->window;
		if (def->window_after == UINT_MAX)
			def->window_after = def->window;
		def->window = MAX(MAX(def->window_before, def->window_after), 1u);
	} else {
		def->window_before = def->window;
		def->window_after = def->window;
	}
	if (def->kind == DETECTOR_KIND_VALUE &&
	    (def->window > DETECTOR_VALUE_WINDOW_MAX ||
	     def->structural_window > DETECTOR_VALUE_WINDOW_MAX))
		return fail(p, mapping,
		            "detector '%s': windows of a value detector are at most 4096 bytes",
		            def->name);
	if (def->require.n > 32)
		return fail(p, mapping, "detector '%s': at most 32 'require' entries", def->name);
	for (size_t i = 0; i < def->patterns.n; i++)
		gaz = gaz || strstr(def->patterns.items[i].expr, "{gazetteer}") != NULL;
	if (gaz && def->gazetteer.n == 0)
		return fail(p, mapping, "detector '%s' uses {gazetteer} but lists no 'gazetteer'",
		            def->name);
	if (def->validator != NULL && validator_lookup(def->validator) == NULL)
		return fail(p, mapping, "detector '%s': unknown validator '%.64s'", def->name,
		            def->validator);
	if (def->max_confidence < def->confidence)
		def->confidence = def->max_confidence;
	return 0;
}

static int
parse_def(yaml_document_t *doc, yaml_node_t *mapping, const char *filename,
          struct phiguard_error *err, struct detector_def **ret_def)
{
	struct yparse p = { .doc = doc, .file = filename ? filename : "<detectors>", .err = err };
	struct detector_def *def;
	yaml_node_pair_t *pair;
	const char *key = NULL;
	int r = 0;

	if (mapping == NULL || mapping->type != YAML_MAPPING_NODE)
		return fail(&p, mapping, "a detector definition must be a mapping");
	def = xcalloc(1, sizeof(*def));
	def->file = xstrdup(p.file);
	def->line = (unsigned)mapping->start_mark.line + 1;
	def->column = (unsigned)mapping->start_mark.column + 1;
	def->confidence = PHIGUARD_CONFIDENCE_MEDIUM;
	def->max_confidence = PHIGUARD_CONFIDENCE_HIGH;
	def->window = 300;
	def->window_before = UINT_MAX; /* unset: 'window' */
	def->window_after = UINT_MAX;
	def->structural_window = 128;
	def->enabled = true;
	for (pair = mapping->data.mapping.pairs.start; pair < mapping->data.mapping.pairs.top;
	     pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(doc, pair->value);

		r = check_key(&p, k, detector_keys, ARRAY_SIZE(detector_keys), "a detector", &key);
		if (r < 0)
			goto out;
		r = parse_field(&p, key, v, def);
		if (r < 0)
			goto out;
	}
	r = check_def(&p, mapping, def);
	if (r < 0)
		goto out;
	*ret_def = TAKE_PTR(def);
out:
	detector_def_free(def);
	return r;
}

int
detector_set_add_yaml_node(struct phiguard_detector_set *set, yaml_document_t *doc,
                           yaml_node_t *mapping, const char *filename, struct phiguard_error *err)
{
	struct detector_def *def = NULL;
	int r;

	r = parse_def(doc, mapping, filename, err, &def);
	if (r < 0)
		return r;
	return detector_set_put(set, def, err);
}

static int
load_pack_root(struct phiguard_detector_set *set, yaml_document_t *doc, const char *filename,
               struct phiguard_error *err)
{
	struct yparse p = { .doc = doc, .file = filename, .err = err };
	yaml_node_t *root = yaml_document_get_root_node(doc), *list = NULL;
	yaml_node_pair_t *pair;
	yaml_node_item_t *it;
	const char *key = NULL;
	int r;

	if (root == NULL)
		return 0; /* an empty pack */
	if (root->type != YAML_MAPPING_NODE)
		return fail(&p, root, "a detector pack must be a mapping with 'detectors'%s", "");
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		r = check_key(&p, node_at(&p, pair->key), pack_keys, ARRAY_SIZE(pack_keys),
		              "a detector pack", &key);
		if (r < 0)
			return r;
		list = node_at(&p, pair->value);
	}
	if (list == NULL)
		return 0;
	if (list->type != YAML_SEQUENCE_NODE)
		return fail(&p, list, "'detectors' must be a list");
	for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		yaml_node_t *m = node_at(&p, *it);
		struct detector_def *def = NULL;

		if (set->n >= DETECTOR_MAX)
			return fail(&p, m, "too many detectors");
		r = parse_def(doc, m, filename, err, &def);
		if (r < 0 || def == NULL)
			return r < 0 ? r : -EINVAL;
		if (detector_set_find(set, def->name) != NULL) {
			r = fail(&p, m, "detector '%s' is defined twice in this pack", def->name);
			detector_def_free(def);
			return r;
		}
		r = detector_set_put(set, def, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Move every definition of @from into @to (replacing by name); @from ends empty. */
static int
detector_set_merge(struct phiguard_detector_set *to, struct phiguard_detector_set *from,
                   struct phiguard_error *err)
{
	int r = 0;

	for (size_t i = 0; i < from->n; i++) {
		if (r == 0)
			r = detector_set_put(to, from->defs[i], err);
		else
			detector_def_free(from->defs[i]);
		from->defs[i] = NULL;
	}
	from->n = 0;
	return r;
}

int
phiguard_detector_set_load_yaml(struct phiguard_detector_set *set, const char *text, size_t len,
                                const char *filename, struct phiguard_error *err)
{
	struct phiguard_detector_set *tmp = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_doc = false;
	int r;

	if (filename == NULL)
		filename = "<detectors>";
	if (len > PACK_TEXT_MAX) {
		detector_error(err, filename, 0, 0, "detector pack larger than %u bytes",
		               PACK_TEXT_MAX);
		return -EFBIG;
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		detector_error(err, filename, (unsigned)parser.problem_mark.line + 1,
		               (unsigned)parser.problem_mark.column + 1, "%s%s%s",
		               parser.problem ? parser.problem : "invalid YAML",
		               parser.context ? " " : "", parser.context ? parser.context : "");
		r = -EINVAL;
		goto out;
	}
	have_doc = true;
	tmp = phiguard_detector_set_new();
	r = load_pack_root(tmp, &doc, filename, err);
	if (r < 0)
		goto out;
	r = detector_set_merge(set, tmp, err);
out:
	phiguard_detector_set_free(tmp);
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}
