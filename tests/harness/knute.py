"""knute.py - shared helpers for Knute's black-box test suites.

The suites (tests/http, tests/cli, tests/durability, tests/browser) run the real
`knute` binary and talk to it over HTTP, the command line and the SQLite file.
Python 3 standard library only.

    import knute
    args = knute.parse_args("HTTP suite")
    with knute.Workdir("http", keep=args.keep) as wd:
        srv = knute.Server(args.knute, wd.path, web_root=args.web_root)
        srv.cli("demo")
        srv.start()
        c = knute.Client(srv.url)
        s = c.login("saksbehandler", "demo-passord")
        ...
        srv.stop()

Results collects named checks and prints the final "N passed, M failed" line.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

DEMO_PASSWORD = "demo-passord"
MUNI_A = "939000011"   # Knutby kommune
MUNI_B = "939000038"   # Fjordvik kommune
DEMO_CITIZENS = 20
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
API_KEY_RE = re.compile(r"API key \(shown once, store it safely\): (knk_[A-Za-z0-9_-]+)")

# Under AddressSanitizer everything is slower; let callers scale timeouts.
SLOW = float(os.environ.get("KNUTE_TEST_SLOW", "1") or "1")


# ---------------------------------------------------------------- arguments

def parse_args(description, extra=None):
    """Common command line of every suite: --knute BIN [--jwt-tool BIN]
    [--source-dir DIR] [--keep]. extra(parser) may add suite options."""
    here = os.path.dirname(os.path.abspath(__file__))
    source = os.path.normpath(os.path.join(here, "..", ".."))
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--knute", required=True, help="path to the knute binary")
    p.add_argument("--jwt-tool", default="", help="path to knute_test_jwt")
    p.add_argument("--source-dir", default=source, help="Knute source tree (web root is SRC/web)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("-k", "--only", default="", help="run only tests whose name contains this")
    if extra:
        extra(p)
    args = p.parse_args()
    args.knute = os.path.abspath(args.knute)
    args.jwt_tool = os.path.abspath(args.jwt_tool) if args.jwt_tool else ""
    args.source_dir = os.path.abspath(args.source_dir)
    args.web_root = os.path.join(args.source_dir, "web")
    if not os.access(args.knute, os.X_OK):
        sys.exit("knute binary not found or not executable: %s" % args.knute)
    return args


# ---------------------------------------------------------------- results

class Results:
    """Named checks. check() records one assertion; run() runs a test function
    and records an unexpected exception as a failure. summary() prints the
    failures and the last line "N passed, M failed" and returns the exit code."""

    def __init__(self, only=""):
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.only = only
        self._lock = threading.Lock()
        self.current = ""

    def check(self, name, cond, detail=""):
        with self._lock:
            full = "%s: %s" % (self.current, name) if self.current else name
            if cond:
                self.passed += 1
                print("  ok   %s" % full, flush=True)
            else:
                self.failed += 1
                msg = "%s -- %s" % (full, detail) if detail else full
                self.failures.append(msg)
                print("  FAIL %s" % msg, flush=True)
        return bool(cond)

    def equal(self, name, actual, expected, detail=""):
        return self.check(name, actual == expected,
                          "expected %r, got %r%s" % (expected, actual, "; " + detail if detail else ""))

    def run(self, name, fn, *a, **kw):
        if self.only and self.only not in name:
            return None
        print("== %s" % name, flush=True)
        self.current = name
        try:
            return fn(*a, **kw)
        except Exception as e:  # a test that crashes is a failed test
            tb = traceback.format_exc()
            self.check("completed without exception", False, "%s: %s" % (type(e).__name__, e))
            print(tb, flush=True)
            return None
        finally:
            self.current = ""

    def summary(self):
        if self.failures:
            print("\nFailures:")
            for f in self.failures:
                print("  - " + f)
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed or not self.passed else 0


# ---------------------------------------------------------------- temp folders

class Workdir:
    """A temporary folder, removed on exit unless keep is set or the suite failed."""

    def __init__(self, name, keep=False):
        base = os.environ.get("KNUTE_TEST_TMP") or None
        if base:
            os.makedirs(base, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix="knute-%s-" % name, dir=base)
        self.keep = keep
        self.failed = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.keep or self.failed or exc_type is not None:
            print("(kept %s)" % self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


# CA file that https:// connections trust (set by suites that start knute
# with tls_cert/tls_key; the certificate is self-signed, so it is its own CA).
HTTPS_CA_FILE = None


def connection(scheme, host, port, timeout):
    """An http.client connection for the scheme; https verifies against HTTPS_CA_FILE."""
    if scheme == "https":
        ctx = ssl.create_default_context(cafile=HTTPS_CA_FILE)
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(extra=None):
    """The environment for a knute child: ours without any KNUTE_* variable
    (they are settings to knute, and an unknown one is an error), plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNUTE_")}
    env.update(extra or {})
    return env


# ---------------------------------------------------------------- the server

class Server:
    """One knute installation in a folder: database, log file, settings given
    as --key=value flags. cli() runs a command against it; start() runs
    `knute serve` on a free port and waits for /healthz."""

    def __init__(self, knute_bin, workdir, web_root, settings=None, name="knute"):
        self.bin = knute_bin
        self.dir = workdir
        self.web_root = web_root
        self.db = os.path.join(workdir, name + ".db")
        self.log_file = os.path.join(workdir, name + ".log")
        self.stdout_file = os.path.join(workdir, name + ".stdout")
        self.settings = dict(settings or {})
        self.proc = None
        self.port = None
        self.url = None
        self.name = name

    def flags(self, extra=None):
        s = {"database": self.db, "log_file": self.log_file, "web_root": self.web_root}
        s.update(self.settings)
        s.update(extra or {})
        return ["--%s=%s" % (k.replace("_", "-"), v) for k, v in s.items()]

    def cli(self, *args, input=None, env=None, check=True, timeout=60, settings=None):
        """Run `knute ARGS... --database=... ...`; returns CompletedProcess
        (text). With check, a non-zero exit raises RuntimeError."""
        cmd = [self.bin] + list(args) + self.flags(settings)
        p = subprocess.run(cmd, input=input, capture_output=True, text=True, cwd=self.dir,
                           env=child_env(env), timeout=timeout * SLOW)
        if check and p.returncode != 0:
            raise RuntimeError("%s exited %d\nstdout: %s\nstderr: %s"
                               % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
        return p

    def add_apikey_client(self, name, scopes, grants):
        args = ["client", "add", name, "--kind", "apikey", "--scope", scopes]
        for g in grants:
            args += ["--grant", g]
        p = self.cli(*args)
        m = API_KEY_RE.search(p.stdout)
        if not m:
            raise RuntimeError("no API key in output of client add: %r" % p.stdout)
        return m.group(1)

    def add_jwt_client(self, name, client_id, grants):
        args = ["client", "add", name, "--kind", "jwt", "--client-id", client_id]
        for g in grants:
            args += ["--grant", g]
        self.cli(*args)

    def start(self, settings=None, timeout=15, attempts=3):
        """Start `knute serve` on a free port; wait until /healthz answers 200."""
        last = ""
        for _ in range(attempts):
            self.port = free_port()
            self.scheme = "https" if self.settings.get("tls_cert") else "http"
            self.url = "%s://127.0.0.1:%d" % (self.scheme, self.port)
            cmd = [self.bin, "serve"] + self.flags(dict(settings or {}, port=self.port))
            out = open(self.stdout_file, "ab")
            self.proc = subprocess.Popen(cmd, cwd=self.dir, env=child_env(), stdout=out,
                                         stderr=subprocess.STDOUT)
            out.close()
            if self.wait_healthy(timeout * SLOW):
                return self
            last = self.output_tail()
            if self.proc.poll() is None:
                self.kill()
                break
        raise RuntimeError("knute serve did not become healthy; output:\n" + last)

    def wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = connection(self.scheme, "127.0.0.1", self.port, 2)
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                r.read()
                conn.close()
                if r.status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def output_tail(self, n=4000):
        try:
            with open(self.stdout_file, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM and wait; returns (exit code, seconds taken). Kills after timeout."""
        if self.proc is None:
            return None, 0.0
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = "killed after %ss" % timeout
        took = time.monotonic() - t0
        self.proc = None
        return rc, took

    def kill(self):
        """SIGKILL (crash) and reap."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        rc = self.proc.wait()
        self.proc = None
        return rc

    # direct reads of the database (after stop, or read-only while running)
    def sql(self, query, params=()):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def log_lines(self):
        try:
            with open(self.log_file, "rb") as f:
                return f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return []


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, reason, headers, body, method="", path=""):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value)
        self.body = body
        self.method = method
        self.path = path
        self._json = None

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json

    def json_or_none(self):
        try:
            return self.json
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def __repr__(self):
        return "<%s %s -> %d %s>" % (self.method, self.path, self.status, self.body[:300])


class Recorder:
    """Every response seen by any Client, for suite-wide invariants."""
    lock = threading.Lock()
    responses = []

    @classmethod
    def add(cls, r):
        with cls.lock:
            cls.responses.append(r)


class Client:
    """HTTP client for one identity: a session (cookie + CSRF token), a bearer
    token (JWT or API key) or nobody. A new connection per request."""

    def __init__(self, url, bearer=None, timeout=30):
        u = urllib.parse.urlsplit(url)
        self.host = u.hostname
        self.port = u.port
        self.scheme = u.scheme
        self.url = url
        self.bearer = bearer
        self.cookie = None         # value of knute_session
        self.csrf = None
        self.user = None
        self.timeout = timeout * SLOW
        self.last_login = None

    def request(self, method, path, body=None, json_body=None, headers=None,
                content_type=None, csrf=True, record=True):
        h = {}
        data = body
        if json_body is not None:
            data = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
        if isinstance(data, str):
            data = data.encode()
        if content_type is not None:
            h["Content-Type"] = content_type
        if self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        if self.cookie:
            h["Cookie"] = "knute_session=" + self.cookie
            if csrf and self.csrf and method in ("POST", "PUT", "PATCH", "DELETE"):
                h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        conn = connection(self.scheme, self.host, self.port, self.timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            resp = Response(r.status, r.reason, r.getheaders(), r.read(), method, path)
        finally:
            conn.close()
        if record:
            Recorder.add(resp)
        return resp

    def request_raw(self, method, path, body, content_type="application/json", headers=None):
        """Like request(), over a raw socket that tolerates the server
        answering and closing before the whole body is sent (413). The
        response is None when nothing parseable came back."""
        h = {"Content-Type": content_type} if content_type else {}
        if self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        if self.cookie:
            h["Cookie"] = "knute_session=" + self.cookie
            if self.csrf:
                h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        data = send_request_raw(self.port, method, path, h, body, timeout=self.timeout / SLOW)
        parsed = parse_raw_response(data)
        if parsed is None:
            return Response(0, "no response", [], data, method, path)
        status, hdrs, payload = parsed
        resp = Response(status, "", list(hdrs.items()), payload, method, path)
        Recorder.add(resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json_body=None, **kw):
        return self.request("POST", path, json_body=json_body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, username, password=DEMO_PASSWORD):
        """POST /api/v1/session; on 200 keeps the cookie and CSRF token.
        Returns the response."""
        r = self.post("/api/v1/session", {"username": username, "password": password})
        self.last_login = r
        if r.status == 200:
            self.cookie = session_cookie(r)
            body = r.json
            self.csrf = body.get("csrf_token")
            self.user = body.get("user")
        return r

    def logout(self):
        return self.delete("/api/v1/session")


def logged_in(url, username, password=DEMO_PASSWORD):
    c = Client(url)
    r = c.login(username, password)
    if r.status != 200:
        raise RuntimeError("login %s failed: %r" % (username, r))
    return c


def session_cookie(resp):
    """The knute_session value from Set-Cookie, or None."""
    for v in resp.header_all("Set-Cookie"):
        first = v.split(";")[0].strip()
        if first.startswith("knute_session="):
            return first[len("knute_session="):]
    return None


def set_cookie_attrs(resp, name="knute_session"):
    """{attribute-lower: value or True} of the named Set-Cookie, or None."""
    for v in resp.header_all("Set-Cookie"):
        parts = [p.strip() for p in v.split(";")]
        if not parts[0].startswith(name + "="):
            continue
        attrs = {}
        for p in parts[1:]:
            if "=" in p:
                k, val = p.split("=", 1)
                attrs[k.strip().lower()] = val.strip()
            elif p:
                attrs[p.lower()] = True
        return attrs
    return None


def _recv_all(s):
    """Bytes read from socket s until the peer closes, resets, or times out."""
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def raw_request(port, data, timeout=10, shut_write=False, host="127.0.0.1"):
    """Send raw bytes, read until the server closes or timeout; returns bytes."""
    s = socket.create_connection((host, port), timeout=timeout * SLOW)
    try:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        return _recv_all(s)
    finally:
        s.close()


def send_request_raw(port, method, path, headers, body, timeout=15, host="127.0.0.1"):
    """Send a request whose body the server may refuse early (413): write the
    headers and as much body as the server takes (a reset or broken pipe is
    fine), then read the answer. Returns the raw bytes received."""
    head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, host)
    head += "".join("%s: %s\r\n" % (k, v) for k, v in headers.items())
    if "content-length" not in {k.lower() for k in headers} and body is not None:
        head += "Content-Length: %d\r\n" % len(body)
    head += "Connection: close\r\n\r\n"
    s = socket.create_connection((host, port), timeout=timeout * SLOW)
    try:
        try:
            s.sendall(head.encode())
            view = memoryview(body or b"")
            for i in range(0, len(view), 65536):
                s.sendall(view[i:i + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass
        return _recv_all(s)
    finally:
        s.close()


def parse_raw_response(data):
    """(status, headers dict lower-case, body) of the first response in data, or None."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", len(rest)))
    return status, headers, rest[:n]


# ---------------------------------------------------------------- person numbers

_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits, weights):
    k = 11 - sum(int(d) * w for d, w in zip(digits, weights)) % 11
    return 0 if k == 11 else k


def nin_complete(first9):
    """The 11-digit number for nine digits, or None when a check digit would be 10."""
    k1 = _mod11(first9, _K1)
    if k1 == 10:
        return None
    k2 = _mod11(first9 + str(k1), _K2)
    if k2 == 10:
        return None
    return first9 + str(k1) + str(k2)


def nin_valid(nin):
    return len(nin) == 11 and nin.isdigit() and nin_complete(nin[:9]) == nin


def nin_wrong_check(nin):
    """The same number with a wrong second check digit."""
    return nin[:10] + str((int(nin[10]) + 1) % 10)


class NinGenerator:
    """Unique synthetic person numbers (month + 80), thread-safe. Birth years
    are taken from [year_lo, year_hi] (19xx, individual numbers 000-499), which
    keeps them apart from the demo data (years 28-57) when year_lo >= 58.
    Several generators with disjoint year ranges never collide."""

    def __init__(self, year_lo=58, year_hi=99, start=0):
        self.lo, self.hi = year_lo, year_hi
        self.i = start
        self.lock = threading.Lock()

    def _candidate(self, i):
        ind = i % 500
        i //= 500
        day = 1 + i % 28
        i //= 28
        month = 1 + i % 12
        i //= 12
        year = self.lo + i
        if year > self.hi:
            raise RuntimeError("synthetic person numbers exhausted")
        return nin_complete("%02d%02d%02d%03d" % (day, month + 80, year, ind))

    def next(self):
        with self.lock:
            while True:
                nin = self._candidate(self.i)
                self.i += 1
                if nin:
                    return nin


def real_nin(seed=0):
    """A valid *non-synthetic* fødselsnummer (month 1-12), for environment checks."""
    for ind in range(100 + seed, 500):
        nin = nin_complete("1505%02d%03d" % (70 + seed % 20, ind))
        if nin:
            return nin
    raise RuntimeError("no real nin")


def citizen_body(nin, given="Test", family="Person", **extra):
    b = {"nin": nin, "given_name": given, "family_name": family,
         "address": "Testveien 1, 4760 Knutby", "phone": "+47 99999999"}
    b.update(extra)
    return b


def citizens_path(orgnr=MUNI_A):
    return "/api/v1/municipalities/%s/citizens" % orgnr


# ---------------------------------------------------------------- JWT

class JwtTool:
    """Wrapper for tests/tools/knute_test_jwt (keys, JWKS files, signed tokens)."""

    def __init__(self, path, workdir):
        self.path = path
        self.dir = workdir

    def keygen(self, kid, alg="RS256", jwks="jwks.json", append=False):
        key = os.path.join(self.dir, "%s.pem" % kid)
        jwks = os.path.join(self.dir, jwks)
        cmd = [self.path, "keygen", "--alg", alg, "--kid", kid, "--key-out", key,
               "--jwks-out", jwks] + (["--append"] if append else [])
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
        return key, jwks

    def sign(self, key, kid, iss, aud, client_id, scope=None, exp_in=300, nbf_in=None,
             alg="RS256", tamper=False):
        cmd = [self.path, "sign", "--key", key, "--alg", alg, "--kid", kid, "--iss", iss,
               "--aud", aud, "--client-id", client_id]
        if scope is not None:
            cmd += ["--scope", scope]
        if exp_in is not None:
            cmd += ["--exp-in", str(exp_in)]
        if nbf_in is not None:
            cmd += ["--nbf-in", str(nbf_in)]
        if tamper:
            cmd.append("--tamper")
        p = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)
        return p.stdout.strip()


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_unsigned(header, payload, signature=b""):
    """A compact JWS with the given header/payload and raw signature bytes."""
    return "%s.%s.%s" % (b64url(json.dumps(header)), b64url(json.dumps(payload)), b64url(signature))


def sha256_hex(s):
    return hashlib.sha256(s.encode()).hexdigest()
