"""Each function's AWS calls checked against its own role, as IAM would.

Moto's own IAM enforcement checks actions but not resources (for DynamoDB,
SQS, Secrets Manager and SES it evaluates every call against `*`), so a
function granted `sqs:SendMessage` on one queue could send to any. Instead
every function talks to AWS through its own `Gate`: a proxy in front of moto
that reads each request's action and resources the way IAM authorises them,
evaluates them against the policies of the function's role in the expanded
template (with moto's policy evaluator), forwards what is allowed and answers
the rest with AWS's AccessDenied. A denied call is recorded, and the harness
fails the case that made it, even when the function swallowed the error.
"""

import base64
import http.client
import json
import re
import threading
import urllib.parse
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from http.server import ThreadingHTTPServer

from moto.iam.access_control import IAMPolicy, PermissionResult
from runtime_api import KeepAliveHandler

# What the two AWS managed policies SAM attaches allow (their published
# documents); the event source mapping, not the function, uses the SQS part.
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"},
    ],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                       "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"},
    ],
}


class Role:
    """One function's role: its inline policies resolved to the stack's ARNs,
    plus the managed policies it names."""

    def __init__(self, name, statements):
        self.name = name
        self.statements = statements
        # Parsed once: the gate asks on every AWS call a function makes.
        self.policies = [IAMPolicy(json.dumps({"Statement": [s]})) for s in statements]
        self.used = set()

    @classmethod
    def of_function(cls, stack, function):
        role_name = stack.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
        props = stack.resources[role_name]["Properties"]
        statements = []
        for policy in props.get("Policies", []):
            document = stack.resolve(policy["PolicyDocument"])
            found = document["Statement"]
            statements.extend(found if isinstance(found, list) else [found])
        for arn in props.get("ManagedPolicyArns", []):
            arn = stack.resolve(arn)
            if arn not in MANAGED_POLICIES:
                raise AssertionError(f"{role_name}: no document for managed policy {arn}")
            statements.extend(MANAGED_POLICIES[arn])
        return cls(role_name, statements)

    def allows(self, action, resource):
        """IAM's answer for one action on one resource: an explicit deny
        wins, then any allow; nothing said is a deny."""
        allowed = False
        for index, statement in enumerate(self.statements):
            if "NotResource" in statement:
                # Moto's evaluator reads only Resource; NotResource is ours.
                if not any(_matches(p, action) for p in _actions(statement)):
                    continue
                excluded = statement["NotResource"]
                excluded = excluded if isinstance(excluded, list) else [excluded]
                if any(_matches(p, resource) for p in excluded):
                    continue
                if statement["Effect"] == "Deny":
                    return False
                allowed = True
                continue
            result = self.policies[index].is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return False
            if result == PermissionResult.PERMITTED:
                allowed = True
                self.used.update((index, p) for p in _actions(statement) if _matches(p, action))
        return allowed

    def unused_grants(self, used_by_lambda=()):
        """(action, resource) of every grant in the role's own policies that
        no call has used; `used_by_lambda` are resources Lambda itself uses
        with the role (an asynchronous function's failure destination)."""
        managed = sum(MANAGED_POLICIES.values(), [])
        return [
            (pattern, statement.get("Resource"))
            for index, statement in enumerate(self.statements)
            if statement not in managed and statement.get("Effect") == "Allow"
            and statement.get("Resource") not in used_by_lambda
            for pattern in _actions(statement)
            if (index, pattern) not in self.used
        ]


def _actions(statement):
    actions = statement.get("Action", [])
    return actions if isinstance(actions, list) else [actions]


def _matches(pattern, action):
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), action, re.IGNORECASE) is not None


class Calls:
    """What one request asks of IAM: (action, resource ARN) pairs, read from
    the request as the service's authoriser reads it."""

    def __init__(self, region, account, secret_arn, identities):
        self.region = region
        self.account = account
        self.secret_arn = secret_arn
        self.identities = identities

    def of(self, method, path, headers, body):
        target = headers.get("x-amz-target", "")
        if target:
            service, operation = target.split(".", 1)
            request = json.loads(body or b"{}")
            if service.startswith("DynamoDB_"):
                return self._dynamodb(operation, request)
            if service == "AmazonSQS":
                return self._sqs(operation, request)
            if service == "secretsmanager":
                return self._secretsmanager(operation, request)
            raise UnknownCall(f"x-amz-target {target}")
        if path.startswith("/v2/email/"):
            return self._sesv2(method, path, body)
        return self._s3(method, path, headers, body)

    def _dynamodb(self, operation, request):
        def table(name, index=None):
            arn = name if name.startswith("arn:") else f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"
            return f"{arn}/index/{index}" if index else arn

        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", table(name)) for name in request["RequestItems"]]
        if operation == "TransactWriteItems":
            actions = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                       "ConditionCheck": "ConditionCheckItem"}
            return [
                (f"dynamodb:{actions[kind]}", table(item["TableName"]))
                for entry in request["TransactItems"]
                for kind, item in entry.items()
            ]
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", table(e["Get"]["TableName"])) for e in request["TransactItems"]]
        return [(f"dynamodb:{operation}", table(request["TableName"], request.get("IndexName")))]

    def _sqs(self, operation, request):
        singular = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
                    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
        name = request.get("QueueName") or request["QueueUrl"].rstrip("/").rsplit("/", 1)[1]
        return [(f"sqs:{singular.get(operation, operation)}", f"arn:aws:sqs:{self.region}:{self.account}:{name}")]

    def _secretsmanager(self, operation, request):
        secret = request.get("SecretId") or request["Name"]
        return [(f"secretsmanager:{operation}", secret if secret.startswith("arn:") else self.secret_arn(secret))]

    def _sesv2(self, method, path, body):
        if not (method == "POST" and path.split("?")[0] == "/v2/email/outbound-emails"):
            raise UnknownCall(f"SES {method} {path}")
        request = json.loads(body)
        sender = request.get("FromEmailAddress")
        if not sender:
            raw = base64.b64decode(request["Content"]["Raw"]["Data"])
            sender = BytesHeaderParser().parsebytes(raw).get("From", "")
        address = parseaddr(sender)[1].lower()
        # The identity SES authorises: the address, else its domain or the
        # nearest verified parent domain.
        domain = address.rsplit("@", 1)[-1]
        candidates = [address] + [domain.split(".", i)[-1] for i in range(domain.count("."))]
        identity = next((c for c in candidates if c in self.identities), domain)
        calls = [("ses:SendEmail", f"arn:aws:ses:{self.region}:{self.account}:identity/{identity}")]
        if request.get("ConfigurationSetName"):
            calls.append(("ses:SendEmail", f"arn:aws:ses:{self.region}:{self.account}:configuration-set/"
                                           f"{request['ConfigurationSetName']}"))
        return calls

    def _s3(self, method, path, headers, body):
        raw_path, _, query = path.partition("?")
        bucket, _, key = urllib.parse.unquote(raw_path.lstrip("/")).partition("/")
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        if not bucket:
            raise UnknownCall(f"S3 {method} {path}")
        if not key:
            if method == "POST" and "delete" in params:
                keys = re.findall(rb"<Key>(.*?)</Key>", body or b"")
                return [("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{k.decode()}") for k in keys]
            if method == "GET":
                return [("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
            raise UnknownCall(f"S3 {method} {path}")
        obj = f"arn:aws:s3:::{bucket}/{key}"
        if method in ("GET", "HEAD"):
            return [("s3:GetObject", obj)]
        if method == "DELETE":
            return [("s3:DeleteObject", obj)]
        if method == "PUT":
            calls = [("s3:PutObject", obj)]
            source = headers.get("x-amz-copy-source")
            if source:
                calls.append(("s3:GetObject", f"arn:aws:s3:::{urllib.parse.unquote(source).lstrip('/')}"))
            return calls
        raise UnknownCall(f"S3 {method} {path}")


def billed_action(method, path, headers, body, calls):
    """(service:Operation as the bill names it, the JSON request or None)."""
    target = headers.get("x-amz-target", "")
    if target:
        service, operation = target.split(".", 1)
        prefix = {"AmazonSQS": "sqs", "secretsmanager": "secretsmanager"}.get(
            service, "dynamodb" if service.startswith("DynamoDB_") else service)
        return f"{prefix}:{operation}", json.loads(body or b"{}")
    if path.startswith("/v2/email/"):
        return "ses:SendEmail", json.loads(body or b"{}")
    return calls.of(method, path, headers, body)[0][0], None


class UnknownCall(Exception):
    """A request the gate cannot read: denied, so that a new kind of call is
    taught to the gate rather than let through unchecked."""


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


class Gate:
    """The proxy one function sees as its AWS endpoint."""

    def __init__(self, function, role, calls, upstream, meter=None):
        self.function = function
        self.meter = meter
        # SES's sending quota, when a case sets one: (messages, seconds).
        self.ses_quota = None
        self.ses_window = (None, 0)
        self.throttled = 0
        self.role = role
        self.calls = calls
        self.upstream = urllib.parse.urlparse(upstream)
        self.denied = []
        self.lock = threading.Lock()
        self.local = threading.local()
        gate = self

        class Handler(KeepAliveHandler):
            def _body(self):
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("content-length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self):
                body = self._body()
                headers = {k.lower(): v for k, v in self.headers.items()}
                refusal = gate.authorise(self.command, self.path, headers, body) or gate.throttle(self.path)
                if refusal:
                    status, reply_headers, reply = refusal
                else:
                    status, reply_headers, reply = gate.metered(self.command, self.path, headers, body)
                self.send_response(status)
                for k, v in reply_headers:
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def authorise(self, method, path, headers, body):
        """None when the role allows every action the request needs, else
        AWS's AccessDenied answer (recorded)."""
        try:
            needed = self.calls.of(method, path, headers, body)
        except (UnknownCall, KeyError, ValueError) as e:
            needed = [(f"unknown:{method}", f"{path} ({e})")]
        with self.lock:
            missing = [(a, r) for a, r in needed if a.startswith("unknown:") or not self.role.allows(a, r)]
            self.denied.extend(missing)
        if not missing:
            return None
        action, resource = missing[0]
        message = (f"User: arn:aws:sts::123456789012:assumed-role/{self.role.name}/{self.function} is not "
                   f"authorized to perform: {action} on resource: {resource} because no identity-based "
                   f"policy allows the {action} action")
        if headers.get("x-amz-target") or path.startswith("/v2/"):
            return 400 if headers.get("x-amz-target") else 403, [
                ("content-type", "application/x-amz-json-1.0"), ("x-amzn-errortype", "AccessDeniedException"),
            ], json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
        xml = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
        return 403, [("content-type", "application/xml")], xml.encode()

    def throttle(self, path):
        """SES's answer above the sending quota: 429 TooManyRequestsException
        (as SES v2 throttles), counted. The quota is per fixed window of its
        seconds; the SDK's own quick retries fall in the same window."""
        if self.ses_quota is None or not path.startswith("/v2/email/outbound-emails"):
            return None
        import time

        limit, seconds = self.ses_quota
        window = int(time.monotonic() // seconds)
        with self.lock:
            current, sent = self.ses_window
            if current != window:
                current, sent = window, 0
            if sent < limit:
                self.ses_window = (current, sent + 1)
                return None
            self.ses_window = (current, sent)
            self.throttled += 1
        return 429, [("content-type", "application/json"), ("x-amzn-errortype", "TooManyRequestsException")], \
            json.dumps({"message": "Maximum sending rate exceeded."}).encode()

    def metered(self, method, path, headers, body):
        """Forwards the call, counting what it would be billed for."""
        if self.meter is None:
            return self.forward(method, path, headers, body)
        action, request = billed_action(method, path, headers, body, self.calls)
        before = self.meter.before(action, request) if request else None
        status, reply_headers, reply = self.forward(method, path, headers, body)
        if status < 300:
            try:
                response = json.loads(reply) if reply and action.split(":")[0] in ("dynamodb",) else None
            except ValueError:
                response = None
            with self.lock:
                self.meter.record(action, request, response, before)
        return status, reply_headers, reply

    def forward(self, method, path, headers, body):
        sent = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
        sent["content-length"] = str(len(body))
        # One kept-alive connection to moto per handler thread.
        for attempt in (1, 2):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(
                    self.upstream.hostname, self.upstream.port, timeout=60)
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise

    def take_denied(self):
        with self.lock:
            denied, self.denied = self.denied, []
        return denied

    def close(self):
        self.server.shutdown()
