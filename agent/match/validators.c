/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "match/validators.h"

#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/macro.h"

/*
 * Every validator gets the raw candidate (separators included), checks one
 * kind of separator, builds the normalised value, then applies its rules.
 * The specification and the public test vectors behind each rule are in
 * docs/detection-quality.md and the unit test tests/unit/test-match-validators.c.
 */

/* Separator classes. Space and UTF-8 no-break space count as one class (chat apps and
 * word processors mix them); space vs hyphen vs dot is a real mix and rejects. */
enum sep_kind {
	SEP_NONE = 0,
	SEP_BLANK = 1U << 0,
	SEP_HYPHEN = 1U << 1,
	SEP_DOT = 1U << 2,
	SEP_SLASH = 1U << 3,
};

/* Width of the separator at v[i] (0: none) and its class. */
static size_t
sep_at(const uint8_t *v, size_t len, size_t i, unsigned *ret_kind)
{
	if (v[i] == ' ' || v[i] == '\t') {
		*ret_kind = SEP_BLANK;
		return 1;
	}
	if (v[i] == 0xC2 && i + 1 < len && v[i + 1] == 0xA0) {
		*ret_kind = SEP_BLANK;
		return 2;
	}
	if (v[i] == '-') {
		*ret_kind = SEP_HYPHEN;
		return 1;
	}
	if (v[i] == '.') {
		*ret_kind = SEP_DOT;
		return 1;
	}
	if (v[i] == '/') {
		*ret_kind = SEP_SLASH;
		return 1;
	}
	return 0;
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void
result_init(struct validator_result *r)
{
	r->cap = PHIGUARD_CONFIDENCE_HIGH;
	r->tag = NULL;
	r->normalised[0] = '\0';
	r->normalised_len = 0;
}

static void
result_cap(struct validator_result *r, const char *tag)
{
	r->cap = PHIGUARD_CONFIDENCE_LOW;
	r->tag = tag;
}

/*
 * Store @s as the normalised value. A value too long for the buffer (long e-mail
 * addresses, names) is stored as '#' plus a 64-bit FNV-1a digest of it: the token is
 * a keyed hash of this string, so equal values still give equal tokens.
 */
static void
result_store(struct validator_result *r, const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	static const char hex[] = "0123456789abcdef";

	if (n < sizeof(r->normalised)) {
		memcpy(r->normalised, s, n);
		r->normalised[n] = '\0';
		r->normalised_len = n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ULL;
	}
	r->normalised[0] = '#';
	for (size_t i = 0; i < 16; i++)
		r->normalised[1 + i] = hex[(h >> (60 - 4 * i)) & 0xf];
	r->normalised[17] = '\0';
	r->normalised_len = 17;
}

/*
 * Copy @v without separators of the @allowed classes, upper-cased, into @out (size
 * @cap). Rejects a second separator class, a separator at either end, two
 * separators in a row, or an output longer than @cap - 1.
 */
static bool
compact(const uint8_t *v, size_t len, unsigned allowed, char *out, size_t cap, size_t *ret_n,
        unsigned *ret_kind)
{
	unsigned seen = SEP_NONE;
	bool prev_sep;
	size_t n = 0;

	/*
	 * Most candidates are plain digit runs (every ten-digit number is
	 * checked as an NHS, CHI, H&C and NPI number): copied as they are.
	 */
	while (n < len && n + 1 < cap && is_digit(v[n])) {
		out[n] = (char)v[n];
		n++;
	}
	if (n > 0 && n == len) {
		out[n] = '\0';
		*ret_n = n;
		if (ret_kind != NULL)
			*ret_kind = SEP_NONE;
		return true;
	}
	prev_sep = n == 0;
	for (size_t i = n; i < len;) {
		unsigned kind;
		size_t w = sep_at(v, len, i, &kind);

		if (w > 0 && (kind & allowed)) {
			if (prev_sep || (seen != SEP_NONE && seen != kind))
				return false;
			seen = kind;
			prev_sep = true;
			i += w;
			continue;
		}
		if (n + 1 >= cap)
			return false;
		out[n++] = (char)ascii_upper(v[i]);
		prev_sep = false;
		i++;
	}
	if (prev_sep && n > 0)
		return false;
	out[n] = '\0';
	*ret_n = n;
	if (ret_kind != NULL)
		*ret_kind = seen;
	return n > 0;
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit((uint8_t)s[i]))
			return false;
	return n > 0;
}

static bool
is_repdigit(const char *s, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (s[i] != s[0])
			return false;
	return true;
}

static unsigned
digits_value(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* ---- the NHS modulus-11 family: NHS, CHI, H&C numbers ---- */

/* NHS Data Dictionary: weights 10..2, check = 11 - sum mod 11, 11 -> 0, 10 -> invalid. */
static bool
mod11_ok(const char *d)
{
	unsigned total = 0, check;

	for (unsigned i = 0; i < 9; i++)
		total += (unsigned)(d[i] - '0') * (10 - i);
	check = 11 - total % 11;
	if (check == 11)
		check = 0;
	return check != 10 && check == (unsigned)(d[9] - '0');
}

/* Ten digits (3-3-4 with one kind of separator, or none), checksum, not a repdigit. */
static bool
health_number(const uint8_t *v, size_t len, char d[static 16])
{
	size_t n;

	if (!compact(v, len, SEP_BLANK | SEP_HYPHEN, d, 16, &n, NULL))
		return false;
	return n == 10 && all_digits(d, n) && !is_repdigit(d, n) && mod11_ok(d);
}

static bool
validate_nhs_number(const uint8_t *v, size_t len, struct validator_result *r)
{
	char d[16];

	result_init(r);
	if (!health_number(v, len, d))
		return false;
	switch (d[0]) {
	case '4':
	case '6':
	case '7':
		break;
	case '9':
		/* never issued: test and synthetic patients (PDS sandbox 9000000009) */
		result_cap(r, "synthetic");
		break;
	default:
		return false; /* CHI, H&C, reserved 5xx, ROI IHI 80-85, unallocated */
	}
	result_store(r, d, 10);
	return true;
}

static unsigned
days_in_month(unsigned month, bool leap)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && leap)
		return 29;
	return days[month - 1];
}

static bool
chi_date_ok(const char *d)
{
	unsigned dd = digits_value(d, 2), mm = digits_value(d + 2, 2), yy = digits_value(d + 4, 2);

	/* two-digit year: 29 Feb when yy mod 4 == 0 (2000 was a leap year, 1900 was not, but
	 * a CHI born 29/02/1900 would be 126 years old) */
	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= days_in_month(mm, yy % 4 == 0);
}

static bool
validate_chi_number(const uint8_t *v, size_t len, struct validator_result *r)
{
	char d[16];

	result_init(r);
	/* 0100000000-3112999999 follows from the date: day 01-31, month 01-12 */
	if (!health_number(v, len, d) || !chi_date_ok(d))
		return false;
	result_store(r, d, 10);
	return true;
}

static bool
validate_hc_number(const uint8_t *v, size_t len, struct validator_result *r)
{
	char d[16];

	result_init(r);
	/* NHS Data Dictionary: 320 000 001 to 399 999 999 plus the check digit */
	if (!health_number(v, len, d) || d[0] != '3' || d[1] < '2')
		return false;
	result_store(r, d, 10);
	return true;
}

/* ---- UK National Insurance number (HMRC NIM39110) ---- */

static bool
validate_nino(const uint8_t *v, size_t len, struct validator_result *r)
{
	static const char *const banned[] = { "BG", "GB", "KN", "NK", "NT", "TN", "ZZ" };
	static const char *const admin[] = { "OO", "CR", "FY", "MW", "NC", "PP", "PY", "PZ" };
	char s[16];
	size_t n;

	result_init(r);
	if (!compact(v, len, SEP_BLANK | SEP_HYPHEN, s, sizeof(s), &n, NULL))
		return false;
	if ((n != 9 && n != 8) || !is_alpha((uint8_t)s[0]) || !is_alpha((uint8_t)s[1]) ||
	    !all_digits(s + 2, 6))
		return false;
	if (n == 9 && (s[8] < 'A' || s[8] > 'D'))
		return false;
	if (strchr("DFIQUV", s[0]) != NULL || strchr("DFIOQUV", s[1]) != NULL)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(banned); i++)
		if (memcmp(s, banned[i], 2) == 0)
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(admin); i++)
		if (memcmp(s, admin[i], 2) == 0)
			result_cap(r, "administrative");
	/* some forms leave the suffix blank: still a NINO, weaker evidence */
	if (n == 8 && r->tag == NULL)
		result_cap(r, "no-suffix");
	result_store(r, s, n);
	return true;
}

/* ---- UK postcode ---- */

/* The 121 postcode areas plus GY, JE, IM (Crown Dependencies), BF, BX; sorted. */
static const char *const postcode_areas[] = {
	"AB", "AL", "B",  "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX",
	"CA", "CB", "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG",
	"DH", "DL", "DN", "DT", "DY", "E",  "EC", "EH", "EN", "EX", "FK", "FY", "G",  "GL",
	"GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV",
	"JE", "KA", "KT", "KW", "KY", "L",  "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M",
	"ME", "MK", "ML", "N",  "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE",
	"PH", "PL", "PO", "PR", "RG", "RH", "RM", "S",  "SA", "SE", "SG", "SK", "SL", "SM",
	"SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR",
	"TS", "TW", "UB", "W",  "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
postcode_area_known(const char *s, size_t n)
{
	char area[3] = { 0 };
	const char *key = area;

	memcpy(area, s, n);
	return bsearch(&key, postcode_areas, ARRAY_SIZE(postcode_areas), sizeof(postcode_areas[0]),
	               cmp_str) != NULL;
}

/* Outward code shapes A9, A99, AA9, AA99, A9A, AA9A with the BS 7666 letter positions
 * (and P allowed third, as N1P is issued). */
static bool
postcode_outward_ok(const char *s, size_t n)
{
	const char *first = "ABCDEFGHIJKLMNOPRSTUWYZ", *second = "ABCDEFGHKLMNOPQRSTUVWXY";

	if (n < 2 || n > 4 || strchr(first, s[0]) == NULL)
		return false;
	if (is_digit((uint8_t)s[1])) {
		if (!postcode_area_known(s, 1))
			return false;
		if (n == 2)
			return true;
		if (n == 3)
			return is_digit((uint8_t)s[2]) || strchr("ABCDEFGHJKPSTUW", s[2]) != NULL;
		return false;
	}
	if (strchr(second, s[1]) == NULL || n < 3 || !is_digit((uint8_t)s[2]) ||
	    !postcode_area_known(s, 2))
		return false;
	if (n == 3)
		return true;
	return is_digit((uint8_t)s[3]) || strchr("ABEHMNPRVWXY", s[3]) != NULL;
}

static bool
validate_uk_postcode(const uint8_t *v, size_t len, struct validator_result *r)
{
	const char *inward_letters = "ABDEFGHJLNPQRSTUWXYZ";
	char s[16];
	size_t n, blanks = 0;

	result_init(r);
	if (!compact(v, len, SEP_BLANK, s, sizeof(s), &n, NULL) || n < 5 || n > 7)
		return false;
	for (size_t i = 0; i < len; i++)
		blanks += v[i] == ' ' || v[i] == 0xA0 || v[i] == '\t';
	/* at most one gap, and only between the outward and inward codes */
	if (blanks > 1 ||
	    (blanks == 1 && (v[len - 4] != ' ' && v[len - 4] != 0xA0 && v[len - 4] != '\t')))
		return false;
	if (strcmp(s, "GIR0AA") != 0) {
		if (!postcode_outward_ok(s, n - 3) || !is_digit((uint8_t)s[n - 3]) ||
		    strchr(inward_letters, s[n - 2]) == NULL ||
		    strchr(inward_letters, s[n - 1]) == NULL)
			return false;
	}
	result_store(r, s, n);
	return true;
}

/* ---- UK telephone numbers (Ofcom numbering plan) ---- */

/*
 * National significant number from "0...", "+44...", "0044...", "+44 (0)...",
 * "(0141) ...". Spaces, hyphens, dots and NBSP are separators (one kind); brackets
 * are structure. On success @nsn holds the digits after the trunk 0 / country code.
 */
static bool
uk_nsn(const uint8_t *v, size_t len, char *nsn, size_t cap, size_t *ret_n)
{
	char s[48] = { 0 }, *trunk; /* zeroed: clang-tidy cannot follow the memmove below */
	size_t n = 0, out = 0, i = 0;
	unsigned seen = SEP_NONE;
	int depth = 0;

	for (i = 0; i < len;) {
		unsigned kind;
		size_t w = sep_at(v, len, i, &kind);

		if (w > 0 && kind != SEP_SLASH) {
			if (seen != SEP_NONE && seen != kind)
				return false;
			seen = kind;
			i += w;
			continue;
		}
		if (v[i] == '(' || v[i] == ')') {
			depth += v[i] == '(' ? 1 : -1;
			if (depth < 0 || depth > 1)
				return false;
			s[n++] = (char)v[i++];
		} else if (is_digit(v[i]) || (v[i] == '+' && n == 0)) {
			s[n++] = (char)v[i++];
		} else {
			return false;
		}
		if (n >= sizeof(s) - 1)
			return false;
	}
	if (depth != 0)
		return false;
	s[n] = '\0';
	/* "+44 (0)20 ..." : the (0) is an optional trunk prefix */
	trunk = strstr(s, "(0)");
	if (trunk != NULL)
		memmove(trunk, trunk + 3, strlen(trunk + 3) + 1);
	n = strlen(s);
	/* other brackets only group digits: "(0141) 496 0000", "+44 (20) 7123 4567" */
	for (size_t j = 0, k = 0; j <= n; j++)
		if (s[j] != '(' && s[j] != ')')
			s[k++] = s[j];
	n = strlen(s);
	if (strncmp(s, "+44", 3) == 0)
		i = 3;
	else if (strncmp(s, "0044", 4) == 0)
		i = 4;
	else if (s[0] == '0' && s[1] != '0')
		i = 1;
	else
		return false;
	if (!all_digits(s + i, n - i) || s[i] == '0' || n - i + 1 > cap)
		return false;
	out = n - i;
	memcpy(nsn, s + i, out);
	nsn[out] = '\0';
	*ret_n = out;
	return true;
}

static bool
uk_nsn_valid(const char *nsn, size_t n)
{
	switch (nsn[0]) {
	case '7':
		return n == 10; /* mobile, personal (70), pager (76) */
	case '1':
		return n == 9 || n == 10;
	case '2':
	case '3':
	case '9':
		return n == 10;
	case '5':
		return (nsn[1] == '5' || nsn[1] == '6') && n == 10;
	case '8':
		if (nsn[1] == '0')
			return n == 9 || n == 10;
		return (nsn[1] == '4' || nsn[1] == '7') && n == 10;
	default:
		return false;
	}
}

/* Ofcom's TV and radio drama blocks that could be corroborated (never allocated). */
static bool
uk_nsn_drama(const char *nsn, size_t n)
{
	static const char *const blocks[] = { "7700900", "1632960", "2079460",
		                              "8081570", "9098790", "3069990" };

	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		if (n == 10 && strncmp(nsn, blocks[i], 7) == 0)
			return true;
	return false;
}

static bool
validate_uk_phone(const uint8_t *v, size_t len, struct validator_result *r)
{
	char nsn[24], norm[26];
	size_t n;

	result_init(r);
	if (!uk_nsn(v, len, nsn, sizeof(nsn), &n) || !uk_nsn_valid(nsn, n) ||
	    is_repdigit(nsn + 1, n - 1))
		return false;
	if (uk_nsn_drama(nsn, n))
		result_cap(r, "fictional");
	/* national form, so +44 7911 123456 and 07911 123456 give the same token */
	norm[0] = '0';
	memcpy(norm + 1, nsn, n + 1);
	result_store(r, norm, n + 1);
	return true;
}

/* ---- e-mail ---- */

static bool
email_local_char(uint8_t c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-.", c));
}

/* File names and asset references look like addresses: icon@2x.png, logo@3x.jpg. */
static bool
email_tld_is_file_type(const char *tld, size_t n)
{
	static const char *const ext[] = { "png",  "jpg",  "jpeg", "gif",  "svg",  "webp", "bmp",
		                           "ico",  "css",  "js",   "json", "pdf",  "txt",  "html",
		                           "htm",  "xml",  "zip",  "gz",   "tgz",  "mp4",  "mov",
		                           "webm", "woff", "ttf",  "map",  "heic", "tif",  "tiff" };
	char low[8];

	if (n >= sizeof(low))
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)ascii_lower((uint8_t)tld[i]);
	low[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++)
		if (strcmp(low, ext[i]) == 0)
			return true;
	return false;
}

static bool
validate_email(const uint8_t *v, size_t len, struct validator_result *r)
{
	char norm[256];
	size_t at = len, label = 0, dots = 0, tld_start = 0;

	result_init(r);
	if (len < 6 || len > 254)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] == '@') {
			if (at != len)
				return false;
			at = i;
		}
	if (at == len || at == 0 || at > 64 || v[0] == '.' || v[at - 1] == '.')
		return false;
	for (size_t i = 0; i < at; i++)
		if (!email_local_char(v[i]) || (v[i] == '.' && v[i + 1] == '.'))
			return false;
	/* domain: labels of letters, digits, hyphens (not at the ends), at least one dot */
	for (size_t i = at + 1; i <= len; i++) {
		if (i == len || v[i] == '.') {
			if (label == 0 || label > 63 || v[i - 1] == '-')
				return false;
			if (i < len) {
				dots++;
				tld_start = i + 1;
			}
			label = 0;
			continue;
		}
		if (!is_alpha(v[i]) && !is_digit(v[i]) && v[i] != '-')
			return false;
		if (label == 0 && v[i] == '-')
			return false;
		label++;
	}
	if (dots == 0 || len - tld_start < 2 || len - tld_start > 24)
		return false;
	for (size_t i = tld_start; i < len; i++)
		if (!is_alpha(v[i]))
			return false;
	if (email_tld_is_file_type((const char *)v + tld_start, len - tld_start))
		return false;
	for (size_t i = 0; i < len; i++)
		norm[i] = (char)ascii_upper(v[i]);
	result_store(r, norm, len);
	return true;
}

/* ---- dates ---- */

#define DATE_YEAR_MIN 1900
#define DATE_YEAR_MAX 2026

struct date_tok {
	bool number;     /* else a word */
	unsigned value;  /* number value, or month 1-12 for a month word (0: not a month) */
	unsigned digits; /* number of digits */
	unsigned sep;    /* separator classes before this token */
	bool comma;      /* a comma before this token */
};

static unsigned
month_word(const uint8_t *w, size_t n)
{
	static const char *const names[] = { "january",   "february", "march",    "april",
		                             "may",       "june",     "july",     "august",
		                             "september", "october",  "november", "december" };
	char low[12];

	if (n < 3 || n >= sizeof(low))
		return 0;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)ascii_lower(w[i]);
	low[n] = '\0';
	for (unsigned m = 0; m < 12; m++) {
		if (strcmp(low, names[m]) == 0 || (n == 3 && strncmp(low, names[m], 3) == 0))
			return m + 1;
		if (m == 8 && strcmp(low, "sept") == 0)
			return 9;
	}
	return 0;
}

/* Split into at most 3 tokens: numbers, words (an ordinal suffix after a number is
 * dropped), separated by / . - space NBSP and commas. false on anything else. */
static bool
date_lex(const uint8_t *v, size_t len, struct date_tok tok[3], size_t *ret_n)
{
	size_t n = 0, i = 0;
	unsigned sep = 0;
	bool comma = false;

	while (i < len) {
		unsigned kind;
		size_t w = sep_at(v, len, i, &kind);

		if (w > 0 || v[i] == ',') {
			if (v[i] == ',')
				comma = true;
			else
				sep |= kind;
			i += w > 0 ? w : 1;
			continue;
		}
		/* a year written short after an apostrophe and a month's name: "1 Feb '50" */
		if (v[i] == '\'' && n == 2 && !tok[1].number && (sep & SEP_BLANK) != 0 &&
		    i + 3 == len && is_digit(v[i + 1]) && is_digit(v[i + 2])) {
			i++;
			continue;
		}
		if (n == 3)
			return false;
		tok[n] = (struct date_tok){ .sep = sep, .comma = comma };
		sep = 0;
		comma = false;
		if (is_digit(v[i])) {
			tok[n].number = true;
			while (i < len && is_digit(v[i]) && tok[n].digits < 5) {
				tok[n].value = tok[n].value * 10 + (unsigned)(v[i++] - '0');
				tok[n].digits++;
			}
			if (i < len && is_digit(v[i]))
				return false;
			/* 1st 2nd 3rd 4th ... */
			if (i + 1 < len && is_alpha(v[i]) && is_alpha(v[i + 1]) &&
			    (i + 2 == len || !is_alpha(v[i + 2]))) {
				static const char *const sfx[] = { "st", "nd", "rd", "th" };
				bool ok = false;

				for (size_t k = 0; k < 4; k++)
					ok |= ascii_lower(v[i]) == (uint8_t)sfx[k][0] &&
					      ascii_lower(v[i + 1]) == (uint8_t)sfx[k][1];
				if (!ok || tok[n].digits > 2)
					return false;
				i += 2;
			}
		} else if (is_alpha(v[i])) {
			size_t s = i;

			while (i < len && is_alpha(v[i]))
				i++;
			/* "12th of March 1961": "of" reads as a blank */
			if (i - s == 2 && ascii_lower(v[s]) == 'o' &&
			    ascii_lower(v[s + 1]) == 'f' && n == 1 && tok[0].number) {
				sep = tok[n].sep | SEP_BLANK;
				comma = tok[n].comma;
				continue;
			}
			tok[n].value = month_word(v + s, i - s);
			if (tok[n].value == 0)
				return false;
		} else {
			return false;
		}
		n++;
	}
	*ret_n = n;
	return n == 3 && sep == 0 && !comma;
}

static bool
date_year(const struct date_tok *t, unsigned *ret_year)
{
	unsigned y = t->value;

	if (t->digits == 2)
		y += y <= DATE_YEAR_MAX % 100 ? 2000 : 1900; /* pivot: 26 -> 2026, 27 -> 1927 */
	else if (t->digits != 4)
		return false;
	*ret_year = y;
	return y >= DATE_YEAR_MIN && y <= DATE_YEAR_MAX;
}

static bool
date_ok(unsigned y, unsigned m, unsigned d)
{
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(m, leap);
}

/* Day and month numbers: 1-2 digits each. */
static bool
date_dm_digits(const struct date_tok *a, const struct date_tok *b)
{
	return a->digits >= 1 && a->digits <= 2 && b->digits >= 1 && b->digits <= 2;
}

static bool
date_numeric(const struct date_tok t[3], unsigned *y, unsigned *m, unsigned *d)
{
	unsigned sep = t[1].sep;

	/*
	 * One single separator of one kind, the same both times, no commas; a
	 * blank only in the form typed on phones, "01 02 1950" (two, two and
	 * four digits: "3 4 50" is any three numbers).
	 */
	if (t[1].comma || t[2].comma || sep != t[2].sep ||
	    (sep != SEP_SLASH && sep != SEP_DOT && sep != SEP_HYPHEN &&
	     !(sep == SEP_BLANK && t[0].digits == 2 && t[1].digits == 2 && t[2].digits == 4)))
		return false;
	if (t[0].digits == 4) { /* ISO 8601 yyyy-mm-dd, also yyyy/mm/dd */
		*y = t[0].value;
		*m = t[1].value;
		*d = t[2].value;
		return t[1].digits == 2 && t[2].digits == 2 && *y >= DATE_YEAR_MIN &&
		       *y <= DATE_YEAR_MAX && date_ok(*y, *m, *d);
	}
	if (!date_dm_digits(&t[0], &t[1]) || !date_year(&t[2], y))
		return false;
	*d = t[0].value;
	*m = t[1].value;
	if (date_ok(*y, *m, *d))
		return true;
	/* US order written with slashes (12/31/1961): unambiguous only when day > 12 */
	*d = t[1].value;
	*m = t[0].value;
	return sep == SEP_SLASH && *d > 12 && date_ok(*y, *m, *d);
}

/* Between day, month name and year: blanks ("12 Mar 1961", "12 Mar. 1961", "12 March,
 * 1961"), or the same single hyphen, slash or dot both times ("12-MAR-1961"). */
static bool
date_named_seps(const struct date_tok *a, const struct date_tok *b)
{
	bool blank_a = a->sep == SEP_BLANK,
	     blank_b = b->sep == SEP_BLANK || b->sep == (SEP_BLANK | SEP_DOT);

	if (a->comma)
		return false;
	if (blank_a && blank_b)
		return true;
	return !b->comma && a->sep == b->sep &&
	       (a->sep == SEP_HYPHEN || a->sep == SEP_SLASH || a->sep == SEP_DOT);
}

static bool
date_named(const struct date_tok t[3], unsigned *y, unsigned *m, unsigned *d)
{
	const struct date_tok *day, *year;

	if (t[0].number && !t[1].number && t[2].number) { /* 12 Mar 1961, 12-MAR-1961 */
		day = &t[0];
		*m = t[1].value;
		year = &t[2];
		if (!date_named_seps(&t[1], &t[2]))
			return false;
	} else if (!t[0].number && t[1].number && t[2].number) { /* March 12, 1961 */
		*m = t[0].value;
		day = &t[1];
		year = &t[2];
		if (t[1].comma || (t[1].sep != SEP_BLANK && t[1].sep != (SEP_BLANK | SEP_DOT)) ||
		    t[2].sep != SEP_BLANK)
			return false;
	} else {
		return false;
	}
	if (day->digits > 2 || year->digits < 2 || !date_year(year, y))
		return false;
	*d = day->value;
	return date_ok(*y, *m, *d);
}

static bool
validate_date(const uint8_t *v, size_t len, struct validator_result *r)
{
	struct date_tok t[3];
	unsigned y = 0, m = 0, d = 0;
	size_t n;
	char iso[11];

	result_init(r);
	if (len == 8 && all_digits((const char *)v, 8)) {
		/* compact forms from clinical systems: 19610312 (ISO) or 12031961 (UK order); the
		 * year ranges make the two readings exclusive */
		y = digits_value((const char *)v, 4);
		m = digits_value((const char *)v + 4, 2);
		d = digits_value((const char *)v + 6, 2);
		if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX || !date_ok(y, m, d)) {
			d = digits_value((const char *)v, 2);
			m = digits_value((const char *)v + 2, 2);
			y = digits_value((const char *)v + 4, 4);
			if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX || !date_ok(y, m, d))
				return false;
		}
	} else if (len < 6 || len > 40 || !date_lex(v, len, t, &n) || t[0].sep != 0 || t[0].comma) {
		return false;
	} else if (t[0].number && t[1].number && t[2].number) {
		if (!date_numeric(t, &y, &m, &d))
			return false;
	} else if (!date_named(t, &y, &m, &d)) {
		return false;
	}
	iso[0] = (char)('0' + y / 1000);
	iso[1] = (char)('0' + y / 100 % 10);
	iso[2] = (char)('0' + y / 10 % 10);
	iso[3] = (char)('0' + y % 10);
	iso[4] = '-';
	iso[5] = (char)('0' + m / 10);
	iso[6] = (char)('0' + m % 10);
	iso[7] = '-';
	iso[8] = (char)('0' + d / 10);
	iso[9] = (char)('0' + d % 10);
	iso[10] = '\0';
	result_store(r, iso, 10);
	return true;
}

/* ---- US identifiers ---- */

static bool
validate_us_ssn(const uint8_t *v, size_t len, struct validator_result *r)
{
	static const char *const dummies[] = { "078051120", "219099999", "457555462", "123456789" };
	char s[16];
	size_t n;
	unsigned kind, area;

	result_init(r);
	if (!compact(v, len, SEP_BLANK | SEP_HYPHEN, s, sizeof(s), &n, &kind) || n != 9 ||
	    !all_digits(s, n))
		return false;
	/* separators, if any, exactly at 3-2-4 */
	if (kind != SEP_NONE) {
		unsigned k2;
		size_t w1 = 0, w2 = 0, p1 = 3, p2;

		w1 = sep_at(v, len, p1, &k2);
		p2 = p1 + w1 + 2;
		if (w1 == 0 || p2 >= len)
			return false;
		w2 = sep_at(v, len, p2, &k2);
		if (w2 == 0 || len != p2 + w2 + 4)
			return false;
	}
	area = digits_value(s, 3);
	if (area == 0 || area == 666 || area >= 900 || digits_value(s + 3, 2) == 0 ||
	    digits_value(s + 5, 4) == 0 || is_repdigit(s, n))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(dummies); i++)
		if (strcmp(s, dummies[i]) == 0)
			return false;
	result_store(r, s, n);
	return true;
}

static bool
luhn_ok(const char *d, size_t n, unsigned prefix_sum)
{
	unsigned total = prefix_sum;

	for (size_t i = 0; i < n; i++) {
		unsigned x = (unsigned)(d[n - 1 - i] - '0');

		if (i % 2 == 1) {
			x *= 2;
			if (x > 9)
				x -= 9;
		}
		total += x;
	}
	return total % 10 == 0;
}

static bool
validate_us_npi(const uint8_t *v, size_t len, struct validator_result *r)
{
	char s[16];
	size_t n;

	result_init(r);
	if (!compact(v, len, SEP_BLANK | SEP_HYPHEN, s, sizeof(s), &n, NULL) || n != 10 ||
	    !all_digits(s, n) || (s[0] != '1' && s[0] != '2'))
		return false;
	/* CMS: Luhn over "80840" + NPI, i.e. the constant 24 added to the Luhn sum;
	 * a repeated-digit body (1111111112) is a placeholder, not a provider */
	if (!luhn_ok(s, n, 24) || is_repdigit(s, 9))
		return false;
	result_store(r, s, n);
	return true;
}

static bool
validate_us_mbi(const uint8_t *v, size_t len, struct validator_result *r)
{
	/* C A AN N A AN N A A N N; letters exclude S L O I B Z; position 1 is 1-9 */
	static const char layout[] = "CAMNAMNAANN";
	const char *alpha = "ACDEFGHJKMNPQRTUVWXY";
	char s[16];
	size_t n;

	result_init(r);
	if (!compact(v, len, SEP_HYPHEN | SEP_BLANK, s, sizeof(s), &n, NULL) || n != 11)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool digit = is_digit((uint8_t)s[i]);
		bool letter = is_alpha((uint8_t)s[i]) && strchr(alpha, s[i]) != NULL;

		switch (layout[i]) {
		case 'C':
			if (!digit || s[i] == '0')
				return false;
			break;
		case 'A':
			if (!letter)
				return false;
			break;
		case 'M':
			if (!letter && !digit)
				return false;
			break;
		default:
			if (!digit)
				return false;
			break;
		}
	}
	result_store(r, s, n);
	return true;
}

/* ---- person names ---- */

/*
 * Words that follow a title or forename in ordinary chat but are not surnames:
 * stop words, chat words, numbers, months and days, ward vocabulary, street and building
 * words ("Victoria Road", "Albert Terrace"), clinical abbreviations that chat writes in
 * capitals after a name ("Jane NEWS 5", "Mrs Smith DOB ...", "Mr Jones NOK wife"). Sorted
 * (bsearch).
 * Deliberately absent, because they are common UK surnames: who (Dr Who), may, ward,
 * bell, hall, wood, hill, king, young, white, black, brown, green, long, little, day.
 */
static const char *const name_stop_words[] = {
	"a",         "about",     "above",      "abx",       "ac",         "acp",       "add",
	"admission", "admitted",  "ae",         "after",     "afternoon",  "again",     "against",
	"ago",       "aki",       "all",        "already",   "also",       "am",        "amu",
	"an",        "and",       "anp",        "any",       "anyone",     "anything",  "apr",
	"april",     "are",       "aru",        "as",        "asap",       "ask",       "asked",
	"at",        "aug",       "august",     "ave",       "avenue",     "away",      "back",
	"bad",       "bay",       "bays",       "be",        "because",    "bed",       "beds",
	"been",      "before",    "being",      "below",     "best",       "better",    "between",
	"bleep",     "bleeped",   "block",      "bloods",    "bm",         "bmi",       "book",
	"booked",    "both",      "bp",         "breakfast", "btw",        "building",  "busy",
	"but",       "by",        "bye",        "call",      "called",     "came",      "can",
	"cannot",    "cant",      "ccu",        "cdu",       "center",     "centre",    "chase",
	"chased",    "check",     "checked",    "cheers",    "clear",      "clinic",    "close",
	"cns",       "coffee",    "come",       "coming",    "confirm",    "confirmed", "copd",
	"could",     "cover",     "covering",   "cpn",       "crescent",   "crp",       "ct",
	"cubicle",   "cxr",       "dec",        "december",  "department", "dept",      "did",
	"dinner",    "discharge", "discharged", "division",  "dn",         "dnacpr",    "dnar",
	"dnr",       "do",        "doa",        "dob",       "does",       "doing",     "done",
	"dont",      "down",      "drive",      "drug",      "drugs",      "dtoc",      "during",
	"each",      "early",     "ecg",        "echo",      "ed",         "eight",     "eighteen",
	"eighty",    "either",    "eleven",     "else",      "email",      "emailed",   "empty",
	"eol",       "estate",    "even",       "evening",   "ever",       "every",     "everyone",
	"ews",       "fast",      "fbc",        "feb",       "february",   "feel",      "feeling",
	"few",       "fifteen",   "fifth",      "fifty",     "fine",       "first",     "five",
	"floor",     "follow",    "for",        "forty",     "four",       "fourteen",  "fourth",
	"fri",       "friday",    "from",       "full",      "further",    "fy",        "fyi",
	"garden",    "gardens",   "gave",       "gcs",       "get",        "gets",      "getting",
	"give",      "given",     "go",         "goes",      "going",      "gone",      "good",
	"got",       "gp",        "great",      "grove",     "had",        "handover",  "happy",
	"has",       "have",      "having",     "hb",        "hca",        "hcsw",      "hdu",
	"he",        "hello",     "help",       "her",       "here",       "hers",      "hey",
	"hi",        "him",       "his",        "hospital",  "how",        "hr",        "hundred",
	"i",         "icu",       "id",         "if",        "im",         "in",        "infirmary",
	"inr",       "into",      "is",         "it",        "its",        "itu",       "iv",
	"jan",       "january",   "jul",        "july",      "jun",        "june",      "just",
	"keep",      "kept",      "know",       "lane",      "last",       "late",      "later",
	"let",       "lets",      "level",      "lfts",      "like",       "lol",       "look",
	"looked",    "looks",     "lounge",     "lunch",     "made",       "make",      "many",
	"mar",       "march",     "me",         "meds",      "mffd",       "might",     "mine",
	"minors",    "mob",       "mon",        "monday",    "more",       "morning",   "most",
	"move",      "moved",     "mri",        "mrn",       "much",       "must",      "my",
	"nbm",       "need",      "needed",     "needs",     "never",      "new",       "news",
	"next",      "ng",        "nhs",        "nice",      "night",      "nine",      "nineteen",
	"ninety",    "nino",      "no",         "nok",       "nope",       "nor",       "not",
	"notes",     "nov",       "november",   "now",       "obs",        "oct",       "october",
	"of",        "off",       "office",     "ok",        "okay",       "on",        "once",
	"one",       "only",      "ooh",        "or",        "order",      "ot",        "other",
	"our",       "ours",      "out",        "over",      "own",        "paid",      "pain",
	"pals",      "pass",      "patient",    "patients",  "period",     "phone",     "physio",
	"place",     "please",    "pls",        "plz",       "pm",         "poc",       "pop",
	"practice",  "pt",        "pts",        "put",       "quick",      "rang",      "rd",
	"ready",     "ref",       "referral",   "referred",  "results",    "resus",     "review",
	"reviewed",  "right",     "ring",       "rip",       "rn",         "road",      "room",
	"rota",      "round",     "rounds",     "rr",        "said",       "salt",      "same",
	"sat",       "sats",      "saturday",   "saw",       "say",        "says",      "second",
	"see",       "seen",      "send",       "sent",      "sep",        "sept",      "september",
	"seven",     "seventeen", "seventy",    "shall",     "she",        "shift",     "sho",
	"should",    "side",      "six",        "sixteen",   "sixty",      "slt",       "sn",
	"so",        "some",      "soon",       "sorry",     "sort",       "sorted",    "speak",
	"spo",       "spoke",     "spr",        "square",    "st",         "station",   "still",
	"stop",      "street",    "sun",        "sunday",    "sure",       "surgery",   "sw",
	"swap",      "take",      "taken",      "tea",       "team",       "tel",       "tell",
	"temp",      "ten",       "terrace",    "text",      "texted",     "than",      "thank",
	"thanks",    "that",      "the",        "their",     "them",       "then",      "there",
	"these",     "they",      "think",      "third",     "thirteen",   "thirty",    "this",
	"those",     "three",     "through",    "thu",       "thur",       "thurs",     "thursday",
	"thx",       "to",        "today",      "told",      "tomorrow",   "tonight",   "too",
	"took",      "transfer",  "try",        "trying",    "tta",        "tto",       "ttos",
	"tue",       "tues",      "tuesday",    "twelve",    "twenty",     "two",       "ue",
	"under",     "until",     "up",         "update",    "updated",    "upon",      "urn",
	"us",        "use",       "used",       "uti",       "very",       "view",      "was",
	"way",       "we",        "wed",        "wednesday", "well",       "were",      "what",
	"when",      "where",     "which",      "while",     "why",        "will",      "wing",
	"with",      "work",      "would",      "write",     "wynd",       "xray",      "yeah",
	"yep",       "yes",       "yesterday",  "yet",       "you",        "your",      "yours",
};

static bool
name_is_stop_word(const uint8_t *w, size_t n)
{
	char low[16];
	const char *key = low;

	if (n >= sizeof(low))
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)ascii_lower(w[i]);
	low[n] = '\0';
	return bsearch(&key, name_stop_words, ARRAY_SIZE(name_stop_words),
	               sizeof(name_stop_words[0]), cmp_str) != NULL;
}

/*
 * Ward abbreviations that are also names when capitalised ("Mrs Hill CHI
 * 0101501234", but "Wong Chi", "Edd", "Reg"): not a surname only in capitals.
 */
static bool
name_is_capital_abbreviation(const uint8_t *w, size_t n)
{
	static const char *const abbreviations[] = { "CHI", "DOD", "EDD", "LOS", "NI", "REG" };

	for (size_t i = 0; i < n; i++)
		if (w[i] < 'A' || w[i] > 'Z')
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(abbreviations); i++)
		if (strlen(abbreviations[i]) == n && memcmp(w, abbreviations[i], n) == 0)
			return true;
	return false;
}

static bool
name_sep(const uint8_t *v, size_t len, size_t i, size_t *ret_w)
{
	unsigned kind;
	size_t w = sep_at(v, len, i, &kind);

	*ret_w = w;
	return w > 0 && kind == SEP_BLANK;
}

/* A surname token: letters (ASCII or UTF-8), with inner apostrophes or hyphens
 * (O'Brien, Smith-Jones), no digits, at least two letters. */
static bool
name_surname_ok(const uint8_t *w, size_t n)
{
	size_t letters = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_alpha(w[i]) || w[i] >= 0x80)
			letters++;
		else if ((w[i] == '\'' || w[i] == '-') && i > 0 && i + 1 < n)
			continue;
		else
			return false;
	}
	return letters >= 2;
}

/* A title ("Mr", "mrs.", "Sister"): after one, a lower-case surname is still a name
 * (chat is typed in lower case); after a forename it is not ("Will check"). */
static bool
name_is_title(const uint8_t *w, size_t n)
{
	static const char *const titles[] = { "dame", "dr",  "lady", "lord",   "master", "miss",
		                              "mr",   "mrs", "ms",   "mstr",   "mx",     "nurse",
		                              "prof", "rev", "sir",  "sister", "sr" };

	if (n > 0 && w[n - 1] == '.')
		n--;
	return n > 0 && ascii_word_in_list(w, n, titles, ARRAY_SIZE(titles));
}

static bool
validate_person_name(const uint8_t *v, size_t len, struct validator_result *r)
{
	char norm[256];
	size_t s = 0, e = len, first = 0, first_len = 0, last = 0, tokens = 0, n = 0, w;

	result_init(r);
	while (s < e && (name_sep(v, len, s, &w) || v[s] == ','))
		s += w > 0 ? w : 1;
	while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == ',' ||
	                 v[e - 1] == '.' || v[e - 1] == 0xA0)) {
		e--;
		if (v[e] == 0xA0 && e > s && v[e - 1] == 0xC2)
			e--;
	}
	if (e - s > 128)
		return false;
	for (size_t i = s; i < e;) {
		if (name_sep(v, e, i, &w)) {
			i += w;
			continue;
		}
		last = i;
		tokens++;
		while (i < e && !name_sep(v, e, i, &w))
			norm[n++] = (char)ascii_upper(v[i++]);
		if (tokens == 1)
			first_len = i - (first = last);
	}
	if (tokens < 2)
		return false;
	/* "SMITH, Jane" (surname first, as clinical systems print it): judge the first token */
	if (first_len > 1 && v[first + first_len - 1] == ',') {
		last = first;
		e = first + first_len - 1;
		if (v[last] >= 'a' && v[last] <= 'z')
			return false;
	}
	/* the candidate is "<title or forename> <Surname>": judge the last token */
	if (!name_surname_ok(v + last, e - last) || name_is_stop_word(v + last, e - last) ||
	    name_is_capital_abbreviation(v + last, e - last))
		return false;
	/* without a title the surname is capitalised (ASCII capital or a UTF-8 letter) */
	if (!name_is_title(v + first, first_len) && v[last] >= 'a' && v[last] <= 'z')
		return false;
	result_store(r, norm, n);
	return true;
}

/* What forms and API examples fill a name field with. */
static bool
name_is_placeholder(const uint8_t *w, size_t n)
{
	static const char *const placeholders[] = {
		"anon",    "anonymous", "example",   "lastname",  "na",       "name",   "nil",
		"none",    "not given", "not known", "null",      "redacted", "sample", "string",
		"surname", "test",      "unknown",   "undefined", "withheld", "xxx",
	};

	return ascii_word_in_list(w, n, placeholders, ARRAY_SIZE(placeholders));
}

/* A particle between the words of a full name ("Ana de Silva", "Jan van der Berg"). */
static bool
name_is_particle(const uint8_t *w, size_t n)
{
	static const char *const particles[] = { "al",  "ap",  "bin", "da",  "das", "de",
		                                 "del", "den", "der", "des", "di",  "dos",
		                                 "du",  "el",  "la",  "le",  "van", "von" };

	return ascii_word_in_list(w, n, particles, ARRAY_SIZE(particles));
}

/*
 * A full name after a label that says whose it is ("Patient name:
 * Zephyrine Hill", "patientName": "Ana de Silva"). The value runs on over
 * the words after it, so the name is the capitalised words it starts with
 * (a particle in lower case between two of them), up to four, ending before
 * an abbreviation or a word that is no surname ("Hill DOB ...", "Hill was
 * admitted"): at least two words, none a placeholder ("Test Patient").
 */
static bool
validate_full_name(const uint8_t *v, size_t len, struct validator_result *r)
{
	char norm[48];
	size_t i = 0, end = 0, words = 0;

	result_init(r);
	while (i < len && words < 4) {
		size_t s = i, n;
		bool capital;

		while (i < len && v[i] != ' ')
			i++;
		n = i - s;
		capital = (v[s] >= 'A' && v[s] <= 'Z') || v[s] >= 0xc0;
		/* the first word is a forename: June, May and Will are names there */
		if (n == 0 || !name_surname_ok(v + s, n) || name_is_placeholder(v + s, n) ||
		    (capital && words > 0 &&
		     (name_is_stop_word(v + s, n) || name_is_capital_abbreviation(v + s, n))) ||
		    (!capital && (words == 0 || !name_is_particle(v + s, n))))
			break;
		if (capital) {
			words++;
			end = i;
		}
		i++; /* the blank */
	}
	if (words < 2 || end >= sizeof(norm))
		return false;
	for (size_t k = 0; k < end; k++)
		norm[k] = (char)ascii_upper(v[k]);
	result_store(r, norm, end);
	r->keep = end;
	return true;
}

/*
 * A surname on its own, where a field's label says it is one ("lastName":
 * "Smith", "Surname: O'BRIEN"): one to four words of name bytes joined by
 * single spaces ("Ó Súilleabháin", "van der Berg"), the last capitalised
 * (an ASCII capital or a UTF-8 letter, as in the full-name check) and not
 * a stop word, the whole not a placeholder that forms and API examples
 * fill in.
 */
static bool
validate_surname(const uint8_t *v, size_t len, struct validator_result *r)
{
	char norm[48];
	size_t start = 0, words = 0;

	result_init(r);
	if (len == 0 || len >= sizeof(norm))
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && v[i] != ' ')
			continue;
		if (!name_surname_ok(v + start, i - start) || ++words > 4)
			return false;
		if (i < len)
			start = i + 1;
	}
	if (name_is_stop_word(v + start, len - start) || (v[start] >= 'a' && v[start] <= 'z') ||
	    name_is_placeholder(v, len))
		return false;
	for (size_t i = 0; i < len; i++)
		norm[i] = (char)ascii_upper(v[i]);
	result_store(r, norm, len);
	return true;
}

/* ---- checksum identifiers outside the clinical set (HR/finance, US prescribers) ---- */

static bool
validate_uk_utr(const uint8_t *v, size_t len, struct validator_result *r)
{
	/* python-stdnum gb/utr: the FIRST digit checks digits 2-10, weights 6,7,8,9,10,5,4,3,2 */
	static const unsigned weights[9] = { 6, 7, 8, 9, 10, 5, 4, 3, 2 };
	char s[16];
	size_t n, off = 0;
	unsigned total = 0;

	result_init(r);
	if (!compact(v, len, SEP_BLANK, s, sizeof(s), &n, NULL))
		return false;
	/* HMRC shows it with an optional K before or after */
	if (n == 11 && s[0] == 'K')
		off = 1;
	else if (n == 11 && s[10] == 'K')
		n--;
	if (n - off != 10 || !all_digits(s + off, 10) || is_repdigit(s + off, 10))
		return false;
	for (size_t i = 0; i < 9; i++)
		total += (unsigned)(s[off + 1 + i] - '0') * weights[i];
	if (s[off] != "21987654321"[total % 11])
		return false;
	result_store(r, s + off, 10);
	return true;
}

static bool
validate_us_dea(const uint8_t *v, size_t len, struct validator_result *r)
{
	char s[16];
	size_t n;
	unsigned d[7];

	result_init(r);
	if (!compact(v, len, 0, s, sizeof(s), &n, NULL) || n != 9 ||
	    strchr("ABCDEFGHJKLMPRSTUX", s[0]) == NULL || s[0] == '\0' ||
	    (!is_alpha((uint8_t)s[1]) && s[1] != '9') || !all_digits(s + 2, 7))
		return false;
	for (size_t i = 0; i < 7; i++)
		d[i] = (unsigned)(s[2 + i] - '0');
	if ((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 != d[6])
		return false;
	result_store(r, s, n);
	return true;
}

/* ---- the table ---- */

static const struct validator validators[] = {
	{ "chi_number", validate_chi_number },
	{ "date", validate_date },
	{ "email", validate_email },
	{ "hc_number", validate_hc_number },
	{ "nhs_number", validate_nhs_number },
	{ "nino", validate_nino },
	{ "person_name", validate_person_name },
	{ "surname", validate_surname },
	{ "full_name", validate_full_name },
	{ "uk_phone", validate_uk_phone },
	{ "uk_postcode", validate_uk_postcode },
	{ "uk_utr", validate_uk_utr },
	{ "us_dea", validate_us_dea },
	{ "us_mbi", validate_us_mbi },
	{ "us_npi", validate_us_npi },
	{ "us_ssn", validate_us_ssn },
};

const struct validator *
validator_lookup(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(validators); i++)
		if (strcmp(validators[i].name, name) == 0)
			return &validators[i];
	return NULL;
}

const struct validator *
validator_table(size_t *ret_count)
{
	*ret_count = ARRAY_SIZE(validators);
	return validators;
}
