/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in packs on ward chat as staff write it: what makes a value a
 * finding (a label in lower case, the holder's date of birth right after
 * the number, an address next to a name, a common forename, ward
 * shorthand, a name in capitals with an accent) and what keeps
 * a look-alike out (an NPI next to a record, a goods note near clinical
 * words, a FHIR resource's own id, a company's "B.V." after a date, digits after a decimal point). Each
 * line is one message.
 */
#include <string.h>

#include "test-match-util.h"

static const struct level_case messages[] = {
	/* CHI numbers: a label in lower case, before or after; the birth date after */
	{ "chi 1707931380 for the ward round", "chi_number", PHIGUARD_CONFIDENCE_HIGH },
	{ "Lewis is back from theatre 1707931380 (chi)", "chi_number", PHIGUARD_CONFIDENCE_HIGH },
	{ "ALAN MCKENZIE 1607559048 b. 16/07/1955", "chi_number", PHIGUARD_CONFIDENCE_HIGH },
	{ "FITZGERALD, Yvonne 290 179 2073 b.:29 Jan 1979", "chi_number",
	  PHIGUARD_CONFIDENCE_HIGH },
	/* NHS numbers with the holder's birth date right after them */
	{ "Gillian 760 371 1193 DOB - 25.03.1930", "nhs_number", PHIGUARD_CONFIDENCE_HIGH },
	{ "Diane Jackson 6158804606 dob = 09/04/70", "nhs_number", PHIGUARD_CONFIDENCE_HIGH },
	{ "Martin Day 7637738221 20.11.1932 (born)", "nhs_number", PHIGUARD_CONFIDENCE_HIGH },
	/* ... but a birth date elsewhere in a record does not make an NPI a CHI number */
	{ "Patient: Agnieszka Hamilton\nDOB: 1960-10-21\nProvider NPI# 1005230218\n", "chi_number",
	  PHIGUARD_CONFIDENCE_NONE },
	/* a number with neither label nor birth date stays out */
	{ "chi squared was 1707931380 on the rota spreadsheet", "chi_number",
	  PHIGUARD_CONFIDENCE_NONE },
	{ "1607559048 b. 16/07/1955", "nhs_number", PHIGUARD_CONFIDENCE_NONE },
	/* goods, not patients, next to clinical words */
	{ "Goods received note 3949804153, 3 boxes\nAnyone parked in bay 22460? you're blocking "
	  "the ambulance",
	  "hc_number", PHIGUARD_CONFIDENCE_LOW },
	/* a FHIR resource's own id is not a social security number */
	{ "{\"resourceType\": \"Patient\", \"id\": \"535526655\", \"name\": [{\"family\": "
	  "\"Day\"}]}",
	  "us_ssn", PHIGUARD_CONFIDENCE_LOW },
	{ "{\"resourceType\": \"Patient\", \"identifier\": [{\"system\": "
	  "\"http://hl7.org/fhir/sid/us-ssn\", \"value\": \"535526655\"}]}",
	  "us_ssn", PHIGUARD_CONFIDENCE_MEDIUM },
	/* names: common forenames, an address next to a name, "Nat Ins" */
	{ "Nancy Hill - 6612862289 = NHS no", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Mavis Pemberton back from theatre", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Mr Ray Baker home: 116 Victoria Road, Bradford BD18 3FF", "person_name",
	  PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Has anyone got Mr Bell's Nat Ins for the benefits form?", "person_name",
	  PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Nancy is a city in France", "person_name", PHIGUARD_CONFIDENCE_NONE },
	/* the short forms of older patients' names, Welsh and Romanian forenames */
	{ "Pat Murphy back from theatre", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "can someone check on Bob Hughes bed 6", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Huw Jenkins for the ward round", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Dafydd Parry new admission", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Mihai Popescu in bay 2", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	/* ward shorthand raises a name; the temp on reception does not */
	{ "Dean Sutherland new AF, rate controlled", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Mrs Hill temp 39.2, cultures sent", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Ray Allen birth date 7 July 1979", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "Sarah Jones is the new temp on reception", "person_name", PHIGUARD_CONFIDENCE_LOW },
	/* a name in capitals with an accent (Hyperscan folds ASCII only) */
	{ "P\xc3\x81"
	  "DRAIG BURNS - chi:100 430 4447",
	  "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	{ "MA\xc5\x81GORZATA NOWAK in bed 4", "person_name", PHIGUARD_CONFIDENCE_MEDIUM },
	/* a NINO as typed: the last pair run into the letter, a space before the letter only */
	{ "NI: JG 12 34 56C for the benefits form", "nino", PHIGUARD_CONFIDENCE_HIGH },
	{ "his nat ins is jg123456 c", "nino", PHIGUARD_CONFIDENCE_HIGH },
	{ "part JG 12 34 56D back in stock", "nino", PHIGUARD_CONFIDENCE_MEDIUM },
	/* "b." for born: before a date, in its forms; not a company's "B.V." */
	{ "Piotr Smith (b. is 20 Apr 1951) - awaiting bloods", "date_of_birth",
	  PHIGUARD_CONFIDENCE_HIGH },
	{ "Miss McDonald b.: 04/11/1929", "date_of_birth", PHIGUARD_CONFIDENCE_HIGH },
	{ "// booking : 2015-07-16 Booking.com B.V.", "date_of_birth", PHIGUARD_CONFIDENCE_NONE },
	{ "r'$1.$ $2.$ $19680801.$ $a.$ $b.$'", "date_of_birth", PHIGUARD_CONFIDENCE_NONE },
	/* a piece of a decimal number is not a phone number; one before a full stop is */
	{ "0.0436506734112 0.0346270873711 0.03147088677 0.029201781247", "uk_phone",
	  PHIGUARD_CONFIDENCE_NONE },
	{ "Writing report.20181126.091102.8480.0.001.json", "uk_phone", PHIGUARD_CONFIDENCE_NONE },
	{ "ring his daughter on 0141 496 0123. thanks", "uk_phone", PHIGUARD_CONFIDENCE_MEDIUM },
};

/*
 * A name followed by a ward abbreviation in capitals: the name alone is the
 * value ("Mrs Smith", not "Mrs Smith DOB"), so its redacted sample and its
 * token are those of the same name written anywhere else. "Joy NHS" (a
 * forename and an abbreviation) is no name.
 */
static const struct {
	const char *text, *name; /* name: the person_name value in text, NULL: none */
} extents[] = {
	{ "Mrs Smith DOB 12/3/48", "Mrs Smith" },
	{ "Mr Jones NOK is his wife", "Mr Jones" },
	{ "Mrs Brown NHS 401 023 2137", "Mrs Brown" },
	{ "Mr Khan GP letter attached", "Mr Khan" },
	{ "Mrs Hill CHI 0101501234", "Mrs Hill" },
	{ "Mr Reid MRN 1234567", "Mr Reid" },
	{ "Mr Singh MOB 07700 900461", "Mr Singh" },
	/* a possessive is not part of the name; a quote closing a string ends none */
	{ "Mrs Begum's NOK is her son", "Mrs Begum" },
	{ "Please ring Mrs Evans' son", "Mrs Evans" },
	{ "John Smith\xe2\x80\x99s wife rang", "John Smith" },
	{ "Mr O'Brien's daughter is NOK", "Mr O'Brien" },
	{ "console.warn(name = 'Will Robinson', 2)", NULL },
	{ "Bed 8 Joy NHS nO -> 776-736-8289", NULL },
	{ "Bed 11 Gary CHI no - 250-303-7550", NULL },
	/* a capitalised "Chi" is a name; "DOB" after a full name changes nothing */
	{ "Jane Chi in bed 3", "Jane Chi" },
	/* initials without a space between them */
	{ "Mr A.B. Smith for theatre", "Mr A.B. Smith" },
	{ "Dr J.R. Hartley on call", "Dr J.R. Hartley" },
	{ "Mrs Jane Smith DOB 12/3/48", "Mrs Jane Smith" },
	/* surnames with a particle, whole */
	{ "Mrs d'Souza in bay B", "Mrs d'Souza" },
	{ "Mr de Silva for CT head", "Mr de Silva" },
	{ "Ms van der Berg bed 4", "Ms van der Berg" },
	{ "Dr Al Mansouri reviewed", "Dr Al Mansouri" },
	{ "Aoife N\xc3\xad Bhriain, 4 Church Lane", "Aoife N\xc3\xad Bhriain" },
	{ "Jane Van Der Berg bed 2", "Jane Van Der Berg" },
	{ "Ana de Silva bed 2", "Ana de Silva" },
	{ "asked about Ian van der Berg today", "Ian van der Berg" },
	{ "re Mr A de Silva on Ward 18", "Mr A de Silva" },
	{ "Mr A Van Dyke for theatre", "Mr A Van Dyke" },
	{ "the Rue de Rivoli", NULL },
	/* a full name after a label that says it is a patient's, any forename */
	{ "Patient name: Zephyrine Hill DOB 12/03/1950", "Zephyrine Hill" },
	{ "Patient name: Zephyrine Hill was admitted yesterday afternoon", "Zephyrine Hill" },
	{ "Name of patient - Ana de Silva, bed 4", "Ana de Silva" },
	{ "{\"patientName\": \"Zephyrine Hill\", \"ward\": 5}", "Zephyrine Hill" },
	{ "<PatientName>Zephyrine Hill</PatientName>", "Zephyrine Hill" },
	{ "patient's name: Test Patient", NULL },
	{ "Full name: Xu", NULL },
	{ "Name: Zephyrine Hill", NULL },
	{ "ask Jane de", NULL },
};

static void
check_extents(const struct phiguard_matcher *m, struct phiguard_scratch *s)
{
	struct found_list fl = { 0 };

	for (size_t i = 0; i < sizeof(extents) / sizeof(extents[0]); i++) {
		const char *text = extents[i].text, *name = extents[i].name;
		unsigned long long start =
		        name ? (unsigned long long)(strstr(text, name) - text) : 0;
		bool ok = scan_block(m, s, text, strlen(text), &fl) == 0;

		for (size_t k = 0; k < fl.n; k++)
			if (strcmp(fl.items[k].detector, "person_name") == 0)
				ok &= name != NULL && fl.items[k].start == start &&
				      fl.items[k].end == start + strlen(name);
		ok &= name == NULL || found_count(&fl, "person_name") == 1;
		tap_ok(ok, "name extent: %s -> %s", text, name ? name : "(none)");
	}
	found_clear(&fl);
}

/*
 * The same extents in stream mode, the text cut in two at every byte: the
 * particle and possessive rules read bytes on both sides of the value.
 */
static void
check_extents_cut(const struct phiguard_matcher *m, struct phiguard_scratch *s)
{
	struct found_list fl = { 0 };

	for (size_t i = 0; i < sizeof(extents) / sizeof(extents[0]); i++) {
		const char *text = extents[i].text, *name = extents[i].name;
		size_t len = strlen(text);
		unsigned long long start =
		        name ? (unsigned long long)(strstr(text, name) - text) : 0;
		bool ok = true;

		for (size_t cut = 1; cut < len && ok; cut++) {
			ok &= scan_stream(m, s, text, len, &cut, 1, &fl) == 0;
			for (size_t k = 0; k < fl.n; k++)
				if (strcmp(fl.items[k].detector, "person_name") == 0)
					ok &= name != NULL && fl.items[k].start == start &&
					      fl.items[k].end == start + strlen(name);
			ok &= name == NULL || found_count(&fl, "person_name") == 1;
			if (!ok)
				tap_diag("cut at %zu", cut);
		}
		tap_ok(ok, "name extent, stream cut at every byte: %s", text);
	}
	found_clear(&fl);
}

int
main(void)
{
	struct phiguard_matcher *m =
	        matcher_for(NULL, true, NULL, PHIGUARD_MATCHER_BLOCK | PHIGUARD_MATCHER_STREAM);
	struct phiguard_scratch *s = NULL;

	if (tap_ok(m != NULL && phiguard_scratch_new(m, &s) == 0, "built-in matcher")) {
		check_levels(m, s, messages, sizeof(messages) / sizeof(messages[0]), "ward chat");
		check_extents(m, s);
		check_extents_cut(m, s);
	}
	phiguard_scratch_free(s);
	phiguard_matcher_free(m);
	return tap_done();
}
