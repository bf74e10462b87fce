"""test_tls.py - black-box suite of Knute over HTTPS.

Starts `knute serve` with tls_cert/tls_key (a self-signed P-256 certificate
for 127.0.0.1 made here with the openssl command), then checks that the
server speaks only TLS on its port, that the certificate verifies, that the
session cookie gets the Secure attribute and responses carry HSTS, and that a
logged-in session works over TLS. A tls_cert without tls_key stops start-up
with exit code 2 naming the key.

    python3 tests/http/test_tls.py --knute build/knute

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import http.client
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402
from knute import MUNI_A, Client, citizens_path  # noqa: E402

R = None


def make_certificate(wd):
    cert, key = os.path.join(wd, "cert.pem"), os.path.join(wd, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def test_plain_http_refused(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        R.check("plain HTTP gets no HTTP answer on the TLS port", False, "status %d" % r.status)
    except (OSError, http.client.HTTPException):
        R.check("plain HTTP gets no HTTP answer on the TLS port", True)
    finally:
        conn.close()


def test_session_over_tls(srv):
    r = Client(srv.url).get("/healthz")
    R.equal("GET /healthz over verified TLS", r.status, 200)
    hsts = r.header("Strict-Transport-Security") or ""
    R.check("HSTS header with max-age", "max-age=" in hsts, repr(hsts))
    c = Client(srv.url)
    r = c.login("saksbehandler")
    R.equal("login over TLS", r.status, 200)
    attrs = [a.strip().lower() for a in (r.header("Set-Cookie") or "").split(";")]
    R.check("session cookie is Secure", "secure" in attrs, repr(attrs))
    R.check("session cookie is HttpOnly", "httponly" in attrs, repr(attrs))
    R.check("session cookie is SameSite=Strict", "samesite=strict" in attrs, repr(attrs))
    R.equal("citizens over TLS with the session", c.get(citizens_path(MUNI_A)).status, 200)


def test_half_configured(wd, cert):
    srv = knute.Server(ARGS.knute, wd, ARGS.web_root, name="half", settings={"tls_cert": cert})
    p = srv.cli("serve", check=False, timeout=20)
    R.equal("tls_cert without tls_key exits 2", p.returncode, 2, p.stderr[-300:])
    R.check("the message names tls_key", "tls_key" in p.stderr, p.stderr[-300:])


ARGS = None


def main():
    global R, ARGS
    ARGS = knute.parse_args("Knute HTTPS black-box suite")
    R = knute.Results(ARGS.only)
    with knute.Workdir("tls", keep=ARGS.keep) as wd:
        cert, key = make_certificate(wd.path)
        knute.HTTPS_CA_FILE = cert
        srv = knute.Server(ARGS.knute, wd.path, ARGS.web_root, settings={"tls_cert": cert, "tls_key": key})
        srv.cli("demo")
        srv.start()
        try:
            R.run("plain HTTP refused", test_plain_http_refused, srv)
            R.run("session over TLS", test_session_over_tls, srv)
        finally:
            rc, _ = srv.stop()
        R.run("clean stop", lambda: R.equal("knute serve exits 0 on SIGTERM", rc, 0))
        R.run("half-configured TLS", test_half_configured, wd.path, cert)
        code = R.summary()
        wd.failed = code != 0
    return code


if __name__ == "__main__":
    sys.exit(main())
