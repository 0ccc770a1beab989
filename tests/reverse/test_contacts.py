"""Contacts against the sandbox over HTTP: a mapped MYOB customer takes its Amazon order's buyer and
ship-to details (read with a Restricted Data Token), only when they differ, and no buyer name, e-mail,
street or phone reaches the logs, the audit rows or the alerts."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from sellerledger.reverse.contacts import map_contact
from sellerledger.reverse.tasks import run_contacts
from sellerledger.sandbox.server import SandboxServer
from tests.reverse.support import alerts, amazon, audit, calls, flow, myob_client, start_server


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with start_server() as running:
        yield running


def _shipped_orders(server: SandboxServer, country: str, n: int) -> list[Any]:
    state = server.state.apis["amazon"]
    now = state.now()
    return [o for o in state.seller.orders
            if o.marketplace.code == country and o.status_at(now) == "Shipped"][:n]


def _customer(myob: Any, last_name: str) -> dict[str, Any]:
    tax = myob.api.list("GeneralLedger/TaxCode")[0]
    return myob.api.post_once("Contact/Customer", {
        "IsIndividual": True, "LastName": last_name, "IsActive": True,
        "SellingDetails": {"TaxCode": {"UID": tax["UID"]}, "FreightTaxCode": {"UID": tax["UID"]}}})


def _pii(order: Any) -> list[str]:
    values = [order.buyer_name, order.buyer_email, order.address["AddressLine1"], order.address["Phone"]]
    values += order.buyer_name.split()
    return [v for v in values if v and len(v) > 2]


def test_mapped_customer_follows_the_order_details_without_pii_in_logs(server, fresh_db, caplog, capsys) -> None:
    caplog.set_level(logging.DEBUG)
    myob = myob_client(server, fresh_db)
    customer = _customer(myob, "Placeholder")
    first, second = _shipped_orders(server, "US", 2)
    assert first.buyer_name != second.buyer_name
    f = flow("myob", contacts=True)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        map_contact(conn, f.id, first.amazon_order_id, customer["UID"])

    with amazon(server, ("NA",)) as clients:
        result = run_contacts(f, "run-1", myob, clients)
    assert result["counts"] == {"updated": 1}
    record = myob.api.get(f"Contact/Customer/{customer['UID']}")
    address = record["Addresses"][0]
    assert (address["ContactName"], address["Email"], address["Street"], address["PostCode"]) == (
        first.buyer_name, first.buyer_email, first.address["AddressLine1"], first.address["PostalCode"])
    assert (record["FirstName"], record["LastName"]) == tuple(first.buyer_name.rsplit(" ", 1))
    assert calls(server, "createRestrictedDataToken") == 1

    puts = calls(server, "Contact/Customer.put")
    with amazon(server, ("NA",)) as clients:
        again = run_contacts(f, "run-2", myob, clients)
    assert again["counts"] == {"unchanged": 1}
    assert calls(server, "Contact/Customer.put") == puts

    with psycopg.connect(fresh_db, autocommit=True) as conn:  # the buyer's newer order: new details
        map_contact(conn, f.id, second.amazon_order_id, customer["UID"])
    with amazon(server, ("NA",)) as clients:
        changed = run_contacts(f, "run-3", myob, clients)
    assert changed["counts"] == {"updated": 1}
    assert myob.api.get(f"Contact/Customer/{customer['UID']}")["Addresses"][0]["Email"] == second.buyer_email

    captured = capsys.readouterr()
    text = "\n".join([caplog.text, captured.out, captured.err,
                      json.dumps(audit(fresh_db, f.id, "contacts"), default=str),
                      json.dumps(alerts(fresh_db, f.id), default=str)])
    assert "contact " + customer["UID"] in caplog.text  # the flow did log, by id
    leaked = [value for order in (first, second) for value in _pii(order) if value in text]
    assert leaked == []


def test_an_order_amazon_does_not_know_is_reported_not_written(server, fresh_db) -> None:
    myob = myob_client(server, fresh_db)
    customer = _customer(myob, "Keep")
    f = flow("myob", contacts=True)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        map_contact(conn, f.id, "111-0000000-0000000", customer["UID"])
    with amazon(server, ("NA",)) as clients:
        result = run_contacts(f, "run-1", myob, clients)
    assert result["counts"] == {"failed": 1}
    assert myob.api.get(f"Contact/Customer/{customer['UID']}")["LastName"] == "Keep"
    assert [k for k, _, _ in alerts(fresh_db, f.id)] == ["contact_failed"]
