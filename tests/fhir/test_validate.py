#!/usr/bin/env python3
"""test_validate.py - black-box suite of the validator's two front ends:
`knute validate` and POST /fhir/$validate on a running server.

Both must give the same verdict and the same issues (code, VKP code,
expression) as the corpus manifest tests/fhir/vkp/cases.json says, for every
case; the CLI's exit codes (0 valid, 1 invalid, 2 unreadable), text and JSON
output, several files, standard input, --rules and the environment setting;
the HTTP route's authentication, media type, size limit, non-JSON bodies and
the FHIR Parameters form of $validate, all answered as OperationOutcomes.

    python3 tests/fhir/test_validate.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

R = None
ARGS = None
OO_SYSTEM = "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090"


def corpus_dir():
    return os.path.join(ARGS.source_dir, "tests", "fhir", "vkp")


def load_cases():
    with open(os.path.join(corpus_dir(), "cases.json")) as f:
        manifest = json.load(f)
    cases = manifest["cases"] if isinstance(manifest, dict) and "cases" in manifest else manifest
    if isinstance(cases, dict):  # {file: case}
        cases = [dict(v, file=k) for k, v in cases.items()]
    return cases


def case_env(case):
    return case.get("environment", "test")


def run(args, wd, input=None, env_setting=None):
    cmd = [ARGS.knute, "validate"] + list(args)
    if env_setting:
        cmd.append("--environment=" + env_setting)
    return subprocess.run(cmd, input=input, capture_output=True, cwd=wd, env=knute.child_env(),
                          timeout=60 * knute.SLOW)


def errors_of(outcome):
    """(code, vkp code, expression) of every error/fatal issue, sorted."""
    out = []
    for issue in outcome.get("issue", []):
        if issue.get("severity") not in ("error", "fatal"):
            continue
        vkp = None
        for c in issue.get("details", {}).get("coding", []):
            if c.get("system") == OO_SYSTEM:
                vkp = c.get("code")
        expr = (issue.get("expression") or [None])[0]
        out.append((issue.get("code"), vkp, expr))
    return sorted(out, key=lambda t: tuple(x or "" for x in t))


def expected_errors(case):
    exp = []
    for e in case.get("issues", case.get("expect", [])):
        if e.get("severity", "error") in ("error", "fatal"):
            exp.append((e.get("code"), e.get("vkpCode"), e.get("expression")))
    return sorted(exp, key=lambda t: tuple(x or "" for x in t))


def unreadable(case):
    """A case the validator cannot even parse: one fatal issue (exit 2, HTTP 400)."""
    return any(e.get("severity") == "fatal" for e in case.get("issues", []))


def is_valid_outcome(outcome):
    return outcome.get("resourceType") == "OperationOutcome" and not errors_of(outcome)


# ------------------------------------------------------------------ CLI

def test_cli_corpus(wd):
    cases = load_cases()
    R.check("the corpus has valid and invalid cases",
            any(c.get("valid") for c in cases) and any(not c.get("valid") for c in cases), str(len(cases)))
    for case in cases:
        path = os.path.join(corpus_dir(), case["file"])
        p = run(["--json", path], wd, env_setting=case_env(case))
        want_exit = 0 if case.get("valid") else 2 if unreadable(case) else 1
        R.check("cli %s exits %d" % (case["file"], want_exit), p.returncode == want_exit,
                "exit %d: %s" % (p.returncode, p.stdout[-300:]))
        try:
            outcome = json.loads(p.stdout)
        except ValueError:
            R.check("cli %s prints an OperationOutcome" % case["file"], False, p.stdout[-300:])
            continue
        if case.get("valid"):
            R.check("cli %s: no errors" % case["file"], is_valid_outcome(outcome), json.dumps(errors_of(outcome)))
        else:
            exp = expected_errors(case)
            got = errors_of(outcome)
            R.check("cli %s: exactly the expected errors" % case["file"], got == exp,
                    "got %s, want %s" % (got, exp))


def test_cli_modes(wd):
    cases = load_cases()
    valid = [c for c in cases if c.get("valid") and case_env(c) == "test"]
    invalid = [c for c in cases if not c.get("valid") and case_env(c) == "test" and not unreadable(c)
               and expected_errors(c)[0][2]]
    vpath = os.path.join(corpus_dir(), valid[0]["file"])
    ipath = os.path.join(corpus_dir(), invalid[0]["file"])

    p = run([vpath], wd)
    R.check("text output says gyldig", p.returncode == 0 and b"gyldig" in p.stdout, p.stdout[-200:])
    p = run([ipath], wd)
    first = expected_errors(invalid[0])[0]
    R.check("text output says ugyldig and names the path",
            p.returncode == 1 and b"ugyldig" in p.stdout and (first[2] or "").encode() in p.stdout,
            p.stdout[-400:])

    p = run(["--json", vpath, ipath], wd)
    try:
        arr = json.loads(p.stdout)
        ok = (p.returncode == 1 and isinstance(arr, list) and len(arr) == 2 and arr[0]["valid"] is True
              and arr[1]["valid"] is False and arr[1]["outcome"]["resourceType"] == "OperationOutcome")
    except (ValueError, KeyError, TypeError):
        ok = False
    R.check("several files: a JSON array, worst exit code", ok, p.stdout[-300:])

    with open(vpath, "rb") as f:
        p = run(["-"], wd, input=f.read())
    R.check("- reads standard input", p.returncode == 0 and b"gyldig" in p.stdout, p.stdout[-200:])

    p = run([os.path.join(wd, "no-such-file.json")], wd)
    R.check("missing file exits 2", p.returncode == 2, "exit %d" % p.returncode)
    bad = os.path.join(wd, "not-json.json")
    with open(bad, "w") as f:
        f.write('{"resourceType": "Patient",')
    p = run(["--json", bad], wd)
    try:
        oc = json.loads(p.stdout)
        ok = p.returncode == 2 and oc["issue"][0]["severity"] in ("fatal", "error")
    except (ValueError, KeyError, IndexError):
        ok = False
    R.check("not JSON exits 2 with an OperationOutcome", ok, "exit %d %s" % (p.returncode, p.stdout[-200:]))
    p = run([vpath, os.path.join(wd, "no-such-file.json")], wd)
    R.check("a valid and a missing file exit 2", p.returncode == 2, "exit %d" % p.returncode)
    p = run([], wd)
    R.check("no FILE is a usage error", p.returncode == 2, "exit %d" % p.returncode)
    p = run(["--frob", vpath], wd)
    R.check("unknown option is a usage error", p.returncode == 2, "exit %d" % p.returncode)

    p = run(["--rules"], wd)
    try:
        rules = json.loads(p.stdout)
        ok = p.returncode == 0 and len(rules.get("profiles", [])) >= 10
    except ValueError:
        ok = False
    R.check("--rules prints the compiled profiles", ok, p.stdout[:200])


def test_cli_environment(wd):
    """The same synthetic-number message: accepted in test, refused in production."""
    cases = [c for c in load_cases() if c.get("valid") and case_env(c) == "test"]
    path = os.path.join(corpus_dir(), cases[0]["file"])
    p = run(["--json", path], wd, env_setting="production")
    try:
        got = errors_of(json.loads(p.stdout))
    except ValueError:
        got = []
    R.check("production refuses synthetic person numbers with VKP 2.1",
            p.returncode == 1 and any(vkp == "2.1" for _, vkp, _ in got), "exit %d %s" % (p.returncode, got))


# ------------------------------------------------------------------ HTTP

def post_validate(client, body, content_type="application/fhir+json", query=""):
    return client.request("POST", "/fhir/$validate" + query, body=body, content_type=content_type)


def outcome_of(r):
    try:
        return r.json
    except Exception:
        return {}


def test_http_same_as_cli(srv, client, wd):
    for case in load_cases():
        if case_env(case) != "test":
            continue
        with open(os.path.join(corpus_dir(), case["file"]), "rb") as f:
            body = f.read()
        r = post_validate(client, body)
        oc = outcome_of(r)
        want_status = 400 if unreadable(case) else 200
        R.check("http %s: %d OperationOutcome" % (case["file"], want_status),
                r.status == want_status and oc.get("resourceType") == "OperationOutcome"
                and r.content_type.startswith("application/fhir+json"), "%d %s" % (r.status, r.text[:200]))
        want = [] if case.get("valid") else expected_errors(case)
        R.check("http %s: the expected errors" % case["file"], errors_of(oc) == want,
                "got %s want %s" % (errors_of(oc), want))


def test_http_parameters(srv, client):
    case = next(c for c in load_cases() if not c.get("valid") and case_env(c) == "test" and not unreadable(c))
    with open(os.path.join(corpus_dir(), case["file"])) as f:
        resource = json.load(f)
    params = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": resource}]}
    r = post_validate(client, json.dumps(params))
    R.check("Parameters form gives the resource's outcome",
            r.status == 200 and errors_of(outcome_of(r)) == expected_errors(case),
            "%d %s" % (r.status, r.text[:300]))


def test_http_errors(srv, client, anon):
    r = post_validate(client, '{"resourceType": "Patient",')
    oc = outcome_of(r)
    R.check("not JSON: 400 OperationOutcome, structure, VKP 2.4",
            r.status == 400 and errors_of(oc) and errors_of(oc)[0][0] == "structure"
            and errors_of(oc)[0][1] == "2.4", "%d %s" % (r.status, r.text[:300]))
    r = post_validate(client, '{"resourceType":"Patient","id":"a","id":"b"}')
    R.check("duplicate key: 400", r.status == 400, "%d %s" % (r.status, r.text[:200]))
    r = post_validate(client, '{"resourceType":"Patient"}', content_type="text/plain")
    oc = outcome_of(r)
    R.check("wrong media type: 415 OperationOutcome", r.status == 415 and oc.get("resourceType") == "OperationOutcome"
            and errors_of(oc)[0][0] == "not-supported", "%d %s" % (r.status, r.text[:200]))
    r = post_validate(anon, '{"resourceType":"Patient"}')
    oc = outcome_of(r)
    R.check("no credentials: 401 OperationOutcome", r.status == 401 and errors_of(oc)
            and errors_of(oc)[0][0] == "login", "%d %s" % (r.status, r.text[:200]))
    big = '{"resourceType":"Patient","text":{"status":"generated","div":"<div>' + "x" * (1100 * 1024) + '</div>"}}'
    r = client.request_raw("POST", "/fhir/$validate", big.encode(), content_type="application/fhir+json")
    R.check("over 1 MiB: 413", r.status == 413, "%d" % r.status)
    r = post_validate(client, '{"resourceType":"Patient","foo":1}')
    got = errors_of(outcome_of(r))
    R.check("unknown element reported at its path", r.status == 200 and any(e[2] == "Patient.foo" for e in got),
            "%d %s" % (r.status, got))


def main():
    global R, ARGS
    ARGS = knute.parse_args("Knute validator black-box suite")
    R = knute.Results(ARGS.only)
    with knute.Workdir("validate", keep=ARGS.keep) as wd:
        R.run("cli: corpus verdicts and issues", test_cli_corpus, wd.path)
        R.run("cli: modes and exit codes", test_cli_modes, wd.path)
        R.run("cli: environment setting", test_cli_environment, wd.path)
        srv = knute.Server(ARGS.knute, wd.path, ARGS.web_root)
        srv.cli("demo")
        key = srv.add_apikey_client("validator", "knute/validate", ["939000011:case_worker"])
        srv.start()
        try:
            client = knute.Client(srv.url, bearer=key)
            anon = knute.Client(srv.url)
            R.run("http: same verdicts as the CLI", test_http_same_as_cli, srv, client, wd.path)
            R.run("http: Parameters form", test_http_parameters, srv, client)
            R.run("http: errors are OperationOutcomes", test_http_errors, srv, client, anon)
            user = knute.logged_in(srv.url, "saksbehandler")
            r = post_validate(user, '{"resourceType":"Patient","id":"x1"}')
            R.check("a signed-in user may validate (session + CSRF)", r.status == 200, "%d %s" % (r.status, r.text[:200]))
        finally:
            srv.stop()
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
