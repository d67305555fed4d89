"""What `scripts/deploy` does around `sam build` and `sam deploy`:

    python scripts/deploy_stack.py preflight STAGE   # checks; prints the parameter overrides
    python scripts/deploy_stack.py urls STAGE        # overrides a second deploy must add, if any
    python scripts/deploy_stack.py finish STAGE [--take-over-receiving]

Parameters come from samconfig.toml's stage, then from `NORVALT_PARAM_<Name>`
variables (`NORVALT_PARAM_ClerkIssuer=https://…`); a deployed stack keeps
the values it has for the rest (sam passes UsePreviousValue).
"""

import os
import sys
import tomllib

import boto3
from botocore.exceptions import ClientError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# Without these a new stack cannot work (the template gives no default).
REQUIRED_ON_FIRST_DEPLOY = ("ClerkIssuer", "ClerkAudience")


class DeployError(Exception):
    """Something the operator must fix before the deploy can go on."""


def stage_config(stage):
    """(stack name, region, the stage's parameter overrides) from samconfig.toml."""
    with open(os.path.join(ROOT, "samconfig.toml"), "rb") as f:
        config = tomllib.load(f)
    if stage not in config:
        raise DeployError(f"samconfig.toml has no stage '{stage}' (it has: "
                          f"{', '.join(k for k in config if k not in ('version', 'default'))})")
    globals_ = config[stage]["global"]["parameters"]
    overrides = {}
    for pair in config[stage]["deploy"]["parameters"].get("parameter_overrides", "").split():
        key, _, value = pair.partition("=")
        overrides[key] = value.strip('"')
    return globals_["stack_name"], globals_["region"], overrides


def environment_overrides(environ):
    prefix = "NORVALT_PARAM_"
    return {k[len(prefix):]: v for k, v in environ.items() if k.startswith(prefix) and v}


def render(overrides):
    """sam's --parameter-overrides text: Key=Value pairs, values with spaces quoted."""
    return " ".join(f'{k}="{v}"' if " " in v else f"{k}={v}" for k, v in sorted(overrides.items()))


def deployed(session, stack_name):
    """(parameters, outputs) of the deployed stack, or None when there is none yet."""
    try:
        stack = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as e:
        if "does not exist" in str(e):
            return None
        raise
    if stack["StackStatus"] in ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"):
        return None
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return parameters, outputs


def receiving_supported(session):
    """SES answers receipt-rule calls only where it receives mail."""
    try:
        session.client("ses").describe_active_receipt_rule_set()
        return True
    except ClientError as e:
        code = e.response["Error"]["Code"]
        if code in ("InvalidAction", "UnsupportedOperation", "InvalidParameterValue", "UnknownOperationException"):
            return False
        raise


def preflight(session, stage, environ):
    stack_name, region, overrides = stage_config(stage)
    overrides.update(environment_overrides(environ))
    session.client("sts").get_caller_identity()
    if not receiving_supported(session):
        raise DeployError(f"SES does not receive mail in {region}; set another region in samconfig.toml "
                          "(eu-west-1 does) — importer mail could not arrive")
    current = deployed(session, stack_name)
    if current is None:
        missing = [p for p in REQUIRED_ON_FIRST_DEPLOY if not overrides.get(p)]
        if missing:
            raise DeployError("a first deploy needs " + ", ".join(f"NORVALT_PARAM_{p}" for p in missing)
                              + " (docs/deploy.md, step 3: Clerk)")
    return overrides


def url_overrides(parameters, outputs, environ):
    """What the first deploy could not know: the Twilio webhook URL Twilio
    signs, and the dashboard's origin (its links, the API's audience and CORS,
    the token's authorised parties). Empty when the stack already has them."""
    wanted = {}
    if parameters.get("TwilioAccountSid") and outputs.get("TwilioWebhookBaseUrl"):
        twilio = outputs["TwilioWebhookBaseUrl"].rstrip("/")
        if parameters.get("TwilioWebhookUrl") != twilio:
            wanted["TwilioWebhookUrl"] = twilio
    dashboard = (environ.get("NORVALT_PARAM_DashboardUrl") or outputs.get("DashboardUrlOutput", "")).rstrip("/")
    if dashboard:
        if parameters.get("DashboardUrl") != dashboard:
            wanted["DashboardUrl"] = dashboard
        for key in ("ClerkAudience", "AuthorizedParties"):
            listed = [v for v in parameters.get(key, "").split(",") if v]
            if key == "AuthorizedParties" and not listed:
                continue  # empty means any party; nothing to add to
            if dashboard not in listed:
                wanted[key] = ",".join(listed + [dashboard])
    return wanted


def activate_receiving(session, rule_set, take_over):
    """Makes the stack's receipt rule set the active one. A region has one
    active set per account, so another stage's set is replaced only when
    the operator says so."""
    ses = session.client("ses")
    active = ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
    if active == rule_set:
        return f"SES receiving: {rule_set} is already the active rule set"
    if active and not take_over:
        raise DeployError(f"SES receiving: {active} is the active rule set in this region, and only one "
                          f"can be; run again with --take-over-receiving to make {rule_set} active "
                          "(the other set's mail then stops), or deploy this stage in its own account")
    ses.set_active_receipt_rule_set(RuleSetName=rule_set)
    return f"SES receiving: activated {rule_set}" + (f" (was {active})" if active else "")


def left_to_do(session, stage, parameters, outputs):
    """The steps no template can take, each only while it is still open."""
    todo = []
    domain = parameters.get("MailDomain", "")
    sesv2 = session.client("sesv2")
    for identity in (domain, f"svar.{domain}"):
        try:
            found = sesv2.get_email_identity(EmailIdentity=identity)
        except ClientError:
            found = None
        if identity == domain and not (found and found.get("VerifiedForSendingStatus")):
            todo.append(f"verify {domain} in SES with Easy DKIM (three CNAME records), SPF and DMARC "
                        "(docs/deploy.md, step 1)")
    region = session.region_name
    todo.append(f"MX records: *.{domain} MX 10 inbound-smtp.{region}.amazonaws.com (dealerships' "
                "leads@<slug> addresses)")
    try:
        if not sesv2.get_account().get("ProductionAccessEnabled"):
            todo.append("leave the SES sandbox: request production access (until then only verified "
                        "addresses get mail)")
    except ClientError:
        pass
    secrets = session.client("secretsmanager")
    for name, why in ((f"norvalt/{stage}/anthropic/api-key", "replies come from the template until it is set"),
                      (f"norvalt/{stage}/twilio/auth-token", "SMS stays off until it is set")):
        try:
            versions = secrets.list_secret_version_ids(SecretId=name)["Versions"]
        except ClientError:
            versions = []
        if not versions:
            todo.append(f"set the secret {name} ({why})")
    if not parameters.get("AlarmEmail"):
        todo.append("nobody is told when an alarm fires: set NORVALT_PARAM_AlarmEmail or subscribe to "
                    f"the topic norvalt-{stage}-alarms")
    todo.append(f"deploy the dashboard: CLERK_PUBLISHABLE_KEY=pk_… scripts/deploy-dashboard {stage}")
    if outputs.get("FacebookWebhookUrl"):
        todo.append(f"Meta app: webhook (leadgen) {outputs['FacebookWebhookUrl']}")
    return todo


def main(argv, environ):
    command, stage = argv[1], argv[2]
    stack_name, region, _ = stage_config(stage)
    session = boto3.Session(region_name=region)
    if command == "preflight":
        print(render(preflight(session, stage, environ)))
        return 0
    current = deployed(session, stack_name)
    if current is None:
        raise DeployError(f"{stack_name} is not deployed in {region}")
    parameters, outputs = current
    if command == "urls":
        print(render(url_overrides(parameters, outputs, environ)))
        return 0
    if command == "finish":
        print(activate_receiving(session, f"norvalt-{stage}-inbound", "--take-over-receiving" in argv))
        print(f"\n{stack_name} is deployed. The API: {outputs.get('ApiUrl')}; website forms post to "
              f"{outputs.get('FormWebhookUrl')}.\nLeft to do by hand:")
        for step in left_to_do(session, stage, parameters, outputs):
            print(f"  - {step}")
        return 0
    raise DeployError(f"unknown command {command}")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv, os.environ))
    except DeployError as e:
        print(f"deploy: {e}", file=sys.stderr)
        sys.exit(2)
