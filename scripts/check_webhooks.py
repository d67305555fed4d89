"""Verifies webhook deliveries the way a receiver does, with the Standard
Webhooks reference library (PyPI `standardwebhooks`), not with Norvalt's
own code: the signature over `{webhook-id}.{webhook-timestamp}.{body}`, one
of the secrets given, and the timestamp within the library's 5 minutes.

Usage: check_webhooks.py FILE, where FILE is a JSON list of
{"secrets": ["whsec_…", …], "headers": {name: value}, "body": "…"}. Prints
how many verified; exits non-zero with the reason on the first that does
not verify with any of its secrets.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main(path: str) -> None:
    deliveries = json.load(open(path))
    for i, d in enumerate(deliveries):
        errors = []
        for secret in d["secrets"]:
            try:
                Webhook(secret).verify(d["body"], d["headers"])
                break
            except WebhookVerificationError as e:
                errors.append(f"{secret[:10]}…: {e}")
        else:
            sys.exit(f"delivery {i} ({d['headers'].get('webhook-id')}) does not verify: {errors}")
    print(f"{len(deliveries)} verified")


if __name__ == "__main__":
    main(sys.argv[1])
