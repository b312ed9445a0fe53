/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Validators against the public test vectors (each row names its source: library
 * tests, official documentation, worked examples) and derived edge cases that
 * isolate one rule. A row says: validator, raw candidate, valid?, and for valid
 * rows the expected cap, tag and normalised value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "match/validators.h"
#include "tap.h"

#define LOW  PHIGUARD_CONFIDENCE_LOW
#define HIGH PHIGUARD_CONFIDENCE_HIGH

struct vector {
	const char *validator;
	const char *input;
	bool valid;
	enum phiguard_confidence cap; /* valid rows: LOW or HIGH */
	const char *tag;              /* valid rows: expected tag or NULL */
	const char *normalised;       /* valid rows: NULL means "do not check" */
	const char *source;
};

#define OK(v, in, norm, src)                       \
	{                                          \
		v, in, true, HIGH, NULL, norm, src \
	}
#define CAPPED(v, in, tag, norm, src)            \
	{                                        \
		v, in, true, LOW, tag, norm, src \
	}
#define BAD(v, in, src)                          \
	{                                        \
		v, in, false, 0, NULL, NULL, src \
	}

static const struct vector vectors[] = {
	/* ---- NHS numbers (phi-test-vectors.md section 1) ---- */
	OK("nhs_number", "401-023-2137", "4010232137", "presidio-nhs"),
	BAD("chi_number", "401-023-2137", "presidio-nhs: day 40"),
	BAD("hc_number", "401-023-2137", "presidio-nhs: not 32-39"),
	BAD("nhs_number", "221 395 1837", "presidio-nhs: CHI range, not E/W"),
	BAD("chi_number", "221 395 1837", "presidio-nhs: month 13"),
	BAD("nhs_number", "0032698674", "presidio-nhs: 00 unallocated"),
	BAD("chi_number", "0032698674", "presidio-nhs: day 00"),
	BAD("nhs_number", "401-023-2138", "presidio-nhs: check digit"),
	CAPPED("nhs_number", "943 476 5919", "synthetic", "9434765919", "wikipedia-nhs"),
	CAPPED("nhs_number", "943-476-5870", "synthetic", "9434765870", "stdnum-nhs"),
	BAD("nhs_number", "9434765871", "stdnum-nhs: check digit"),
	CAPPED("nhs_number", "9876543210", "synthetic", "9876543210", "ukfci-nhs"),
	BAD("nhs_number", "1234567890", "ukfci-nhs: check digit would be 10"),
	BAD("chi_number", "1234567890", "ukfci-nhs: check digit would be 10"),
	CAPPED("nhs_number", "9990000018", "synthetic", "9990000018", "ukfci-nhs"),
	OK("nhs_number", "4000000632", "4000000632", "ukfci-nhs"),
	OK("chi_number", "0607230002", "0607230002", "ukfci-nhs: leading zero CHI"),
	BAD("nhs_number", "0607230002", "ukfci-nhs: CHI range"),
	CAPPED("nhs_number", "9000000009", "synthetic", "9000000009", "nhse-pds-sandbox"),
	BAD("nhs_number", "987 654 4321", "nhs-format-example fails mod 11"),
	BAD("nhs_number", "485 777 3456", "aws-bedrock-doc fails mod 11"),
	BAD("nhs_number", "8449303649", "nhse-genomics-ig fails mod 11"),
	OK("nhs_number", "7300000584", "7300000584", "devart-doc"),
	OK("nhs_number", "612 446 7542", "6124467542", "devart-doc"),
	BAD("nhs_number", "9111111124", "third-party-skill fails mod 11"),
	BAD("nhs_number", "9222222228", "third-party-skill fails mod 11"),
	BAD("nhs_number", "1111111111", "derived: repdigit"),
	BAD("nhs_number", "0000000000", "derived: repdigit"),
	OK("hc_number", "3200000015", "3200000015", "derived: first NI H&C number"),
	BAD("nhs_number", "3200000015", "derived: H&C range"),
	BAD("chi_number", "3200000015", "derived: day 32"),
	/* derived: separators */
	OK("nhs_number", "401 023 2137", "4010232137", "derived: spaces"),
	OK("nhs_number",
	   "401\xc2\xa0"
	   "023\xc2\xa0"
	   "2137",
	   "4010232137", "derived: NBSP"),
	OK("nhs_number",
	   "401 023\xc2\xa0"
	   "2137",
	   "4010232137", "derived: space+NBSP one class"),
	BAD("nhs_number", "401-023 2137", "derived: mixed separators"),
	BAD("nhs_number", "401--023-2137", "derived: double separator"),
	BAD("nhs_number", "-4010232137", "derived: leading separator"),
	BAD("nhs_number", "401.023.2137", "derived: dots are not NHS separators"),
	BAD("nhs_number", "40102321370", "derived: eleven digits"),
	BAD("nhs_number", "401023213", "derived: nine digits"),
	BAD("nhs_number", "401O232137", "derived: letter O"),
	BAD("nhs_number", "", "derived: empty"),
	BAD("nhs_number", "5000000008", "derived: reserved 5xx"),
	BAD("nhs_number", "8000000004", "derived: ROI IHI range"),
	BAD("hc_number", "3100000000", "derived: below the H&C range"),
	OK("hc_number", "399-999-9993", "3999999993", "derived: top of the H&C range"),

	/* ---- CHI numbers (section 2) ---- */
	BAD("chi_number", "1009701234", "chitools"),
	OK("chi_number", "1811431232", "1811431232", "chitools"),
	OK("chi_number", "1304496368", "1304496368", "chitools"),
	OK("chi_number", "0101011237", "0101011237", "phsmethods"),
	BAD("chi_number", "0101201234", "phsmethods: checksum"),
	BAD("chi_number", "3201201234", "phsmethods: day 32"),
	BAD("chi_number", "0113201234", "phsmethods: month 13"),
	BAD("chi_number", "3213201234", "phsmethods: date"),
	OK("chi_number", "1904851231", "1904851231", "phsmethods"),
	BAD("chi_number", "1904851232", "phsmethods: checksum"),
	OK("chi_number", "2902201230", "2902201230", "phsmethods: 29 Feb leap"),
	BAD("chi_number", "2902191230", "phsmethods: 29 Feb not leap"),
	BAD("chi_number", "0011201234", "phsmethods: day 00"),
	BAD("chi_number", "1100201234", "phsmethods: month 00"),
	BAD("chi_number", "0000000000", "phsmethods: date"),
	OK("chi_number", "0211165794", "0211165794", "phsmethods-vignette"),
	BAD("chi_number", "9999999999", "phsmethods-vignette"),
	BAD("chi_number", "402070763", "phsmethods-vignette: leading zero lost"),
	BAD("chi_number", "0101010000", "phsmethods-vignette"),
	BAD("chi_number", "1111111111", "derived: repdigit (chi_valid alone accepts it)"),
	BAD("chi_number", "2902191235", "derived: checksum ok, 29/02/19"),
	OK("chi_number", "2902001231", "2902001231", "derived: 29/02/00"),
	BAD("chi_number", "3104123454", "derived: 31 April"),
	OK("chi_number", "010 101 1237", "0101011237", "derived: 3-3-4 spaces"),
	OK("chi_number", "010101-1237", "0101011237", "derived: 6-4 hyphen"),

	/* ---- NINO (section 3) ---- */
	OK("nino", "AA 12 34 56 B", "AA123456B", "presidio-nino"),
	OK("nino", "hh 01 02 03 d", "HH010203D", "presidio-nino: lower case"),
	OK("nino", "tw987654a", "TW987654A", "presidio-nino"),
	OK("nino", "PR 123612C", "PR123612C", "presidio-nino"),
	OK("nino", "YZ 61 48 68 B", "YZ614868B", "presidio-nino"),
	BAD("nino", "AA 12 34 56 H", "presidio-nino: suffix H"),
	BAD("nino", "AB 12 34 56 1", "presidio-nino: numeric suffix"),
	BAD("nino", "ab1234561", "presidio-nino"),
	BAD("nino", "FQ 00 00 00 C", "presidio-nino: F first, Q second"),
	BAD("nino", "BG123612A", "presidio-nino: banned prefix"),
	BAD("nino", "nt 99 88 77 a", "presidio-nino: banned prefix"),
	BAD("nino", "UV 98 76 54 B", "presidio-nino: U first"),
	BAD("nino", "QQ 12 34 56 A", "hmrc-nim39110 dummy"),
	BAD("nino", "QQ123456C", "cdq example: Q banned"),
	OK("nino", "AB123456C", "AB123456C", "common example"),
	BAD("nino", "AB 12 34-56 C", "derived: mixed separators"),
	OK("nino", "AB-12-34-56-C", "AB123456C", "derived: hyphens"),
	OK("nino",
	   "AB\xc2\xa0"
	   "12\xc2\xa0"
	   "34\xc2\xa0"
	   "56\xc2\xa0"
	   "C",
	   "AB123456C", "derived: NBSP"),
	CAPPED("nino", "CR 12 34 56 A", "administrative", "CR123456A", "derived: NIM39110 admin"),
	CAPPED("nino", "PZ123456D", "administrative", "PZ123456D", "derived: NIM39110 admin"),
	BAD("nino", "OO123456A", "derived: O second"),
	BAD("nino", "FY123456A", "derived: F first"),
	BAD("nino", "GB123456A", "derived: banned prefix"),
	BAD("nino", "ZZ123456A", "derived: banned prefix"),
	BAD("nino", "AO123456A", "derived: O second"),
	CAPPED("nino", "AB 12 34 56", "no-suffix", "AB123456", "derived: no suffix"),
	BAD("nino", "AB12345C", "derived: five digits"),

	/* ---- UK postcodes (section 4) ---- */
	OK("uk_postcode", "M1 1AA", "M11AA", "presidio-postcode"),
	OK("uk_postcode", "M60 1NW", "M601NW", "presidio-postcode"),
	OK("uk_postcode", "W1A 1HQ", "W1A1HQ", "presidio-postcode"),
	OK("uk_postcode", "CR2 6XH", "CR26XH", "presidio-postcode"),
	OK("uk_postcode", "DN55 1PT", "DN551PT", "presidio-postcode"),
	OK("uk_postcode", "EC1A 1BB", "EC1A1BB", "presidio-postcode"),
	OK("uk_postcode", "GIR 0AA", "GIR0AA", "presidio-postcode"),
	OK("uk_postcode", "M11AA", "M11AA", "presidio-postcode: no space"),
	OK("uk_postcode", "EC1A1BB", "EC1A1BB", "presidio-postcode: no space"),
	OK("uk_postcode", "DN551PT", "DN551PT", "presidio-postcode: no space"),
	OK("uk_postcode", "SW1A 1AA", "SW1A1AA", "presidio-postcode"),
	OK("uk_postcode", "EC2A 1NT", "EC2A1NT", "presidio-postcode"),
	BAD("uk_postcode", "QA1 1AA", "presidio-postcode: Q first"),
	BAD("uk_postcode", "VA1 1AA", "presidio-postcode: V first"),
	BAD("uk_postcode", "XA1 1AA", "presidio-postcode: X first"),
	BAD("uk_postcode", "M1 1CA", "presidio-postcode: inward C"),
	BAD("uk_postcode", "M1 1AI", "presidio-postcode: inward I"),
	BAD("uk_postcode", "1A1 1AA", "presidio-postcode: digit first"),
	BAD("uk_postcode", "ABCM11AADEF", "presidio-postcode: no boundary"),
	OK("uk_postcode", "LS1 6AE", "LS16AE", "nhse-pds-sandbox"),
	OK("uk_postcode", "N1P 1AA", "N1P1AA", "derived: A9A third letter P"),
	BAD("uk_postcode", "AA1 1AA", "derived: no AA area"),
	OK("uk_postcode", "ML1 1AA", "ML11AA", "derived: Motherwell"),
	OK("uk_postcode", "g2 3ab", "G23AB", "derived: lower case chat"),
	OK("uk_postcode",
	   "G2\xc2\xa0"
	   "3AB",
	   "G23AB", "derived: NBSP"),
	BAD("uk_postcode", "YY1 1AA", "derived: no YY area"),
	BAD("uk_postcode", "M 11AA", "derived: gap in the wrong place"),
	BAD("uk_postcode", "ML1  1AA", "derived: two gaps"),
	BAD("uk_postcode", "ML1-1AA", "derived: hyphen"),
	BAD("uk_postcode", "C1 1AA", "derived: C is not a one-letter area"),

	/* ---- UK phones (section 5) ---- */
	CAPPED("uk_phone", "020 7946 0958", "fictional", "02079460958", "presidio-pr2174 (drama)"),
	OK("uk_phone", "07911 123456", "07911123456", "presidio-pr2174"),
	OK("uk_phone", "+44 7911 123456", "07911123456", "presidio-pr2174"),
	OK("uk_phone", "+44 (20) 7123 4567", "02071234567", "presidio-phone-test"),
	CAPPED("uk_phone", "07700 900461", "fictional", "07700900461", "bbc-ofcom-drama"),
	CAPPED("uk_phone", "+44 1632 960218", "fictional", "01632960218", "laravel-phone"),
	OK("uk_phone", "0300 123 3333", "03001233333", "ofcom-consumer-page"),
	OK("uk_phone", "0800 661 610", "0800661610", "ofcom-consumer-page: 10 digits"),
	OK("uk_phone", "+44 (0)20 7981 3040", "02079813040", "ofcom-consumer-page: (0)"),
	BAD("uk_phone", "07911 12345", "derived: one digit short"),
	BAD("uk_phone", "0411 123456", "derived: 04 unassigned"),
	BAD("uk_phone", "(415) 555-0132", "presidio-phone-test: US number"),
	OK("uk_phone", "07911123456", "07911123456", "derived: no separators"),
	OK("uk_phone", "0044 7911 123456", "07911123456", "derived: 0044"),
	OK("uk_phone", "(0141) 496 1234", "01414961234", "derived: bracketed area code"),
	OK("uk_phone", "07911-123-456", "07911123456", "derived: hyphens"),
	BAD("uk_phone", "07911 123-456", "derived: mixed separators"),
	BAD("uk_phone", "+44 07911 123456", "derived: trunk 0 kept after +44"),
	BAD("uk_phone", "07911 1234567", "derived: mobile too long"),
	BAD("uk_phone", "0611 123456", "derived: 06 unassigned"),
	BAD("uk_phone", "(0141 496 1234", "derived: unbalanced bracket"),
	BAD("uk_phone", "07777 777777", "derived: repdigit"),
	CAPPED("uk_phone", "0808 157 0123", "fictional", "08081570123", "derived: drama freephone"),

	/* ---- US NPI (section 6) ---- */
	OK("us_npi", "1234567893", "1234567893", "cms-npi-example"),
	OK("us_npi", "1245319599", "1245319599", "presidio-npi"),
	OK("us_npi", "1003000126", "1003000126", "presidio-npi"),
	OK("us_npi", "1234-567-893", "1234567893", "presidio-npi: grouped"),
	OK("us_npi", "1234 567 893", "1234567893", "presidio-npi: grouped"),
	OK("us_npi", "1558598797", "1558598797", "blog-npi-example"),
	BAD("us_npi", "0234567893", "presidio-npi: first digit"),
	BAD("us_npi", "3234567893", "presidio-npi: first digit"),
	BAD("us_npi", "9234567893", "presidio-npi: first digit"),
	BAD("us_npi", "123456789", "presidio-npi: length"),
	BAD("us_npi", "12345678934", "presidio-npi: length"),
	BAD("us_npi", "1234567890", "presidio-npi: Luhn"),
	BAD("us_npi", "1111111112", "presidio-npi: repdigit body"),
	BAD("us_npi", "1234-567 893", "derived: mixed separators"),

	/* ---- US DEA (section 7) ---- */
	OK("us_dea", "GL0285191", "GL0285191", "presidio-dea"),
	OK("us_dea", "EU4488929", "EU4488929", "presidio-dea"),
	OK("us_dea", "K92993548", "K92993548", "presidio-dea"),
	OK("us_dea", "BB1388568", "BB1388568", "presidio-dea / oracle siebel"),
	BAD("us_dea", "BG8207031", "presidio-dea: check digit"),

	/* ---- UTR, MBI, SSN (section 8) ---- */
	OK("uk_utr", "1955839661", "1955839661", "stdnum-utr"),
	BAD("uk_utr", "2955839661", "stdnum-utr"),
	OK("uk_utr", "1234567895", "1234567895", "stdnum-utr"),
	OK("uk_utr", "9624088948", "9624088948", "stdnum-utr"),
	BAD("uk_utr", "1234567890", "hmrc-design-example"),
	OK("uk_utr", "19558 39661", "1955839661", "derived: 5-5 grouping"),
	OK("uk_utr", "K1955839661", "1955839661", "derived: leading K"),
	OK("us_mbi", "1EG4-TE5-MK73", "1EG4TE5MK73", "cms-mbi-example"),
	OK("us_mbi", "1EG4TE5MK73", "1EG4TE5MK73", "presidio-mbi"),
	OK("us_mbi", "2AG9-XC4-NN22", "2AG9XC4NN22", "presidio-mbi"),
	BAD("us_mbi", "1SG4-TE5-MK73", "presidio-mbi: S"),
	BAD("us_mbi", "1EG4-LE5-MK73", "presidio-mbi: L"),
	BAD("us_mbi", "AEG4-TE5-MK73", "presidio-mbi: letter first"),
	BAD("us_mbi", "0EG4-TE5-MK73", "cms-mbi-position1"),
	OK("us_mbi", "1eg4te5mk73", "1EG4TE5MK73", "derived: lower case"),
	BAD("us_mbi", "1EG4-TE5 MK73", "derived: mixed separators"),
	OK("us_ssn", "536-90-4399", "536904399", "stdnum-ssn"),
	BAD("us_ssn", "666-00-0000", "stdnum-ssn: area 666"),
	BAD("us_ssn", "078-05-1120", "stdnum-ssn: published dummy"),
	BAD("us_ssn", "219-09-9999", "derived: published dummy"),
	BAD("us_ssn", "457-55-5462", "derived: published dummy"),
	OK("us_ssn", "536 90 4399", "536904399", "derived: spaces"),
	OK("us_ssn", "536904399", "536904399", "derived: unformatted"),
	BAD("us_ssn", "536-90 4399", "derived: mixed separators"),
	BAD("us_ssn", "000-12-3456", "derived: area 000"),
	BAD("us_ssn", "900-12-3456", "derived: area 9xx"),
	BAD("us_ssn", "536-00-4399", "derived: group 00"),
	BAD("us_ssn", "536-90-0000", "derived: serial 0000"),
	BAD("us_ssn", "5369-0-4399", "derived: wrong grouping"),
	BAD("us_ssn", "123-45-6789", "derived: advertising dummy"),
	BAD("us_ssn", "111-11-1111", "derived: repdigit"),

	/* ---- dates (derived: calendar rules and the written forms) ---- */
	OK("date", "12/03/1961", "1961-03-12", "derived: dd/mm/yyyy"),
	OK("date", "1/3/61", "1961-03-01", "derived: d/m/yy"),
	OK("date", "12.03.1961", "1961-03-12", "derived: dots"),
	OK("date", "12-03-1961", "1961-03-12", "derived: hyphens"),
	OK("date", "1961-03-12", "1961-03-12", "derived: ISO"),
	OK("date", "12 Mar 1961", "1961-03-12", "derived: month abbreviation"),
	OK("date", "12 March 1961", "1961-03-12", "derived: month name"),
	OK("date", "March 12, 1961", "1961-03-12", "derived: US written"),
	OK("date", "12-MAR-1961", "1961-03-12", "derived: EPR style"),
	OK("date", "12th March 1961", "1961-03-12", "derived: ordinal"),
	OK("date", "1st of May 2001", "2001-05-01", "derived: ordinal and of"),
	OK("date", "12 Sept 1961", "1961-09-12", "derived: Sept"),
	OK("date", "12 Mar. 1961", "1961-03-12", "derived: abbreviation dot"),
	OK("date",
	   "12\xc2\xa0Mar\xc2\xa0"
	   "1961",
	   "1961-03-12", "derived: NBSP"),
	OK("date", "29/02/2000", "2000-02-29", "derived: 2000 leap"),
	BAD("date", "29/02/1900", "derived: 1900 not leap"),
	BAD("date", "29/02/2019", "derived: 2019 not leap"),
	OK("date", "29/02/2024", "2024-02-29", "derived: leap"),
	BAD("date", "31/04/1961", "derived: 31 April"),
	BAD("date", "00/01/1961", "derived: day 0"),
	BAD("date", "13/13/1961", "derived: month 13 either way"),
	OK("date", "12/31/1961", "1961-12-31", "derived: US order, day > 12"),
	BAD("date", "12.31.1961", "derived: US order only with slashes"),
	BAD("date", "12/03-1961", "derived: mixed separators"),
	BAD("date", "12/03/1899", "derived: year before 1900"),
	BAD("date", "12/03/2027", "derived: year after 2026"),
	OK("date", "01/01/26", "2026-01-01", "derived: pivot 26 -> 2026"),
	OK("date", "01/01/27", "1927-01-01", "derived: pivot 27 -> 1927"),
	BAD("date", "12 Mrch 1961", "derived: not a month"),
	BAD("date", "1961-3-12", "derived: ISO needs two-digit month"),
	BAD("date", "12/03/196", "derived: three-digit year"),
	BAD("date", "12/03", "derived: no year"),
	OK("date", "12 03 1961", "1961-03-12", "derived: blanks, as typed on a phone"),
	BAD("date", "1 3 1961", "derived: blanks only with two-digit day and month"),
	BAD("date", "12 03 61", "derived: blanks only with a four-digit year"),
	BAD("date", "12 03-1961", "derived: a blank and a hyphen"),
	OK("date", "1 Feb '50", "1950-02-01", "derived: year after an apostrophe"),
	BAD("date", "1 Feb '1950", "derived: apostrophe before a two-digit year only"),
	BAD("date", "1/2/'50", "derived: apostrophe with numbers only after a blank"),
	BAD("date", "March 32, 1961", "derived: day 32"),
	BAD("date", "12/03/1961/4", "derived: four parts"),
	BAD("date", "1.2.3", "derived: version number"),
	OK("date", "19610312", "1961-03-12", "derived: compact ISO (HL7 DTM)"),
	OK("date", "12031961", "1961-03-12", "derived: compact UK order"),
	BAD("date", "12131961", "derived: compact, month 13"),
	BAD("date", "18991231", "derived: compact, year 1899"),
	BAD("date", "1961031", "derived: seven digits"),

	/* ---- e-mail (derived) ---- */
	OK("email", "jane.smith@nhs.net", "JANE.SMITH@NHS.NET", "derived"),
	OK("email", "j_smith+ward5@example.co.uk", "J_SMITH+WARD5@EXAMPLE.CO.UK", "derived"),
	OK("email", "a@b.co", "A@B.CO", "derived: shortest"),
	BAD("email", "jane@localhost", "derived: no dot in domain"),
	BAD("email", "jane@nhs.n3t", "derived: digit in TLD"),
	BAD("email", ".jane@nhs.net", "derived: leading dot"),
	BAD("email", "jane.@nhs.net", "derived: trailing dot"),
	BAD("email", "ja..ne@nhs.net", "derived: double dot"),
	BAD("email", "jane@@nhs.net", "derived: two @"),
	BAD("email", "jane@-nhs.net", "derived: label starts with hyphen"),
	BAD("email", "jane@nhs-.net", "derived: label ends with hyphen"),
	BAD("email", "jane@nhs..net", "derived: empty label"),
	BAD("email", "icon@2x.png", "derived: asset name"),
	BAD("email", "jane smith@nhs.net", "derived: space"),
	BAD("email", "@nhs.net", "derived: empty local part"),

	/* ---- person names (derived) ---- */
	OK("person_name", "Dr Who", "DRWHO", "derived: brief"),
	OK("person_name", "Mr Blobby", "MRBLOBBY", "derived: brief"),
	OK("person_name", "Mrs O'Brien", "MRSO'BRIEN", "derived: apostrophe"),
	OK("person_name", "Margaret Smith-Jones", "MARGARETSMITH-JONES", "derived: hyphen"),
	OK("person_name", "mrs jones", "MRSJONES", "derived: chat lower case"),
	OK("person_name", "Mr Ward", "MRWARD", "derived: surname that is a ward word"),
	OK("person_name", "Mrs May", "MRSMAY", "derived: surname that is a month"),
	OK("person_name", "Sister Siobh\xc3\xa1n", "SISTERSIOBH\xc3\xa1N", "derived: UTF-8"),
	OK("person_name", "Dr. Patel,", "DR.PATEL", "derived: trailing comma"),
	BAD("person_name", "Will Do", "derived: stop word"),
	BAD("person_name", "May Be", "derived: stop word"),
	BAD("person_name", "Bed Seven", "derived: number word"),
	BAD("person_name", "Will Check", "derived: chat verb"),
	BAD("person_name", "Grace Period", "derived: common word"),
	BAD("person_name", "Mr Monday", "derived: day"),
	BAD("person_name", "Dr B", "derived: initial only"),
	BAD("person_name", "Mr 12", "derived: digits"),
	BAD("person_name", "Smith", "derived: one token"),
	BAD("person_name", "Mr Sm1th", "derived: digit inside"),
	BAD("person_name", "Victoria Road", "derived: street word"),
	BAD("person_name", "Jane said", "derived: lower-case word after a forename"),
	BAD("person_name", "Jane NEWS", "derived: clinical abbreviation"),
	BAD("person_name", "Rose garden", "derived: lower-case word after a forename"),
	OK("person_name", "JANE SMITH", "JANESMITH", "derived: capitals"),
	OK("person_name", "sister bell", "SISTERBELL", "derived: lower-case title"),
	OK("person_name", "Mr. smith", "MR.SMITH", "derived: title with dot, lower-case surname"),
	BAD("person_name", "Albert Terrace", "derived: street word"),
	BAD("person_name", "Mark Down", "derived: chat word"),
	BAD("person_name", "Miss You", "derived: pronoun"),
	BAD("person_name", "Mr A", "derived: first stop word"),
	/* surname: the value of a field labelled as one */
	OK("surname", "Smith", "SMITH", "derived: one word"),
	OK("surname", "O'BRIEN", "O'BRIEN", "derived: capitals, apostrophe"),
	OK("surname", "Smith-Jones", "SMITH-JONES", "derived: hyphen"),
	OK("surname", "van der Berg", "VAN DER BERG", "derived: particles"),
	OK("surname", "\xc3\x93 S\xc3\xbailleabh\xc3\xa1in", "\xc3\x93 S\xc3\xbaILLEABH\xc3\xa1IN",
	   "derived: UTF-8 words"),
	BAD("surname", "smith", "derived: lower case"),
	BAD("surname", "Test", "derived: placeholder"),
	BAD("surname", "UNKNOWN", "derived: placeholder"),
	BAD("surname", "Not Known", "derived: placeholder"),
	BAD("surname", "Please", "derived: stop word"),
	BAD("surname", "Smith ", "derived: trailing space"),
	BAD("surname", "Smith  Jones", "derived: two spaces"),
	BAD("surname", "Aa Bb Cc Dd Ee", "derived: five words"),
	BAD("surname", "Sm1th", "derived: digit"),
	BAD("surname", "S", "derived: one letter"),
	OK("full_name", "Zephyrine Hill", "ZEPHYRINE HILL", "derived: two words"),
	OK("full_name", "Zephyrine Hill DOB ", "ZEPHYRINE HILL",
	   "derived: ends before an abbreviation"),
	OK("full_name", "Zephyrine Hill was admitted yest", "ZEPHYRINE HILL",
	   "derived: ends before lower-case words"),
	OK("full_name", "Ana de Silva", "ANA DE SILVA", "derived: a particle between"),
	OK("full_name", "Jan van der Berg NHS", "JAN VAN DER BERG",
	   "derived: two particles, an abbreviation after"),
	OK("full_name", "ZEPHYRINE HILL", "ZEPHYRINE HILL", "derived: capitals"),
	BAD("full_name", "Zephyrine", "derived: one word"),
	BAD("full_name", "Zephyrine was", "derived: one capitalised word"),
	BAD("full_name", "Ana de", "derived: a particle last"),
	BAD("full_name", "de Silva", "derived: a particle first"),
	BAD("full_name", "Test Patient", "derived: placeholder word"),
	OK("full_name", "June May", "JUNE MAY", "derived: a forename that is a month"),
	BAD("full_name", "Zephyrine DOB", "derived: an abbreviation second"),
	BAD("person_name", "Dr Yours", "derived: last stop word"),
	OK("person_name", "SMITH, Jane", "SMITH,JANE", "derived: system print order"),
	OK("person_name", "Mr Will Paterson", "MRWILLPATERSON", "derived: forename that is a word"),
};

static bool
run_vector(const struct vector *t)
{
	const struct validator *v = validator_lookup(t->validator);
	struct validator_result r;
	bool valid, pass;

	if (v == NULL)
		return tap_ok(false, "validator %s exists", t->validator);
	memset(&r, 0xa5, sizeof(r));
	valid = v->fn((const uint8_t *)t->input, strlen(t->input), &r);
	pass = valid == t->valid;
	if (pass && valid) {
		pass = r.cap == t->cap &&
		       (t->tag == NULL ? r.tag == NULL
		                       : r.tag != NULL && strcmp(r.tag, t->tag) == 0) &&
		       r.normalised_len == strlen(r.normalised) &&
		       (t->normalised == NULL || strcmp(r.normalised, t->normalised) == 0);
	}
	if (!tap_ok(pass, "%s(\"%s\") %s [%s]", t->validator, t->input,
	            t->valid ? "valid" : "invalid", t->source))
		tap_diag("got valid=%d cap=%d tag=%s normalised=%s", valid, valid ? (int)r.cap : 0,
		         valid && r.tag ? r.tag : "(null)", valid ? r.normalised : "");
	return pass;
}

/* Every ten-digit repdigit passes modulus 11 (weighted sum 55 x d): all must be rejected. */
static void
test_repdigits(void)
{
	const char *names[] = { "nhs_number", "chi_number", "hc_number" };

	for (size_t i = 0; i < 3; i++) {
		const struct validator *v = validator_lookup(names[i]);
		unsigned accepted = 0;

		for (char d = '0'; d <= '9'; d++) {
			char s[11];
			struct validator_result r;

			memset(s, d, 10);
			s[10] = '\0';
			accepted += v->fn((const uint8_t *)s, 10, &r);
		}
		tap_eq_int(accepted, 0, "%s rejects all ten repdigits", names[i]);
	}
}

/*
 * Every stem gets at most one check digit; about 10 in 11 stems have one. Counted over
 * a block of stems in the English range, so the checksum is exercised beyond the table.
 */
static void
test_mod11_density(void)
{
	const struct validator *v = validator_lookup("nhs_number");
	unsigned stems = 0, with_check = 0, multiple = 0;

	for (unsigned stem = 401023000; stem < 401025000; stem++) {
		unsigned hits = 0;

		for (unsigned c = 0; c < 10; c++) {
			char s[16];
			struct validator_result r;

			snprintf(s, sizeof(s), "%09u%u", stem, c);
			hits += v->fn((const uint8_t *)s, 10, &r);
		}
		stems++;
		with_check += hits > 0;
		multiple += hits > 1;
	}
	tap_eq_int(multiple, 0, "no stem has two check digits");
	tap_ok(with_check * 11 > stems * 9 && with_check * 11 < stems * 11,
	       "about 10/11 of stems have a check digit (%u of %u)", with_check, stems);
}

/* Hostile input: random bytes and separator soup of every length, for every validator. */
static void
test_garbage(void)
{
	size_t count;
	const struct validator *table = validator_table(&count);
	static const uint8_t alphabet[] = "0123456789 -./@+()AaBbMmZz\xc2\xa0\x00\xff,'";
	uint8_t buf[300];
	uint32_t seed = 12345;
	unsigned accepted = 0, calls = 0;
	bool sane = true;

	for (size_t len = 0; len <= sizeof(buf); len++) {
		for (unsigned round = 0; round < 8; round++) {
			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				buf[i] = round < 4 ? alphabet[(seed >> 16) % (sizeof(alphabet) - 1)]
				                   : (uint8_t)(seed >> 16);
			}
			for (size_t k = 0; k < count; k++) {
				struct validator_result r;

				calls++;
				if (table[k].fn(buf, len, &r)) {
					accepted++;
					sane &= r.normalised_len < sizeof(r.normalised) &&
					        r.normalised[r.normalised_len] == '\0';
				}
			}
		}
	}
	tap_ok(sane, "garbage: %u calls, %u accepted, normalised always terminated", calls,
	       accepted);
}

static void
test_table(void)
{
	static const char *const required[] = { "nhs_number", "chi_number",  "hc_number",
		                                "nino",       "uk_postcode", "uk_phone",
		                                "email",      "date",        "us_ssn",
		                                "us_npi",     "us_mbi",      "person_name" };
	size_t count;
	const struct validator *table = validator_table(&count);
	bool unique = true;

	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		tap_ok(validator_lookup(required[i]) != NULL, "validator_lookup(%s)", required[i]);
	tap_ok(validator_lookup("no_such") == NULL, "unknown name gives NULL");
	tap_ok(validator_lookup(NULL) == NULL, "NULL name gives NULL");
	for (size_t i = 0; i < count; i++)
		for (size_t j = i + 1; j < count; j++)
			unique &= strcmp(table[i].name, table[j].name) != 0;
	tap_ok(unique && count >= ARRAY_SIZE(required), "table has %zu unique names", count);
}

/* A long e-mail address does not fit the normalised buffer: a digest stands in. */
static void
test_long_email(void)
{
	const struct validator *v = validator_lookup("email");
	const char *a = "firstname.middlename.lastname.department.ward5@"
	                "university-hospitals-trust.nhs.uk";
	const char *b = "FIRSTNAME.MIDDLENAME.LASTNAME.DEPARTMENT.WARD5@"
	                "UNIVERSITY-HOSPITALS-TRUST.NHS.UK";
	struct validator_result ra, rb;

	tap_ok(v->fn((const uint8_t *)a, strlen(a), &ra), "long e-mail is valid");
	tap_ok(v->fn((const uint8_t *)b, strlen(b), &rb), "long e-mail upper case is valid");
	tap_ok(ra.normalised[0] == '#' && ra.normalised_len == 17, "long e-mail gets a digest");
	tap_eq_str(ra.normalised, rb.normalised, "digest is case-insensitive");
}

int
main(void)
{
	test_table();
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
		run_vector(&vectors[i]);
	}
	test_repdigits();
	test_mod11_density();
	test_long_email();
	test_garbage();
	return tap_done();
}
