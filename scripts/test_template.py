"""Checks of template.yaml that cfn-lint cannot make, because they depend on
what the code does: each queue consumer's batch fits its timeout at the
worst per-message budget, each queue's visibility outlives six timeouts,
and each function holds the grants its code needs. Run by scripts/test
(after cfn-lint) with the test venv: python scripts/test_template.py
"""

import sys

from cfnlint.decode import decode

# The longest one message can take, in seconds: the outside call's own
# timeout plus the storage round trips around it (see the code named).
WORST_PER_MESSAGE = {
    # Graph API client timeout 5 s (shared/http/src/graph.rs) + DynamoDB.
    "LeadIntakeFunction": 7,
    # Model budget 20 s (responder::MODEL_BUDGET) + context reads and writes.
    "AiResponderFunction": 25,
    # Twilio client timeout 10 s (shared/http/src/twilio.rs) + claim writes.
    "SenderFunction": 12,
    # The mailbox deadline 20 s (mailbox_poll::PollLimits) + the outcome's writes.
    "ImapMailboxFunction": 22,
    # Webhook timeout 10 s (shared/http/src/webhook_poster.rs) + claims and log.
    "EventSenderFunction": 12,
}
MARGIN_SECONDS = 5

# Grants the code needs and once lacked: (function, action, resource).
REQUIRED_GRANTS = [
    # Customer-reply notices and STOPP confirmations go on the send queue.
    ("LeadIntakeFunction", "sqs:SendMessage", "SendQueue"),
    # SMS START lifts a suppression (deletes its claim).
    ("LeadIntakeFunction", "dynamodb:DeleteItem", "Table"),
    # A failed claim is released.
    ("AiResponderFunction", "dynamodb:DeleteItem", "Table"),
    # A handover takes the next rep in the round robin (an atomic counter)
    # and closes the turn's claim (an update).
    ("AiResponderFunction", "dynamodb:UpdateItem", "Table"),
    # Booking links in turns, confirmations and the booking page are signed.
    ("AiResponderFunction", "secretsmanager:GetSecretValue", "LinkKey"),
    ("BookingPageFunction", "secretsmanager:GetSecretValue", "LinkKey"),
    ("ApiAppointmentsFunction", "secretsmanager:GetSecretValue", "LinkKey"),
    # A failed stage claim is released.
    ("EventSenderFunction", "dynamodb:DeleteItem", "Table"),
    # A webhook retry waits on the events queue; "send again" puts it there.
    ("EventSenderFunction", "sqs:SendMessage", "EventsQueue"),
    ("ApiAccountFunction", "sqs:SendMessage", "EventsQueue"),
    # A Clerk delivery that could not be applied releases its claim.
    ("WebhookClerkFunction", "dynamodb:DeleteItem", "Table"),
    # A disconnected Facebook page's token is deleted.
    ("ApiAccountFunction", "secretsmanager:DeleteSecret", None),
    # The Clerk webhook's signing secret is read from the secret store.
    ("WebhookClerkFunction", "secretsmanager:GetSecretValue", "ClerkWebhookSecret"),
] + [
    # Every API function reads the cursor key at cold start.
    (f, "secretsmanager:GetSecretValue", "CursorKey")
    for f in [
        "ApiLeadsFunction", "ApiConversationsFunction", "ApiVehiclesFunction",
        "ApiAccountFunction", "ApiAutomationsFunction", "ApiAnalyticsFunction", "ApiAiFunction",
        "ApiAppointmentsFunction",
    ]
]


def refs(value):
    """Logical ids a resource expression points at."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return {target[0] if isinstance(target, list) else target.split(".")[0]}
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) else sub
            import re

            return {m.split(".")[0] for m in re.findall(r"\$\{([^}]+)\}", text)}
        found = set()
        for v in value.values():
            found |= refs(v)
        return found
    if isinstance(value, list):
        found = set()
        for v in value:
            found |= refs(v)
        return found
    return set()


def statements(function):
    for policy in function["Properties"].get("Policies", []):
        if isinstance(policy, dict):
            for statement in policy.get("Statement", []):
                yield statement


def main():
    template, errors = decode(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    if errors:
        print(errors)
        return 1
    resources = template["Resources"]
    globals_timeout = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    failures = []

    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        timeout = props.get("Timeout", globals_timeout)
        for event in props.get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            batch = event["Properties"].get("BatchSize", 10)
            worst = WORST_PER_MESSAGE.get(name)
            if worst is None:
                failures.append(f"{name}: consumes a queue but has no worst per-message time here")
                continue
            needed = batch * worst + MARGIN_SECONDS
            (queue,) = refs(event["Properties"]["Queue"])
            visibility = resources[queue]["Properties"].get("VisibilityTimeout", 30)
            fits = needed <= timeout and visibility >= 6 * timeout
            if needed > timeout:
                failures.append(
                    f"{name}: a batch of {batch} may take {batch} × {worst} s + {MARGIN_SECONDS} s "
                    f"= {needed} s, over its {timeout} s timeout"
                )
            if visibility < 6 * timeout:
                failures.append(
                    f"{queue}: visibility {visibility} s is under six times {name}'s {timeout} s timeout"
                )
            if fits:
                print(f"ok  {name}: batch {batch} × {worst} s fits {timeout} s; {queue} visible after {visibility} s")
            # SAM's SQS poller policy allows every queue: a Deny scoped by
            # NotResource must keep the consumer to its own.
            scoped = any(
                s.get("Effect") == "Deny"
                and {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= set(s["Action"])
                and refs(s.get("NotResource")) == {queue}
                for s in statements(resource)
            )
            if not scoped:
                failures.append(f"{name}: may receive from and delete on every queue, not only {queue}")

    for function, action, resource in REQUIRED_GRANTS:
        granted = any(
            action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            and (resource is None or resource in refs(s.get("Resource")))
            for s in statements(resources[function])
        )
        if granted:
            print(f"ok  {function} may {action} on {resource or 'its secrets'}")
        else:
            failures.append(f"{function}: missing {action} on {resource or 'its secrets'}")

    # Observability and the edge: every alarm tells someone, every log has
    # a retention, the API logs and throttles, topics use a key their
    # publishers can use.
    for name, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::CloudWatch::Alarm" and "AlarmTopic" not in refs(props.get("AlarmActions")):
            failures.append(f"{name}: an alarm that notifies no one")
        if kind == "AWS::Serverless::Function":
            group = refs(props.get("LoggingConfig", {}).get("LogGroup"))
            if not group or "RetentionInDays" not in resources[group.pop()]["Properties"]:
                failures.append(f"{name}: logs to a group without a retention")
        if kind == "AWS::SNS::Topic" and props.get("KmsMasterKeyId") == "alias/aws/sns":
            failures.append(f"{name}: alias/aws/sns lets no service publish")
        if kind == "AWS::Serverless::HttpApi":
            if "AccessLogSettings" not in props or "DefaultRouteSettings" not in props:
                failures.append(f"{name}: no access logs or no throttling")
            exposed = [h.lower() for h in props.get("CorsConfiguration", {}).get("ExposeHeaders", [])]
            if "retry-after" not in exposed:
                failures.append(f"{name}: CORS hides retry-after from the dashboard")
    # Asynchronous functions (a schedule, SNS, SES) keep what failed every
    # retry and have an error alarm.
    invoked_by_permission = {
        next(iter(refs(r["Properties"]["FunctionName"])))
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
    }
    errors_alarmed = {
        next(iter(refs(d["Value"])))
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName") == "Errors"
        for d in r["Properties"].get("Dimensions", [])
        if refs(d.get("Value"))
    }
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        kinds = {e["Type"] for e in props.get("Events", {}).values()}
        if not (kinds & {"Schedule", "ScheduleV2", "SNS", "S3"} or name in invoked_by_permission):
            continue
        on_failure = props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
        if not (on_failure or props.get("DeadLetterQueue")):
            failures.append(f"{name}: invoked asynchronously without a failure destination")
        if name not in errors_alarmed:
            failures.append(f"{name}: invoked asynchronously without an error alarm")
    # Data kept and guarded: queues say how long they keep messages, the
    # table cannot be deleted by accident, and a service may act for us only
    # from our own resources (aws:SourceArn, not just the account).
    for name, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::SQS::Queue" and "MessageRetentionPeriod" not in props:
            failures.append(f"{name}: no MessageRetentionPeriod")
        if kind == "AWS::DynamoDB::Table" and not props.get("DeletionProtectionEnabled"):
            failures.append(f"{name}: no deletion protection")
        if kind == "AWS::Lambda::Permission" and "SourceArn" not in props:
            failures.append(f"{name}: invocable by any {props.get('Principal')} resource in the account")
        if kind in ("AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"):
            for statement in props["PolicyDocument"]["Statement"]:
                service = statement.get("Principal", {}).get("Service")
                condition = str(statement.get("Condition", {})).lower()
                if service and "aws:sourcearn" not in condition:
                    failures.append(f"{name}: {service} may act without an aws:SourceArn condition")

    # No secret in an environment variable: nothing that names a NoEcho
    # parameter (those are secrets) is passed in plain text.
    secret_parameters = {
        name for name, p in template.get("Parameters", {}).items() if p.get("NoEcho")
    }
    environments = [("Globals", template.get("Globals", {}).get("Function", {}))] + [
        (name, r["Properties"])
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    for name, props in environments:
        for var, value in props.get("Environment", {}).get("Variables", {}).items():
            leaked = refs(value) & secret_parameters
            if leaked:
                failures.append(f"{name}: {var} carries the secret parameter {', '.join(leaked)}")
    print("ok  alarms, log retention, API logs and throttling, topic keys, async failures, secrets checked")

    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
