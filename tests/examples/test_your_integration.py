#!/usr/bin/env python3
"""Test a Flxpoint integration against flxpoint-sandbox, from Python, over HTTP.

Start the sandbox on the example seed, then run this script with its URL:

    flxpoint-sandbox --port 0 --seed tests/seeds/example.yaml   # listening on http://127.0.0.1:PORT
    python3 tests/examples/test_your_integration.py http://127.0.0.1:PORT

The integration under test is `ship`: it creates a shipment for a purchase order, retries once
on a 5xx, and takes a 409 (the tracking number is already on that order) as done. The test makes
the sandbox fail the first create, then checks what `ship` returned and, through the request
journal, what it sent. Standard library only; exits non-zero on any failed check.
"""

import json
import sys
import urllib.error
import urllib.request

TOKEN = "acme-east-source-token"  # the seed's token of source 310, "Acme Warehouse East"


def call(base, method, path, body=None, token=None):
    """One HTTP call; returns (status, parsed JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("X-API-TOKEN", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    return status, (json.loads(text) if text else None)


def ship(base, po, tracking, lines):
    """The integration: True when created now, False when the order already had it."""
    body = {
        "purchaseOrderNumber": po,
        "allowDuplicateTrackingNumbers": False,
        "shipment": {
            "trackingNumber": tracking,
            "shipmentItems": [{"sku": sku, "quantity": qty} for sku, qty in lines],
        },
    }
    for attempt in range(2):
        status, answer = call(base, "POST", "/shipments", body, TOKEN)
        if status == 201:
            return True
        if status == 409:
            return False
        if status < 500 or attempt == 1:
            raise RuntimeError(f"create answered {status}: {answer}")
    raise AssertionError("unreachable")


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def main(base):
    base = base.rstrip("/")
    check(call(base, "POST", "/_sandbox/reset")[0] == 204, "reset")
    # The first create meets a 503 before the server acts.
    fault = {"kind": "status", "status": 503, "path": "/shipments"}
    check(call(base, "POST", "/_sandbox/faults", fault)[0] == 204, "fault queued")

    check(ship(base, "PO-1001", "1Z-PY-0001", [("TENT-2P", 2)]) is True, "created after a 503")
    check(ship(base, "PO-1001", "1Z-PY-0001", [("TENT-2P", 2)]) is False, "a repeat is done")

    # What it sent, from the request journal: 503, 201, 409, as the seed's source token.
    _, journal = call(base, "GET", "/_sandbox/requests?path=/shipments")
    sent = journal["requests"]
    check([r["status"] for r in sent] == [503, 201, 409], f"statuses: {sent}")
    check(all(r["caller"]["label"] == "Acme Warehouse East" for r in sent), "the caller's label")
    check(sent[0]["fault"] == "status 503", f"the fault: {sent[0]}")
    check(sent[1]["body"]["shipment"]["trackingNumber"] == "1Z-PY-0001", "the body")
    check(TOKEN not in json.dumps(journal), "the token's value is never in the journal")

    # And what the sandbox now holds: one shipment on fulfillment request 700001.
    _, state = call(base, "GET", "/_sandbox/state")
    shipments = [s for s in state["shipments"] if s["trackingNumber"] == "1Z-PY-0001"]
    check(len(shipments) == 1, f"one shipment: {shipments}")
    check(shipments[0]["fulfillmentRequestId"] == 700001, "on PO-1001 of source 310")
    print("ok: created after a 503, a repeat taken as done, 3 requests journaled")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: test_your_integration.py BASE_URL")
    main(sys.argv[1])
