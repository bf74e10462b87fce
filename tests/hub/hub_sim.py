"""hub_sim.py - shared set-up of the hub delivery suites (test_hub_delivery,
test_hub_kill9): a knute installation with a supplier and an EPJ client in the
authorisation register, `knute epj-sim` on a free port, a bearer destination
and a "*" route to it, and fresh valid VKP MedicationDispense messages.
Python 3 standard library only.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
IDENT_SYSTEM = "urn:ietf:rfc:3986"
BEARER = "epj-sim-test-token-7f3a"
PROCESS = "/epj/r4/%s/$process-message" % knute.MUNI_A


class Messages:
    """Fresh valid message Bundles: new uuids, a unique Bundle.identifier and
    the given patient (a synthetic person number)."""

    def __init__(self, source_dir):
        path = os.path.join(source_dir, "tests", "fhir", "vkp", "valid", "msg-medicationdispense.json")
        with open(path) as f:
            self.base = f.read()

    def make_doc(self, patient, note=None):
        mapping = {}
        text = UUID_RE.sub(lambda m: mapping.setdefault(m.group(0), str(uuid.uuid4())), self.base)
        doc = json.loads(text)
        ident = "urn:uuid:%s" % uuid.uuid4()
        doc["identifier"] = {"system": IDENT_SYSTEM, "value": ident}
        med = doc["entry"][1]["resource"]
        med["subject"]["identifier"]["value"] = patient
        if note is not None:
            med["note"] = [{"text": note}]
        return "%s|%s" % (IDENT_SYSTEM, ident), doc

    def make(self, patient, note=None):
        """(idempotency key, body text)."""
        key, doc = self.make_doc(patient, note)
        return key, json.dumps(doc)


class EpjSim:
    """`knute epj-sim` as a child process on a free port."""

    def __init__(self, knute_bin, workdir, api_key, name="epjsim"):
        self.bin = knute_bin
        self.dir = workdir
        self.api_key = api_key
        self.port_file = os.path.join(workdir, name + ".port")
        self.log = os.path.join(workdir, name + ".jsonl")
        self.out = os.path.join(workdir, name + ".out")
        self.proc = None
        self.port = None

    def start(self, port=0):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        out = open(self.out, "ab")
        self.proc = subprocess.Popen(
            [self.bin, "epj-sim", "--port=%d" % port, "--port-file", self.port_file, "--log", self.log,
             "--api-key", self.api_key, "--expect-bearer", BEARER],
            cwd=self.dir, env=knute.child_env(), stdout=out, stderr=subprocess.STDOUT)
        out.close()
        deadline = time.monotonic() + 10 * knute.SLOW
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file) and open(self.port_file).read().strip():
                self.port = int(open(self.port_file).read())
                self.url = "http://127.0.0.1:%d" % self.port
                return self
            time.sleep(0.05)
        raise RuntimeError("epj-sim did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def call(self, method, path, body=None, timeout=5):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout * knute.SLOW) as r:
            return json.loads(r.read())

    def control(self, **kw):
        return self.call("POST", "/_control", kw)

    def received(self, all_=False):
        return self.call("GET", "/_received" + ("?all=1" if all_ else ""))

    def stats(self):
        return self.call("GET", "/_stats")

    def log_records(self):
        try:
            with open(self.log) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []


def install(srv, knute_bin, workdir, max_attempts=0, concurrency=4):
    """Demo data, the two clients, the register, epj-sim and its destination
    and route. Returns (supplier key, sim, dest id)."""
    srv.cli("demo")
    sup = srv.add_apikey_client("leverandor", "vkp/write vkp/read", ["%s:operator" % knute.MUNI_A])
    epj = srv.add_apikey_client("epj-a", "vkp/read", ["%s:operator" % knute.MUNI_A])
    srv.cli("hub", "grant", "add", "--client", "leverandor", "--receiver", knute.MUNI_A,
            "--resource", "Bundle", "--access", "write")
    srv.cli("hub", "grant", "add", "--client", "epj-a", "--receiver", knute.MUNI_A,
            "--resource", "Bundle", "--access", "read")
    sim = EpjSim(knute_bin, workdir, epj).start()
    token = os.path.join(workdir, "epj.token")
    with open(token, "w") as f:
        f.write(BEARER + "\n")
    p = srv.cli("delivery", "dest", "add", "epj-sim", "--receiver", knute.MUNI_A, "--url",
                sim.url + "/fhir", "--auth", "bearer", "--secret-file", token, "--concurrency",
                str(concurrency), "--max-attempts", str(max_attempts), "--backoff-base-ms", "100",
                "--backoff-max-ms", "1000")
    dest = p.stdout.split()[1]
    srv.cli("delivery", "route", "add", "--receiver", knute.MUNI_A, "--event", "*", "--dest", dest)
    return sup, sim, dest


def post(client, body):
    """POST a message; returns the Response."""
    return client.request("POST", PROCESS, body=body, content_type="application/fhir+json")


def message_id(resp):
    """The message id from a 202/200 Location (…/Bundle/{id}/$status)."""
    loc = resp.header("Location") or ""
    parts = loc.rstrip("/").split("/")
    return parts[-2] if len(parts) >= 2 else ""


def wait_for(pred, timeout, step=0.2):
    deadline = time.monotonic() + timeout * knute.SLOW
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def log_events(srv, event):
    out = []
    for line in srv.log_lines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if doc.get("event") == event:
            out.append(doc)
    return out
