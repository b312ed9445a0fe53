/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A plain set of 20 DLP expressions (numbers, postcodes, phones, e-mail,
 * keywords, dates, NINO, cards, bank details): the set on which, before
 * phiguard was written, Hyperscan alone was measured at about 445 MB/s on
 * one core of this kind of machine over English prose with sprinkled
 * identifiers, and from which the goal of 1 GB/s for the full matcher was
 * set. bench-match compiles it into one Hyperscan database and runs it on
 * the same bytes as the matcher, so that the goal can be read as a ratio
 * that does not depend on the machine (1 GB/s there: about 2.2x this set).
 * Plain ASCII semantics; the third field is HS_FLAG_CASELESS.
 */
#ifndef PHIGUARD_BENCH_PLAIN_SET_H
#define PHIGUARD_BENCH_PLAIN_SET_H

struct plain_expression {
	const char *name;
	const char *regex;
	int caseless;
};

static const struct plain_expression plain_set[] = {
	{ "nhs_number_sep", "\\b\\d{3}[ -]?\\d{3}[ -]?\\d{4}\\b", 0 },
	{ "ten_digits", "\\b\\d{10}\\b", 0 },
	{ "uk_postcode", "\\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\\b", 0 },
	{ "uk_mobile", "(?:\\+44 ?7\\d{3}|\\b07\\d{3}) ?\\d{3} ?\\d{3}\\b", 0 },
	{ "uk_landline", "(?:\\+44 ?|\\b0)(?:1\\d{2,4}|2\\d) ?\\d{3,4} ?\\d{3,4}\\b", 0 },
	{ "email", "\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}\\b", 0 },
	{ "kw_patient", "\\bpatients?\\b", 1 },
	{ "kw_nhs", "\\bNHS\\b", 0 },
	{ "kw_dob", "\\b(?:DOB|D\\.O\\.B\\.?|date of birth)\\b", 1 },
	{ "kw_nhs_number", "\\bNHS ?(?:number|no\\.?)\\b", 1 },
	{ "kw_diagnosis", "\\bdiagnos(?:is|es|ed)\\b", 1 },
	{ "kw_prescription", "\\bprescri(?:ption|bed)\\b", 1 },
	{ "kw_confidential", "\\b(?:strictly )?confidential\\b", 1 },
	{ "kw_medical_record", "\\bmedical records?\\b", 1 },
	{ "date_dmy", "\\b(?:0[1-9]|[12]\\d|3[01])[/.-](?:0[1-9]|1[0-2])[/.-](?:19|20)\\d{2}\\b",
	  0 },
	{ "ni_number", "\\b[A-CEGHJ-PR-TW-Z]{2} ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]\\b", 0 },
	{ "card16", "\\b(?:\\d{4}[ -]?){3}\\d{4}\\b", 0 },
	{ "sort_code", "\\b\\d{2}-\\d{2}-\\d{2}\\b", 0 },
	{ "account_no", "\\baccount (?:number|no\\.?):? ?\\d{8}\\b", 1 },
	{ "iban_gb", "\\bGB\\d{2} ?[A-Z]{4}(?: ?\\d{4}){3} ?\\d{2}\\b", 0 },
};

#endif
