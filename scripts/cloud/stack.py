"""The stack as template.yaml describes it, made real on moto server.

`expand` runs the SAM translator over the template, so roles, event source
mappings and environments come from the template itself. `Stack` creates
the data resources (table, queues, buckets, secrets) on moto and resolves
the intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
`Fn::If`) of each function's environment to those resources.
"""

import json
import re
import secrets as random_secrets

from cfnlint.decode import decode
from samtranslator.translator.transform import transform

REGION = "eu-north-1"
ACCOUNT = "123456789012"


class _NoManagedPolicies:
    def load(self):
        return {}


def expand(path, parameters):
    """The template after the SAM transform, as CloudFormation would see it."""
    import os

    template, errors = decode(path)
    if errors:
        raise ValueError(errors)
    template = json.loads(json.dumps(template))
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            # The translator wants an S3 location; the harness runs the
            # local build instead.
            resource["Properties"]["CodeUri"] = "s3://harness/code.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    return transform(template, parameters, _NoManagedPolicies())


class Stack:
    def __init__(self, template, parameters, session, stage_prefix):
        self.template = template
        self.resources = template["Resources"]
        self.session = session
        self.prefix = stage_prefix
        self.parameters = {
            name: spec.get("Default", "")
            for name, spec in template.get("Parameters", {}).items()
        }
        self.parameters.update(parameters)
        self.physical = {}
        self.arns = {}
        self.attributes = {}

    # --- intrinsic functions -------------------------------------------------

    def condition(self, name):
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v) for k, v in value.items()}
        (fn, arg), = value.items()
        if fn == "Ref":
            return self.ref(arg)
        if fn == "Fn::GetAtt":
            name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(name, attribute)
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            variables = {k: self.resolve(v) for k, v in variables.items()}

            def substitute(match):
                key = match.group(1)
                if key in variables:
                    return str(variables[key])
                if "." in key:
                    name, attribute = key.split(".", 1)
                    return str(self.get_att(name, attribute))
                return str(self.ref(key))

            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        if fn == "Fn::Join":
            separator, items = arg
            items = self.resolve(items)
            return separator.join(str(i) for i in items)
        if fn == "Fn::If":
            name, yes, no = arg
            return self.resolve(yes if self.condition(name) else no)
        if fn == "Fn::Equals":
            a, b = self.resolve(arg)
            return str(a) == str(b)
        if fn == "Fn::Not":
            return not self.resolve(arg[0])
        if fn == "Condition":
            return self.condition(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def ref(self, name):
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::StackName": self.prefix,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            value = self.parameters[name]
            kind = self.template["Parameters"][name].get("Type", "String")
            if kind == "CommaDelimitedList" and isinstance(value, str):
                return [v for v in value.split(",")] if value else [""]
            return value
        if name in self.physical:
            return self.physical[name]
        # Resources the harness does not make (alarms, topics, roles …):
        # a stable made-up name is enough for an environment variable.
        return f"{self.prefix}-{name}"

    def get_att(self, name, attribute):
        if (name, attribute) in self.attributes:
            return self.attributes[(name, attribute)]
        if attribute == "Arn":
            return self.arns.get(name, f"arn:aws:harness:{REGION}:{ACCOUNT}:{name}")
        if attribute == "FunctionUrl":
            # As Lambda writes a function URL: https, a host, a trailing slash.
            return f"https://{self.prefix}-{name.lower()}.lambda-url.{REGION}.on.aws/"
        return f"{self.prefix}-{name}-{attribute}"

    # --- resources on moto ----------------------------------------------------

    def create(self):
        for name, resource in self.resources.items():
            kind = resource["Type"]
            if kind == "AWS::DynamoDB::Table":
                self._table(name, resource["Properties"])
            elif kind == "AWS::S3::Bucket":
                bucket = f"{self.prefix}-{name}".lower()
                self.session.client("s3").create_bucket(
                    Bucket=bucket,
                    CreateBucketConfiguration={"LocationConstraint": REGION},
                )
                self.physical[name] = bucket
                self.arns[name] = f"arn:aws:s3:::{bucket}"
        # Dead-letter queues first: the main queues' redrive names them.
        queues = [n for n, r in self.resources.items() if r["Type"] == "AWS::SQS::Queue"]
        for name in sorted(queues, key=lambda n: "RedrivePolicy" in self.resources[n]["Properties"]):
            self._queue(name, self.resources[name]["Properties"])
        for name, resource in self.resources.items():
            if resource["Type"] == "AWS::SecretsManager::Secret" and "Condition" not in resource:
                self._secret(name, resource["Properties"])

    def _table(self, name, props):
        props = self.resolve(props)
        table = f"{self.prefix}-{name}"
        args = {
            "TableName": table,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if props.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        client = self.session.client("dynamodb")
        client.create_table(**args)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(
                TableName=table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        self.physical[name] = table
        self.arns[name] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"

    def _queue(self, name, props):
        props = self.resolve(props)
        attributes = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in props:
                attributes[key] = str(props[key])
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        queue = f"{self.prefix}-{name}"
        client = self.session.client("sqs")
        url = client.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.physical[name] = url
        self.arns[name] = arn
        self.attributes[(name, "QueueName")] = queue

    def _secret(self, name, props):
        props = self.resolve(props)
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if value is None and generate is not None:
            value = random_secrets.token_hex(32)
        args = {"Name": props["Name"]}
        if value:
            args["SecretString"] = value
        client = self.session.client("secretsmanager")
        try:
            arn = client.create_secret(**args)["ARN"]
        except client.exceptions.ResourceExistsException:
            # The same stage made again on one moto server: take it over.
            if value:
                client.put_secret_value(SecretId=props["Name"], SecretString=value)
            arn = client.describe_secret(SecretId=props["Name"])["ARN"]
        self.physical[name] = arn
        self.arns[name] = arn

    # --- what each function is given -----------------------------------------

    def functions(self):
        """Logical id → (binary, timeout, environment) of every function the
        template deploys (conditions respected)."""
        found = {}
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            props = resource["Properties"]
            binary = resource.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
            env = self.resolve(props.get("Environment", {}).get("Variables", {}))
            found[name] = (binary, props.get("Timeout", 3), {k: str(v) for k, v in env.items()})
        return found

    def queue_mappings(self):
        """(function, queue URL, batch size, reports item failures) of every
        SQS event source mapping."""
        mappings = []
        for resource in self.resources.values():
            if resource["Type"] != "AWS::Lambda::EventSourceMapping":
                continue
            props = resource["Properties"]
            source = props["EventSourceArn"]
            queue = source["Fn::GetAtt"][0] if isinstance(source, dict) else None
            function = props["FunctionName"]["Ref"]
            mappings.append(
                (
                    function,
                    self.physical[queue],
                    self.arns[queue],
                    props.get("BatchSize", 10),
                    "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                )
            )
        return mappings
