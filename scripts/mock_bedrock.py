"""A local stand-in for Amazon Bedrock's runtime API (`InvokeModel`) that
checks what Norvalt sends the way AWS would: the SigV4 signature recomputed
with botocore (not with the SDK that made it) for the expected key, region
and service `bedrock`; the model id in the path; and the body (the
Anthropic Messages shape with `anthropic_version: bedrock-2023-05-31` and
no `model`). A request that passes is answered by the upstream Messages
API stand-in it was started with; one that fails gets Bedrock's own error
(403 InvalidSignatureException, 400 ValidationException).

Usage: mock_bedrock.py UPSTREAM_URL EXPECTED_MODEL_ID
Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION. Prints
`PORT <n>` once listening, then one JSON line per request:
{"path", "model", "ok", "reason"}.
"""

import datetime
import json
import os
import sys
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

UPSTREAM, MODEL = sys.argv[1], sys.argv[2]
KEY, SECRET = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
REGION = os.environ["AWS_REGION"]


def check_signature(method, path, headers, body):
    """None when the signature is AWS's for our key, region and service;
    the reason otherwise."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not signed with SigV4"
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    akid, date, region, service, terminal = fields["Credential"].split("/")
    if (akid, region, service, terminal) != (KEY, REGION, "bedrock", "aws4_request"):
        return f"credential scope {fields['Credential']}"
    amz_date = headers.get("x-amz-date", "")
    signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    if abs((datetime.datetime.now(datetime.timezone.utc) - signed_at).total_seconds()) > 300:
        return f"signed at {amz_date}, more than 5 minutes away"
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return f"signed headers {signed} leave out host or x-amz-date"
    request = AWSRequest(method=method, url=f"http://{headers['host']}{path}", data=body,
                         headers={h: headers[h] for h in signed if h in headers})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(KEY, SECRET), "bedrock", REGION)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if expected != fields["Signature"]:
        return "the request signature we calculated does not match the signature you provided"
    return None


def check_body(body):
    try:
        doc = json.loads(body)
    except ValueError:
        return "body is not JSON", None
    if doc.get("anthropic_version") != "bedrock-2023-05-31":
        return f"anthropic_version {doc.get('anthropic_version')!r}", None
    if "model" in doc:
        return "the body names a model (Bedrock takes it from the path)", None
    if not isinstance(doc.get("max_tokens"), int) or not doc.get("messages"):
        return "no max_tokens or messages", None
    if "tools" in doc and doc.get("tool_choice", {}).get("type") != "tool":
        return "a tool that is not forced", None
    return None, doc


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, obj, error_type=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path
        parts = path.split("/")
        model = urllib.parse.unquote(parts[2]) if len(parts) == 4 and parts[1] == "model" and parts[3] == "invoke" else None
        reason = check_signature("POST", path, headers, body)
        kind = "InvalidSignatureException"
        if reason is None and model != MODEL:
            reason, kind = f"model {model!r} is not {MODEL!r}", "ValidationException"
        doc = None
        if reason is None:
            reason, doc = check_body(body)
            kind = "ValidationException"
        print(json.dumps({"path": path, "model": model, "ok": reason is None, "reason": reason}), flush=True)
        if reason is not None:
            status = 403 if kind == "InvalidSignatureException" else 400
            return self.answer(status, {"message": reason}, kind)
        doc.pop("anthropic_version")
        doc["model"] = MODEL
        upstream = urllib.request.Request(f"{UPSTREAM}/v1/messages", data=json.dumps(doc).encode(),
                                          headers={"content-type": "application/json"})
        with urllib.request.urlopen(upstream, timeout=10) as response:
            self.answer(200, json.load(response))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
