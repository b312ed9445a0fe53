#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""phiguard run takes a policy dropped into policy.d without a signal, keeps
it as the last good policy across a restart, and refuses an unsigned one
when signatures are required (the running policy stays). Needs root."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from agent import Agent, field  # noqa: E402
from netns import Tap, Topology  # noqa: E402


def versioned(src, version):
    text = open(os.path.join(src, "policy", "default.yaml")).read()
    return re.sub(r"^version:.*$", 'version: "%s"' % version, text, count=1, flags=re.M)


def wait_version(agent, version, secs=30):
    deadline = time.time() + secs
    while time.time() < deadline and agent.status().get("policy.version") != version:
        time.sleep(0.25)
    return agent.status().get("policy.version") == version


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (network namespaces)")
        return 77
    binary = os.environ["PHIGUARD"]
    src = os.environ["PHIGUARD_SOURCE_ROOT"]
    if not os.path.exists(os.path.join(src, "policy", "default.yaml")):
        print("1..0 # SKIP no policy/default.yaml")
        return 77
    t = Tap()
    topo = Topology("pgs").up()
    dropins = os.path.join(topo.dir, "policy.d")
    state = os.path.join(topo.dir, "state")
    os.mkdir(dropins)
    cfg = "policy:\n  directory: %s\n  state_directory: %s\n" % (dropins, state)

    agent = Agent(topo, binary, extra_config=cfg).start(timeout=90)
    t.ok(agent.status().get("policy.source") == "embedded default",
         "no drop-in yet: the built-in policy", agent.status())
    with open(os.path.join(dropins, "ward.yaml.tmp"), "w") as f:
        f.write(versioned(src, "dropin-1"))
    os.rename(os.path.join(dropins, "ward.yaml.tmp"), os.path.join(dropins, "ward.yaml"))
    t.ok(wait_version(agent, "dropin-1"), "a drop-in is taken without a signal", agent.log())
    agent.stop()

    agent = Agent(topo, binary, extra_config=cfg).start(timeout=90)
    t.ok(agent.status().get("policy.version") == "dropin-1",
         "after a restart the last good policy is in force", agent.status())
    agent.stop()

    strict = cfg + "  require_signature: true\n"
    agent = Agent(topo, binary, extra_config=strict).start(timeout=90)
    before = agent.status().get("policy.version")
    with open(os.path.join(dropins, "other.yaml.tmp"), "w") as f:
        f.write(versioned(src, "unsigned-2"))
    os.rename(os.path.join(dropins, "other.yaml.tmp"), os.path.join(dropins, "other.yaml"))
    ev = agent.wait_event(lambda e: field(e, "event.action") == "policy-refused", timeout=30)
    t.ok(ev is not None and agent.status().get("policy.version") == before,
         "an unsigned drop-in is refused when signatures are required; the policy stays",
         (before, agent.status().get("policy.version"), agent.log()))
    agent.stop()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
