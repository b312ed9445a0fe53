/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "verdict/rules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/macro.h"

#define CMD_OUTPUT_MAX (256 * 1024)

static const char *const sbin_dirs[] = { "/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/" };

struct strbuf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3))) sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(sb->s ? sb->s + sb->len : NULL, sb->s ? sb->cap - sb->len : 0, fmt,
		              ap);
		va_end(ap);
		if (n < 0) {
			sb->oom = true;
			return;
		}
		if (sb->s && sb->len + (size_t)n < sb->cap) {
			sb->len += (size_t)n;
			return;
		}
		size_t cap = MAX(sb->cap * 2, sb->len + (size_t)n + 256);
		char *s = realloc(sb->s, cap);
		if (!s) {
			sb->oom = true;
			return;
		}
		sb->s = s;
		sb->cap = cap;
	}
}

static int
find_tool(const char *name, char *path, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(sbin_dirs); i++) {
		snprintf(path, len, "%s%s", sbin_dirs[i], name);
		if (access(path, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/*
 * Run @argv[0] (looked up in the sbin directories) with @input on stdin.
 * Standard output and error go to @out (NUL-terminated, may be truncated).
 * Returns the exit status (>= 0) or negative errno.
 */
static int
run_tool(const char *const argv[], const char *input, char *out, size_t outlen)
{
	char path[256];
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	pid_t pid;
	int r, status;
	size_t got = 0;

	if (outlen)
		out[0] = '\0';
	r = find_tool(argv[0], path, sizeof(path));
	if (r < 0)
		return r;
	if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		dup2(out_pipe[1], 2);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(in_pipe[0]);
	in_pipe[0] = -1;
	close(out_pipe[1]);
	out_pipe[1] = -1;
	if (input) {
		/* Rule sets are a few KiB, below the pipe buffer: write all, then read. */
		size_t len = strlen(input), off = 0;
		while (off < len) {
			ssize_t n = write(in_pipe[1], input + off, len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	close(in_pipe[1]);
	in_pipe[1] = -1;
	for (;;) {
		char tmp[4096];
		ssize_t n = read(out_pipe[0], tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = MIN((size_t)n, outlen > got + 1 ? outlen - got - 1 : 0);
		memcpy(out + got, tmp, take);
		got += take;
	}
	if (outlen)
		out[got] = '\0';
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			goto out;
		}
	}
	r = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
out:
	for (int i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	return r;
}

static const char *
tool(enum rules_family family, bool restore)
{
	if (family == RULES_IPV6)
		return restore ? "ip6tables-nft-restore" : "ip6tables-nft";
	return restore ? "iptables-nft-restore" : "iptables-nft";
}

/* Our chains; PHIGUARD-OUT first: it refers to DONE and CLOSED. */
static const char *const our_chains[] = { RULES_CHAIN_OUT, RULES_CHAIN_IN, RULES_CHAIN_DONE,
	                                  RULES_CHAIN_CLOSED };

/* What of ours is in the filter table now: chain presence and jump counts. */
struct rules_present {
	bool chain[ARRAY_SIZE(our_chains)];
	unsigned jumps_out;
	unsigned jumps_in;
};

static bool
anything_present(const struct rules_present *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(our_chains); i++)
		if (p->chain[i])
			return true;
	return p->jumps_out > 0 || p->jumps_in > 0;
}

static int
rules_scan(enum rules_family family, struct rules_present *ret)
{
	const char *argv[] = { tool(family, false), "-w", "-t", "filter", "-S", NULL };
	_cleanup_(freep) char *out = malloc(CMD_OUTPUT_MAX);
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!out)
		return -ENOMEM;
	r = run_tool(argv, NULL, out, CMD_OUTPUT_MAX);
	if (r < 0)
		return r; /* NOLINT(clang-analyzer-unix.Malloc): out is freed by _cleanup_ */
	if (r != 0)
		return -EIO;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "-N ", 3) == 0) {
			for (size_t i = 0; i < ARRAY_SIZE(our_chains); i++)
				if (strcmp(line + 3, our_chains[i]) == 0)
					ret->chain[i] = true;
		} else if (strcmp(line, "-A OUTPUT -j " RULES_CHAIN_OUT) == 0)
			ret->jumps_out++;
		else if (strcmp(line, "-A INPUT -j " RULES_CHAIN_IN) == 0)
			ret->jumps_in++;
	}
	return 0;
}

int
rules_count_jumps(enum rules_family family)
{
	struct rules_present present;
	int r = rules_scan(family, &present);

	return r < 0 ? r : (int)present.jumps_out;
}

static void
render_jumps(struct strbuf *sb, const char *hook, const char *chain, unsigned have)
{
	if (have == 0)
		sb_printf(sb, "-I %s 1 -j %s\n", hook, chain);
	for (unsigned i = 1; i < have; i++)
		sb_printf(sb, "-D %s -j %s\n", hook, chain);
}

/*
 * A connection's opening SYN and the ACK that completes the handshake carry
 * no client bytes, so the pipeline has nothing to learn from them: the
 * flow starts at its first data (the reassembler picks up mid-stream). Not
 * queueing them saves two queue round trips per connection. Only the plain
 * forms are let through: a SYN no longer than a Linux SYN with every option
 * (so a Fast Open SYN carrying data is still queued) and, as the second
 * packet of the connection (connbytes, which also turns on conntrack
 * accounting), a bare ACK no longer than its header with timestamps.
 */
static void
render_handshake(struct strbuf *sb, enum rules_family family)
{
	unsigned ip_header = family == RULES_IPV6 ? 40 : 20;

	sb_printf(sb, "-A %s -p tcp --syn -m length --length 0:%u -j RETURN\n", RULES_CHAIN_OUT,
	          ip_header + 40);
	sb_printf(
	        sb,
	        "-A %s -p tcp --tcp-flags SYN,ACK,FIN,RST,PSH ACK -m connbytes --connbytes 2:2 --connbytes-dir original --connbytes-mode packets -m length --length 0:%u -j RETURN\n",
	        RULES_CHAIN_OUT, ip_header + 32);
}

/*
 * The kernel's --queue-balance hashes addresses only (every flow to one
 * server lands on one queue); --queue-cpu-fanout splits flows. So each new
 * flow gets a worker round-robin, kept in its connmark. Rule i takes one in
 * (n - i) of the flows still unassigned.
 */
static void
render_shards(struct strbuf *sb, const struct rules_config *c)
{
	for (unsigned i = 0; c->n_tcp_queues > 1 && i < c->n_tcp_queues; i++)
		sb_printf(
		        sb,
		        "-A %s -p tcp -m connmark --mark 0x0/0x%x -m statistic --mode nth --every %u --packet 0 -j CONNMARK --set-xmark 0x%x/0x%x\n",
		        RULES_CHAIN_OUT, MARK_SHARD_SET, c->n_tcp_queues - i, mark_shard_value(i),
		        MARK_SHARD_MASK);
}

/* The queue rules, in @chain. */
static void
render_queues(struct strbuf *sb, const struct rules_config *c, const char *chain, bool bypass)
{
	const char *b = bypass ? " --queue-bypass" : "";

	if (c->n_tcp_queues == 1)
		sb_printf(sb, "-A %s -p tcp -j NFQUEUE --queue-num %u%s\n", chain, c->tcp_queues[0],
		          b);
	for (unsigned i = 0; c->n_tcp_queues > 1 && i < c->n_tcp_queues; i++)
		sb_printf(sb,
		          "-A %s -p tcp -m connmark --mark 0x%x/0x%x -j NFQUEUE --queue-num %u%s\n",
		          chain, mark_shard_value(i), MARK_SHARD_MASK, c->tcp_queues[i], b);
	if (c->has_udp_queue)
		sb_printf(sb, "-A %s -p udp -j NFQUEUE --queue-num %u%s\n", chain, c->udp_queue, b);
}

/*
 * Prefixes of fail-closed categories, handshake included, go to
 * PHIGUARD-CLOSED, whose queue rules have no --queue-bypass: while no agent
 * listens, the kernel drops them (the rest follows fail_open). One jump per
 * prefix, not one rule per prefix and queue, so a packet to elsewhere pays
 * one comparison per prefix. Redundant when everything fails closed.
 */
static void
render_fail_closed(struct strbuf *sb, const struct rules_config *c, enum rules_family family)
{
	unsigned n = 0;

	for (unsigned i = 0; c->fail_open && i < c->n_fail_closed; i++) {
		if ((c->fail_closed[i].family == AF_INET6) != (family == RULES_IPV6))
			continue;
		sb_printf(sb, "-A %s -d %s -j %s\n", RULES_CHAIN_OUT, c->fail_closed[i].cidr,
		          RULES_CHAIN_CLOSED);
		n++;
	}
	if (n > 0)
		render_queues(sb, c, RULES_CHAIN_CLOSED, false);
}

char *
rules_render(const struct rules_config *c, enum rules_family family, unsigned jumps_out,
             unsigned jumps_in)
{
	struct strbuf sb = { 0 };
	const char *o = RULES_CHAIN_OUT;

	/* A ":CHAIN" line under --noflush creates or flushes the chain in this transaction. */
	sb_printf(&sb, "*filter\n");
	for (size_t i = 0; i < ARRAY_SIZE(our_chains); i++)
		sb_printf(&sb, ":%s - [0:0]\n", our_chains[i]);
	/*
	 * The last stop of a packet we gave a verdict: our bits are cleared so
	 * its mark is what it was when it was queued, and the kernel does not
	 * route it again (it does whenever the mark changed). Reached by goto,
	 * so its end returns straight to OUTPUT.
	 */
	sb_printf(&sb, "-A %s -j MARK --and-mark 0x%x\n", RULES_CHAIN_DONE,
	          ~(MARK_SEEN | MARK_STATE_MASK));
	/* Bypassed flows are the bulk of the traffic: they leave at the first rule. */
	sb_printf(&sb, "-A %s -m connmark --mark 0x%x/0x%x -j RETURN\n", o, MARK_STATE_BYPASS,
	          MARK_STATE_MASK);
	sb_printf(&sb, "-A %s -o lo -j RETURN\n", o);
	sb_printf(&sb, "-A %s -m mark --mark 0x%x/0x%x -j RETURN\n", o, MARK_AGENT, MARK_AGENT);
	if (c->cgroup[0])
		sb_printf(&sb, "-A %s -m cgroup --path %s -j RETURN\n", o, c->cgroup);
	for (unsigned i = 0; i < c->n_exempt; i++)
		if ((c->exempt[i].family == AF_INET6) == (family == RULES_IPV6))
			sb_printf(&sb, "-A %s -d %s -p tcp --dport %u -j RETURN\n", o,
			          c->exempt[i].addr, c->exempt[i].port);
	/* Verdict given, state unchanged (still classifying): nothing to save. */
	sb_printf(&sb, "-A %s -m mark --mark 0x%x/0x%x -g %s\n", o, MARK_SEEN,
	          MARK_SEEN | MARK_STATE_MASK, RULES_CHAIN_DONE);
	/*
	 * A packet comes back here once with NF_REPEAT: its mark carries the
	 * state the verdict chose; keep it in the connmark so the kernel
	 * handles the rest of the flow without us (the verdict cannot set the
	 * connmark on kernels without NETLINK_GLUE_CT).
	 */
	sb_printf(
	        &sb,
	        "-A %s -m mark --mark 0x%x/0x%x -j CONNMARK --save-mark --nfmask 0x%x --ctmask 0x%x\n",
	        o, MARK_SEEN, MARK_SEEN, MARK_STATE_MASK, MARK_STATE_MASK);
	sb_printf(&sb,
	          "-A %s -p tcp -m connmark --mark 0x%x/0x%x -j REJECT --reject-with tcp-reset\n",
	          o, MARK_STATE_BLOCK, MARK_STATE_MASK);
	sb_printf(&sb, "-A %s -m connmark --mark 0x%x/0x%x -j REJECT\n", o, MARK_STATE_BLOCK,
	          MARK_STATE_MASK);
	sb_printf(&sb, "-A %s -m mark --mark 0x%x/0x%x -g %s\n", o, MARK_SEEN, MARK_SEEN,
	          RULES_CHAIN_DONE);
	render_shards(&sb, c);
	render_fail_closed(&sb, c, family);
	render_handshake(&sb, family);
	render_queues(&sb, c, RULES_CHAIN_OUT, c->fail_open);
	for (unsigned i = 0; i < c->n_nflog_groups; i++)
		sb_printf(&sb,
		          "-A %s -p udp --sport 53 -j NFLOG --nflog-group %u --nflog-size 65535\n",
		          RULES_CHAIN_IN, c->nflog_groups[i]);
	render_jumps(&sb, "OUTPUT", RULES_CHAIN_OUT, jumps_out);
	render_jumps(&sb, "INPUT", RULES_CHAIN_IN, jumps_in);
	sb_printf(&sb, "COMMIT\n");
	if (sb.oom) {
		free(sb.s);
		return NULL;
	}
	return sb.s;
}

static int
restore(enum rules_family family, const char *text, char *err, size_t errlen)
{
	const char *argv[] = { tool(family, true), "-w", "--noflush", NULL };
	char out[1024];
	int r = run_tool(argv, text, out, sizeof(out));

	if (r == 0)
		return 0;
	if (r > 0) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(err, errlen, "%s failed: %s", argv[0], out);
		return -EIO;
	}
	snprintf(err, errlen, "%s: %s", argv[0], strerror(-r));
	return r;
}

static int
install_family(const struct rules_config *c, enum rules_family family, bool *ret_stale, char *err,
               size_t errlen)
{
	struct rules_present present;
	_cleanup_(freep) char *text = NULL;
	int r;

	r = rules_scan(family, &present);
	if (r < 0) {
		snprintf(err, errlen, "cannot list the %s filter table: %s",
		         family == RULES_IPV6 ? "IPv6" : "IPv4", strerror(-r));
		return r;
	}
	*ret_stale = anything_present(&present);
	text = rules_render(c, family, present.jumps_out, present.jumps_in);
	if (!text)
		return -ENOMEM;
	return restore(family, text, err, errlen);
}

int
rules_install(const struct rules_config *c, struct rules_report *ret, char *err, size_t errlen)
{
	bool stale4 = false, stale6 = false;
	char err6[256];
	int r;

	memset(ret, 0, sizeof(*ret));
	r = install_family(c, RULES_IPV4, &stale4, err, errlen);
	if (r < 0)
		return r;
	/* A host without IPv6 (disabled in the kernel) still gets IPv4 protection. */
	ret->ipv6 = install_family(c, RULES_IPV6, &stale6, err6, sizeof(err6)) == 0;
	ret->stale = stale4 || stale6;
	ret->nft_queue = rules_probe_nft_queue();
	return 0;
}

static int
remove_family(enum rules_family family, char *err, size_t errlen)
{
	struct rules_present present;
	struct strbuf sb = { 0 };
	int r;

	r = rules_scan(family, &present);
	if (r < 0)
		return r;
	if (!anything_present(&present))
		return 0;
	sb_printf(&sb, "*filter\n");
	for (unsigned i = 0; i < present.jumps_out; i++)
		sb_printf(&sb, "-D OUTPUT -j %s\n", RULES_CHAIN_OUT);
	for (unsigned i = 0; i < present.jumps_in; i++)
		sb_printf(&sb, "-D INPUT -j %s\n", RULES_CHAIN_IN);
	/* Flush all first: PHIGUARD-OUT refers to the others. */
	for (size_t i = 0; i < ARRAY_SIZE(our_chains); i++)
		if (present.chain[i])
			sb_printf(&sb, "-F %s\n", our_chains[i]);
	for (size_t i = 0; i < ARRAY_SIZE(our_chains); i++)
		if (present.chain[i])
			sb_printf(&sb, "-X %s\n", our_chains[i]);
	sb_printf(&sb, "COMMIT\n");
	if (sb.oom) {
		free(sb.s);
		return -ENOMEM;
	}
	r = restore(family, sb.s, err, errlen);
	free(sb.s);
	return r;
}

int
rules_remove(char *err, size_t errlen)
{
	int r4 = remove_family(RULES_IPV4, err, errlen);
	char err6[256];
	int r6 = remove_family(RULES_IPV6, err6, sizeof(err6));

	if (r4 < 0)
		return r4;
	if (r6 < 0 && r6 != -EIO)
		return 0; /* no IPv6 on this host */
	if (r6 < 0)
		snprintf(err, errlen, "%s", err6);
	return r6 < 0 ? r6 : 0;
}

bool
rules_probe_nft_queue(void)
{
	/* One transaction that adds and deletes a scratch table: nothing is left either way. */
	static const char probe[] = "add table inet phiguard_probe\n"
	                            "add chain inet phiguard_probe c\n"
	                            "add rule inet phiguard_probe c queue num 65000 bypass\n"
	                            "delete table inet phiguard_probe\n";
	const char *argv[] = { "nft", "-f", "-", NULL };
	char out[512];

	return run_tool(argv, probe, out, sizeof(out)) == 0;
}
