/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stages after flow tracking: classify the destination from the first
 * client bytes, ask the policy, run the matcher over the content of flows the
 * policy wants inspected, and raise the verdict as findings arrive.
 */
#include "pipeline/pipeline-internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "classify/classify.h"
#include "content/archive.h"
#include "content/inflate.h"
#include "content/mime.h"
#include "content/websocket.h"
#include "policy/policy.h"

static void
copy_str(char *dst, size_t size, const char *src)
{
	if (src == NULL)
		src = "";
	snprintf(dst, size, "%s", src);
}

static void
findings_reset(struct pflow *pf)
{
	free(pf->finding_count);
	free(pf->finding_level);
	pf->finding_count = NULL;
	pf->finding_level = NULL;
	pf->n_detectors = 0;
}

/* The content decoders a flow holds, gone: its content is no longer read. */
static void
decoders_free(struct pflow *pf)
{
	inflater_free(pf->inflate);
	pf->inflate = NULL;
	mime_decoder_free(pf->mime);
	pf->mime = NULL;
	if (pf->archive != NULL)
		archive_release(pf->archive, NULL);
	free(pf->archive);
	pf->archive = NULL;
	ws_decoder_free(pf->ws);
	pf->ws = NULL;
	free(pf->spans);
	pf->spans = NULL;
}

/* The flow's content still goes to the matcher: a stream is open and nothing blocked it. */
static bool
reading(const struct pflow *pf)
{
	return pf->stream != NULL && pf->verdict != PHIGUARD_VERDICT_BLOCK;
}

void
pflow_free(void *state)
{
	struct pflow *pf = state;

	if (pf == NULL)
		return;
	/* Streams are closed in pipeline_flow_closing, which has the scratch. */
	decoders_free(pf);
	free(pf->prefix);
	free(pf->exe);
	classify_quic_state_free(pf->quic);
	findings_reset(pf);
	free(pf->findings);
	free(pf);
}

static void
dns_answer(const char *name, int family, const uint8_t *addr, uint32_t ttl, void *ctx)
{
	struct pipeline *p = ctx;

	classify_dns_cache_insert(p->dns, family, addr, name, p->now_us + (int64_t)ttl * 1000000);
}

static void
dns_response(struct pipeline *p, const struct decode_view *v)
{
	if (v->ip_proto == IPPROTO_UDP && v->src_port == 53)
		(void)classify_dns_response(v->payload, v->payload_len, dns_answer, p);
}

void
pipeline_dns_observed(struct pipeline *p, const uint8_t *l3, size_t len, int64_t ts_us)
{
	struct decode_view v;

	if (ts_us > p->now_us)
		p->now_us = ts_us;
	if (decode_packet(l3, len, &v) == 0)
		dns_response(p, &v);
}

/* ---- findings ---- */

static struct phiguard_event_finding *
event_finding(struct pflow *pf, const char *detector)
{
	struct phiguard_event_finding *ef;

	if (pf->findings == NULL) {
		pf->findings = calloc(PHIGUARD_EVENT_MAX_FINDINGS, sizeof(*pf->findings));
		if (pf->findings == NULL)
			return NULL;
	}
	for (uint32_t i = 0; i < pf->n_findings; i++)
		if (strcmp(pf->findings[i].detector, detector) == 0)
			return &pf->findings[i];
	if (pf->n_findings >= PHIGUARD_EVENT_MAX_FINDINGS)
		return NULL;
	ef = &pf->findings[pf->n_findings++];
	copy_str(ef->detector, sizeof(ef->detector), detector);
	return ef;
}

static void
add_unique(char list[][PHIGUARD_SAMPLE_MAX], uint32_t *n, size_t width, const char *s)
{
	if (s[0] == '\0' || *n >= PHIGUARD_EVENT_MAX_SAMPLES)
		return;
	for (uint32_t i = 0; i < *n; i++)
		if (strncmp(list[i], s, width) == 0)
			return;
	snprintf(list[*n], width, "%s", s);
	(*n)++;
}

/* The codings undone to read the stream's byte at @offset. */
static uint32_t
coding_at(const struct pflow *pf, uint64_t offset)
{
	const struct coding_spans *cs = pf->spans;
	uint32_t oldest;

	if (cs == NULL || cs->n == 0)
		return 0;
	oldest = cs->n > PIPELINE_CODING_SPANS ? cs->n - PIPELINE_CODING_SPANS : 0;
	for (uint32_t i = cs->n; i-- > oldest;)
		if (cs->from[i % PIPELINE_CODING_SPANS] <= offset)
			return cs->coding[i % PIPELINE_CODING_SPANS];
	/* before the first change: as sent; before the oldest kept: as near as known */
	return oldest == 0 ? 0 : cs->coding[oldest % PIPELINE_CODING_SPANS];
}

/* The stream's next bytes come with @coding undone: kept when it changes. */
static void
coding_note(struct pipeline *p, struct pflow *pf, uint32_t coding)
{
	struct coding_spans *cs = pf->spans;
	uint32_t last =
	        cs != NULL && cs->n > 0 ? cs->coding[(cs->n - 1) % PIPELINE_CODING_SPANS] : 0;

	if (coding == last)
		return;
	if (cs == NULL) {
		/* Only flows with decoded content pay for the record. */
		cs = pf->spans = calloc(1, sizeof(*pf->spans));
		if (cs == NULL) {
			p->counters.alloc_failures++;
			return;
		}
	}
	cs->from[cs->n % PIPELINE_CODING_SPANS] = pf->stream_len;
	cs->coding[cs->n % PIPELINE_CODING_SPANS] = coding;
	cs->n++;
}

/* A new stream (the next message): its offsets start again. */
static void
coding_restart(struct pflow *pf)
{
	pf->stream_len = 0;
	if (pf->spans != NULL)
		pf->spans->n = 0;
}

static int
on_finding(const struct phiguard_finding *fd, void *ctx)
{
	struct pflow *pf = ctx;
	struct phiguard_event_finding *ef;

	if (fd->detector_index < pf->n_detectors) {
		pf->finding_count[fd->detector_index]++;
		if (fd->confidence > pf->finding_level[fd->detector_index])
			pf->finding_level[fd->detector_index] = fd->confidence;
	}
	ef = event_finding(pf, fd->detector);
	if (ef == NULL)
		return 0;
	ef->count++;
	ef->decoded |= coding_at(pf, fd->start);
	if (fd->confidence > ef->confidence)
		ef->confidence = fd->confidence;
	add_unique(ef->samples, &ef->n_samples, PHIGUARD_SAMPLE_MAX, fd->sample);
	if (fd->token[0] != '\0' && ef->n_tokens < PHIGUARD_EVENT_MAX_SAMPLES) {
		bool seen = false;

		for (uint32_t i = 0; i < ef->n_tokens; i++)
			seen |= strcmp(ef->tokens[i], fd->token) == 0;
		if (!seen)
			copy_str(ef->tokens[ef->n_tokens++], PHIGUARD_TOKEN_MAX, fd->token);
	}
	return 0;
}

static uint32_t
findings_total(const struct pflow *pf)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < pf->n_findings; i++)
		n += pf->findings[i].count;
	return n;
}

/* ---- decisions ---- */

static void
facts_fill(struct pipeline *p, const struct flow *f, const struct pflow *pf,
           struct policy_flow_facts *facts)
{
	const struct pipeline_ident *id = NULL;

	memset(facts, 0, sizeof(*facts));
	facts->dest.domain = pf->domain[0] != '\0' ? pf->domain : NULL;
	facts->dest.family = f->key.family == 6 ? AF_INET6 : AF_INET;
	memcpy(facts->dest.addr, f->server_addr, sizeof(facts->dest.addr));
	facts->dest.port = f->server_port;
	facts->dest.ip_proto = f->key.ip_proto;
	facts->dest.fingerprint = pf->fingerprint[0] != '\0' ? pf->fingerprint : NULL;
	facts->app.app = pf->app[0] != '\0' ? pf->app : NULL;
	facts->app.category = pf->category[0] != '\0' ? pf->category : NULL;
	facts->protocol = pf->protocol[0] != '\0' ? pf->protocol : NULL;
	facts->cleartext = pf->cleartext;
	facts->ech = pf->ech;
	facts->outbound = pf->outbound;
	facts->bytes_out = f->bytes[FLOW_DIR_TO_SERVER];
	facts->has_uid = pf->has_uid;
	facts->uid = pf->uid;
	facts->gid = pf->gid;
	if (pf->has_uid)
		id = pipeline_ident_get(p, pf->uid, pf->gid);
	if (id != NULL) {
		facts->user_name = id->user[0] != '\0' ? id->user : NULL;
		facts->group_name = id->group[0] != '\0' ? id->group : NULL;
		facts->groups = id->groups;
		facts->n_groups = id->n_groups;
	}
	facts->executable = pf->exe;
	facts->n_detectors = pf->n_detectors;
	facts->finding_count = pf->finding_count;
	facts->finding_level = pf->finding_level;
}

void
pipeline_flow_key_of(const struct flow *f, bool outbound, struct pipeline_flow_key *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = f->key.family == 6 ? AF_INET6 : AF_INET;
	ret->ip_proto = f->key.ip_proto;
	ret->outbound = outbound;
	memcpy(ret->client_addr, f->client_addr, sizeof(ret->client_addr));
	memcpy(ret->server_addr, f->server_addr, sizeof(ret->server_addr));
	ret->client_port = f->client_port;
	ret->server_port = f->server_port;
}

/* A process rule needs the owner before the first decision; nothing else waits on /proc. */
static void
resolve_process(struct pipeline *p, const struct flow *f, struct pflow *pf)
{
	struct pipeline_flow_key key;
	char exe[256] = "";
	int64_t pid = -1;

	if (pf->process_tried || p->cfg.resolve_process == NULL || !policy_wants_process(p->policy))
		return;
	pf->process_tried = true;
	pipeline_flow_key_of(f, pf->outbound, &key);
	if (p->cfg.resolve_process(p->cfg.resolve_ctx, &key, exe, sizeof(exe), &pid) < 0)
		return;
	pf->pid = pid;
	exe[sizeof(exe) - 1] = '\0';
	if (exe[0] != '\0') {
		pf->exe = strdup(exe);
		if (pf->exe == NULL)
			p->counters.alloc_failures++;
	}
}

/* Ask the policy again; the verdict only ever rises within a flow. */
static void
evaluate(struct pipeline *p, const struct flow *f, struct pflow *pf)
{
	struct policy_flow_facts facts;
	struct policy_decision d;

	facts_fill(p, f, pf, &facts);
	policy_decide(p->policy, &facts, &d);
	pf->final = d.final;
	/* An allow names its rule too (flow records, policy test cases). */
	if (d.verdict == pf->verdict && pf->rule_name[0] == '\0' && d.rule_name != NULL) {
		copy_str(pf->rule_name, sizeof(pf->rule_name), d.rule_name);
		pf->severity = d.severity;
	}
	if (d.verdict <= pf->verdict)
		return;
	pf->verdict = d.verdict;
	copy_str(pf->rule_name, sizeof(pf->rule_name), d.rule_name);
	pf->severity = d.severity;
	pf->late_block = d.verdict == PHIGUARD_VERDICT_BLOCK && pf->ending;
	if (d.verdict == PHIGUARD_VERDICT_BLOCK && !pf->late_block)
		p->counters.flows_blocked++;
	else if (d.verdict != PHIGUARD_VERDICT_ALLOW)
		p->counters.flows_flagged++;
	if (pf->verdict > pf->emitted) {
		pipeline_emit_alert(p, f, pf);
		pf->emitted = pf->verdict;
	}
}

static int
discard_finding(const struct phiguard_finding *finding, void *ctx)
{
	(void)finding;
	(void)ctx;
	return 1; /* stop: nothing more is wanted from this stream */
}

/*
 * A final verdict (no rule left that more content could fire) makes the
 * rest of the flow's bytes useless to scan: the kernel carries it from here.
 */
static void
inspect_stop(struct pipeline *p, struct pflow *pf)
{
	(void)phiguard_stream_close(pf->stream, p->scratch, discard_finding, NULL);
	pf->stream = NULL;
	decoders_free(pf);
	pf->inspect = false;
	p->counters.flows_bypassed++;
}

/*
 * Bytes of the current message's text through the matcher, with @coding
 * undone to read them; the verdict follows what it finds.
 */
static void
match(struct pipeline *p, const struct flow *f, struct pflow *pf, const uint8_t *data, size_t len,
      uint32_t coding)
{
	uint32_t before = findings_total(pf);

	coding_note(p, pf, coding);
	if (phiguard_stream_feed(pf->stream, p->scratch, data, len, on_finding, pf) < 0)
		p->counters.match_errors++;
	pf->stream_len += len;
	pf->scanned += len;
	p->counters.bytes_scanned += len;
	if (findings_total(pf) != before)
		evaluate(p, f, pf);
}

struct decoded {
	struct pipeline *p;
	const struct flow *f;
	struct pflow *pf;
	uint32_t coding; /* what its decoder undoes (PHIGUARD_DECODED_*) */
};

/* The text of the zip entry or gzip file being read (its name is not kept: it may be PHI). */
static bool
on_entry_text(const uint8_t *data, size_t len, void *ctx)
{
	struct decoded *x = ctx;
	uint32_t entry = x->pf->archive->kind == ARCHIVE_KIND_GZIP ? PHIGUARD_DECODED_GZIP
	                                                           : PHIGUARD_DECODED_ZIP;

	match(x->p, x->f, x->pf, data, len, x->coding | entry);
	return reading(x->pf);
}

/*
 * The message's bytes, as sent or decoded: the matcher reads them, and the
 * text of any zip entry or gzip file in them (a .docx, an .xlsx, a .csv.gz,
 * in a form upload or a mail attachment) after them.
 */
static void
scan(struct pipeline *p, const struct flow *f, struct pflow *pf, const uint8_t *data, size_t len,
     uint32_t coding)
{
	struct decoded x = { p, f, pf, coding };
	const struct archive_sink sink = {
		.live = &p->inflate_live,
		.live_max = PIPELINE_INFLATE_MAX,
		.zip_entries = &p->counters.zip_entries_decoded,
		.gzip_files = &p->counters.gzip_files_decoded,
		.out = on_entry_text,
		.ctx = &x,
	};

	match(p, f, pf, data, len, coding);
	if (!reading(pf))
		return;
	/* Only flows whose content is read pay for the search's state. */
	if (pf->archive == NULL)
		pf->archive = calloc(1, sizeof(*pf->archive));
	if (pf->archive == NULL)
		p->counters.alloc_failures++;
	else
		(void)archive_feed(pf->archive, data, len, &sink);
}

static bool
on_decoded(const uint8_t *data, size_t len, void *ctx)
{
	struct decoded *x = ctx;

	scan(x->p, x->f, x->pf, data, len, x->coding);
	return reading(x->pf);
}

/* A mail's text: what its MIME decoder decoded, or headers and plain parts as sent. */
static bool
on_mail_text(const uint8_t *data, size_t len, void *ctx)
{
	struct decoded *x = ctx;

	x->coding = mime_decoder_in_coded_part(x->pf->mime) ? PHIGUARD_DECODED_MIME : 0;
	return on_decoded(data, len, ctx);
}

/* The rest of this body is read as sent. */
static void
body_not_decoded(struct pipeline *p, struct pflow *pf)
{
	inflater_free(pf->inflate);
	pf->inflate = NULL;
	pf->body_raw = true;
	p->counters.bodies_not_decoded++;
}

/*
 * Body bytes in a Content-Encoding: the matcher reads them decoded, as the
 * server's application will. A body that cannot be decoded (another coding
 * such as br, corrupt data, past the bounds, too many at once) is counted
 * and read as sent: many servers hand a request body to the application
 * without decoding it, so a label alone must not hide plain text.
 */
static void
scan_coded(struct pipeline *p, const struct flow *f, struct pflow *pf, const uint8_t *data,
           size_t len)
{
	struct decoded x = { p, f, pf, PHIGUARD_DECODED_CONTENT_ENCODING };
	enum inflate_status st;

	if (!pf->body_raw && pf->inflate == NULL) {
		if (p->inflate_live < PIPELINE_INFLATE_MAX && pf->msg.coding != HTTP_CODING_OTHER)
			pf->inflate = inflater_new(
			        pf->msg.coding == HTTP_CODING_GZIP ? INFLATE_GZIP : INFLATE_DEFLATE,
			        &p->inflate_live);
		if (pf->inflate == NULL)
			body_not_decoded(p, pf);
		else
			p->counters.bodies_decoded++;
	}
	if (pf->inflate != NULL) {
		st = inflater_feed(pf->inflate, data, len, on_decoded, &x, NULL);
		/* after the coded stream's end, nothing is the body's text */
		if (st == INFLATE_OK || st == INFLATE_STOP || st == INFLATE_END)
			return;
		body_not_decoded(p, pf);
	}
	scan(p, f, pf, data, len, 0);
}

/*
 * A mail's data: the matcher reads its text as the reader will, base64
 * and quoted-printable parts decoded (an attached CSV of patients is
 * base64 on the wire). Without memory for a decoder it is read as sent.
 */
static void
scan_mail(struct pipeline *p, const struct flow *f, struct pflow *pf, const uint8_t *data,
          size_t len)
{
	struct decoded x = { p, f, pf, 0 };

	if (pf->mime == NULL)
		pf->mime = mime_decoder_new(&p->counters.mail_parts_decoded);
	if (pf->mime == NULL) {
		p->counters.alloc_failures++;
		scan(p, f, pf, data, len, 0);
		return;
	}
	(void)mime_decoder_feed(pf->mime, data, len, on_mail_text, &x);
}

/* The mail's data is over: its last line goes to the matcher, the decoder away. */
static void
mail_done(struct pipeline *p, const struct flow *f, struct pflow *pf)
{
	struct decoded x = { p, f, pf, 0 };

	if (pf->mime == NULL)
		return;
	if (pf->stream != NULL)
		(void)mime_decoder_end(pf->mime, on_mail_text, &x);
	mime_decoder_free(pf->mime);
	pf->mime = NULL;
}

/* Every value still waiting is decided with the bytes seen: the stream ends or its message does. */
static void
decide_pending(struct pipeline *p, const struct flow *f, struct pflow *pf)
{
	uint32_t before = findings_total(pf);

	if (phiguard_stream_close(pf->stream, p->scratch, on_finding, pf) < 0)
		p->counters.match_errors++;
	pf->stream = NULL;
	if (findings_total(pf) != before)
		evaluate(p, f, pf);
}

/*
 * The message is whole: the server acts on it once this packet is let go,
 * so its last values are decided now. The next message gets a new stream.
 */
static void
message_ended(struct pipeline *p, const struct flow *f, struct pflow *pf)
{
	const struct phiguard_matcher *m = policy_matcher(p->policy);

	inflater_free(pf->inflate);
	pf->inflate = NULL;
	pf->body_raw = false;
	if (pf->archive != NULL)
		archive_release(pf->archive, NULL);
	decide_pending(p, f, pf);
	if (pf->verdict == PHIGUARD_VERDICT_BLOCK)
		return;
	coding_restart(pf);
	if (pf->final || phiguard_stream_open(m, &pf->stream) < 0) {
		if (!pf->final)
			p->counters.match_errors++;
		pf->stream = NULL;
		pf->inspect = false;
		p->counters.flows_bypassed++;
	}
}

/* A WebSocket data message is whole: decided as an HTTP request is. */
static bool
on_ws_message_end(void *ctx)
{
	struct decoded *x = ctx;

	message_ended(x->p, x->f, x->pf);
	return reading(x->pf);
}

/*
 * After a WebSocket upgrade: the client's frames unmasked (and inflated
 * with permessage-deflate) for the matcher, each data message decided at
 * its end. Bytes that are not frames (the server refused the upgrade and
 * the client went on with HTTP) are read as sent from there.
 */
static void
scan_websocket(struct pipeline *p, const struct flow *f, struct pflow *pf, const uint8_t *data,
               size_t len)
{
	struct decoded x = { p, f, pf, PHIGUARD_DECODED_WEBSOCKET };
	struct ws_sink sink = {
		&p->inflate_live, PIPELINE_INFLATE_MAX, &p->counters.websocket_messages,
		on_decoded,       on_ws_message_end,    &x
	};

	if (!pf->ws_raw && pf->ws == NULL) {
		pf->ws = ws_decoder_new();
		if (pf->ws == NULL) {
			p->counters.alloc_failures++;
			pf->ws_raw = true;
		}
	}
	if (pf->ws != NULL) {
		if (ws_decoder_feed(pf->ws, data, len, &sink) != WS_ERROR)
			return;
		ws_decoder_free(pf->ws);
		pf->ws = NULL;
		pf->ws_raw = true;
	}
	scan(p, f, pf, data, len, 0);
}

static void
feed(struct pipeline *p, const struct flow *f, struct pflow *pf, const uint8_t *data, size_t len)
{
	while (len > 0 && reading(pf)) {
		size_t n;
		bool body;
		enum message_cut cut = message_next(&pf->msg, data, len, &n, &body);

		if (n > 0 && body && pf->msg.framing == MESSAGE_WEBSOCKET)
			scan_websocket(p, f, pf, data, n);
		else if (n > 0 && body && pf->msg.framing == MESSAGE_SMTP)
			scan_mail(p, f, pf, data, n);
		else if (n > 0 && body && pf->msg.coding != HTTP_CODING_IDENTITY)
			scan_coded(p, f, pf, data, n);
		else if (n > 0)
			scan(p, f, pf, data, n, 0);
		data += n;
		len -= n;
		if (!reading(pf))
			return;
		if (cut == MESSAGE_TURNS_TLS) {
			/* Ciphertext from here: nothing to scan; the verdict so far stands. */
			pf->cleartext = false;
			inspect_stop(p, pf);
			return;
		}
		if (cut == MESSAGE_ENDS) {
			mail_done(p, f, pf);
			message_ended(p, f, pf);
		} else if (pf->final && pf->inspect)
			inspect_stop(p, pf);
	}
}

static void
inspect_start(struct pipeline *p, struct pflow *pf)
{
	const struct phiguard_matcher *m = policy_matcher(p->policy);

	if (m == NULL || p->scratch == NULL)
		return;
	if (pf->finding_count == NULL) {
		pf->n_detectors = phiguard_matcher_detector_count(m);
		pf->finding_count =
		        calloc(pf->n_detectors ? pf->n_detectors : 1, sizeof(*pf->finding_count));
		pf->finding_level =
		        calloc(pf->n_detectors ? pf->n_detectors : 1, sizeof(*pf->finding_level));
		if (pf->finding_count == NULL || pf->finding_level == NULL) {
			findings_reset(pf);
			p->counters.alloc_failures++;
			return;
		}
	}
	if (phiguard_stream_open(m, &pf->stream) < 0) {
		pf->stream = NULL;
		p->counters.match_errors++;
		return;
	}
	pf->inspect = true;
}

/* Classify the destination, decide, and start inspecting if the policy wants the content. */
/* @bytes: the client's bytes so far (fed to the matcher if the flow is inspected). */
static void
decide(struct pipeline *p, struct flow *f, struct pflow *pf, const uint8_t *bytes, size_t len)
{
	struct policy_flow_facts facts;
	struct policy_app_match app;

	if (pf->domain[0] == '\0') {
		const char *name = classify_dns_cache_lookup(
		        p->dns, f->key.family == 6 ? AF_INET6 : AF_INET, f->server_addr, p->now_us);
		copy_str(pf->domain, sizeof(pf->domain), name);
	}
	facts_fill(p, f, pf, &facts);
	policy_classify(p->policy, &facts.dest, &app);
	copy_str(pf->app, sizeof(pf->app), app.app);
	copy_str(pf->category, sizeof(pf->category), app.category);
	pf->state = PFLOW_DECIDED;
	resolve_process(p, f, pf);
	evaluate(p, f, pf);
	facts_fill(p, f, pf, &facts);
	if (!pf->final && pf->cleartext && pf->verdict != PHIGUARD_VERDICT_BLOCK &&
	    policy_wants_content(p->policy, &facts))
		inspect_start(p, pf);
	if (pf->inspect)
		feed(p, f, pf, bytes, len);
	else if (pf->verdict != PHIGUARD_VERDICT_BLOCK)
		p->counters.flows_bypassed++;
	free(pf->prefix);
	pf->prefix = NULL;
	pf->prefix_len = 0;
	pf->prefix_cap = 0;
	classify_quic_state_free(pf->quic);
	pf->quic = NULL;
}

/* No parser recognised the bytes: a wire fingerprint, or cleartext of unknown shape. */
static void
decide_unknown(struct pipeline *p, struct flow *f, struct pflow *pf, const uint8_t *bytes,
               size_t len)
{
	const char *fp;

	if (pf->protocol[0] == '\0' && len > 0) {
		fp = classify_fingerprint(bytes, len, f->key.ip_proto, f->server_port);
		copy_str(pf->fingerprint, sizeof(pf->fingerprint), fp);
		pf->cleartext = fp == NULL;
	}
	decide(p, f, pf, bytes, len);
}

void
pipeline_decide_now(struct pipeline *p, struct flow *f, struct pflow *pf)
{
	if (pf->state != PFLOW_CLASSIFYING)
		return;
	decide_unknown(p, f, pf, pf->prefix, pf->prefix_len);
}

/* TCP: 1 when @data (the stream from its start) says what the flow is, 0 to wait, -1 unknown. */
static int
classify_stream(struct pflow *pf, const uint8_t *data, size_t len)
{
	struct tls_hello_info hello;
	struct http_request_info http;
	enum classify_status tls, req, smtp;

	memset(&hello, 0, sizeof(hello));
	tls = classify_tls_client_hello(data, len, &hello);
	if (tls == CLASSIFY_DONE) {
		copy_str(pf->protocol, sizeof(pf->protocol), "tls");
		copy_str(pf->sni, sizeof(pf->sni), hello.sni);
		copy_str(pf->domain, sizeof(pf->domain), hello.sni);
		pf->ech = hello.ech;
		pf->cleartext = false;
		return 1;
	}
	memset(&http, 0, sizeof(http));
	req = classify_http_request(data, len, &http);
	if (req == CLASSIFY_DONE) {
		copy_str(pf->protocol, sizeof(pf->protocol), "http");
		copy_str(pf->domain, sizeof(pf->domain), http.host);
		pf->cleartext = true;
		message_start_http(&pf->msg, &http);
		return 1;
	}
	/* The greeting names the client, not the server: the domain stays DNS's. */
	smtp = classify_smtp_greeting(data, len);
	if (smtp == CLASSIFY_DONE) {
		copy_str(pf->protocol, sizeof(pf->protocol), "smtp");
		pf->cleartext = true;
		message_start_smtp(&pf->msg);
		return 1;
	}
	return tls == CLASSIFY_NEED_MORE || req == CLASSIFY_NEED_MORE || smtp == CLASSIFY_NEED_MORE
	               ? 0
	               : -1;
}

/* Room for @need bytes of prefix, growing by doubling: most flows say what they are in one segment. */
static bool
prefix_reserve(struct pflow *pf, size_t need)
{
	uint32_t cap = pf->prefix_cap != 0 ? pf->prefix_cap : 2048;
	uint8_t *n;

	if (need <= pf->prefix_cap)
		return true;
	while (cap < need && cap < PIPELINE_PREFIX_MAX)
		cap *= 2;
	if (cap > PIPELINE_PREFIX_MAX)
		cap = PIPELINE_PREFIX_MAX;
	n = realloc(pf->prefix, cap);
	if (n == NULL)
		return false;
	pf->prefix = n;
	pf->prefix_cap = cap;
	return true;
}

static void
client_stream(struct pipeline *p, struct flow *f, struct pflow *pf, const uint8_t *data, size_t len)
{
	size_t n;
	int r;

	/* First bytes: classify straight from the packet, copying only if more are needed. */
	if (pf->prefix_len == 0) {
		r = classify_stream(pf, data, len);
		if (r > 0)
			decide(p, f, pf, data, len);
		else if (r < 0 || len >= PIPELINE_PREFIX_MAX)
			decide_unknown(p, f, pf, data, len);
		if (pf->state == PFLOW_DECIDED)
			return;
	}
	n = PIPELINE_PREFIX_MAX - pf->prefix_len;
	if (n > len)
		n = len;
	if (!prefix_reserve(pf, pf->prefix_len + n)) {
		p->counters.alloc_failures++;
		pipeline_decide_now(p, f, pf);
		feed(p, f, pf, data, len);
		return;
	}
	if (n > 0) /* an empty prefix may not be allocated yet: no memcpy from NULL */
		memcpy(pf->prefix + pf->prefix_len, data, n);
	pf->prefix_len += (uint32_t)n;
	r = classify_stream(pf, pf->prefix, pf->prefix_len);
	if (r > 0)
		decide(p, f, pf, pf->prefix, pf->prefix_len);
	else if (r < 0 || pf->prefix_len >= PIPELINE_PREFIX_MAX)
		pipeline_decide_now(p, f, pf);
	/* Bytes past the prefix were not fed with it. */
	if (pf->state == PFLOW_DECIDED && n < len)
		feed(p, f, pf, data + n, len - n);
}

/*
 * A STUN flow names its app late (the REALM after a 401, the server's
 * answer): 1 while the decision may still wait, 0 when it is taken now.
 */
static bool
stun_hold(struct pipeline *p, const struct flow *f, struct pflow *pf, const uint8_t *data,
          size_t len)
{
	if (!pf->stun_pending && !classify_fingerprint_pending(data, len, IPPROTO_UDP))
		return false;
	pf->stun_pending = true;
	return pf->udp_datagrams + pf->server_datagrams < PIPELINE_STUN_HOLD_MAX &&
	       p->now_us - f->first_us < PIPELINE_STUN_HOLD_US;
}

void
pipeline_server_datagram(struct pipeline *p, struct flow *f, struct pflow *pf,
                         const struct decode_view *v)
{
	const char *fp;

	dns_response(p, v);
	if (pf->state != PFLOW_CLASSIFYING || !pf->stun_pending || v->payload_len == 0)
		return;
	pf->server_datagrams++;
	fp = classify_fingerprint(v->payload, v->payload_len, IPPROTO_UDP, v->dst_port);
	if (fp == NULL && stun_hold(p, f, pf, v->payload, v->payload_len))
		return;
	copy_str(pf->fingerprint, sizeof(pf->fingerprint), fp);
	pf->cleartext = fp == NULL;
	decide(p, f, pf, NULL, 0);
}

static void
client_datagram(struct pipeline *p, struct flow *f, struct pflow *pf, const uint8_t *data,
                size_t len)
{
	struct tls_hello_info hello;
	enum classify_status r = CLASSIFY_NOT_THIS;
	char name[256];
	const char *fp;

	/* Filled only when a QUIC parser runs; read only when it said DONE. */
	memset(&hello, 0, sizeof(hello));
	pf->udp_datagrams++;
	if (f->server_port == 53) {
		copy_str(pf->protocol, sizeof(pf->protocol), "dns");
		pf->cleartext = true;
		/* A look-up is about the name it asks for (a messaging name gets that app). */
		if (pf->domain[0] == '\0' &&
		    classify_dns_query(data, len, name, sizeof(name)) == CLASSIFY_DONE)
			copy_str(pf->domain, sizeof(pf->domain), name);
		goto decided;
	}
	if (pf->quic == NULL && pf->udp_datagrams == 1)
		pf->quic = classify_quic_state_new();
	if (pf->quic != NULL)
		r = classify_quic_initial(pf->quic, data, len, &hello);
	if (r == CLASSIFY_DONE) {
		copy_str(pf->protocol, sizeof(pf->protocol), "quic");
		copy_str(pf->sni, sizeof(pf->sni), hello.sni);
		copy_str(pf->domain, sizeof(pf->domain), hello.sni);
		pf->ech = hello.ech;
		pf->cleartext = false;
		goto decided;
	}
	if (r == CLASSIFY_NEED_MORE && pf->udp_datagrams < PIPELINE_UDP_CLASSIFY_MAX)
		return;
	if (r == CLASSIFY_NEED_MORE) {
		/* QUIC whose Initial never completed: still not cleartext. */
		copy_str(pf->protocol, sizeof(pf->protocol), "quic");
		pf->cleartext = false;
		goto decided;
	}
	fp = classify_fingerprint(data, len, IPPROTO_UDP, f->server_port);
	if (fp == NULL && stun_hold(p, f, pf, data, len))
		return;
	copy_str(pf->fingerprint, sizeof(pf->fingerprint), fp);
	pf->cleartext = fp == NULL;
decided:
	decide(p, f, pf, data, len);
}

void
pipeline_client_data(struct pipeline *p, struct flow *f, struct pflow *pf, const uint8_t *data,
                     size_t len, bool datagram)
{
	if (pf->state == PFLOW_CLASSIFYING) {
		if (datagram)
			client_datagram(p, f, pf, data, len);
		else
			client_stream(p, f, pf, data, len);
		return;
	}
	feed(p, f, pf, data, len);
}

void
pipeline_flow_closing(struct pipeline *p, struct flow *f, struct pflow *pf)
{
	/* What is decided now cannot stop a byte: a block is only reported. */
	pf->ending = true;
	mail_done(p, f, pf);
	if (pf->stream != NULL)
		decide_pending(p, f, pf);
}

void
pipeline_redecide(struct pipeline *p, struct flow *f, struct pflow *pf)
{
	struct policy_flow_facts facts;
	struct policy_app_match app;

	pf->redecide = false;
	if (pf->state != PFLOW_DECIDED)
		return;
	/* Bytes the kernel carried past us: where messages end is no longer known. */
	if (!pf->inspect)
		pf->msg.framing = MESSAGE_UNKNOWN;
	/* Detector indexes belong to the old matcher: counts start again. */
	findings_reset(pf);
	pf->inspect = false;
	facts_fill(p, f, pf, &facts);
	policy_classify(p->policy, &facts.dest, &app);
	copy_str(pf->app, sizeof(pf->app), app.app);
	copy_str(pf->category, sizeof(pf->category), app.category);
	resolve_process(p, f, pf);
	evaluate(p, f, pf);
	facts_fill(p, f, pf, &facts);
	if (!pf->final && pf->cleartext && pf->verdict != PHIGUARD_VERDICT_BLOCK &&
	    policy_wants_content(p->policy, &facts))
		inspect_start(p, pf);
}

/* ---- life cycle ---- */

const char *
pipeline_policy_version(const struct pipeline *p)
{
	const char *v = p->policy != NULL ? policy_version(p->policy) : NULL;

	return v != NULL ? v : "";
}

int
pipeline_stages_init(struct pipeline *p, struct policy *policy)
{
	const struct phiguard_matcher *m;

	p->dns = classify_dns_cache_new(p->cfg.dns_cache_entries);
	if (p->dns == NULL)
		return -ENOMEM;
	p->ident = pipeline_ident_new();
	if (p->ident == NULL)
		return -ENOMEM;
	p->policy = policy_ref(policy);
	m = policy_matcher(p->policy);
	if (m != NULL && phiguard_scratch_new(m, &p->scratch) < 0)
		return -ENOMEM;
	return 0;
}

void
pipeline_stages_fini(struct pipeline *p)
{
	phiguard_scratch_free(p->scratch);
	p->scratch = NULL;
	classify_dns_cache_free(p->dns);
	p->dns = NULL;
	free(p->ident);
	p->ident = NULL;
	p->policy = policy_unref(p->policy);
}

static void
close_stream(struct flow *f, void *ctx)
{
	struct pipeline *p = ctx;
	struct pflow *pf = f->slot[PIPELINE_SLOT];

	if (pf == NULL)
		return;
	pipeline_flow_closing(p, f, pf);
	pf->redecide = true;
}

void
pipeline_stages_set_policy(struct pipeline *p, struct policy *policy)
{
	struct phiguard_scratch *scratch = NULL;
	const struct phiguard_matcher *m = policy_matcher(policy);

	/* Build first: if the new scratch cannot be had, keep the running policy. */
	if (m != NULL && phiguard_scratch_new(m, &scratch) < 0)
		return;
	flow_table_foreach(p->flows, close_stream, p);
	phiguard_scratch_free(p->scratch);
	p->scratch = scratch;
	p->policy = policy_unref(p->policy);
	p->policy = policy_ref(policy);
}
