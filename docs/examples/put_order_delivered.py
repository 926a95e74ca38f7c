# boto3. The bus: the EventBusArn output.
import json
import sys

import boto3

detail = {
    "eventId": "ord-1042-delivered",
    "occurredAt": "2026-11-22T10:00:00Z",
    "customer": {
        "id": "c-77",
        "email": "ana@example.com",
        "name": "Ana",
        "locale": "hr",
        "segment": "smb",
        "tier": "gold",
        "timeZone": "Europe/Zagreb"
    },
    "context": {"orderId": "1042"}
}

response = boto3.client("events").put_events(
    Entries=[
        {
            "EventBusName": sys.argv[1],
            "Source": "shop.orders",
            "DetailType": "OrderDelivered",
            "Detail": json.dumps(detail),
        }
    ]
)
if response["FailedEntryCount"]:
    raise RuntimeError(response["Entries"])
