#!/usr/bin/env python3
"""run_with_server.py - run the browser tests (node --test tests/browser/)
against a fresh `knute serve` with demo data.

Starts the server on a free port (tests/harness), sets KNUTE_URL,
KNUTE_USER=saksbehandler and KNUTE_PASSWORD=demo-passord (and KNUTE_BIN,
KNUTE_BIN_ARGS: the binary and its settings flags, for tests that set things
up with the CLI), runs
`node --test tests/browser/` from the repository root, stops the server and
exits with node's exit code (1 if the server misbehaved on stop).

    python3 tests/browser/run_with_server.py --knute build/knute [--node node]
"""

import json
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402


def main():
    args = knute.parse_args("Run the browser tests against a demo server", lambda p: (
        p.add_argument("--node", default="node"),
        p.add_argument("--user", default="saksbehandler")))
    with knute.Workdir("browser", keep=args.keep) as wd:
        srv = knute.Server(args.knute, wd.path, args.web_root)
        srv.cli("demo")
        srv.start()
        env = dict(os.environ, KNUTE_URL=srv.url, KNUTE_USER=args.user, KNUTE_PASSWORD=knute.DEMO_PASSWORD,
                   KNUTE_BIN=args.knute, KNUTE_BIN_ARGS=json.dumps(srv.flags()))  # CLI set-up in tests
        print("knute serving %s (folder %s)" % (srv.url, wd.path), flush=True)
        counts = {"pass": 0, "fail": 0}
        try:
            code = run_node(args, env, counts)
        finally:
            rc, took = srv.stop()
        if rc != 0:
            print("knute serve exited %r on SIGTERM; output:\n%s" % (rc, srv.output_tail()), flush=True)
            code = code or 1
        if code != 0 and counts["fail"] == 0:
            counts["fail"] = 1
        wd.failed = code != 0
        print("browser tests: node exited %d" % code)
        print("%d passed, %d failed" % (counts["pass"], counts["fail"]), flush=True)
    return code


def run_node(args, env, counts):
    """node --test, echoing its output and picking up its '# pass N' and
    '# fail M' summary lines into counts; returns node's exit code."""
    try:
        node = subprocess.Popen([args.node, "--test", "tests/browser/"], cwd=args.source_dir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        print("cannot run %s: %s" % (args.node, e), flush=True)
        return 1
    timer = threading.Timer(600, node.kill)
    timer.start()
    try:
        for line in node.stdout:
            sys.stdout.write(line)
            m = re.match(r"^# (pass|fail) (\d+)\s*$", line)
            if m:
                counts[m.group(1)] = int(m.group(2))
        return node.wait()
    finally:
        timer.cancel()


if __name__ == "__main__":
    sys.exit(main())
