"""The provider entry point exposes sellerledger's connection types to Airflow."""

from __future__ import annotations

from importlib.metadata import entry_points


def test_entry_point_resolves_to_provider_info() -> None:
    points = [ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith("sellerledger")]
    assert len(points) == 1
    info = points[0].load()()
    assert info["package-name"] == "sellerledger"
    types = {entry["connection-type"] for entry in info["connection-types"]}
    assert "sellerledger_staging" in types


def test_every_connection_type_names_an_importable_hook_with_matching_identity() -> None:
    import importlib

    from sellerledger.provider_info import get_provider_info

    for entry in get_provider_info()["connection-types"]:
        module_name, _, class_name = entry["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module_name), class_name)
        assert hook.conn_type == entry["connection-type"]
        assert hook.hook_name == entry["hook-name"]
        assert callable(getattr(hook, "test_connection", None))


def test_providers_manager_lists_the_package() -> None:
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    assert "sellerledger" in ProvidersManager().providers
    assert "sellerledger_staging" in ProvidersManagerTaskRuntime().hooks  # where tasks look hooks up (Airflow 3)
