#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mail through `phiguard run`: real curl as the mail client, an SMTP server
(with STARTTLS) in the server namespace, and a policy that blocks an NHS
number in mail. Checks what the sender and the recipient would notice:
 - a mail whose last line carries an NHS number is refused, and the server
   never accepts it (its end of data never arrives);
 - the same mail without it is delivered byte-exact;
 - a mail whose NHS number is only in its base64 CSV attachment (as a mail
   client sends a spreadsheet export) is refused too, and so is one with a
   .xlsx attached (a zip of XML inside the base64); their clean twins are
   delivered byte-exact;
 - a mail sent after STARTTLS is delivered (encrypted: the agent stops
   reading and lets it through) and nothing in it is scanned.
Needs root; exits 77 otherwise."""
import email.message
import email.policy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import office  # noqa: E402
from agent import Agent, field  # noqa: E402
from netns import Tap, Topology, skipped_without  # noqa: E402

POLICY = """version: "mail-test-1"
settings: {evidence: redacted, default_action: allow}
rules:
  - name: block-nhs-number-in-mail
    when:
      protocol: smtp
      findings: {detector: nhs_number, min_confidence: high}
    action: block
"""

# 401 023 2137 is a published NHS number test vector (valid check digit), not a patient.
PHI_MAIL = (b"From: ward7@trust.example\r\nTo: someone@mail.test\r\nSubject: bed 4\r\n\r\n"
            b"Discharged today, please update the GP. NHS no 401 023 2137\r\n")
CLEAN_MAIL = (b"From: ward7@trust.example\r\nTo: someone@mail.test\r\nSubject: rota\r\n\r\n"
              b"Swapping Thursday's late for Friday's early, ok?\r\n")


def with_attachment(data, name="list.csv"):
    """A mail as a client writes it: a short note and a file attached in base64."""
    m = email.message.EmailMessage()
    m["From"], m["To"], m["Subject"] = "ward7@trust.example", "someone@mail.test", "list"
    m.set_content("List attached, as discussed.\n")
    if name.endswith(".csv"):
        m.add_attachment(data, maintype="text", subtype="csv", filename=name, cte="base64")
    else:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return m.as_bytes(policy=email.policy.SMTP)


def send(topo, body, starttls=False):
    path = os.path.join(topo.dir, "mail.txt")
    with open(path, "wb") as f:
        f.write(body)
    extra = ["--mail-from", "ward7@trust.example", "--mail-rcpt", "someone@mail.test",
             "--upload-file", path]
    if starttls:
        extra.append("--ssl-reqd")
    rc, code, secs = topo.curl("smtp://files.example.test/ws042", extra=extra)
    return rc


def scanned(agent):
    return sum(v for k, v in agent.status().items() if k.endswith(".bytes_scanned"))


def main():
    if skipped_without(("dnsmasq", "curl", "openssl", "iptables-nft-restore")):
        return 77
    binary = os.environ["PHIGUARD"]
    t = Tap()
    topo = Topology("pgm").up()
    topo.make_ca()
    topo.start_dns()
    topo.start_servers()
    policy = os.path.join(topo.dir, "mail-policy.yaml")
    with open(policy, "w") as f:
        f.write(POLICY)
    agent = Agent(topo, binary, policy=policy).start()

    rc = send(topo, PHI_MAIL)
    ev = agent.wait_event(lambda e: field(e, "phiguard.verdict") == "block")
    t.ok(rc != 0 and not any(b"2137" in m for m in topo.uploads("mail")),
         "a mail ending in an NHS number is refused; the server never accepts it",
         (rc, topo.uploads("mail")))
    t.ok(ev is not None and field(ev, "network.protocol") == "smtp" and
         field(ev, "rule.name") == "block-nhs-number-in-mail",
         "the block event names SMTP and the rule", agent.events()[-2:])

    rc = send(topo, CLEAN_MAIL)
    mails = topo.uploads("mail")
    t.ok(rc == 0 and mails and mails[-1] == CLEAN_MAIL,
         "the same mail without it is delivered byte-exact", (rc, mails[-1:]))

    # The NHS number exists only in the decoded attachment: on the wire it is base64.
    phi_mime = with_attachment(b"name,nhs_number,dob\r\nJane Smith,401 023 2137,01/02/1960\r\n")
    assert b"2137" not in phi_mime
    n_mails = len(topo.uploads("mail"))
    rc = send(topo, phi_mime)
    t.ok(rc != 0 and len(topo.uploads("mail")) == n_mails,
         "a mail with the NHS number in a base64 CSV attachment is refused; the server never "
         "accepts it", (rc, agent.events()[-2:]))
    clean_mime = with_attachment(b"item,count\r\ngloves,40\r\naprons,12\r\n")
    rc = send(topo, clean_mime)
    mails = topo.uploads("mail")
    t.ok(rc == 0 and mails and mails[-1] == clean_mime,
         "the same mail with a clean attachment is delivered byte-exact", (rc, mails[-1:]))
    parts = sum(v for k, v in agent.status().items() if k.endswith(".mail_parts_decoded"))
    t.ok(parts >= 2, "status counts the decoded parts (%d)" % parts)
    # The export as a spreadsheet: base64 on the wire, a zip of XML inside.
    n_mails = len(topo.uploads("mail"))
    rc = send(topo, with_attachment(office.xlsx(office.PATIENT_ROWS), "list.xlsx"))
    t.ok(rc != 0 and len(topo.uploads("mail")) == n_mails,
         "a mail with a spreadsheet of patients attached is refused; the server never accepts "
         "it", (rc, agent.events()[-2:]))
    clean_xlsx = with_attachment(office.xlsx(office.CLEAN_ROWS), "stock.xlsx")
    rc = send(topo, clean_xlsx)
    mails = topo.uploads("mail")
    t.ok(rc == 0 and mails and mails[-1] == clean_xlsx,
         "a clean spreadsheet attached is delivered byte-exact", (rc, mails[-1:]))

    before = scanned(agent)
    rc = send(topo, PHI_MAIL, starttls=True)
    mails = topo.uploads("mail")
    after = scanned(agent)
    t.ok(rc == 0 and mails and mails[-1] == PHI_MAIL,
         "after STARTTLS the mail is encrypted and delivered (the agent does not break it)",
         (rc, agent.log()[-1000:]))
    t.ok(after - before < 64, "and the agent scanned only the commands before STARTTLS "
         "(%d bytes)" % (after - before))
    agent.stop()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
