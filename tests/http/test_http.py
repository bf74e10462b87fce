#!/usr/bin/env python3
"""test_http.py - black-box suite of Knute's HTTP server.

Runs the real `knute serve` (demo data, API-key and JWT clients, a JWKS made by
knute_test_jwt) and checks the HTTP contract from outside: health, the static
UI and path traversal, 404/405/413/415/400 problems with nothing written, the
authentication matrix (sessions, CSRF, lock-out, JWT, API keys), access by role
and municipality, audit of every citizen read, request ids, /metrics, the log
file (valid JSON lines, no secrets or person numbers) and graceful shutdown.

    python3 tests/http/test_http.py --knute build/knute --jwt-tool build/knute_test_jwt

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import http.client
import json
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402
from knute import MUNI_A, MUNI_B, Client, citizen_body, citizens_path  # noqa: E402

ISSUER = "https://helseid.test.knute"
AUDIENCE = "knute-api"
JWT_SCOPES = "knute/api knute/citizens.read knute/citizens.write"
API_SCOPES = "knute/api knute/citizens.read knute/citizens.write"
STRONG_PASSWORD = "Sterkt-passord-123"
GRACE_S = 5

R = None                 # knute.Results
NINS = knute.NinGenerator(58, 99)
SECRETS = {}             # secret text -> what it is (must never appear in logs)
CREATED = {}             # citizen id -> nin, every 201 the suite saw


def secret(value, what):
    if value:
        SECRETS[value] = what
    return value


def problem_ok(r, status, code=None):
    """Check r is an RFC 9457 problem with the given status (and code)."""
    ok = R.equal("status %d for %s %s" % (status, r.method, r.path), r.status, status,
                 r.text[:300])
    R.check("problem+json content type (%s %s)" % (r.method, r.path),
            r.content_type == "application/problem+json", "Content-Type %r" % r.header("Content-Type"))
    doc = r.json_or_none()
    if not R.check("problem body is a JSON object (%s %s)" % (r.method, r.path), isinstance(doc, dict),
                   r.text[:200]):
        return ok
    for f in ("type", "title", "status", "code", "detail", "request_id"):
        R.check("problem has %r (%s %s)" % (f, r.method, r.path), f in doc, json.dumps(doc)[:300])
    R.equal("problem status field", doc.get("status"), status)
    if code:
        R.equal("problem code (%s %s)" % (r.method, r.path), doc.get("code"), code)
    R.check("problem detail is non-empty (%s %s)" % (r.method, r.path),
            isinstance(doc.get("detail"), str) and doc.get("detail").strip() != "", json.dumps(doc)[:300])
    R.equal("problem request_id equals X-Request-Id", doc.get("request_id"), r.header("X-Request-Id"))
    return ok


def record_created(r):
    if r.status == 201:
        doc = r.json_or_none() or {}
        cid = doc.get("id")
        if cid:
            CREATED[cid] = doc.get("nin")
    return r


def create_citizen(client, orgnr=MUNI_A, nin=None, **kw):
    nin = nin or NINS.next()
    secret(nin, "person number")
    r = client.post(citizens_path(orgnr), citizen_body(nin, **kw))
    return record_created(r), nin


def citizen_total(admin, orgnr=MUNI_A):
    r = admin.get(citizens_path(orgnr) + "?limit=1")
    if r.status != 200:
        raise RuntimeError("cannot count citizens: %r" % r)
    return r.json["total"]


def actor_of(event):
    a = event.get("actor")
    if isinstance(a, dict):
        return a.get("id")
    return event.get("actor_id") or a


def items_of(doc):
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for k in ("items", "events", "data", "users", "organisations", "clients"):
            if isinstance(doc.get(k), list):
                return doc[k]
    return []


# ------------------------------------------------------------------ tests

def test_health(srv):
    c = Client(srv.url)
    for path in ("/healthz", "/readyz"):
        r = c.get(path)
        R.equal("GET %s" % path, r.status, 200)
        R.check("%s has X-Request-Id" % path, r.header("X-Request-Id"))
    r = c.request("HEAD", "/healthz")
    R.equal("HEAD /healthz", r.status, 200)
    R.equal("HEAD has no body", r.body, b"")


def test_static(srv):
    c = Client(srv.url)
    r = c.get("/")
    R.equal("GET / status", r.status, 200)
    R.equal("GET / is HTML", r.content_type, "text/html")
    R.check("GET / body is the app page", b"<html" in r.body.lower() and b"Knute" in r.body, r.text[:200])
    R.check("GET / has a Content-Security-Policy", "default-src 'self'" in (r.header("Content-Security-Policy") or ""),
            repr(r.header("Content-Security-Policy")))
    r = c.get("/js/app.js")
    R.equal("GET /js/app.js", r.status, 200)
    R.check("app.js is JavaScript", "javascript" in r.content_type, r.content_type)
    r = c.get("/no-such-file.html")
    R.equal("missing static file is 404", r.status, 404)

    passwd_paths = [
        "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/web/../../etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/js/../../../../../../etc/passwd", "/.%2e/.%2e/.%2e/.%2e/etc/passwd",
        "/..%5c..%5c..%5cetc%5cpasswd", "/%252e%252e/%252e%252e/etc/passwd",
        "//etc/passwd", "/etc/passwd", "/./../etc/passwd", "/index.html/../../../etc/passwd",
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/../../etc/passwd%00.html",
    ]
    for p in passwd_paths:
        r = c.get(p)
        R.check("traversal %s is refused" % p, r.status in (400, 403, 404) and b"root:" not in r.body,
                "status %d body %r" % (r.status, r.body[:80]))
    # The parent of the web root is the source tree: nothing there may be served.
    for p in ("/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/web/../CMakeLists.txt",
              "/..%2fCMakeLists.txt"):
        r = c.get(p)
        R.check("traversal %s is refused" % p,
                r.status in (400, 403, 404) and b"cmake_minimum_required" not in r.body,
                "status %d body %r" % (r.status, r.body[:80]))
    # Raw request targets that http.client would not send as-is.
    for target in (b"/../../../../etc/passwd", b"/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        data = knute.raw_request(srv.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        R.check("raw traversal %s is refused" % target.decode(), b"root:" not in data and b" 200 " not in data[:20],
                repr(data[:120]))


def test_errors(srv, key, admin):
    """404/405/413/415/400: problem documents, and nothing is written."""
    api = Client(srv.url, bearer=key)
    before = citizen_total(admin)
    ok_nins = 0

    r = api.get("/api/v1/no-such-route")
    problem_ok(r, 404, "not_found")
    r = api.post("/api/v1/no-such-route", {"x": 1})
    problem_ok(r, 404, "not_found")
    r = Client(srv.url).get("/api/v1/citizens/does-not-exist/extra")
    R.check("unknown nested route is 404 (before authentication)", r.status == 404, repr(r))

    r = api.request("PUT", "/api/v1/noop", json_body={})
    problem_ok(r, 405, "method_not_allowed")
    allow = r.header("Allow") or ""
    R.check("405 Allow lists GET", "GET" in allow, allow)
    r = Client(srv.url).request("DELETE", "/healthz")
    problem_ok(r, 405, "method_not_allowed")
    R.check("405 on /healthz has Allow: GET", "GET" in (r.header("Allow") or ""), repr(r.header("Allow")))
    r = api.request("PATCH", citizens_path(), json_body={})
    problem_ok(r, 405, "method_not_allowed")
    allow = r.header("Allow") or ""
    R.check("405 on citizens lists GET and POST", "GET" in allow and "POST" in allow, allow)

    # 413: a 2 MiB body, valid JSON, with and without credentials (size is
    # checked before authentication).
    big_nin = NINS.next()
    big = json.dumps(citizen_body(big_nin, address="x" * (2 * 1024 * 1024))).encode()
    r = api.request_raw("POST", citizens_path(), big)
    problem_ok(r, 413, "payload_too_large")
    r = Client(srv.url).request_raw("POST", citizens_path(), big)
    problem_ok(r, 413, "payload_too_large")
    r = Client(srv.url).request_raw("POST", "/api/v1/session", big)
    problem_ok(r, 413, "payload_too_large")
    sb = knute.logged_in(srv.url, "saksbehandler")
    secret(sb.cookie, "session cookie")
    secret(sb.csrf, "CSRF token")
    r = sb.request_raw("POST", citizens_path(), big)
    problem_ok(r, 413, "payload_too_large")

    # A lying Content-Length: announces 2 MiB, sends 100 bytes and waits. The
    # answer must come from the header alone, without waiting for the body.
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (citizens_path(), key, 2 * 1024 * 1024)).encode()
    t0 = time.monotonic()
    data = knute.raw_request(srv.port, head + b'{"nin":"' + b"1" * 80 + b'"', timeout=8)
    took = time.monotonic() - t0
    parsed = knute.parse_raw_response(data)
    R.check("huge Content-Length with a short body gets 413", parsed and parsed[0] == 413, repr(data[:200]))
    R.check("...without waiting for the body", took < 6 * knute.SLOW, "took %.1fs" % took)

    # Chunked upload of 2 MiB without a Content-Length: counted while streaming.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    resp = b""
    try:
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                   "Connection: close\r\n\r\n" % (citizens_path(), key)).encode())
        chunk = b"x" * 65536
        try:
            first = b'{"address":"xxxxx'
            s.sendall(b"%x\r\n%s\r\n" % (len(first), first))
            for _ in range(32):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b'2\r\n"}\r\n0\r\n\r\n')
        except OSError:
            pass  # the server may answer and close early
        while True:
            try:
                b = s.recv(65536)
            except OSError:
                break
            if not b:
                break
            resp += b
    finally:
        s.close()
    parsed = knute.parse_raw_response(resp)
    R.check("chunked 2 MiB body gets 413", parsed and parsed[0] == 413, repr(resp[:200]))

    # Content-Length smaller than the body: the server reads only what was
    # announced (truncated JSON), so 400, and nothing is stored.
    lie_nin = NINS.next()
    secret(lie_nin, "person number")
    body = json.dumps(citizen_body(lie_nin)).encode()
    req = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\nConnection: close\r\n\r\n" % (citizens_path(), key, len(body) - 12)).encode()
    data = knute.raw_request(srv.port, req + body, timeout=8)
    parsed = knute.parse_raw_response(data)
    R.check("short Content-Length (truncated JSON) gets 400", parsed and parsed[0] == 400, repr(data[:200]))

    # 415: JSON route, other media types.
    for ctype in ("text/plain", "application/x-www-form-urlencoded", None, "application/jsonx",
                  "multipart/form-data; boundary=x"):
        n = NINS.next()
        secret(n, "person number")
        h = {"Content-Type": ctype} if ctype else {}
        r = api.request("POST", citizens_path(), body=json.dumps(citizen_body(n)), headers=h)
        problem_ok(r, 415, "unsupported_media_type")
    r = api.request("POST", citizens_path(), body=json.dumps(citizen_body(NINS.next())),
                    content_type="application/json; charset=utf-8")
    R.check("application/json; charset=utf-8 is accepted", r.status == 201, repr(r))
    record_created(r)
    ok_nins += r.status == 201

    # 400: malformed or wrongly shaped JSON.
    good = citizen_body(NINS.next())
    bad_bodies = [
        ("truncated JSON", b'{"nin": "123'),
        ("not JSON", b"nin=12345678901"),
        ("empty body", b""),
        ("array instead of object", b"[]"),
        ("string instead of object", b'"x"'),
        ("nin as number", json.dumps(dict(good, nin=12345678901)).encode()),
        ("missing given_name", json.dumps({k: v for k, v in good.items() if k != "given_name"}).encode()),
        ("unknown field", json.dumps(dict(good, favourite_colour="blue")).encode()),
        ("deep nesting", b'{"nin":' + b"[" * 200 + b"]" * 200 + b"}"),
        ("invalid UTF-8", b'{"nin":"' + good["nin"].encode() + b'","given_name":"\xff\xfe",'
                          b'"family_name":"X"}'),
        ("trailing garbage", json.dumps(good).encode() + b" {}"),
        ("wrong check digits", json.dumps(dict(good, nin=knute.nin_wrong_check(NINS.next()))).encode()),
        ("ten digits", json.dumps(dict(good, nin="1234567890")).encode()),
        ("nin with letters", json.dumps(dict(good, nin="1508a012345")).encode()),
        ("empty given_name", json.dumps(dict(good, given_name="")).encode()),
        ("given_name too long", json.dumps(dict(good, given_name="x" * 600)).encode()),
    ]
    for what, body in bad_bodies:
        r = api.request("POST", citizens_path(), body=body, content_type="application/json")
        problem_ok(r, 400, "invalid")
        record_created(r)
    # A real (non-synthetic) person number is refused in the test environment.
    real = knute.real_nin()
    secret(real, "person number")
    r = api.post(citizens_path(), citizen_body(real))
    R.check("real person number refused in environment=test", r.status in (400, 422), repr(r))
    record_created(r)

    # 201 + Location, then 409 on the same number.
    r, nin = create_citizen(api)
    R.equal("create citizen", r.status, 201, r.text[:300])
    ok_nins += r.status == 201
    loc = r.header("Location") or ""
    cid = (r.json_or_none() or {}).get("id", "")
    R.check("Location names the new citizen", cid and loc.endswith("/api/v1/citizens/" + cid), "Location %r id %r" % (loc, cid))
    r2 = api.get(loc if loc.startswith("/") else "/api/v1/citizens/" + cid)
    R.equal("GET Location", r2.status, 200, r2.text[:200])
    if r2.status == 200:
        R.equal("read back nin", r2.json.get("nin"), nin)
        R.equal("read back municipality", r2.json.get("municipality"), MUNI_A)
    r3 = api.post(citizens_path(), citizen_body(nin))
    problem_ok(r3, 409, "conflict")
    record_created(r3)

    after = citizen_total(admin)
    R.equal("citizen count changed only by the accepted creates", after - before, ok_nins)
    for n in (big_nin, lie_nin):
        R.check("rejected body was not stored", not srv.sql("SELECT 1 FROM citizens WHERE nin = ?", (n,)))


def test_no_credentials(srv, some_citizen_id):
    routes = [("GET", "/metrics"), ("GET", "/api/v1/session"), ("DELETE", "/api/v1/session"),
              ("GET", "/api/v1/noop"), ("GET", citizens_path()), ("POST", citizens_path()),
              ("GET", citizens_path(MUNI_B)), ("GET", "/api/v1/citizens/" + some_citizen_id),
              ("GET", "/api/v1/users"), ("GET", "/api/v1/organisations"),
              ("GET", "/api/v1/audit"), ("GET", "/api/v1/audit?municipality=" + MUNI_A)]
    anon = Client(srv.url)
    for method, path in routes:
        body = json.dumps(citizen_body(NINS.next())) if method == "POST" else None
        r = anon.request(method, path, body=body, content_type="application/json" if body else None)
        problem_ok(r, 401, "unauthenticated")
        R.check("WWW-Authenticate: Bearer on %s %s" % (method, path),
                (r.header("WWW-Authenticate") or "").startswith("Bearer"), repr(r.header("WWW-Authenticate")))
    # Garbage credentials are no credentials.
    bad = [("Authorization", "Basic YWRtaW46ZGVtby1wYXNzb3Jk"), ("Authorization", "Bearer "),
           ("Authorization", "Bearer knk_not-a-real-key"), ("Authorization", "Bearer a.b.c"),
           ("Authorization", "bearer"), ("Cookie", "knute_session=deadbeefdeadbeef"),
           ("Cookie", "knute_session=")]
    for name, value in bad:
        r = anon.request("GET", "/api/v1/noop", headers={name: value})
        problem_ok(r, 401, "unauthenticated")


def test_pipeline_order(srv, keys):
    """route -> size -> authn -> CSRF -> content type -> JSON parse -> access -> handler."""
    anon = Client(srv.url)
    r = anon.request("POST", "/api/v1/nope", body="x", content_type="text/plain")
    problem_ok(r, 404, "not_found")                      # route before authn
    r = anon.request("POST", citizens_path(), body="{not json", content_type="text/plain")
    problem_ok(r, 401, "unauthenticated")                # authn before media type
    r = anon.request("POST", citizens_path(), body="{not json", content_type="application/json")
    problem_ok(r, 401, "unauthenticated")                # authn before JSON parse
    fj = knute.logged_in(srv.url, "fjordvik")
    secret(fj.cookie, "session cookie")
    secret(fj.csrf, "CSRF token")
    r = fj.request("POST", citizens_path(MUNI_A), body="{not json", content_type="text/plain", csrf=False)
    problem_ok(r, 403, "forbidden")                      # CSRF before media type
    r = fj.request("POST", citizens_path(MUNI_A), body="{not json", content_type="text/plain")
    problem_ok(r, 415, "unsupported_media_type")         # media type before access
    r = fj.request("POST", citizens_path(MUNI_A), body="{not json", content_type="application/json")
    problem_ok(r, 400, "invalid")                        # JSON parse before access
    r, _ = create_citizen(fj, MUNI_A)
    problem_ok(r, 403, "forbidden")                      # access before the handler
    r = Client(srv.url, bearer=keys["api_read"]).request("POST", citizens_path(MUNI_A), body="{",
                                                         content_type="text/plain")
    problem_ok(r, 415, "unsupported_media_type")         # clients: no CSRF, media type first


def test_jwt(srv, jwt, keys):
    k1, k2, rogue = keys["k1"], keys["k2"], keys["rogue"]
    path_a, path_b = citizens_path(MUNI_A), citizens_path(MUNI_B)

    def tok(**kw):
        args = dict(key=k1, kid="k1", iss=ISSUER, aud=AUDIENCE, client_id="epj-knutby", scope=JWT_SCOPES)
        args.update(kw)
        return secret(jwt.sign(**args), "JWT")

    good = tok()
    r = Client(srv.url, bearer=good).get(path_a)
    R.equal("valid RS256 JWT reads its municipality", r.status, 200, r.text[:200])
    r = Client(srv.url, bearer=good).get("/api/v1/noop")
    R.equal("valid JWT with knute/api calls noop", r.status, 200, r.text[:200])
    r = Client(srv.url, bearer=tok(key=k2, kid="k2", alg="ES256")).get(path_a)
    R.equal("valid ES256 JWT (second key in the JWKS)", r.status, 200, r.text[:200])
    r = Client(srv.url, bearer=good).get(path_b)
    problem_ok(r, 403, "forbidden")
    r, _ = create_citizen(Client(srv.url, bearer=good), MUNI_B)
    problem_ok(r, 403, "forbidden")
    r, _ = create_citizen(Client(srv.url, bearer=good), MUNI_A)
    R.equal("JWT client creates a citizen in its municipality", r.status, 201, r.text[:200])

    rejected = {
        "expired": tok(exp_in=-3600),
        "not yet valid (nbf)": tok(nbf_in=3600),
        "wrong issuer": tok(iss="https://evil.example"),
        "wrong audience": tok(aud="someone-else"),
        "tampered signature": tok(tamper=True),
        "signed by a key not in the JWKS (same kid)": tok(key=rogue, kid="k1"),
        "unknown kid": tok(key=rogue, kid="k9"),
        "unregistered client_id": tok(client_id="nobody"),
        "no exp claim": tok(exp_in=None),
        "header alg RS256 but key is EC": tok(key=k2, kid="k1", alg="ES256"),
    }
    parts = good.split(".")
    hdr = json.loads(knute.b64url_decode(parts[0]))
    payload = json.loads(knute.b64url_decode(parts[1]))
    rejected["alg none"] = knute.jwt_unsigned(dict(hdr, alg="none"), payload)
    import hmac
    import hashlib
    signing_input = "%s.%s" % (knute.b64url(json.dumps(dict(hdr, alg="HS256"))), knute.b64url(json.dumps(payload)))
    mac = hmac.new(b"secret", signing_input.encode(), hashlib.sha256).digest()
    rejected["alg HS256"] = signing_input + "." + knute.b64url(mac)
    # the payload swapped for one granting more, signature kept
    more = dict(payload, client_id="epj-fjordvik")
    rejected["payload swapped"] = "%s.%s.%s" % (parts[0], knute.b64url(json.dumps(more)), parts[2])
    for what, t in rejected.items():
        secret(t, "JWT")
        r = Client(srv.url, bearer=t).get(path_a)
        problem_ok(r, 401, "unauthenticated")
        R.check("JWT %s is refused" % what, r.status == 401, repr(r))

    # Scopes come from the token: without knute/citizens.read the list is 403.
    r = Client(srv.url, bearer=tok(scope="knute/api")).get(path_a)
    problem_ok(r, 403, "forbidden")
    r = Client(srv.url, bearer=tok(scope=None)).get("/api/v1/noop")
    problem_ok(r, 403, "forbidden")


def test_apikey(srv, keys):
    good = keys["api"]
    r = Client(srv.url, bearer=good).get("/api/v1/noop")
    R.equal("good API key calls noop", r.status, 200, r.text[:200])
    R.equal("noop says ok", (r.json_or_none() or {}).get("ok"), True)
    r = Client(srv.url, bearer=good).get(citizens_path(MUNI_A))
    R.equal("API key reads its municipality", r.status, 200)
    r = Client(srv.url, bearer=good).get(citizens_path(MUNI_B))
    problem_ok(r, 403, "forbidden")
    for what, k in (("wrong key", "knk_" + "A" * 43), ("changed last char", good[:-1] + ("A" if good[-1] != "A" else "B")),
                    ("truncated", good[:-5]), ("with prefix", "x" + good)):
        r = Client(srv.url, bearer=k).get("/api/v1/noop")
        problem_ok(r, 401, "unauthenticated")
    # An API key without the write scope cannot create citizens.
    r, _ = create_citizen(Client(srv.url, bearer=keys["api_read"]))
    problem_ok(r, 403, "forbidden")
    # A session cookie is not an API key, and an API key is not a cookie.
    r = Client(srv.url).get("/api/v1/noop", headers={"Cookie": "knute_session=" + good})
    problem_ok(r, 401, "unauthenticated")


def test_csrf(srv, admin):
    sb = knute.logged_in(srv.url, "saksbehandler")
    secret(sb.cookie, "session cookie")
    secret(sb.csrf, "CSRF token")
    before = citizen_total(admin)
    n = NINS.next()
    secret(n, "person number")
    r = sb.post(citizens_path(), citizen_body(n), csrf=False)
    problem_ok(r, 403, "forbidden")
    record_created(r)
    form = "nin=%s&given_name=Form&family_name=Post" % n
    r = sb.request("POST", citizens_path(), body=form, content_type="application/x-www-form-urlencoded", csrf=False)
    problem_ok(r, 403, "forbidden")
    record_created(r)
    r = sb.request("POST", citizens_path(), body=json.dumps(citizen_body(n)), content_type="text/plain", csrf=False)
    problem_ok(r, 403, "forbidden")
    r = sb.post(citizens_path(), citizen_body(n), csrf=False, headers={"X-CSRF-Token": "0" * 64})
    problem_ok(r, 403, "forbidden")
    r = sb.post(citizens_path(), citizen_body(n), csrf=False, headers={"X-CSRF-Token": ""})
    problem_ok(r, 403, "forbidden")
    other = knute.logged_in(srv.url, "koordinator")
    secret(other.cookie, "session cookie")
    secret(other.csrf, "CSRF token")
    r = sb.post(citizens_path(), citizen_body(n), csrf=False, headers={"X-CSRF-Token": other.csrf})
    problem_ok(r, 403, "forbidden")
    R.equal("no citizen written by CSRF-less posts", citizen_total(admin), before)
    r = sb.post(citizens_path(), citizen_body(n))
    R.equal("with X-CSRF-Token the post passes", r.status, 201, r.text[:200])
    record_created(r)
    r = sb.delete("/api/v1/session", csrf=False)
    problem_ok(r, 403, "forbidden")
    r = sb.get("/api/v1/session")
    R.equal("session still valid after CSRF-less DELETE", r.status, 200)
    # GET needs no CSRF token
    r = sb.get(citizens_path(), csrf=False)
    R.equal("GET with cookie and no CSRF token", r.status, 200)


def test_login(srv):
    c = Client(srv.url)
    r = c.login("saksbehandler")
    R.equal("login status", r.status, 200, r.text[:200])
    if r.status != 200:
        return
    secret(c.cookie, "session cookie")
    secret(c.csrf, "CSRF token")
    body = r.json
    R.check("login body has csrf_token", isinstance(body.get("csrf_token"), str) and len(body["csrf_token"]) >= 16)
    user = body.get("user") or {}
    R.equal("login user.username", user.get("username"), "saksbehandler")
    grants = user.get("grants") or []
    R.check("login grants: case_worker at %s" % MUNI_A,
            any(g.get("orgnr") == MUNI_A and "case_worker" in (g.get("roles") or []) for g in grants),
            json.dumps(grants))
    R.check("login body holds no password hash", "argon2" not in r.text and "password" not in r.text, r.text[:300])
    attrs = knute.set_cookie_attrs(r) or {}
    R.check("Set-Cookie knute_session present", c.cookie, repr(r.header_all("Set-Cookie")))
    R.check("cookie is HttpOnly", "httponly" in attrs, repr(attrs))
    R.equal("cookie SameSite", str(attrs.get("samesite", "")).lower(), "strict")
    R.check("no Secure flag over plain HTTP", "secure" not in attrs, repr(attrs))
    R.check("cookie Path=/", attrs.get("path") == "/", repr(attrs))
    R.check("login response is not cacheable", "no-store" in (r.header("Cache-Control") or ""),
            repr(r.header("Cache-Control")))
    r = c.get("/api/v1/session")
    R.equal("GET session (me)", r.status, 200)
    R.equal("me is saksbehandler", ((r.json_or_none() or {}).get("user") or {}).get("username"), "saksbehandler")

    # Wrong password and unknown user look the same.
    w = Client(srv.url).login("saksbehandler", "feil-passord-1")
    problem_ok(w, 401, "unauthenticated")
    u = Client(srv.url).login("finnes-ikke", "feil-passord-1")
    problem_ok(u, 401, "unauthenticated")
    R.equal("unknown user and wrong password give the same detail",
            (u.json_or_none() or {}).get("detail"), (w.json_or_none() or {}).get("detail"))
    R.check("failed login sets no session cookie", knute.session_cookie(w) in (None, ""), repr(w.header_all("Set-Cookie")))
    for bad in ({"username": "saksbehandler"}, {"password": "x"}, {"username": 1, "password": 2}):
        r = Client(srv.url).post("/api/v1/session", bad)
        R.check("login body %s is refused with 400" % json.dumps(bad), r.status == 400, repr(r))

    # Each login is its own session; a new login does not reuse the old one.
    c2 = knute.logged_in(srv.url, "saksbehandler")
    secret(c2.cookie, "session cookie")
    secret(c2.csrf, "CSRF token")
    R.check("a second login gets a new cookie and CSRF token", c2.cookie != c.cookie and c2.csrf != c.csrf)
    mixed = Client(srv.url)
    mixed.cookie, mixed.csrf = c.cookie, c2.csrf
    r = mixed.post(citizens_path(), citizen_body(NINS.next()))
    problem_ok(r, 403, "forbidden")
    record_created(r)

    # Logout invalidates the cookie on the server.
    old = c.cookie
    r = c.logout()
    R.equal("logout", r.status, 204)
    attrs = knute.set_cookie_attrs(r)
    R.check("logout clears the cookie", attrs is None or "max-age" in attrs or "expires" in attrs, repr(attrs))
    replay = Client(srv.url)
    replay.cookie = old
    r = replay.get("/api/v1/session")
    problem_ok(r, 401, "unauthenticated")
    r = replay.get(citizens_path())
    problem_ok(r, 401, "unauthenticated")
    R.equal("the other session lives on", c2.get("/api/v1/session").status, 200)


def test_lockout(srv, threshold):
    attempts = []
    for i in range(threshold + 1):
        attempts.append(Client(srv.url).login("laas", "feil-passord-%d" % i).status)
    R.check("first %d wrong passwords are 401" % (threshold - 1), all(s == 401 for s in attempts[:threshold - 1]),
            repr(attempts))
    R.check("attempt %d is 401 or 429" % threshold, attempts[threshold - 1] in (401, 429), repr(attempts))
    R.equal("attempt after the threshold is 429", attempts[threshold], 429)
    r = Client(srv.url).login("laas", STRONG_PASSWORD)
    problem_ok(r, 429, "locked_out")
    R.check("locked out login sets no cookie", not knute.session_cookie(r))
    r = Client(srv.url).login("saksbehandler")
    R.equal("other users are not locked", r.status, 200)
    lst = srv.cli("user", "list").stdout
    R.check("user list shows laas as locked", re.search(r"^laas\s.*\blocked\b", lst, re.M), lst)


AUTH_CACHE_S = 2  # the server setting this suite runs with

def test_disabled(srv):
    r = Client(srv.url).login("slutta", STRONG_PASSWORD)
    problem_ok(r, 401, "unauthenticated")
    # Disabling a user ends their sessions too.
    c = Client(srv.url)
    r = c.login("byttet", STRONG_PASSWORD)
    R.equal("byttet logs in", r.status, 200)
    secret(c.cookie, "session cookie")
    R.equal("byttet reads citizens", c.get(citizens_path()).status, 200)
    srv.cli("user", "disable", "byttet")
    # Proven sessions are remembered for auth_cache_s: the disabled user's
    # session must be refused within that time (plus a second of slack), not later.
    disabled_at = time.monotonic()
    r = c.get(citizens_path())
    while r.status == 200 and time.monotonic() - disabled_at < AUTH_CACHE_S + 1:
        time.sleep(0.2)
        r = c.get(citizens_path())
    problem_ok(r, 401, "unauthenticated")
    R.check("disabled session refused within auth_cache_s",
            time.monotonic() - disabled_at <= AUTH_CACHE_S + 1.5)
    r = Client(srv.url).login("byttet", STRONG_PASSWORD)
    problem_ok(r, 401, "unauthenticated")


def test_access(srv, keys, citizen_a):
    admin = knute.logged_in(srv.url, "admin")
    sb = knute.logged_in(srv.url, "saksbehandler")
    fj = knute.logged_in(srv.url, "fjordvik")
    lev = knute.logged_in(srv.url, "leverandor")
    nurse = knute.logged_in(srv.url, "sykepleier")
    for c in (admin, sb, fj, lev, nurse):
        secret(c.cookie, "session cookie")
        secret(c.csrf, "CSRF token")
    r = admin.get("/api/v1/users")
    R.equal("admin lists users", r.status, 200)
    names = [u.get("username") for u in items_of(r.json_or_none())]
    R.check("user list has saksbehandler", "saksbehandler" in names, repr(names)[:300])
    R.check("user list holds no password hashes", "argon2" not in r.text and "password" not in r.text)
    problem_ok(sb.get("/api/v1/users"), 403, "forbidden")
    # An admin sees only the users of the organisations they administer.
    admin_a = Client(srv.url)
    R.equal("admin-a logs in", admin_a.login("admin-a", STRONG_PASSWORD).status, 200)
    r = admin_a.get("/api/v1/users")
    names_a = [u.get("username") for u in items_of(r.json_or_none())]
    R.check("admin of 939000011 sees its users", "saksbehandler" in names_a and "admin-a" in names_a,
            repr(names_a))
    R.check("admin of 939000011 does not see users only of 939000038", "fjordvik" not in names_a,
            repr(names_a))
    R.check("the full admin sees users of both", "fjordvik" in names, repr(names))
    r = sb.get("/api/v1/organisations")
    R.equal("organisations", r.status, 200)
    R.check("organisations lists Knutby", MUNI_A in r.text and "Knutby kommune" in r.text, r.text[:300])

    r = fj.get(citizens_path(MUNI_B))
    R.equal("fjordvik lists Fjordvik", r.status, 200)
    problem_ok(fj.get(citizens_path(MUNI_A)), 403, "forbidden")
    problem_ok(fj.get("/api/v1/citizens/" + citizen_a), 403, "forbidden")
    r, _ = create_citizen(fj, MUNI_A)
    problem_ok(r, 403, "forbidden")
    problem_ok(lev.get(citizens_path(MUNI_A)), 403, "forbidden")
    r, _ = create_citizen(nurse, MUNI_A)
    problem_ok(r, 403, "forbidden")
    R.equal("nurse reads citizens of her municipality", nurse.get(citizens_path(MUNI_A)).status, 200)
    r = sb.get("/api/v1/citizens/" + "0" * 32)
    problem_ok(r, 404, "not_found")
    r, _ = create_citizen(admin, "974000016")     # an organisation that is not a municipality
    R.check("create at a non-municipality is refused", r.status in (403, 404), repr(r))
    r, _ = create_citizen(admin, "123456785")     # valid checksum, not registered
    R.check("create at an unknown organisation is refused", r.status in (403, 404), repr(r))

    # paging
    r = sb.get(citizens_path(MUNI_A) + "?offset=0&limit=5")
    R.equal("list page", r.status, 200)
    doc = r.json_or_none() or {}
    R.check("page has at most 5 items", len(doc.get("items", [])) <= 5 and len(doc.get("items", [])) > 0, r.text[:200])
    R.check("total counts all", isinstance(doc.get("total"), int) and doc["total"] >= 15, r.text[:200])
    for q in ("limit=-1", "limit=abc", "offset=-5", "limit=100000", "offset=1e3"):
        r = sb.get(citizens_path(MUNI_A) + "?" + q)
        problem_ok(r, 400, "invalid")

    # metrics: admin/auditor users, clients with scope knute/metrics
    r = admin.get("/metrics")
    R.equal("admin reads /metrics", r.status, 200)
    problem_ok(sb.get("/metrics"), 403, "forbidden")
    problem_ok(Client(srv.url, bearer=keys["api"]).get("/metrics"), 403, "forbidden")
    r = Client(srv.url, bearer=keys["metrics"]).get("/metrics")
    R.equal("client with knute/metrics reads /metrics", r.status, 200)
    R.check("metrics are Prometheus text", r.content_type == "text/plain", r.content_type)
    for m in ("knute_http_requests_total", "knute_http_request_duration_seconds_bucket",
              "knute_store_commit_duration_seconds_bucket", "knute_store_commit_batch_size_bucket"):
        R.check("metrics has %s" % m, re.search(r"^%s[{ ]" % m, r.text, re.M), r.text[:300])
    m = re.search(r"^knute_store_commit_batch_size_count (\d+)", r.text, re.M)
    R.check("group commits were counted", m and int(m.group(1)) > 0, m.group(0) if m else "no _count line")
    R.check("metrics count 401 answers", re.search(r'^knute_http_requests_total\{[^}]*status="401"[^}]*\} [1-9]', r.text, re.M),
            "no knute_http_requests_total{status=\"401\"} line")


def test_audit(srv, keys, citizen_a):
    sb = knute.logged_in(srv.url, "saksbehandler")
    rev = knute.logged_in(srv.url, "revisor")
    for c in (sb, rev):
        secret(c.cookie, "session cookie")
        secret(c.csrf, "CSRF token")
    sb_id = (sb.user or {}).get("id")
    R.check("session user has an id", sb_id)
    t_before = time.time()
    r = sb.get("/api/v1/citizens/" + citizen_a, headers={"X-Request-Id": "audit-read-1"})
    R.equal("saksbehandler reads a citizen", r.status, 200)
    r = sb.get(citizens_path(MUNI_A) + "?limit=3", headers={"X-Request-Id": "audit-list-1"})
    R.equal("saksbehandler lists citizens", r.status, 200)
    api = Client(srv.url, bearer=keys["api"])
    r = api.get("/api/v1/citizens/" + citizen_a, headers={"X-Request-Id": "audit-read-2"})
    R.equal("API client reads a citizen", r.status, 200)

    problem_ok(sb.get("/api/v1/audit?municipality=" + MUNI_A), 403, "forbidden")
    r = rev.get("/api/v1/audit?municipality=%s&action=citizen.read&limit=1000" % MUNI_A)
    R.equal("auditor reads the audit trail", r.status, 200, r.text[:300])
    events = items_of(r.json_or_none())
    R.check("audit lists events", events, r.text[:300])
    R.check("action filter holds", all(e.get("action") == "citizen.read" for e in events),
            json.dumps(events[:3]))

    def find(rid):
        return [e for e in events if e.get("request_id") == rid]

    ev = find("audit-read-1")
    R.equal("one citizen.read event for the session read", len(ev), 1, json.dumps(events[-3:]))
    if ev:
        e = ev[0]
        R.equal("audit actor is the user", actor_of(e), sb_id, json.dumps(e))
        R.equal("audit object is the citizen", e.get("object_id"), citizen_a, json.dumps(e))
        R.equal("audit municipality", e.get("municipality"), MUNI_A, json.dumps(e))
        R.equal("audit outcome", e.get("outcome"), "ok", json.dumps(e))
        when = e.get("at") or e.get("time") or e.get("at_ms")
        R.check("audit event has a time", when, json.dumps(e))
        if isinstance(when, str):
            R.check("audit time is RFC 3339", re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", when), when)
        elif isinstance(when, (int, float)):
            secs = when / 1000.0 if when > 1e11 else when
            R.check("audit time is now", abs(secs - t_before) < 120, repr(when))
        R.check("audit event holds no person number", not re.search(r"(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])", json.dumps(e)), json.dumps(e))
    ev = find("audit-read-2")
    R.equal("one citizen.read event for the API client read", len(ev), 1)
    if ev:
        R.check("client read is attributed to a client",
                ev[0].get("actor_kind") == "client" or (isinstance(ev[0].get("actor"), dict) and ev[0]["actor"].get("kind") == "client"),
                json.dumps(ev[0]))
    r = rev.get("/api/v1/audit?municipality=%s&action=citizen.list&limit=1000" % MUNI_A)
    R.check("citizen.list event recorded", any(e.get("request_id") == "audit-list-1" for e in items_of(r.json_or_none())),
            r.text[-300:])
    # actor filter, limit, after
    r = rev.get("/api/v1/audit?municipality=%s&actor=%s&limit=1000" % (MUNI_A, sb_id))
    evs = items_of(r.json_or_none())
    R.check("actor filter holds", evs and all(actor_of(e) == sb_id for e in evs), json.dumps(evs[:2]))
    r = rev.get("/api/v1/audit?municipality=%s&limit=2" % MUNI_A)
    evs = items_of(r.json_or_none())
    R.equal("limit=2 returns 2 events", len(evs), 2)
    if evs and "seq" in evs[0]:
        first = evs[0]["seq"]
        r = rev.get("/api/v1/audit?municipality=%s&after=%d&limit=50" % (MUNI_A, first))
        later = items_of(r.json_or_none())
        R.check("after= returns later events only", later and all(e["seq"] > first for e in later),
                json.dumps(later[:2]))
    # Login events are audited too, without the password.
    r = rev.get("/api/v1/audit?action=auth.login&limit=1000")
    R.equal("auditor lists login events", r.status, 200, r.text[:200])
    problem_ok(rev.get("/api/v1/audit?municipality=%s&limit=0" % MUNI_A), 400, "invalid")
    # The auditor must not reach municipalities they are not granted.
    problem_ok(rev.get("/api/v1/audit?municipality=974000016"), 403, "forbidden")
    # An auditor of Knutby only sees Knutby's trail, with or without a filter.
    fj = knute.logged_in(srv.url, "fjordvik")
    secret(fj.cookie, "session cookie")
    R.equal("fjordvik lists Fjordvik (an audited read in B)", fj.get(citizens_path(MUNI_B)).status, 200)
    ra = knute.logged_in(srv.url, "revisor-a", STRONG_PASSWORD)
    secret(ra.cookie, "session cookie")
    problem_ok(ra.get("/api/v1/audit?municipality=" + MUNI_B), 403, "forbidden")
    for q in ("limit=1000", "action=citizen.list&limit=1000", "actor=%s&limit=1000" % (fj.user or {}).get("id")):
        r = ra.get("/api/v1/audit?" + q)
        foreign = [e for e in items_of(r.json_or_none()) if e.get("municipality") not in (MUNI_A, "")]
        R.check("auditor of %s only sees its events (?%s)" % (MUNI_A, q.split("&")[0]),
                r.status == 403 or (r.status == 200 and not foreign),
                "status %d, %d events of other municipalities, e.g. %s"
                % (r.status, len(foreign), json.dumps(foreign[:1])))


def test_request_id(srv):
    c = Client(srv.url)
    r = c.get("/healthz", headers={"X-Request-Id": "abc-123-XYZ"})
    R.equal("sane request id is echoed", r.header("X-Request-Id"), "abc-123-XYZ")
    r = c.get("/api/v1/nope", headers={"X-Request-Id": "probe-404-id"})
    R.equal("request id echoed on problems", r.header("X-Request-Id"), "probe-404-id")
    R.equal("problem request_id is the client's", (r.json_or_none() or {}).get("request_id"), "probe-404-id")
    for insane in ("has space", "<script>alert(1)</script>", "x" * 65, "a;b", "ø-unicode", "", "a_b", "../x"):
        r = c.get("/healthz", headers={"X-Request-Id": insane})
        rid = r.header("X-Request-Id") or ""
        R.check("insane request id %r is replaced" % insane[:20], rid != insane and knute.REQUEST_ID_RE.match(rid),
                repr(rid))
    a = c.get("/healthz").header("X-Request-Id")
    b = c.get("/healthz").header("X-Request-Id")
    R.check("generated request ids differ", a and b and a != b, "%r %r" % (a, b))


def check_invariants():
    """Over every response of the suite."""
    rs = list(knute.Recorder.responses)
    no_rid = [r for r in rs if not knute.REQUEST_ID_RE.match(r.header("X-Request-Id") or "")]
    R.check("every response has a sane X-Request-Id (%d responses)" % len(rs), not no_rid, repr(no_rid[:3]))
    five = [r for r in rs if r.status >= 500]
    R.check("no 5xx answers during the suite", not five, repr(five[:3]))
    not_problem = [r for r in rs if r.status >= 400 and r.method != "HEAD"
                   and r.content_type != "application/problem+json"]
    R.check("every error is a problem document", not not_problem, repr(not_problem[:3]))
    api = [r for r in rs if r.path.startswith("/api/")]
    cacheable = [r for r in api if "no-store" not in (r.header("Cache-Control") or "")]
    R.check("API answers carry Cache-Control: no-store", not cacheable, repr(cacheable[:3]))


def check_logs(srv):
    lines = [l for l in srv.log_lines() if l.strip()]
    R.check("log file has lines", len(lines) > 50, "%d lines" % len(lines))
    bad = []
    for l in lines:
        try:
            if not isinstance(json.loads(l), dict):
                bad.append(l)
        except ValueError:
            bad.append(l)
    R.check("every log line is a JSON object", not bad, repr(bad[:3]))
    text = "\n".join(lines)
    try:
        with open(srv.stdout_file, encoding="utf-8", errors="replace") as f:
            text += "\n" + f.read()
    except OSError:
        pass
    leaks = []
    for value, what in SECRETS.items():
        if value and value in text:
            leaks.append("%s %s..." % (what, value[:12]))
        # a JWT's signature alone is also a leak
        if what == "JWT" and value.count(".") == 2 and len(value.split(".")[2]) > 20 and value.split(".")[2] in text:
            leaks.append("JWT signature %s..." % value.split(".")[2][:12])
    R.check("logs hold no passwords, cookies, keys, JWTs or person numbers (%d secrets checked)" % len(SECRETS),
            not leaks, "; ".join(leaks[:10]))
    nins = re.findall(r"(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])", text)
    R.check("logs hold no 11-digit numbers", not [n for n in nins if knute.nin_valid(n)], repr(nins[:5]))
    R.check("access log lines name the request id", any("request_id" in l for l in lines))


def check_database(srv, demo_nins):
    R.equal("integrity_check", srv.sql("PRAGMA integrity_check")[0][0], "ok")
    total = srv.sql("SELECT count(*) FROM citizens")[0][0]
    R.equal("citizens in the database = demo + every 201", total, knute.DEMO_CITIZENS + len(CREATED))
    ids = {row[0]: row[1] for row in srv.sql("SELECT id, nin FROM citizens")}
    missing = [cid for cid in CREATED if cid not in ids]
    R.check("every acknowledged citizen is stored", not missing, repr(missing[:3]))
    wrong = [cid for cid, nin in CREATED.items() if cid in ids and nin and ids[cid] != nin]
    R.check("stored person numbers match", not wrong, repr(wrong[:3]))


def test_graceful_shutdown(srv, key):
    srv.start()
    api = Client(srv.url, bearer=key)
    stop = threading.Event()
    outcomes = []
    lock = threading.Lock()

    def worker():
        while not stop.is_set():
            nin = NINS.next()
            secret(nin, "person number")
            body = json.dumps(citizen_body(nin)).encode()
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=15)
            try:
                conn.request("POST", citizens_path(), body=body,
                             headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()        # IncompleteRead if cut short
                o = ("response", r.status, data, r.getheader("Content-Length"))
            except http.client.IncompleteRead as e:
                o = ("incomplete", repr(e)[:100], b"", None)
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected,
                    BrokenPipeError, socket.timeout, OSError) as e:
                o = ("no-response", type(e).__name__, b"", None)
            finally:
                conn.close()
            with lock:
                outcomes.append(o)
            if o[0] == "no-response" and o[1] == "ConnectionRefusedError":
                return

    # idle connections: one that never sent anything, one kept alive after a response
    idle = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
    keepalive = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=15)
    keepalive.request("GET", "/healthz")
    ka = keepalive.getresponse()
    ka.read()
    R.equal("keep-alive connection open", ka.status, 200)
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    # one slow request: headers and half the body now, the rest after SIGTERM
    slow_nin = NINS.next()
    secret(slow_nin, "person number")
    body = json.dumps(citizen_body(slow_nin)).encode()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
    s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\nConnection: close\r\n\r\n" % (citizens_path(), key, len(body))).encode()
              + body[:20])
    time.sleep(0.8)
    t0 = time.monotonic()
    srv.proc.send_signal(15)
    time.sleep(0.3)
    slow = b""
    try:
        s.sendall(body[20:])
        while True:
            b = s.recv(65536)
            if not b:
                break
            slow += b
    except OSError as e:
        slow += ("<%s>" % type(e).__name__).encode()
    s.close()
    try:
        rc = srv.proc.wait(timeout=(GRACE_S + 10) * knute.SLOW)
    except Exception:
        srv.proc.kill()
        rc = "hung"
    took = time.monotonic() - t0
    srv.proc = None
    idle.close()
    keepalive.close()
    stop.set()
    for t in threads:
        t.join(30)

    R.equal("knute exits 0 after SIGTERM under load", rc, 0, srv.output_tail(800))
    R.check("exit within the grace period (%ss)" % GRACE_S, took <= GRACE_S + 2, "took %.1fs" % took)
    responses = [o for o in outcomes if o[0] == "response"]
    incomplete = [o for o in outcomes if o[0] == "incomplete"]
    R.check("requests were answered before the stop", len(responses) >= 8, "%d responses" % len(responses))
    R.check("no response was cut short", not incomplete, repr(incomplete[:3]))
    broken = []
    for _, status, data, clen in responses:
        try:
            doc = json.loads(data)
        except ValueError:
            broken.append((status, data[:80]))
            continue
        if clen is not None and int(clen) != len(data):
            broken.append((status, "length"))
        if status == 201:
            CREATED[doc.get("id")] = doc.get("nin")
        elif status != 503:
            broken.append((status, data[:80]))
    R.check("every response is a complete 201 (or 503 problem)", not broken, repr(broken[:3]))
    parsed = knute.parse_raw_response(slow)
    R.check("in-flight slow request finished after SIGTERM with 201", parsed and parsed[0] == 201, repr(slow[:200]))
    if parsed and parsed[0] == 201:
        doc = json.loads(parsed[2])
        CREATED[doc.get("id")] = doc.get("nin")
    print("  (shutdown: %d responses, %d without response, %.2fs)" %
          (len(responses), len(outcomes) - len(responses) - len(incomplete), took))


# ------------------------------------------------------------------ main

def main():
    global R
    args = knute.parse_args("Knute HTTP black-box suite")
    if not args.jwt_tool:
        sys.exit("--jwt-tool is required")
    R = knute.Results(args.only)
    with knute.Workdir("http", keep=args.keep) as wd:
        jwt = knute.JwtTool(args.jwt_tool, wd.path)
        k1, jwks = jwt.keygen("k1", "RS256")
        k2, _ = jwt.keygen("k2", "ES256", append=True)
        rogue, _ = jwt.keygen("rogue", "RS256", jwks="rogue-jwks.json")
        threshold = 5
        srv = knute.Server(args.knute, wd.path, args.web_root, settings={
            "jwks_file": jwks, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE,
            "shutdown_grace_s": GRACE_S, "lockout_threshold": threshold, "log_level": "debug",
            "auth_cache_s": AUTH_CACHE_S})
        secret(knute.DEMO_PASSWORD, "password")
        secret(STRONG_PASSWORD, "password")
        srv.cli("demo")
        for user, grant in (("laas", "939000011:case_worker"), ("slutta", "939000011:nurse"),
                            ("byttet", "939000011:nurse"), ("revisor-a", "939000011:auditor"),
                            ("admin-a", "939000011:admin")):
            srv.cli("user", "add", user, "--name", "Test " + user, "--grant", grant, input=STRONG_PASSWORD + "\n")
        srv.cli("user", "disable", "slutta")
        keys = {"k1": k1, "k2": k2, "rogue": rogue}
        keys["api"] = secret(srv.add_apikey_client("knutby-epj", API_SCOPES, ["939000011:case_worker"]), "API key")
        keys["api_read"] = secret(srv.add_apikey_client("knutby-les", "knute/api knute/citizens.read",
                                                        ["939000011:case_worker"]), "API key")
        keys["metrics"] = secret(srv.add_apikey_client("prometheus", "knute/metrics", ["939000011:auditor"]), "API key")
        srv.add_jwt_client("epj-knutby", "epj-knutby", ["939000011:case_worker"])
        srv.add_jwt_client("epj-fjordvik", "epj-fjordvik", ["939000038:case_worker"])
        demo_nins = [row[0] for row in srv.sql("SELECT nin FROM citizens")]
        for n in demo_nins:
            secret(n, "person number")
        citizen_a = srv.sql("SELECT id FROM citizens WHERE municipality = ? ORDER BY id LIMIT 1", (MUNI_A,))[0][0]

        srv.start()
        try:
            admin = knute.logged_in(srv.url, "admin")
            secret(admin.cookie, "session cookie")
            secret(admin.csrf, "CSRF token")
            R.run("health", test_health, srv)
            R.run("static files and path traversal", test_static, srv)
            R.run("404/405/413/415/400 problems, nothing written", test_errors, srv, keys["api"], admin)
            R.run("no credentials: 401 everywhere", test_no_credentials, srv, citizen_a)
            R.run("pipeline order", test_pipeline_order, srv, keys)
            R.run("JWT clients", test_jwt, srv, jwt, keys)
            R.run("API keys", test_apikey, srv, keys)
            R.run("CSRF", test_csrf, srv, admin)
            R.run("login, session cookie, logout", test_login, srv)
            R.run("lock-out", test_lockout, srv, threshold)
            R.run("disabled users", test_disabled, srv)
            R.run("access by role and municipality, metrics", test_access, srv, keys, citizen_a)
            R.run("audit of citizen reads", test_audit, srv, keys, citizen_a)
            R.run("request ids", test_request_id, srv)
            R.run("invariants over all responses", check_invariants)
        finally:
            rc, took = srv.stop()
        R.run("clean stop", lambda: R.equal("knute serve exits 0 on SIGTERM", rc, 0, srv.output_tail(800)))
        R.run("graceful shutdown under load", test_graceful_shutdown, srv, keys["api"])
        R.run("database after the suite", check_database, srv, demo_nins)
        R.run("log file", check_logs, srv)
        code = R.summary()
        wd.failed = code != 0
    return code


if __name__ == "__main__":
    sys.exit(main())
