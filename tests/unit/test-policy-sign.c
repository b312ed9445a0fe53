/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The signed-load API the agent uses: verify the bytes it then loads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/sign.h"
#include "tap.h"

static const char text[] = "version: signed-1\n"
                           "rules:\n"
                           "  - name: block-telegram\n"
                           "    when: {app: telegram}\n"
                           "    action: block\n";

static void
write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(data, f);
	fclose(f);
}

int
main(void)
{
	static const struct policy_load_options fast = { .skip_matcher = true };
	char dir[] = "/tmp/phiguard-sign-XXXXXX";
	char key[64], pub[64], file[64], sig[64], other[64], other_pub[64];
	const char *keys[2];
	struct phiguard_error err;
	struct policy *p = NULL;
	int r;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	snprintf(pub, sizeof(pub), "%s/k.pub.pem", dir);
	snprintf(other, sizeof(other), "%s/o.pem", dir);
	snprintf(other_pub, sizeof(other_pub), "%s/o.pub.pem", dir);
	snprintf(file, sizeof(file), "%s/policy.yaml", dir);
	snprintf(sig, sizeof(sig), "%s/policy.yaml.sig", dir);
	write_file(file, text);

	tap_eq_int(policy_keygen(key, pub, &err), 0, "keygen");
	tap_eq_int(policy_keygen(key, pub, &err), -EEXIST, "keygen keeps an existing key");
	tap_eq_int(policy_keygen(other, other_pub, &err), 0, "second key");
	tap_eq_int(policy_sign_file(key, file, sig, &err), 0, "sign");

	keys[0] = pub;
	r = policy_load_file_signed(file, sig, keys, 1, &fast, &p, &err);
	tap_eq_int(r, 0, "signed policy loads");
	if (p != NULL)
		tap_eq_str(policy_version(p), "signed-1", "the signed bytes were loaded");
	p = policy_unref(p);

	keys[0] = other_pub;
	r = policy_load_file_signed(file, sig, keys, 1, &fast, &p, &err);
	tap_eq_int(r, -EBADMSG, "untrusted key refused");
	tap_ok(p == NULL, "no policy handed out");
	keys[1] = pub;
	tap_eq_int(policy_load_file_signed(file, sig, keys, 2, &fast, &p, &err), 0,
	           "any trusted key will do");
	p = policy_unref(p);

	keys[0] = pub;
	write_file(file, "version: signed-2\nrules:\n  - name: allow-all\n    action: allow\n");
	r = policy_load_file_signed(file, sig, keys, 1, &fast, &p, &err);
	tap_eq_int(r, -EBADMSG, "changed policy refused");
	tap_ok(p == NULL, "no policy handed out for a changed file");
	tap_ok(strstr(err.msg, "signature check failed") != NULL, "says why: %s", err.msg);
	tap_eq_int(policy_load_file_signed(file, sig, keys, 0, &fast, &p, &err), -ENOKEY,
	           "no trusted key: refused");

	unlink(key);
	unlink(pub);
	unlink(other);
	unlink(other_pub);
	unlink(file);
	unlink(sig);
	rmdir(dir);
	return tap_done();
}
