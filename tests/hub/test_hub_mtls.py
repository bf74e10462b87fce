#!/usr/bin/env python3
"""test_hub_mtls.py - delivery to an EPJ that requires a client certificate
(mutual TLS), end to end over real HTTPS.

`openssl` makes a throw-away CA, a server certificate for 127.0.0.1 and a
client certificate; a tiny Python `ssl` HTTPS server with CERT_REQUIRED plays
the EPJ. Two destinations of the same receiver are routed "*":
- "epj-mtls": auth mtls with cert_file/key_file and ca_file -> the message
  arrives, with the client certificate presented (its CN seen by the EPJ)
  and the usual X-Knute-Message-Id;
- "epj-uten-sertifikat": the same CA but no client certificate -> the
  handshake is refused, the attempt is recorded with the TLS error and the
  delivery becomes dead (max_attempts 1); nothing arrives from it. This EPJ
  speaks TLS 1.2 at most: under TLS 1.3 the server refuses the missing
  certificate only after the client considers the handshake done, so libcurl
  reports "Connection reset by peer" or "getpeername() failed" instead of a
  TLS error (still a failed attempt, but not recognisably a TLS one).

    python3 tests/hub/test_hub_mtls.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, HERE)
import knute  # noqa: E402
import hub_sim  # noqa: E402

R = None
CLIENT_CN = "knute-hub-test-client"
PATIENT = "12834810008"


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_certs(d):
    """CA, server (127.0.0.1) and client certificates, EC P-256, in d."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=Knute test CA", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name, cn in (("server", "127.0.0.1"), ("client", CLIENT_CN)):
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext", cwd=d)
    return {n: os.path.join(d, n) for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}


class Epj:
    """HTTPS server requiring a client certificate signed by the test CA.
    Records (path, client CN, X-Knute-Message-Id) of every request."""

    def __init__(self, certs, max_tls12=False):
        self.received = []
        self.lock = threading.Lock()
        epj = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                peer = self.connection.getpeercert() or {}
                cn = next((v for rdn in peer.get("subject", ()) for k, v in rdn if k == "commonName"), None)
                with epj.lock:
                    epj.received.append((self.path, cn, self.headers.get("X-Knute-Message-Id")))
                body = b'{"resourceType":"OperationOutcome","issue":[]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certs["server.pem"], certs["server.key"])
        ctx.load_verify_locations(certs["ca.pem"])
        ctx.verify_mode = ssl.CERT_REQUIRED
        if max_tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.handle_error = lambda *a: None  # refused handshakes are expected
        self.url = "https://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def add_dest(admin, body):
    r = admin.post("/api/v1/hub/destinations", body)
    R.equal("destination %s created" % body["name"], r.status, 201, r.text[:300])
    dest = (r.json_or_none() or {}).get("id")
    r = admin.post("/api/v1/hub/routes", {"receiver": knute.MUNI_A, "event": "*", "dest_id": dest})
    R.equal("route to %s added" % body["name"], r.status, 201, r.text[:300])
    return dest


def test_mtls(srv, admin, sup, epj, epj12, certs, source_dir):
    common = {"receiver": knute.MUNI_A, "mode": "push", "ca_file": certs["ca.pem"],
              "max_attempts": 1, "backoff_base_ms": 50, "backoff_max_ms": 100}
    good = add_dest(admin, dict(common, name="epj-mtls", url=epj.url + "/good", auth="mtls",
                                cert_file=certs["client.pem"], key_file=certs["client.key"]))
    bad = add_dest(admin, dict(common, name="epj-uten-sertifikat", url=epj12.url + "/nocert", auth="none"))
    _, body = hub_sim.Messages(source_dir).make(PATIENT)
    r = hub_sim.post(sup, body)
    R.equal("message accepted", r.status, 202, r.text[:200])
    mid = hub_sim.message_id(r)
    deadline = time.time() + 30
    states = {}
    while time.time() < deadline:
        states = dict(srv.sql("SELECT dest_id, status FROM hub_deliveries WHERE message_id = ?", (mid,)))
        if states.get(good) == 2 and states.get(bad) == 3:  # delivered, dead
            break
        time.sleep(0.1)
    R.equal("with the client certificate: delivered", states.get(good), 2, repr(states))
    got = []
    for e in (epj, epj12):
        with e.lock:
            got += e.received
    R.check("arrived once at the EPJ, with the client certificate presented",
            any(p.startswith("/good") and cn == CLIENT_CN and m == mid for p, cn, m in got), repr(got))
    R.check("nothing arrived without a client certificate",
            not any(p.startswith("/nocert") for p, _, _ in got), repr(got))
    R.equal("without the client certificate: dead after its one attempt", states.get(bad), 3, repr(states))
    errs = srv.sql("SELECT a.http_status, a.error FROM hub_attempts a JOIN hub_deliveries d"
                   " ON d.id = a.delivery_id WHERE d.message_id = ? AND d.dest_id = ?", (mid, bad))
    R.equal("one attempt recorded", len(errs), 1, repr(errs))
    R.check("the attempt has no HTTP answer and a TLS error",
            errs and errs[0][0] == 0 and any(w in (errs[0][1] or "").lower()
                                             for w in ("ssl", "tls", "certificate", "handshake")),
            repr(errs))


def main():
    global R
    args = knute.parse_args("Knute hub mutual-TLS delivery black-box suite")
    R = knute.Results(args.only)
    if not shutil.which("openssl"):
        print("openssl is missing")
        return 1
    with knute.Workdir("hub-mtls", keep=args.keep) as wd:
        certs = make_certs(wd.path)
        srv = knute.Server(args.knute, wd.path, args.web_root)
        srv.cli("demo")
        sup = srv.add_apikey_client("leverandor", "vkp/write vkp/read", ["%s:operator" % knute.MUNI_A])
        srv.cli("hub", "grant", "add", "--client", "leverandor", "--receiver", knute.MUNI_A,
                "--resource", "Bundle", "--access", "write")
        epj, epj12 = Epj(certs), Epj(certs, max_tls12=True)
        srv.start()
        try:
            R.run("mutual TLS delivery", test_mtls, srv, knute.logged_in(srv.url, "admin"),
                  knute.Client(srv.url, bearer=sup), epj, epj12, certs, args.source_dir)
        finally:
            rc, _ = srv.stop()
            R.equal("server stopped cleanly", rc, 0)
            epj.stop()
            epj12.stop()
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
