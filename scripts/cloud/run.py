"""Runs the cloud harness's cases against moto server:

    python scripts/cloud/run.py MOTO_URL TARGET_DIR NORVALT_BIN
    python scripts/cloud/run.py --binaries     # the function binaries the cases need

Each case prints `ok <name>` or `FAIL <name>: why` (with the functions'
output); the last line is `cloud: P passed, F failed`. Exit status is
non-zero on any failure.
"""

import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from cases import CASES, WANTED  # noqa: E402
from harness import Harness  # noqa: E402


def binaries():
    """The function binaries the cases start, as the template names them
    (`scripts/test` builds exactly these)."""
    from harness import ROOT
    from stack import expand

    template = expand(os.path.join(ROOT, "template.yaml"), {"ClerkIssuer": "x", "ClerkAudience": "x"})
    return sorted({
        resource["Metadata"]["BuildProperties"]["Binary"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function" and name in WANTED
    })


def main():
    if sys.argv[1:] == ["--binaries"]:
        print(" ".join(binaries()))
        return 0
    moto_url, target_dir, norvalt = sys.argv[1:4]
    harness = Harness(moto_url, target_dir, norvalt, WANTED)
    passed = failed = 0
    try:
        for case in CASES:
            try:
                case(harness)
                denied = harness.take_denials()
                assert not denied, "calls the roles refused:\n  " + "\n  ".join(denied)
                print(f"ok {case.__name__}")
                passed += 1
            except Exception:
                failed += 1
                print(f"FAIL {case.__name__}: {traceback.format_exc()}")
                for f in harness.functions.values():
                    print(f"--- {f.name}\n{f.output()[-3000:]}")
        unused = harness.unused_grants()
        if unused:
            print("    grants no case used (each needs a reason or a case):\n      " + "\n      ".join(unused))
    finally:
        harness.close(keep_logs=failed > 0)
    print(f"    cloud: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
