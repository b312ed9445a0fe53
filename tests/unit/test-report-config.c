/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report_config_parse: the report and spool sections of agent.yaml, with file:line:column. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "tap.h"

static yaml_node_t *
get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static int
parse(const char *text, struct report_config *c, struct phiguard_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int r;

	report_config_defaults(c);
	memset(err, 0, sizeof(*err));
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_parser_delete(&parser);
		return -EBADMSG;
	}
	root = yaml_document_get_root_node(&doc);
	r = report_config_parse(c, &doc, get(&doc, root, "report"), get(&doc, root, "spool"),
	                        "agent.yaml", err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

int
main(void)
{
	struct report_config c;
	struct phiguard_error err;

	report_config_defaults(&c);
	tap_ok(!c.collector.enabled && c.spool_max_bytes == 268435456 &&
	               c.fsync == REPORT_FSYNC_BATCH && c.heartbeat_interval == 60 &&
	               c.collector.port == 2514,
	       "defaults as documented");
	tap_eq_int(parse("spool:\n"
	                 "  directory: /var/spool/x\n"
	                 "  max_bytes: 1048576\n"
	                 "  fsync: always\n"
	                 "report:\n"
	                 "  stdout: never\n"
	                 "  stdout_format: json\n"
	                 "  heartbeat_interval: 30\n"
	                 "  collector:\n"
	                 "    transport: syslog-tls\n"
	                 "    address: collector.example.nhs.uk\n"
	                 "    port: 6514\n"
	                 "    server_name: siem.example.nhs.uk\n"
	                 "    ca: /ca.pem\n"
	                 "    cert: /c.pem\n"
	                 "    key: /c.key\n"
	                 "    format: cef\n",
	                 &c, &err),
	           0, "full example parses");
	tap_ok(strcmp(c.spool_directory, "/var/spool/x") == 0 && c.spool_max_bytes == 1048576 &&
	               c.fsync == REPORT_FSYNC_ALWAYS && c.stdout_mode == REPORT_STDOUT_NEVER &&
	               c.stdout_format == REPORT_STDOUT_JSON && c.heartbeat_interval == 30,
	       "spool and report values");
	tap_ok(c.collector.enabled && c.collector.transport == REPORT_TRANSPORT_SYSLOG_TLS &&
	               c.collector.port == 6514 && c.collector.format == REPORT_FORMAT_CEF &&
	               strcmp(c.collector.server_name, "siem.example.nhs.uk") == 0 &&
	               strcmp(c.collector.key, "/c.key") == 0,
	       "collector values");

	tap_eq_int(parse("report:\n  stdout: auto\n  colector:\n    address: x\n", &c, &err),
	           -EINVAL, "unknown key rejected");
	tap_ok(err.line == 3 && err.column == 3 && strstr(err.msg, "'colector'") != NULL &&
	               strcmp(err.file, "agent.yaml") == 0,
	       "error at agent.yaml:3:3: %s", err.msg);
	tap_eq_int(parse("report:\n  collector:\n    address: x\n    port: 70000\n", &c, &err),
	           -EINVAL, "port out of range");
	tap_ok(err.line == 4 && err.column == 11, "port error at 4:11 (%u:%u)", err.line,
	       err.column);
	tap_eq_int(parse("spool:\n  fsync: sometimes\n", &c, &err), -EINVAL, "bad fsync");
	tap_eq_int(parse("spool:\n  max_bytes: 1000\n", &c, &err), -EINVAL, "tiny spool refused");
	tap_eq_int(parse("spool:\n  max_bytes: 12abc\n", &c, &err), -EINVAL, "not a number");
	tap_eq_int(parse("report:\n  collector:\n    port: 6514\n", &c, &err), -EINVAL,
	           "collector without address");
	tap_eq_int(parse("report:\n  collector:\n    address: x\n    transport: https\n"
	                 "    token_file: /etc/phiguard/hec.token\n    port: 8088\n",
	                 &c, &err),
	           0, "https transport with a token file");
	tap_ok(c.collector.transport == REPORT_TRANSPORT_HTTPS &&
	               strcmp(c.collector.path, "/services/collector/event") == 0 &&
	               strcmp(c.collector.token_file, "/etc/phiguard/hec.token") == 0,
	       "https: default HEC path, token file");
	tap_eq_int(parse("report:\n  collector:\n    address: x\n    path: no-slash\n", &c, &err),
	           -EINVAL, "https: a path must start with /");
	tap_eq_int(parse("report: [1, 2]\n", &c, &err), -EINVAL, "report must be a mapping");
	tap_eq_int(parse("report:\n  stdout: [a]\n", &c, &err), -EINVAL, "scalar expected");
	tap_eq_int(parse("report:\nspool:\n", &c, &err), 0, "empty sections are fine");
	return tap_done();
}
