"""The cloud harness's machinery: the real function bootstraps, started as
Lambda starts them (a Runtime API per function, exactly the template's
environment), against the stack made on moto server from template.yaml
itself; the template's SQS event source mappings pump the queues. The cases
are in `cases.py`; `run.py` runs them.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import uuid

import boto3

sys.path.insert(0, os.path.dirname(__file__))
from iam import Calls, Gate, Role  # noqa: E402
from meter import Meter  # noqa: E402
from mocks import Clerk, GraphMock, TwilioMock, twilio_signature  # noqa: E402
from runtime_api import RuntimeApi  # noqa: E402
from stack import ACCOUNT, REGION, Stack, expand  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PARAMETERS = {
    "Stage": "dev",
    "ClerkIssuer": "https://clerk.harness.test",
    "ClerkAudience": "https://app.harness.test",
    "MailDomain": "norvalt.test",
    "TwilioAccountSid": "AC0harness",
    "TwilioFrom": "+4759990000",
    "TwilioWebhookUrl": "https://sms.harness.test",
}
TWILIO_AUTH_TOKEN = "harness-twilio-token"
# The domains the harness verifies in SES, as an operator does (docs/deploy.md).
SES_IDENTITIES = ("norvalt.test", "svar.norvalt.test")


def api_event(token, method, path, query="", body=None):
    """An HTTP API (payload 2.0) event, as API Gateway hands a request over
    after its own JWT check."""
    event = json.load(open(os.path.join(ROOT, "events", "api-leads-list.json")))
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = query
    event.pop("queryStringParameters", None)
    event["headers"]["authorization"] = f"Bearer {token}"
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def url_event(method, path, headers, body):
    """A function-URL (payload 2.0) event: the webhook-form sample with this
    method, path, headers and body."""
    event = json.load(open(os.path.join(ROOT, "events", "webhook-form.json")))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"], event["body"] = headers, body
    return event


class Endpoint:
    """A boto3 session whose clients all talk to moto."""

    def __init__(self, url):
        self.url = url
        self.session = boto3.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
        )

    def client(self, name):
        return self.session.client(name, endpoint_url=self.url)


class Function:
    """One function's bootstrap process, its Runtime API and the gate that
    holds its AWS calls to its role."""

    def __init__(self, name, binary, timeout, environment, base_env, target_dir, gate, profile="debug"):
        self.name = name
        self.gate = gate
        self.api = RuntimeApi(name, timeout)
        self.log = tempfile.NamedTemporaryFile(prefix=f"norvalt-{name}-", suffix=".log", delete=False)
        env = {
            **base_env,
            **environment,
            "AWS_ENDPOINT_URL": gate.url,
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "harness",
        }
        self.command = [os.path.join(target_dir, profile, binary)]
        self.env = env
        self.process = self._start()

    def _start(self):
        return subprocess.Popen(self.command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def invoke(self, event):
        kind, answer = self.api.invoke(event)
        if self.api.init_error:
            raise AssertionError(f"{self.name} failed to start: {self.api.init_error}")
        if kind == "timeout":
            # Lambda stops a function that overruns its timeout; the next
            # event gets a new sandbox (a cold start), and the batch is
            # delivered again by its queue.
            self.process.kill()
            self.process.wait()
            self.process = self._start()
        return kind, answer

    def stop(self, keep_log):
        self.process.kill()
        self.process.wait()
        self.api.close()
        self.gate.close()
        self.log.close()
        if not keep_log:
            os.unlink(self.log.name)

    def output(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()


class Harness:
    def __init__(self, moto_url, target_dir, norvalt, wanted, profile="debug"):
        self.aws = Endpoint(moto_url)
        self.norvalt = norvalt
        # The API functions fetch the JWKS from the issuer, as from Clerk.
        self.clerk = Clerk()
        self.graph = GraphMock()
        parameters = {**PARAMETERS, "ClerkIssuer": self.clerk.issuer, "GraphUrl": self.graph.url}
        self.stack = Stack(expand(os.path.join(ROOT, "template.yaml"), parameters), parameters, self.aws, f"h{uuid.uuid4().hex[:8]}")
        self.stack.create()
        # The operator sets Twilio's token after deploy (infra/README.md).
        self.aws.client("secretsmanager").put_secret_value(
            SecretId=self.stack.physical["TwilioAuthToken"], SecretString=TWILIO_AUTH_TOKEN
        )
        self.twilio = TwilioMock(PARAMETERS["TwilioAccountSid"], TWILIO_AUTH_TOKEN)
        self.base_env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": moto_url,
            # The outside world's API, as the sender's client is pointed at it.
            "TWILIO_BASE_URL": self.twilio.url,
        }
        # SES sends only from verified identities, as in a real account.
        ses = self.aws.client("ses")
        for domain in SES_IDENTITIES:
            ses.verify_domain_identity(Domain=domain)
        self.scratch = []
        self.target_dir = target_dir
        # Made once: a boto3 client takes tens of milliseconds to make, and
        # the gates ask these on the functions' time.
        self._dynamodb = self.aws.client("dynamodb")
        self._secretsmanager = self.aws.client("secretsmanager")
        # SQS requests the event source mappings make (receives and deletes).
        self.mapping_requests = 0
        self.calls = Calls(REGION, ACCOUNT, self._secret_arn, SES_IDENTITIES)
        self.functions = {
            name: Function(name, binary, timeout, env, self.base_env, target_dir,
                           Gate(name, Role.of_function(self.stack, name), self.calls, moto_url,
                                Meter(self._item, self._unfiltered)), profile)
            for name, (binary, timeout, env) in self.stack.functions().items()
            if name in wanted
        }

    def _item(self, table, key):
        """An item as moto holds it (for the meter; never billed)."""
        return self._dynamodb.get_item(TableName=table, Key=key).get("Item")

    def _unfiltered(self, operation, request, scanned):
        """What a filtered query or scan read: the same request without its
        filter, `scanned` items from the same start (for the meter; never
        billed)."""
        keep = {k: v for k, v in request.items()
                if k not in ("FilterExpression", "Limit", "Select", "ProjectionExpression", "ReturnConsumedCapacity")}
        expressions = keep.get("KeyConditionExpression", "")
        used = set(re.findall(r"[:#][A-Za-z0-9_]+", expressions))
        for field in ("ExpressionAttributeValues", "ExpressionAttributeNames"):
            if field in keep:
                keep[field] = {k: v for k, v in keep[field].items() if k in used}
                if not keep[field]:
                    del keep[field]
        call = self._dynamodb.query if operation == "Query" else self._dynamodb.scan
        return call(Limit=scanned, **keep).get("Items", [])

    def cold_start(self, function, without=(), overrides=None):
        """Starts `function`'s bootstrap with the template's environment
        less `without` and with `overrides`; (exit status, output) once it
        has exited, or (None, output) when it is still running after 10 s."""
        binary, timeout, env = self.stack.functions()[function]
        env = {k: v for k, v in env.items() if k not in without}
        env.update(overrides or {})
        gate = Gate(function, Role.of_function(self.stack, function), self.calls, self.aws.url)
        started = Function(function, binary, timeout, env, self.base_env, self.target_dir, gate)
        try:
            status = started.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            status = None
        output = started.output()
        started.stop(keep_log=False)
        return status, output

    def _secret_arn(self, name):
        """A secret's ARN as IAM sees it; one not made yet gets the ARN shape
        it will have (name, dash, six characters)."""
        client = self._secretsmanager
        try:
            return client.describe_secret(SecretId=name)["ARN"]
        except client.exceptions.ResourceNotFoundException:
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"

    def take_denials(self):
        """Every call a role refused since the last look: `function: action
        on resource`."""
        return [
            f"{f.name}: {action} on {resource}"
            for f in self.functions.values()
            for action, resource in f.gate.take_denied()
        ]

    @contextlib.contextmanager
    def role_from(self, template_path, function):
        """`function` runs with its role as another template gives it, for
        as long as the block lasts."""
        parameters = {**PARAMETERS, "ClerkIssuer": self.clerk.issuer, "GraphUrl": self.graph.url}
        other = Stack(expand(template_path, parameters), parameters, self.aws, self.stack.prefix)
        other.physical, other.arns, other.attributes = self.stack.physical, self.stack.arns, self.stack.attributes
        gate = self.functions[function].gate
        kept, gate.role = gate.role, Role.of_function(other, function)
        try:
            yield
        finally:
            gate.role = kept

    def texted_lead(self, slug_prefix, name, customer_name):
        """A dealership with its own SMS number, and a phone-only lead from
        a Norwegian mobile answered by SMS: (dealership, number, customer)."""
        slug = f"{slug_prefix}-{uuid.uuid4().hex[:6]}"
        number = f"+47594{uuid.uuid4().int % 100000:05d}"
        dealer = self.dealership(slug, name, f"post@{slug}.no")
        self.cli("dealership", "configure", slug, "--sms", "true", "--sms-number", number)
        customer = f"+4747{uuid.uuid4().int % 1000000:06d}"
        self.post_form(dealer["form_key"], {"name": customer_name, "phone": customer,
                                            "vehicle_interest": "Toyota bZ4X"})
        return dealer, number, customer

    def twilio_text(self, customer, number, body):
        """A customer's text to `number`, signed as Twilio signs it, posted
        to webhook-twilio; the queues run dry."""
        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": PARAMETERS["TwilioAccountSid"],
                  "From": customer, "To": number, "Body": body, "NumMedia": "0"}
        path = "/webhooks/twilio/sms"
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": twilio_signature(TWILIO_AUTH_TOKEN, PARAMETERS["TwilioWebhookUrl"] + path, params),
        }
        status = self.url_request("WebhookTwilioFunction", path, headers, urllib.parse.urlencode(params))
        assert status == 200, status
        self.pump()

    def unused_grants(self):
        return [
            f"{f.name}: {action} on {resource}"
            for f in self.functions.values()
            for action, resource in f.gate.role.unused_grants(used_by_lambda=[self.stack.arns["AsyncFailuresQueue"]])
        ]

    def close(self, keep_logs):
        """Stops everything; the functions' logs stay (their paths printed)
        only when a case failed."""
        import shutil

        for f in self.functions.values():
            f.stop(keep_logs)
            if keep_logs:
                print(f"    {f.name} log: {f.log.name}")
        self.clerk.close()
        for directory in self.scratch:
            shutil.rmtree(directory, ignore_errors=True)

    def api(self, function, token, method, path, query="", body=None):
        """An HTTP API request to `function` (see `api_event`); its status
        and parsed body."""
        kind, answer = self.functions[function].invoke(api_event(token, method, path, query, body))
        assert kind == "response", answer
        return answer["statusCode"], json.loads(answer.get("body") or "null")

    def scratch_dir(self):
        directory = tempfile.mkdtemp(prefix="norvalt-harness-")
        self.scratch.append(directory)
        return directory

    def cli(self, *args, **env):
        """The operator CLI on the stack (`norvalt --backend aws …`); its
        standard output."""
        return subprocess.run(
            [self.norvalt, "--backend", "aws", "--data-dir", self.scratch_dir(), *args],
            env={**self.base_env, "NORVALT_TABLE": self.stack.physical["Table"], **env},
            capture_output=True, text=True, check=True,
        ).stdout

    def dealership(self, slug, name, email):
        out = self.cli("dealership", "create", "--name", name, "--slug", slug, "--email", email,
                       "--clerk-org-id", f"org_{slug}")
        return json.loads(out[out.index("{"):])

    def url_request(self, function, path, headers, body):
        """A function-URL request (payload 2.0) to `function`; its status code."""
        kind, answer = self.functions[function].invoke(url_event("POST", path, headers, body))
        assert kind == "response", answer
        return answer["statusCode"]

    def post_form(self, form_key, body=None, idempotency_key=None, pump=True, source_ip=None):
        """The `webhook-form` sample posted to this form (with `body` instead
        of the sample's when given), accepted, and the queues run dry. The
        same `idempotency_key` makes a repeat delivery."""
        event = json.loads(open(os.path.join(ROOT, "events", "webhook-form.json")).read().replace("FORM_KEY", form_key))
        event["headers"]["idempotency-key"] = idempotency_key or uuid.uuid4().hex
        if source_ip:
            # Each visitor has an address of their own (the form's rate
            # limit counts per address).
            event["requestContext"]["http"]["sourceIp"] = source_ip
        if body is not None:
            event["body"] = json.dumps(body)
        kind, answer = self.functions["WebhookFormFunction"].invoke(event)
        assert kind == "response" and answer["statusCode"] == 202, answer
        if pump:
            self.pump()

    def pump(self, rounds=50, redelivery_after=0, only=None):
        """Runs every SQS event source mapping until the queues are empty:
        a batch of the mapping's size, the function's answer, successful
        messages deleted and reported failures left for a redelivery, at
        once or, with `redelivery_after`, that many seconds later (the
        visibility timeout, scaled down). `only` limits it to those
        functions' mappings."""
        import time

        sqs = self.aws.client("sqs")
        for _ in range(rounds):
            moved = 0
            for function, url, arn, batch, partial in self.stack.queue_mappings():
                if function not in self.functions or (only and function not in only):
                    continue
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=batch, AttributeNames=["All"]
                ).get("Messages", [])
                if not messages:
                    continue
                # Lambda's poller: this receive, then one batch delete.
                self.mapping_requests += 2
                moved += len(messages)
                event = {"Records": [
                    {
                        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                        "attributes": m.get("Attributes", {}), "messageAttributes": {},
                        "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                        "eventSourceARN": arn, "awsRegion": REGION,
                    }
                    for m in messages
                ]}
                kind, answer = self.functions[function].invoke(event)
                failed = set()
                if kind != "response":
                    failed = {m["MessageId"] for m in messages}
                elif partial and isinstance(answer, dict):
                    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
                for m in messages:
                    if m["MessageId"] not in failed:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    else:
                        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                                      VisibilityTimeout=redelivery_after)
            if moved == 0:
                waiting = redelivery_after and any(
                    int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
                        ["Attributes"]["ApproximateNumberOfMessagesNotVisible"])
                    for function, url, *_ in self.stack.queue_mappings()
                    if function in self.functions and (not only or function in only)
                )
                if not waiting:
                    return
                time.sleep(0.2)
        raise AssertionError("the queues did not run dry")

    def sent_emails(self, to, slug):
        """Every raw mail SES accepted for `to` from dealership `slug`, as
        moto recorded it."""
        import urllib.request

        with urllib.request.urlopen(f"{self.aws.url}/moto-api/data.json") as r:
            data = json.load(r)
        return [
            m for m in data.get("ses", {}).get("RawMessage", [])
            if any(to in d for d in m.get("destinations", []))
            and f"@{slug}." in m.get("raw_data", "")
        ]


# The functions the cases need (each started once).
