/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "control/control.h"
#include "tap.h"

int
main(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	control_put(out, "policy.version", "%s", "v1\nEVIL");
	fclose(out);
	tap_ok(!strcmp(buf, "policy.version v1 EVIL\n"), "one line per key, newlines flattened");
	free(buf);

	out = open_memstream(&buf, &len);
	control_lines_to_json("a.b 12\nname x \"y\"\nflag true\nempty\n", out);
	fclose(out);
	if (!tap_ok(!strcmp(buf, "{\n  \"a.b\": 12,\n  \"name\": \"x \\\"y\\\"\",\n  \"flag\": "
	                         "true,\n  \"empty\": \"\"\n}\n"),
	            "lines become one JSON object"))
		tap_diag("got %s", buf);
	free(buf);
	return tap_done();
}
