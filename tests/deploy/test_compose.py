"""docker-compose.yaml validates against the Compose specification and runs the CeleryExecutor stack."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "var" / "schemas" / "compose_spec.json"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


@pytest.fixture(scope="module")
def schema() -> dict:
    if not SCHEMA.exists():
        pytest.fail(f"{SCHEMA} missing: run the tests through `make test`, which fetches the Compose schema")
    return json.loads(SCHEMA.read_text())


def test_validates_against_the_compose_specification(compose: dict, schema: dict) -> None:
    jsonschema.Draft7Validator(schema).validate(compose)


def test_the_schema_check_can_fail(schema: dict) -> None:
    bad = {"services": {"x": {"image": "a", "depends_on": {"y": {"condition": "when-i-feel-like-it"}}}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(bad)


def test_has_the_official_celery_topology(compose: dict) -> None:
    services = compose["services"]
    expected = {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                "airflow-triggerer", "airflow-worker", "airflow-init", "sandbox"}
    assert expected <= set(services)
    env = services["airflow-worker"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert services["sandbox"]["profiles"] == ["sandbox"]


def test_image_installs_this_checkout_and_no_secret_is_hard_coded(compose: dict) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --no-deps -e /opt/sellerledger" in dockerfile
    env = compose["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__FERNET_KEY"].startswith("${FERNET_KEY:?")
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${JWT_SECRET:?")
