"""QuickBooks Online auth as Intuit's behaves: 1-hour access tokens, rotating refresh tokens with a rolling
100-day life, revocation, the discovery document, realm scoping, and AuthenticationFault 3200 bodies."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from tests.sandbox.ledgers.helpers import Session, advance, set_faults


def test_refresh_issues_a_1_hour_access_token_and_a_rotated_100_day_refresh_token(qbo: Session) -> None:
    old = qbo.refresh_token
    body = qbo.refresh()
    assert (body["token_type"], body["expires_in"], body["x_refresh_token_expires_in"], body["refresh_token"] != old) \
        == ("bearer", 3600, 8640000, True)


def test_the_previous_refresh_token_is_dead_once_rotated(qbo: Session) -> None:
    old = qbo.refresh_token
    qbo.refresh()
    reused = qbo.token_request(grant_type="refresh_token", refresh_token=old)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")


def test_a_refresh_token_unused_for_100_days_expires(qbo: Session) -> None:
    advance(qbo.http, 100 * 86400 + 1)
    response = qbo.token_request(grant_type="refresh_token", refresh_token=qbo.refresh_token)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_an_expired_access_token_is_401_authentication_fault_3200(qbo: Session) -> None:
    assert qbo.get("companyinfo/1").status_code == 200
    advance(qbo.http, 3600)
    response = qbo.get("companyinfo/1")
    fault = response.json()["Fault"]
    assert (response.status_code, fault["type"], fault["Error"][0]["code"], "intuit_tid" in response.headers) == \
        (401, "AuthenticationFault", "3200", True)


def test_a_call_without_a_token_is_401(qbo: Session) -> None:
    response = qbo.http.get(qbo.path("companyinfo/1"))
    assert (response.status_code, response.json()["Fault"]["Error"][0]["code"]) == (401, "3200")


def test_a_token_of_one_realm_cannot_reach_another_realm(http: httpx.Client) -> None:
    first, second = Session(http, "qbo", 0), Session(http, "qbo", 1)
    response = http.get(second.path("companyinfo/1"), headers=first.headers())
    assert (response.status_code, response.json()["Fault"]["Error"][0]["code"]) == (403, "3100")


def test_revoking_a_refresh_token_ends_the_connection(qbo: Session) -> None:
    revoked = qbo.http.post("/qbo/v2/oauth2/tokens/revoke", json={"token": qbo.refresh_token},
                            auth=(qbo.creds["client_id"], qbo.creds["client_secret"]))
    refresh = qbo.token_request(grant_type="refresh_token", refresh_token=qbo.refresh_token)
    assert (revoked.status_code, refresh.status_code, qbo.get("companyinfo/1").status_code) == (200, 400, 401)


def test_invalid_grant_fault_revokes_the_presented_refresh_token(qbo: Session) -> None:
    set_faults(qbo.http, {"api": "qbo", "operation": "token", "kind": "invalid_grant", "count": 1})
    first = qbo.token_request(grant_type="refresh_token", refresh_token=qbo.refresh_token)
    again = qbo.token_request(grant_type="refresh_token", refresh_token=qbo.refresh_token)
    assert (first.status_code, first.json()["error"], again.status_code) == (400, "invalid_grant", 400)


def test_a_wrong_client_secret_is_401_invalid_client(qbo: Session) -> None:
    response = qbo.http.post("/qbo/oauth2/v1/tokens/bearer", auth=(qbo.creds["client_id"], "nope"),
                             data={"grant_type": "refresh_token", "refresh_token": qbo.refresh_token})
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})


def test_the_discovery_document_points_at_the_sandbox_endpoints(qbo: Session) -> None:
    doc = qbo.http.get("/qbo/.well-known/openid_configuration").json()
    assert doc["token_endpoint"] == qbo.creds["token_url"]
    assert doc["revocation_endpoint"] == qbo.creds["revoke_url"]
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]


def test_the_authorization_code_flow_returns_the_realm_id(qbo: Session) -> None:
    redirect = qbo.http.get("/qbo/connect/oauth2", params={
        "client_id": qbo.creds["client_id"], "redirect_uri": "http://localhost/cb", "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting", "state": "xyz"})
    query = parse_qs(urlparse(redirect.headers["location"]).query)
    tokens = qbo.token_request(grant_type="authorization_code", code=query["code"][0],
                               redirect_uri="http://localhost/cb").json()
    call = qbo.http.get(f"/qbo/v3/company/{query['realmId'][0]}/companyinfo/1",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert (query["realmId"][0], query["state"], call.status_code) == (qbo.tenant_id, ["xyz"], 200)
