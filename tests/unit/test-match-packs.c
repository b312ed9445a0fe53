/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Detector packs: the built-ins load, and bad packs fail at the right place. */
#include <errno.h>
#include <string.h>

#include <yaml.h>

#include "match/detector_yaml.h"
#include "test-match-util.h"

static const char *const contract_names[] = {
	"nhs_number",   "chi_number", "hc_number",     "nino",        "uk_postcode",
	"uk_phone",     "email",      "date_of_birth", "person_name", "hl7v2",
	"fhir_patient", "dicom",      "us_ssn",        "us_npi",      "us_mbi",
};

static void
test_builtin(void)
{
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_error err = { 0 };
	int r = phiguard_detector_set_add_builtin(set, &err);

	tap_eq_int(r, 0, "built-in packs load (%s:%u:%u: %s)", err.file, err.line, err.column,
	           err.msg);
	for (size_t i = 0; i < sizeof(contract_names) / sizeof(contract_names[0]); i++) {
		bool have = false;

		for (size_t k = 0; k < phiguard_detector_set_count(set); k++)
			have = have ||
			       strcmp(phiguard_detector_set_name(set, k), contract_names[i]) == 0;
		tap_ok(have, "built-in detector '%s' exists", contract_names[i]);
	}
	tap_eq_int(phiguard_detector_set_enable(set, "nhs_number", false), 0, "disable by name");
	tap_eq_int(phiguard_detector_set_enable(set, "no_such", false), -ENOENT,
	           "unknown name: -ENOENT");
	phiguard_detector_set_free(set);
}

struct bad_case {
	const char *name;
	const char *yaml;
	unsigned line, column;
	const char *msg_part;
};

static const struct bad_case bad_cases[] = {
	{ "unknown key suggests the nearest",
	  "detectors:\n  - name: x\n    patterns: ['abc']\n    hotword: {strong: [a]}\n", 4, 5,
	  "did you mean 'hotwords'" },
	{ "unknown pattern key",
	  "detectors:\n  - name: x\n    patterns:\n      - {regex: 'abc', widht: 3}\n", 4, 24,
	  "did you mean 'width'" },
	{ "bad confidence",
	  "detectors:\n  - name: x\n    patterns: ['abc']\n    confidence: certain\n", 4, 17,
	  "low, medium or high" },
	{ "bad window", "detectors:\n  - name: x\n    patterns: ['abc']\n    window: -4\n", 4, 13,
	  "must be a number" },
	{ "missing name", "detectors:\n  - patterns: ['abc']\n", 2, 5, "needs a 'name'" },
	{ "no patterns", "detectors:\n  - name: x\n", 2, 5, "at least one pattern" },
	{ "bad name", "detectors:\n  - name: Bad-Name\n    patterns: ['a']\n", 2, 5,
	  "must be 1 to 63" },
	{ "duplicate in one pack",
	  "detectors:\n  - name: x\n    patterns: ['a']\n  - name: x\n    patterns: ['b']\n", 4, 5,
	  "defined twice" },
	{ "YAML syntax error", "detectors:\n  - name: x\n    patterns: ['a'\n", 4, 1, "" },
	{ "unknown top-level key", "detectorz: []\n", 1, 1, "did you mean 'detectors'" },
	{ "gazetteer hole without list",
	  "detectors:\n  - name: x\n    patterns: ['\\b{gazetteer}']\n", 2, 5, "gazetteer" },
	{ "bad boundary", "detectors:\n  - name: x\n    patterns: ['a']\n    boundary: word\n", 4,
	  15, "unknown boundary" },
	{ "unknown pattern validator",
	  "detectors:\n  - name: x\n    patterns:\n      - {regex: 'abc', validator: surnam}\n", 4,
	  35, "unknown validator 'surnam'" },
	{ "particle of two words",
	  "detectors:\n  - name: x\n    patterns: ['a']\n    particles: [de, van der]\n", 4, 21,
	  "one word" },
	{ "particles not a list",
	  "detectors:\n  - name: x\n    patterns: ['a']\n    particles: de\n", 4, 16,
	  "must be a list" },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct phiguard_detector_set *set = phiguard_detector_set_new();
		struct phiguard_error err = { 0 };
		int r = phiguard_detector_set_load_yaml(set, c->yaml, strlen(c->yaml), "bad.yaml",
		                                        &err);

		tap_ok(r < 0, "%s: rejected", c->name);
		tap_eq_str(err.file, "bad.yaml", "%s: file", c->name);
		if (!tap_ok(err.line == c->line && err.column == c->column, "%s: at %u:%u", c->name,
		            c->line, c->column))
			tap_diag("got %u:%u: %s", err.line, err.column, err.msg);
		tap_ok(strstr(err.msg, c->msg_part) != NULL, "%s: message '%s'", c->name, err.msg);
		tap_eq_int(phiguard_detector_set_count(set), 0, "%s: nothing added", c->name);
		phiguard_detector_set_free(set);
	}
}

/* The entry point the policy loader uses: one mapping of its own document. */
static void
test_yaml_node(void)
{
	static const char text[] = "custom:\n"
	                           "  name: local_mrn\n"
	                           "  patterns: [{regex: '\\bMRN[0-9]{7}\\b', width: 10}]\n"
	                           "  confidence: low\n"
	                           "  hotwords: {strong: [mrn]}\n";
	struct phiguard_detector_set *set = phiguard_detector_set_new();
	struct phiguard_error err = { 0 };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *mapping;
	int r;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	tap_ok(yaml_parser_load(&parser, &doc) == 1, "policy-like document parses");
	root = yaml_document_get_root_node(&doc);
	mapping = yaml_document_get_node(&doc, root->data.mapping.pairs.start->value);
	r = detector_set_add_yaml_node(set, &doc, mapping, "policy.yaml", &err);
	tap_eq_int(r, 0, "one detector mapping is added");
	tap_eq_str(phiguard_detector_set_name(set, 0), "local_mrn", "its name");
	/* The same name again replaces (a policy overrides a built-in). */
	r = detector_set_add_yaml_node(set, &doc, mapping, "policy.yaml", &err);
	tap_ok(r == 0 && phiguard_detector_set_count(set) == 1, "same name replaces");
	r = detector_set_add_yaml_node(set, &doc, root, "policy.yaml", &err);
	tap_ok(r < 0 && err.line == 1 && err.column == 1,
	       "a mapping without patterns fails at 1:1");
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	phiguard_detector_set_free(set);
}

int
main(void)
{
	test_builtin();
	test_bad();
	test_yaml_node();
	return tap_done();
}
