"""Checkov on template.yaml, held to infra/checkov-accepted.yaml:

    python scripts/test_checkov.py [template]

Fails on a finding that file does not accept, on an accepted one that no
longer fails (the file must not go stale), and on any failure of the checks
that are never accepted. Run with the checkov venv's Python (scripts/test).
"""

import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NEVER_ACCEPTED = {
    "CKV_AWS_95": "HTTP API access logging",
    "CKV_AWS_45": "secrets in Lambda environments",
}
# Invoked asynchronously: each must have a failure queue (CKV_AWS_116).
ASYNCHRONOUS = {"EmailInboundFunction", "SesEventsFunction", "FollowupsFunction",
                "AnalyticsRollupFunction", "ImapPollerFunction"}


def main():
    template = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "template.yaml")
    checkov = os.path.join(os.path.dirname(sys.executable), "checkov")
    out = subprocess.run([checkov, "-f", template, "--framework", "cloudformation", "-o", "json"],
                         capture_output=True, text=True)
    report = json.loads(out.stdout)
    results = report["results"]
    accepted = yaml.safe_load(open(os.path.join(ROOT, "infra", "checkov-accepted.yaml")))
    problems = []
    found = {}
    for failure in results["failed_checks"]:
        check, resource = failure["check_id"], failure["resource"].split(".")[-1]
        found.setdefault(check, set()).add(resource)
        rule = accepted.get(check)
        if check in NEVER_ACCEPTED or (check == "CKV_AWS_116" and resource in ASYNCHRONOUS):
            problems.append(f"{check} {resource}: {failure['check_name']} (never accepted)")
        elif rule is None or (rule["resources"] != "*" and resource not in rule["resources"]):
            problems.append(f"{check} {resource}: {failure['check_name']} (not in infra/checkov-accepted.yaml)")
    for check, rule in accepted.items():
        if not rule.get("why"):
            problems.append(f"{check}: accepted without a reason")
        stale = set() if rule["resources"] == "*" else set(rule["resources"]) - found.get(check, set())
        if check not in found or stale:
            problems.append(f"{check}: accepted for {sorted(stale) or 'every resource'}, but passes now; "
                            "take it out of infra/checkov-accepted.yaml")
    passed = {p["check_id"] for p in results["passed_checks"]}
    for check, what in NEVER_ACCEPTED.items():
        if check not in passed:
            problems.append(f"{check} ({what}) did not run")
    for problem in problems:
        print(f"FAIL {problem}")
    summary = results.get("summary", report.get("summary", {}))
    print(f"    checkov: {summary.get('passed')} passed, {summary.get('failed')} failed, "
          f"{len(problems)} not accepted")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
