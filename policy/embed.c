/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build-time helper: turn a text file into a C array, so the default policy
 * and the app catalogue travel inside the binary (no file to lose).
 * usage: embed SYMBOL INPUT OUTPUT
 */
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	FILE *in, *out;
	size_t n = 0;
	int ch;

	if (argc != 4) {
		fprintf(stderr, "usage: embed SYMBOL INPUT OUTPUT\n");
		return 2;
	}
	in = fopen(argv[2], "rb");
	out = fopen(argv[3], "w");
	if (in == NULL || out == NULL) {
		perror("embed");
		return 1;
	}
	fprintf(out, "/* generated from %s: do not edit */\n#include <stddef.h>\n", argv[2]);
	fprintf(out, "extern const char %s[];\nextern const size_t %s_len;\n", argv[1], argv[1]);
	fprintf(out, "const char %s[] = {", argv[1]);
	while ((ch = fgetc(in)) != EOF) {
		fprintf(out, "%s0x%02x,", n % 16 ? "" : "\n\t", (unsigned)ch);
		n++;
	}
	fprintf(out, "\n\t0x00\n};\nconst size_t %s_len = %zu;\n", argv[1], n);
	if (ferror(in) || fclose(out) != 0) {
		perror("embed");
		return 1;
	}
	fclose(in);
	return 0;
}
