#!/usr/bin/env python3
"""test_cli.py - black-box suite of the `knute` command line.

Help and usage errors, settings from knute.conf / KNUTE_* / flags (unknown or
bad settings exit 2 naming the key; precedence file < env < flag), migrations,
users and clients (API key shown once and never stored), an online backup
while the server writes, and docs/config.md equal to `knute config --markdown`.

    python3 tests/cli/test_cli.py --knute build/knute

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402
from knute import MUNI_A, Client, citizen_body, citizens_path  # noqa: E402

COMMANDS = ["serve", "migrate", "demo", "backup", "org", "user", "client", "config", "routes", "version"]
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
R = None


def run(args, wd, input=None, env=None, cwd=None, timeout=60):
    """knute ARGS in cwd (default wd) with a clean environment plus env."""
    return subprocess.run([ARGS.knute] + list(args), input=input, capture_output=True, text=True,
                          cwd=cwd or wd, env=knute.child_env(env), timeout=timeout * knute.SLOW)


def show(p):
    return "exit %d, stdout %r, stderr %r" % (p.returncode, p.stdout[-400:], p.stderr[-400:])


def config_value(stdout, key):
    m = re.search(r"^%s\s*=\s*(.*)$" % re.escape(key), stdout, re.M)
    return m.group(1).strip() if m else None


# ------------------------------------------------------------------ tests

def test_help(wd):
    p = run(["--help"], wd)
    R.check("knute --help exits 0 with Usage", p.returncode == 0 and "Usage" in p.stdout, show(p))
    for c in COMMANDS:
        R.check("--help lists %s" % c, re.search(r"^\s+%s\s" % c, p.stdout, re.M), p.stdout[:300])
    p = run([], wd)
    R.check("knute without a command exits 2 with Usage", p.returncode == 2 and "Usage" in p.stderr, show(p))
    for c in COMMANDS:
        for flag in ("--help", "-h"):
            p = run([c, flag], wd)
            R.check("knute %s %s exits 0 and prints Usage" % (c, flag),
                    p.returncode == 0 and p.stdout.startswith("Usage: knute %s" % c), show(p))
    p = run(["frobnicate"], wd)
    R.check("unknown command exits 2 and names it", p.returncode == 2 and "frobnicate" in p.stderr, show(p))
    p = run(["version"], wd)
    R.check("version", p.returncode == 0 and re.match(r"knute \d+\.\d+\.\d+", p.stdout), show(p))
    for args in (["version", "--bogus"], ["migrate", "--frob"], ["serve", "--nope=1"], ["backup"],
                 ["backup", "a.db", "b.db"], ["user"], ["user", "fly"], ["client"], ["client", "add", "x"],
                 ["client", "add", "x", "--kind", "jwt", "--grant", MUNI_A + ":admin"],
                 ["client", "add", "x", "--kind", "password"]):
        p = run(args + ["--database=" + os.path.join(wd, "usage.db")], wd)
        R.check("knute %s exits 2" % " ".join(args), p.returncode == 2 and re.search(r"^knute: ", p.stderr, re.M), show(p))


def test_settings(wd):
    d = os.path.join(wd, "settings")
    os.makedirs(d)
    conf = os.path.join(d, "knute.conf")

    def write(text):
        with open(conf, "w") as f:
            f.write(text)

    # unknown setting: file (./knute.conf and --config), environment, flag
    write("# comment\nport = 8099\nno_such_key = 1\n")
    p = run(["config"], d, cwd=d)
    R.check("unknown key in ./knute.conf: exit 2 naming it", p.returncode == 2 and "no_such_key" in p.stderr, show(p))
    R.check("...and the file and line", "knute.conf:3" in p.stderr, p.stderr)
    p = run(["--config", conf, "version"], wd)
    R.check("unknown key via --config: exit 2", p.returncode == 2 and "no_such_key" in p.stderr, show(p))
    p = run(["config"], wd, env={"KNUTE_CONFIG": conf})
    R.check("unknown key via KNUTE_CONFIG: exit 2", p.returncode == 2 and "no_such_key" in p.stderr, show(p))
    os.remove(conf)
    p = run(["config"], wd, env={"KNUTE_NO_SUCH_KEY": "1"})
    R.check("unknown KNUTE_ variable: exit 2 naming it",
            p.returncode == 2 and ("NO_SUCH_KEY" in p.stderr or "no_such_key" in p.stderr), show(p))
    p = run(["config", "--no-such-key=1"], wd)
    R.check("unknown flag: exit 2 naming it", p.returncode == 2 and "no-such-key" in p.stderr, show(p))
    p = run(["--config", os.path.join(wd, "missing.conf"), "config"], wd)
    R.check("missing --config file: exit 2", p.returncode == 2 and "missing.conf" in p.stderr, show(p))

    # bad values
    for key, value in (("port", "70000"), ("port", "80x"), ("log_level", "loud"), ("access_log", "maybe"),
                       ("environment", "staging"), ("threads", "0"), ("max_body_bytes", "-1")):
        write("%s = %s\n" % (key, value))
        p = run(["config"], d, cwd=d)
        R.check("bad %s=%s in file: exit 2 naming the key" % (key, value), p.returncode == 2 and key in p.stderr, show(p))
        os.remove(conf)
        p = run(["config"], wd, env={"KNUTE_" + key.upper(): value})
        R.check("bad KNUTE_%s=%s: exit 2 naming the key" % (key.upper(), value), p.returncode == 2 and key.upper() in p.stderr.upper(), show(p))
        p = run(["config", "--%s=%s" % (key.replace("_", "-"), value)], wd)
        R.check("bad --%s=%s: exit 2 naming the key" % (key, value), p.returncode == 2 and key in p.stderr, show(p))
    write("port 8080\n")
    p = run(["config"], d, cwd=d)
    R.check("line without '=' is exit 2", p.returncode == 2 and "knute.conf:1" in p.stderr, show(p))
    p = run(["config", "--jwks-file=/x.json"], wd)
    R.check("jwks_file without issuer/audience: exit 2", p.returncode == 2 and "jwt_issuer" in p.stderr, show(p))
    p = run(["serve", "--tls-cert=/x.pem"], wd)
    R.check("tls_cert without tls_key: exit 2", p.returncode == 2 and "tls_key" in p.stderr, show(p))

    # precedence: default < file < env < flag
    p = run(["config"], wd)
    R.equal("default port", config_value(p.stdout, "port"), "8080", show(p))
    write('port = 1111\nlog_level = "debug"\npublic_url = https://knute.example/ # not a comment\n')
    p = run(["config"], d, cwd=d)
    R.equal("file sets port", config_value(p.stdout, "port"), "1111", show(p))
    R.equal("file value in quotes", config_value(p.stdout, "log_level"), "debug")
    R.check("config names the file", "knute.conf" in p.stdout.splitlines()[0], p.stdout[:100])
    p = run(["config"], d, cwd=d, env={"KNUTE_PORT": "2222"})
    R.equal("env beats file", config_value(p.stdout, "port"), "2222", show(p))
    R.equal("file still sets what env does not", config_value(p.stdout, "log_level"), "debug")
    p = run(["config", "--port=3333"], d, cwd=d, env={"KNUTE_PORT": "2222"})
    R.equal("flag beats env", config_value(p.stdout, "port"), "3333", show(p))
    p = run(["config", "--port", "4444"], d, cwd=d, env={"KNUTE_PORT": "2222"})
    R.equal("flag with separate value", config_value(p.stdout, "port"), "4444", show(p))
    p = run(["config", "--log_level=warn"], d, cwd=d)
    R.equal("flag with underscore", config_value(p.stdout, "log_level"), "warn", show(p))
    # test-runner variables are not settings
    p = run(["config"], wd, env={"KNUTE_URL": "http://x", "KNUTE_USER": "u", "KNUTE_PASSWORD": "p"})
    R.equal("KNUTE_URL/USER/PASSWORD are ignored", p.returncode, 0, show(p))
    os.remove(conf)


def test_migrate(wd):
    db = os.path.join(wd, "migrate.db")
    p = run(["migrate", "--status", "--database=" + db], wd)
    m = re.search(r"^(\d+) migrations, (\d+) pending$", p.stdout, re.M)
    R.check("status on a new database", p.returncode == 0 and m, show(p))
    if m:
        R.check("everything pending before migrate", int(m.group(1)) >= 1 and m.group(1) == m.group(2), p.stdout)
        R.check("pending rows say pending", p.stdout.count("pending") >= int(m.group(2)) + 1, p.stdout)
    p = run(["migrate", "--database=" + db], wd)
    R.check("migrate", p.returncode == 0 and re.search(r"migrations, 0 pending", p.stdout), show(p))
    p = run(["migrate", "--status", "--database=" + db], wd)
    R.check("status after migrate: 0 pending", p.returncode == 0 and re.search(r"migrations, 0 pending", p.stdout), show(p))
    R.check("applied rows show a date", re.search(r"^\s+1\s+\S+\s+\d{4}-\d\d-\d\d", p.stdout, re.M), p.stdout)
    p = run(["migrate", "--database=" + db], wd)
    R.check("migrate again is a no-op", p.returncode == 0 and "0 pending" in p.stdout, show(p))
    p = run(["migrate", "--database=" + os.path.join(wd, "no", "such", "dir.db")], wd)
    R.equal("unopenable database exits 1", p.returncode, 1, show(p))


def test_users_and_clients(wd):
    srv = knute.Server(ARGS.knute, wd, ARGS.web_root, name="users",
                       settings={"lockout_threshold": 2, "lockout_s": 2})
    srv.cli("demo")
    p = srv.cli("demo")
    R.check("demo twice: already present", "already" in p.stdout, p.stdout)
    p = srv.cli("demo", "--environment=production", check=False)
    R.check("demo refused in production", p.returncode != 0 and "production" in p.stderr, show(p))

    pw = "Et-ganske-langt-passord-42"
    p = srv.cli("user", "add", "tove", "--name", "Tove Tester", "--grant", MUNI_A + ":nurse,coordinator",
                input=pw + "\n", check=False)
    R.check("user add with password on stdin", p.returncode == 0 and "tove" in p.stdout, show(p))
    R.check("password is not echoed", pw not in p.stdout + p.stderr)
    p = srv.cli("user", "list")
    R.check("user list shows tove active with grants",
            re.search(r"^tove\s+Tove Tester\s+active\s+%s:\S*nurse" % MUNI_A, p.stdout, re.M), p.stdout)
    R.check("user list shows demo users", "saksbehandler" in p.stdout and "revisor" in p.stdout)
    p = srv.cli("user", "add", "tove", "--name", "Tove Igjen", "--grant", MUNI_A + ":nurse", input=pw + "\n", check=False)
    R.equal("duplicate user exits 2", p.returncode, 2, show(p))
    for what, args, inp in (
            ("short password", ["user", "add", "kort", "--name", "K", "--grant", MUNI_A + ":nurse"], "kort\n"),
            ("no password", ["user", "add", "ingen", "--name", "I", "--grant", MUNI_A + ":nurse"], ""),
            ("bad orgnr checksum", ["user", "add", "bad1", "--name", "B", "--grant", "939000012:nurse"], pw + "\n"),
            ("unknown organisation", ["user", "add", "bad2", "--name", "B", "--grant", "123456785:nurse"], pw + "\n"),
            ("unknown role", ["user", "add", "bad3", "--name", "B", "--grant", MUNI_A + ":king"], pw + "\n"),
            ("no grant", ["user", "add", "bad4", "--name", "B"], pw + "\n"),
            ("no name", ["user", "add", "bad5", "--grant", MUNI_A + ":nurse"], pw + "\n")):
        p = srv.cli(*args, input=inp, check=False)
        R.check("user add with %s exits 2" % what, p.returncode == 2 and re.search(r"^knute: ", p.stderr, re.M), show(p))
    p = srv.cli("user", "list")
    R.check("refused users were not added", not re.search(r"^(kort|ingen|bad\d)\s", p.stdout, re.M), p.stdout)
    p = srv.cli("user", "disable", "tove")
    R.check("user disable", "disabled" in p.stdout, show(p))
    R.check("list shows disabled", re.search(r"^tove\s.*\bdisabled\b", srv.cli("user", "list").stdout, re.M))
    p = srv.cli("user", "disable", "nobody", check=False)
    R.equal("disable unknown user exits 2", p.returncode, 2, show(p))

    # The server agrees: disabled users cannot log in, enabled users can.
    srv.start()
    try:
        R.equal("disabled user cannot log in", Client(srv.url).login("tove", pw).status, 401)
        srv.cli("user", "enable", "tove")
        R.check("list shows active again", re.search(r"^tove\s.*\bactive\b", srv.cli("user", "list").stdout, re.M))
        R.equal("enabled user logs in", Client(srv.url).login("tove", pw).status, 200)
        # lockout_threshold=2 and lockout_s=2 from the flags take effect
        codes = [Client(srv.url).login("tove", "feil-passord-%d" % i).status for i in range(3)]
        R.equal("two failures lock (lockout_threshold=2)", codes[2], 429, repr(codes))
        R.equal("locked: right password refused", Client(srv.url).login("tove", pw).status, 429)
        time.sleep(2.5)
        R.equal("lock lifts after lockout_s=2", Client(srv.url).login("tove", pw).status, 200)

        p = srv.cli("client", "add", "alarm-1", "--kind", "apikey", "--scope", "knute/api knute/citizens.write",
                    "--grant", MUNI_A + ":case_worker")
        keys = knute.API_KEY_RE.findall(p.stdout)
        R.equal("API key printed once", len(keys), 1, p.stdout)
        key = keys[0] if keys else ""
        R.check("key looks like knk_ + 43 chars", re.match(r"^knk_[A-Za-z0-9_-]{43}$", key), key)
        R.check("key not on stderr", not key or key not in p.stderr)
        if key:
            r = Client(srv.url, bearer=key).get("/api/v1/noop")
            R.equal("the printed key works", r.status, 200)
        p2 = srv.cli("client", "add", "alarm-2", "--kind", "apikey", "--scope", "knute/api", "--grant", MUNI_A + ":operator")
        key2 = (knute.API_KEY_RE.findall(p2.stdout) or [""])[0]
        R.check("two clients get different keys", key and key2 and key != key2)
        p = srv.cli("client", "add", "alarm-1", "--kind", "apikey", "--grant", MUNI_A + ":operator", check=False)
        R.equal("duplicate client name exits 2", p.returncode, 2, show(p))
        p = srv.cli("client", "add", "epj", "--kind", "jwt", "--client-id", "epj-123", "--grant", MUNI_A + ":case_worker")
        R.check("jwt client add prints no key", p.returncode == 0 and "API key" not in p.stdout, show(p))
        p = srv.cli("client", "list")
        R.check("client list shows the clients",
                all(n in p.stdout for n in ("alarm-1", "alarm-2", "epj", "epj-123")), p.stdout)
        R.check("client list shows no key", key and key not in p.stdout and key[4:] not in p.stdout)
    finally:
        rc, _ = srv.stop()
    R.equal("server stops with 0", rc, 0, srv.output_tail(500))
    blob = b""
    for suffix in ("", "-wal", "-shm"):
        try:
            with open(srv.db + suffix, "rb") as f:
                blob += f.read()
        except OSError:
            pass
    R.check("database read", len(blob) > 4096)
    for k in (key, key2):
        if k:
            R.check("API key not in the database file", k.encode() not in blob and k[4:].encode() not in blob)
    R.check("password not in the database file", pw.encode() not in blob)
    R.check("demo password not in the database file", knute.DEMO_PASSWORD.encode() not in blob)
    R.check("log file holds no key or password",
            all(s not in "\n".join(srv.log_lines()) for s in (key, key2, pw) if s))


def test_organisations(wd):
    srv = knute.Server(ARGS.knute, wd, ARGS.web_root, name="orgs")
    p = srv.cli("org", "add", "964965226", "--kind", "municipality", "--name", "Lillesand kommune",
                "--inhabitants", "11500", check=False)
    R.check("org add saves a municipality", p.returncode == 0 and "964965226" in p.stdout, show(p))
    p = srv.cli("org", "list")
    R.check("org list shows it with kind and inhabitants",
            re.search(r"^964965226\s+municipality\s+11500\s+Lillesand kommune$", p.stdout, re.M), p.stdout)
    for what, args in (("a wrong check digit", ["964965227", "--kind", "municipality", "--name", "X"]),
                       ("an unknown kind", ["964965226", "--kind", "kommune", "--name", "X"]),
                       ("no name", ["964965226", "--kind", "municipality"]),
                       ("negative inhabitants", ["964965226", "--kind", "municipality", "--name", "X",
                                                 "--inhabitants", "-5"])):
        p = srv.cli("org", "add", *args, check=False)
        R.check("org add with %s exits 2 with a reason" % what,
                p.returncode == 2 and re.search(r"^knute: ", p.stderr, re.M), show(p))
    R.equal("nothing half-written: still one organisation",
            srv.sql("SELECT count(*), max(name) FROM organisations"), [(1, "Lillesand kommune")])
    p = srv.cli("user", "add", "lise", "--name", "Lise", "--grant", "964965226:coordinator",
                input="Et-ganske-langt-passord-42\n", check=False)
    R.check("a user can be granted roles at the new municipality", p.returncode == 0, show(p))


def test_log_rotation(wd):
    srv = knute.Server(ARGS.knute, wd, ARGS.web_root, name="rotate")
    srv.start()
    try:
        Client(srv.url).get("/healthz")
        rotated = srv.log_file + ".1"
        os.rename(srv.log_file, rotated)
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5 * knute.SLOW
        while not os.path.exists(srv.log_file) and time.monotonic() < deadline:
            time.sleep(0.05)
        R.check("SIGHUP creates a new log file", os.path.exists(srv.log_file))
        R.check("the server keeps running after SIGHUP", srv.running())
        Client(srv.url).get("/healthz")
    finally:
        rc, _ = srv.stop()
    R.equal("knute serve exits 0 after SIGHUP and SIGTERM", rc, 0)
    with open(rotated, encoding="utf-8") as f:
        old = f.read()
    new = "\n".join(srv.log_lines())
    R.check("the moved file holds the lines from before", '"server.started"' in old, old[-300:])
    R.check("the new file holds the reopen and later lines",
            '"log.reopened"' in new and '"server.stopped"' in new, new[-300:])
    R.check("nothing after the reopen went to the moved file", '"server.stopped"' not in old)


def test_backup(wd):
    srv = knute.Server(ARGS.knute, wd, ARGS.web_root, name="backup")
    srv.cli("demo")
    key = srv.add_apikey_client("writer", "knute/api knute/citizens.write", [MUNI_A + ":case_worker"])
    srv.start()
    nins = knute.NinGenerator(60, 99)
    acked = []
    stop = threading.Event()
    lock = threading.Lock()

    def writer():
        c = Client(srv.url, bearer=key)
        while not stop.is_set():
            nin = nins.next()
            try:
                r = c.post(citizens_path(), citizen_body(nin), record=False)
            except OSError:
                continue
            if r.status == 201:
                with lock:
                    acked.append((r.json["id"], nin, time.monotonic()))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        target = os.path.join(wd, "backup-copy.db")
        with lock:
            before = {a[0] for a in acked}
        t0 = time.monotonic()
        p = srv.cli("backup", target, check=False, timeout=120)
        took = time.monotonic() - t0
        R.check("backup while the server writes exits 0", p.returncode == 0 and target in p.stdout, show(p))
        time.sleep(0.5)
        with lock:
            during = len(acked) - len(before)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        rc, _ = srv.stop()
    R.equal("server stops with 0 after the backup", rc, 0, srv.output_tail(500))
    R.check("writes continued during the backup", during > 0, "%d writes in %.1fs" % (during, took))
    R.check("no temporary file left", not os.path.exists(target + ".tmp"))
    import sqlite3
    con = sqlite3.connect(target)
    try:
        R.equal("backup integrity_check", con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        ids = {r[0] for r in con.execute("SELECT id FROM citizens")}
        R.check("backup holds the demo citizens and every write acknowledged before it started",
                len(ids) >= knute.DEMO_CITIZENS + len(before) and before <= ids,
                "%d rows, %d acknowledged before, %d missing" % (len(ids), len(before), len(before - ids)))
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        R.check("backup has every table", {"citizens", "users", "clients", "audit_events", "schema_migrations"} <= tables,
                repr(tables))
        R.equal("backup is a self-contained file (no WAL needed)",
                con.execute("SELECT count(*) FROM users").fetchone()[0] >= 9, True)
    finally:
        con.close()
    # The backup is a working database for knute itself.
    p = run(["migrate", "--status", "--database=" + target], wd)
    R.check("knute opens the backup", p.returncode == 0 and "0 pending" in p.stdout, show(p))
    p = run(["backup", os.path.join(wd, "no", "such", "dir", "x.db"), "--database=" + srv.db], wd)
    R.equal("backup to an unwritable place exits 1", p.returncode, 1, show(p))


def test_hub_send(wd):
    """`knute hub send`, as scripts/demo_hub.sh uses it: accepted once, then a duplicate."""
    srv = knute.Server(ARGS.knute, wd, ARGS.web_root, name="hubsend")
    srv.cli("demo")
    srv.cli("client", "add", "lev", "--kind", "apikey", "--scope", "vkp/write", "--grant", MUNI_A + ":operator")
    srv.cli("hub", "grant", "add", "--client", "lev", "--receiver", MUNI_A, "--resource", "*", "--access", "write")
    msg = os.path.join(ARGS.source_dir, "tests", "fhir", "vkp", "valid", "msg-medicationdispense.json")
    first = srv.cli("hub", "send", "--receiver", MUNI_A, "--client", "lev", msg, check=False)
    R.check("hub send exits 0 with the status path", first.returncode == 0 and "$status" in first.stdout, show(first))
    again = srv.cli("hub", "send", "--receiver", MUNI_A, "--client", "lev", msg, check=False)
    R.check("the same message again: a duplicate", again.returncode == 0 and "duplicate" in again.stdout, show(again))


def test_config_doc(wd):
    p = run(["config", "--markdown"], wd)
    R.equal("config --markdown exits 0", p.returncode, 0, show(p))
    table = p.stdout.strip("\n")
    rows = table.splitlines()
    R.check("table header", rows and rows[0].startswith("| setting |"), table[:200])
    for key in ("listen", "port", "database", "log_file", "jwks_file", "environment", "max_body_bytes"):
        R.check("table documents %s" % key, any(r.startswith("| `%s` | `KNUTE_%s`" % (key, key.upper())) for r in rows))
    doc_holds("config.md", BEGIN, END, table, "knute config --markdown")


def doc_holds(name, begin, end, table, command):
    """docs/NAME holds exactly `table` between the markers begin and end."""
    path = os.path.join(ARGS.source_dir, "docs", name)
    try:
        with open(path, encoding="utf-8") as f:
            doc = f.read()
    except OSError as e:
        R.check("docs/%s exists" % name, False, str(e))
        return
    R.check("docs/%s has the markers" % name, begin in doc and end in doc)
    if begin in doc and end in doc:
        inner = doc.split(begin, 1)[1].split(end, 1)[0].strip("\n")
        R.check("docs/%s holds exactly the table of `%s`" % (name, command), inner == table,
                "differs; regenerate with: %s" % command)


def test_api_doc(wd):
    p = run(["routes"], wd)
    R.equal("routes exits 0", p.returncode, 0, show(p))
    table = p.stdout.strip("\n")
    for row in ("| POST | `/api/v1/session` | none |", "| GET | `/healthz` | none |",
                "| POST | `/api/v1/municipalities/{orgnr}/citizens` | case_worker,coordinator,admin at {orgnr} |"):
        R.check("the reference has %s" % row[:60], row in table, table[:300])
    R.check("every route has a summary", all(not r.rstrip().endswith("| |") for r in table.splitlines()[2:]))
    doc_holds("api.md", "<!-- routes:begin -->", "<!-- routes:end -->", table, "knute routes")


ARGS = None


def main():
    global R, ARGS
    ARGS = knute.parse_args("Knute CLI black-box suite")
    R = knute.Results(ARGS.only)
    with knute.Workdir("cli", keep=ARGS.keep) as wd:
        R.run("help and usage errors", test_help, wd.path)
        R.run("settings: unknown, bad, precedence", test_settings, wd.path)
        R.run("migrate", test_migrate, wd.path)
        R.run("users and clients", test_users_and_clients, wd.path)
        R.run("organisations", test_organisations, wd.path)
        R.run("log rotation with SIGHUP", test_log_rotation, wd.path)
        R.run("online backup while writing", test_backup, wd.path)
        R.run("hub send from the command line", test_hub_send, wd.path)
        R.run("docs/config.md", test_config_doc, wd.path)
        R.run("docs/api.md", test_api_doc, wd.path)
        code = R.summary()
        wd.failed = code != 0
    return code


if __name__ == "__main__":
    sys.exit(main())
