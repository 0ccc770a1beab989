"""Xero identity as the real one behaves: 30-minute access tokens, rotating refresh tokens with a 30-minute
grace, 60-day idle expiry, revocation, `xero-tenant-id` on every call, and the problem bodies of 401/403."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from tests.sandbox.ledgers.helpers import Session, advance, set_faults, validate_xero


def test_refresh_issues_a_30_minute_access_token_and_a_new_refresh_token(xero: Session) -> None:
    old = xero.refresh_token
    body = xero.refresh()
    assert (body["expires_in"], body["token_type"], body["refresh_token"] != old) == (1800, "Bearer", True)


def test_a_rotated_refresh_token_works_for_30_minutes_then_is_invalid_grant(xero: Session) -> None:
    old = xero.refresh_token
    xero.refresh()
    within_grace = xero.token_request(grant_type="refresh_token", refresh_token=old).status_code
    advance(xero.http, 1801)
    after_grace = xero.token_request(grant_type="refresh_token", refresh_token=old)
    assert (within_grace, after_grace.status_code, after_grace.json()) == (200, 400, {"error": "invalid_grant"})


def test_a_refresh_token_unused_for_60_days_expires(xero: Session) -> None:
    advance(xero.http, 60 * 86400 + 1)
    response = xero.token_request(grant_type="refresh_token", refresh_token=xero.refresh_token)
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


def test_an_access_token_expires_after_30_minutes_with_a_token_expired_problem(xero: Session) -> None:
    assert xero.get("Organisation").status_code == 200
    advance(xero.http, 1800)
    response = xero.get("Organisation")
    body = response.json()
    assert (response.status_code, body["Title"], body["Status"], body["Detail"].startswith("TokenExpired: token expired at ")) \
        == (401, "Unauthorized", 401, True)


def test_a_call_without_a_bearer_token_is_401_authentication_unsuccessful(xero: Session) -> None:
    response = xero.http.get(xero.path("Invoices"), headers={"xero-tenant-id": xero.tenant_id})
    assert (response.status_code, response.json()["Detail"]) == (401, "AuthenticationUnsuccessful")


def test_every_call_needs_a_known_xero_tenant_id(xero: Session) -> None:
    missing = xero.http.get(xero.path("Invoices"), headers={"Authorization": f"Bearer {xero.access_token}"})
    unknown = xero.get("Invoices", headers={"xero-tenant-id": "00000000-0000-0000-0000-000000000000"})
    assert [(r.status_code, r.json()["Title"], r.json()["Detail"]) for r in (missing, unknown)] == \
        [(403, "Forbidden", "AuthenticationUnsuccessful")] * 2


def test_tenants_keep_their_data_apart(http: httpx.Client) -> None:
    first, second = Session(http, "xero", 0), Session(http, "xero", 1)
    created = first.put("Contacts", {"Contacts": [{"Name": "Only In First"}]})
    assert created.status_code == 200
    found = second.get("Contacts", params={"where": 'Name=="Only In First"'}).json()["Contacts"]
    assert found == []


def test_revoking_a_refresh_token_ends_the_connection(xero: Session) -> None:
    revoked = xero.http.post("/xero/connect/revocation", data={"token": xero.refresh_token},
                             auth=(xero.creds["client_id"], xero.creds["client_secret"]))
    refresh = xero.token_request(grant_type="refresh_token", refresh_token=xero.refresh_token)
    call = xero.get("Organisation")
    assert (revoked.status_code, refresh.json(), call.status_code) == (200, {"error": "invalid_grant"}, 401)


def test_invalid_grant_fault_revokes_the_presented_refresh_token(xero: Session) -> None:
    set_faults(xero.http, {"api": "xero", "operation": "token", "kind": "invalid_grant", "count": 1})
    first = xero.token_request(grant_type="refresh_token", refresh_token=xero.refresh_token)
    again = xero.token_request(grant_type="refresh_token", refresh_token=xero.refresh_token)
    assert (first.status_code, first.json(), again.status_code) == (400, {"error": "invalid_grant"}, 400)


def test_a_wrong_client_secret_is_invalid_client(xero: Session) -> None:
    response = xero.http.post("/xero/connect/token", auth=(xero.creds["client_id"], "wrong"),
                              data={"grant_type": "refresh_token", "refresh_token": xero.refresh_token})
    assert (response.status_code, response.json()) == (400, {"error": "invalid_client"})


def test_connections_list_every_connected_organisation_in_the_identity_schema(xero: Session) -> None:
    response = xero.http.get("/xero/connections", headers={"Authorization": f"Bearer {xero.access_token}"})
    validate_xero(response, "/Connections", identity=True)
    tenants = {row["tenantId"]: row["tenantType"] for row in response.json()}
    creds = xero.http.get("/_sandbox/credentials").json()["xero"]["tenants"]
    assert tenants == {t["tenant_id"]: "ORGANISATION" for t in creds}


def test_a_deleted_connection_locks_its_organisation_out(xero: Session) -> None:
    auth = {"Authorization": f"Bearer {xero.access_token}"}
    connection = next(c for c in xero.http.get("/xero/connections", headers=auth).json()
                      if c["tenantId"] == xero.tenant_id)
    deleted = xero.http.delete(f"/xero/connections/{connection['id']}", headers=auth)
    assert (deleted.status_code, xero.get("Organisation").status_code) == (204, 403)


def test_the_authorization_code_flow_connects_a_new_app_session(xero: Session) -> None:
    redirect = xero.http.get("/xero/identity/connect/authorize", params={
        "response_type": "code", "client_id": xero.creds["client_id"], "redirect_uri": "http://localhost/cb",
        "scope": "offline_access accounting.transactions", "state": "s1"})
    query = parse_qs(urlparse(redirect.headers["location"]).query)
    tokens = xero.token_request(grant_type="authorization_code", code=query["code"][0],
                                redirect_uri="http://localhost/cb").json()
    reused = xero.token_request(grant_type="authorization_code", code=query["code"][0],
                                redirect_uri="http://localhost/cb")
    call = xero.http.get(xero.path("Organisation"), headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                             "xero-tenant-id": xero.tenant_id})
    assert (redirect.status_code, query["state"], call.status_code, reused.json()) == \
        (302, ["s1"], 200, {"error": "invalid_grant"})
