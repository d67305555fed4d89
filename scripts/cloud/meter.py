"""What a function's AWS calls would be billed for, counted at its gate.

Moto's `ConsumedCapacity` is a constant, not the item-size rule DynamoDB
bills by, so the meter applies the rule itself: a write is one unit per KB
of the item (rounded up; twice inside a transaction) plus the same again
for each global secondary index the item is in (both indexes project all
attributes); a read is one unit per 4 KB (half for an eventually consistent
read, the default), at least half a unit. A query or scan is billed for
every item it read, not the ones its filter let through: the meter reads
the same key range again without the filter (up to the request's
ScannedCount) to size them. Item sizes are DynamoDB's: the attribute
names' and values' bytes. For an update or a delete, the item's
size is looked up in moto (before a delete, after an update) with the
harness's own credentials, which nothing bills.
"""

import json
import math
from collections import Counter

# The table's indexes and the attribute that puts an item in each.
INDEX_KEYS = {"gsi1": "gsi1pk", "due": "duepk", "changed": "chpk"}


def value_size(value):
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return len(v.lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(v) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: x}) for x in v)
    if kind == "L":
        return 3 + sum(1 + value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(x) for k, x in v.items())
    return len(json.dumps(v))


def item_size(item):
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def write_units(item, transactional=False):
    size = max(item_size(item), 1)
    copies = 1 + sum(1 for key in INDEX_KEYS.values() if key in (item or {}))
    return math.ceil(size / 1024) * copies * (2 if transactional else 1)


def read_units(total_size, consistent):
    units = math.ceil(max(total_size, 1) / 4096)
    return units if consistent else max(units / 2, 0.5)


class Meter:
    """Counts for one function: AWS requests by action, DynamoDB read and
    write units, SQS requests (64 KB chunks), S3 requests, SES messages."""

    def __init__(self, lookup, unfiltered=None):
        self.lookup = lookup  # (table, key) -> item or None, straight from moto
        # (operation, request, scanned) -> the items a filtered query read
        self.unfiltered = unfiltered
        self.requests = Counter()
        self.read_units = 0.0
        self.write_units = 0.0
        self.sqs_requests = 0
        self.s3 = Counter()
        self.ses_messages = 0

    def before(self, action, request):
        """Sizes that must be read before the call changes them."""
        if action == "dynamodb:DeleteItem":
            return self.lookup(request["TableName"], request["Key"])
        return None

    def record(self, action, request, response, before=None):
        self.requests[action] += 1
        service, operation = action.split(":", 1)
        if service == "dynamodb":
            self._dynamodb(operation, request or {}, response or {}, before)
        elif service == "sqs":
            body = (request or {}).get("MessageBody", "")
            entries = (request or {}).get("Entries")
            sizes = [len(e.get("MessageBody", "").encode()) for e in entries] if entries else [len(body.encode())]
            self.sqs_requests += sum(max(1, math.ceil(s / 65536)) for s in sizes)
        elif service == "s3":
            self.s3[operation] += 1
        elif service == "ses":
            self.ses_messages += len((request or {}).get("Destination", {}).get("ToAddresses", [])) or 1

    def _dynamodb(self, operation, request, response, before):
        consistent = bool(request.get("ConsistentRead"))
        if operation == "PutItem":
            self.write_units += write_units(request["Item"])
        elif operation == "UpdateItem":
            self.write_units += write_units(self.lookup(request["TableName"], request["Key"]))
        elif operation == "DeleteItem":
            self.write_units += write_units(before)
        elif operation == "GetItem":
            self.read_units += read_units(item_size(response.get("Item")), consistent)
        elif operation in ("Query", "Scan"):
            items = response.get("Items", [])
            scanned = response.get("ScannedCount", len(items))
            if request.get("FilterExpression") and scanned > len(items) and self.unfiltered:
                items = self.unfiltered(operation, request, scanned)
            self.read_units += read_units(sum(item_size(i) for i in items), consistent)
        elif operation == "TransactWriteItems":
            for entry in request["TransactItems"]:
                (kind, item), = entry.items()
                if kind == "Put":
                    self.write_units += write_units(item["Item"], transactional=True)
                elif kind == "ConditionCheck":
                    self.read_units += 2 * read_units(0, True)
                else:
                    self.write_units += write_units(self.lookup(item["TableName"], item["Key"]) or {"k": {"S": ""}},
                                                    transactional=True)
        elif operation == "TransactGetItems":
            for item in response.get("Responses", []):
                self.read_units += 2 * read_units(item_size(item.get("Item")), True)
        elif operation == "BatchWriteItem":
            for requests in request["RequestItems"].values():
                for r in requests:
                    self.write_units += write_units(r.get("PutRequest", {}).get("Item") or {"k": {"S": ""}})
        elif operation == "BatchGetItem":
            for items in response.get("Responses", {}).values():
                self.read_units += sum(read_units(item_size(i), consistent) for i in items)
