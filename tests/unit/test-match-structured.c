/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Structured records (HL7 v2, FHIR JSON and XML, DICOM Part 10): each file
 * is one record finding at high confidence, and the identifier inside is
 * raised to high by its structural context. Expected findings sit next to
 * each sample in <name>.expect as "detector start end confidence" lines.
 */
#include <string.h>

#include "test-match-util.h"

static const struct {
	const char *file;
	const char *record;
} samples[] = {
	{ "hl7-adt-a01.hl7", "hl7v2" },
	{ "fhir-patient.json", "fhir_patient" },
	{ "fhir-patient.xml", "fhir_patient" },
	{ "dicom-patient.dcm", "dicom" },
};

static void
check_expectations(const char *file, const struct found_list *fl)
{
	char name[256], *text, *line, *save = NULL;
	size_t len = 0;

	snprintf(name, sizeof(name), "%s.expect", file);
	text = (char *)read_sample(name, &len);
	if (!tap_ok(text != NULL, "%s: read expectations", file))
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char det[64], conf[16];
		unsigned long long start, end;
		enum phiguard_confidence want = PHIGUARD_CONFIDENCE_NONE;
		const struct found *f;

		if (sscanf(line, "%63s %llu %llu %15s", det, &start, &end, conf) != 4 ||
		    phiguard_confidence_parse(conf, &want) < 0) {
			tap_ok(false, "%s: bad expectation line '%s'", file, line);
			continue;
		}
		f = found_get(fl, det, start);
		tap_ok(f != NULL && f->end == end && f->confidence == want,
		       "%s: %s at %llu..%llu %s", file, det, start, end, conf);
		if (f != NULL && (f->end != end || f->confidence != want))
			tap_diag("got %llu..%llu %s", f->start, f->end,
			         phiguard_confidence_name(f->confidence));
	}
	free(text);
}

int
main(void)
{
	struct phiguard_matcher *m = matcher_for(NULL, true, NULL, PHIGUARD_MATCHER_BLOCK);
	struct phiguard_scratch *s = NULL;
	struct found_list fl = { 0 };

	if (!tap_ok(m != NULL && phiguard_scratch_new(m, &s) == 0, "built-in matcher"))
		return tap_done();
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t len = 0;
		unsigned char *data = read_sample(samples[i].file, &len);

		if (!tap_ok(data != NULL, "read %s", samples[i].file))
			continue;
		tap_eq_int(scan_block(m, s, data, len, &fl), 0, "%s: scan", samples[i].file);
		tap_eq_int(found_count(&fl, samples[i].record), 1, "%s: one %s finding",
		           samples[i].file, samples[i].record);
		check_expectations(samples[i].file, &fl);
		free(data);
	}
	/* Structure needs the structure: a bare DICM or MSH in prose is not a record. */
	scan_block(m, s, "the DICM tag and MSH|^~\\&| header", 33, &fl);
	tap_eq_int(found_count(&fl, "dicom") + found_count(&fl, "hl7v2"), 0,
	           "signatures without their patient parts are not records");
	found_clear(&fl);
	/*
	 * API payloads label identifiers and birth dates with field names, not
	 * words: each of these is a label (high); a field that names something
	 * else is not.
	 */
	{
		static const struct level_case fields[] = {
			{ "{\"nhs_number\":\"4010232137\"}", "nhs_number",
			  PHIGUARD_CONFIDENCE_HIGH },
			{ "{\"nhsNumber\": \"401 023 2137\"}", "nhs_number",
			  PHIGUARD_CONFIDENCE_HIGH },
			{ "nhs-no=4010232137&ward=7", "nhs_number", PHIGUARD_CONFIDENCE_HIGH },
			{ "<patient_id>4010232137</patient_id>", "nhs_number",
			  PHIGUARD_CONFIDENCE_HIGH },
			{ "{\"chi_number\":\"0607230002\"}", "chi_number",
			  PHIGUARD_CONFIDENCE_HIGH },
			{ "{\"dateOfBirth\":\"1960-02-01\"}", "date_of_birth",
			  PHIGUARD_CONFIDENCE_HIGH },
			{ "birth_date=01/02/1960", "date_of_birth", PHIGUARD_CONFIDENCE_HIGH },
			{ "{\"createdDate\":\"1960-02-01\"}", "date_of_birth",
			  PHIGUARD_CONFIDENCE_NONE },
			{ "{\"order_id\":\"4010232137\"}", "nhs_number", PHIGUARD_CONFIDENCE_NONE },
			{ "{\"nhs_numbers_seen\":4010232137}", "nhs_number",
			  PHIGUARD_CONFIDENCE_NONE },
			/*
			 * A surname in a field labelled as one: found (low),
			 * raised by what a record carries next to it (an NHS
			 * number's shape, a birth-date label, "patient").
			 */
			{ "{\"firstName\":\"Jane\",\"lastName\":\"Smith\",\"nhsNumber\":\"4010232137\"}",
			  "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
			{ "forename=Jane&surname=Smith&nhs_number=4010232137", "person_name",
			  PHIGUARD_CONFIDENCE_MEDIUM },
			{ "<patient><surname>O'Brien</surname><dob>1960-02-01</dob></patient>",
			  "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
			{ "Content-Disposition: form-data; name=\"family_name\"\r\n\r\n"
			  "van der Berg\r\n--b\r\nname=\"dob\"",
			  "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
			{ "Surname: SMITH   Forename: Jane   DOB: 01/02/1960", "person_name",
			  PHIGUARD_CONFIDENCE_MEDIUM },
			{ "{\"patient_surname\": \"\xc3\x93 S\xc3\xbailleabh\xc3\xa1in\"}",
			  "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
			{ "{\"lastName\":\"Smith\"}", "person_name", PHIGUARD_CONFIDENCE_LOW },
			/* placeholders, lower case, other fields: no name */
			{ "{\"lastName\":\"Test\",\"dob\":\"x\"}", "person_name",
			  PHIGUARD_CONFIDENCE_NONE },
			{ "{\"surname\":\"string\",\"patient\":1}", "person_name",
			  PHIGUARD_CONFIDENCE_NONE },
			{ "{\"last_name\":\"Not Known\",\"patient\":1}", "person_name",
			  PHIGUARD_CONFIDENCE_NONE },
			{ "surname: please fill in (patient)", "person_name",
			  PHIGUARD_CONFIDENCE_NONE },
			{ "{\"family\":\"Roboto\",\"patient\":1}", "person_name",
			  PHIGUARD_CONFIDENCE_NONE },
			{ "{\"hostname\":\"Smith\",\"patient\":1}", "person_name",
			  PHIGUARD_CONFIDENCE_NONE },
		};

		check_levels(m, s, fields, sizeof(fields) / sizeof(fields[0]),
		             "field name as a label");
	}
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	return tap_done();
}
