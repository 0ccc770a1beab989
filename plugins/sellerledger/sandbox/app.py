"""The sandbox ASGI app: every stand-in under its own prefix plus the `/_sandbox/` inspection API."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from sellerledger.sandbox.core.faults import FaultRule
from sellerledger.sandbox.core.plugin import SandboxApi
from sellerledger.sandbox.core.state import SandboxConfig, SandboxState

# module providing `build(state) -> SandboxApi`, in mount order
STAND_INS = (
    "sellerledger.sandbox.amazon.api",
    "sellerledger.sandbox.ledgers.xero",
    "sellerledger.sandbox.ledgers.qbo",
    "sellerledger.sandbox.ledgers.myob",
    "sellerledger.sandbox.ledgers.wave",
    "sellerledger.sandbox.ledgers.zoho",
)


def load_stand_ins(state: SandboxState, only: tuple[str, ...] | None = None) -> list[SandboxApi]:
    apis = []
    for module_name in STAND_INS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not module_name.startswith(str(exc.name)):  # a missing dependency, not a missing part
                raise
            continue  # a stand-in not built yet
        api = module.build(state)
        if only is None or api.name in only:
            apis.append(api)
    return apis


def build_app(config: SandboxConfig | None = None, only: tuple[str, ...] | None = None) -> Starlette:
    """The app serving all stand-ins (or `only` the named ones)."""
    state = SandboxState(config or SandboxConfig())
    apis = load_stand_ins(state, only)

    def base_url(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"calls": state.stats.snapshot(), "rate_limits": state.limiter.stats()})

    async def faults(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            state.faults.clear()
        elif request.method == "POST":
            body = await request.json()
            try:
                rules = [FaultRule.from_dict(item) for item in body.get("rules", [])]
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            state.faults.set_rules(rules, seed=body.get("seed"))
        return JSONResponse({"rules": state.faults.rules()})

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await request.json()
            if "time_scale" in body:
                state.clock.set_time_scale(float(body["time_scale"]))
            if "advance_seconds" in body:
                state.clock.advance(float(body["advance_seconds"]))
            if "rate_limits" in body:
                state.limiter.enabled = bool(body["rate_limits"])
        return JSONResponse(
            {"now": state.clock.now().isoformat(), "time_scale": state.clock.time_scale,
             "monotonic": state.clock.monotonic(), "rate_limits": state.limiter.enabled}
        )

    async def credentials(request: Request) -> JSONResponse:
        return JSONResponse({api.name: api.credentials(f"{base_url(request)}/{api.name}") for api in apis})

    async def reset(request: Request) -> JSONResponse:
        for api in apis:
            api.reset()
        state.stats.reset()
        state.limiter.reset()
        state.faults.clear()
        return JSONResponse({"reset": [api.name for api in apis]})

    async def index(request: Request) -> JSONResponse:
        return JSONResponse(
            {"sandbox": "sellerledger", "apis": [api.name for api in apis], "config": _config_json(state.config)}
        )

    routes: list[Any] = [
        Route("/_sandbox/", index),
        Route("/_sandbox/stats", stats),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/clock", clock, methods=["GET", "POST"]),
        Route("/_sandbox/credentials", credentials),
        Route("/_sandbox/reset", reset, methods=["POST"]),
    ]
    for api in apis:
        routes.append(Mount(f"/_sandbox/{api.name}", routes=api.inspection_routes()))
        routes.append(Mount(f"/{api.name}", routes=api.routes()))
    app = Starlette(routes=routes)
    app.state.sandbox = state
    app.state.apis = apis
    load_saved_state(app)
    return app


def _state_file(app: Starlette) -> Path | None:
    state_dir = app.state.sandbox.config.state_dir
    return Path(state_dir) / "sandbox-state.json" if state_dir else None


def load_saved_state(app: Starlette) -> None:
    """Restore each stand-in's state from `state_dir`, if a previous run saved one."""
    path = _state_file(app)
    if path is None or not path.exists():
        return
    saved = json.loads(path.read_text(encoding="utf-8"))
    for api in app.state.apis:
        if api.name in saved:
            api.load_state(saved[api.name])


def save_state(app: Starlette) -> None:
    """Write each stand-in's state to `state_dir` (atomically), if one is configured."""
    path = _state_file(app)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({api.name: api.dump_state() for api in app.state.apis}, default=str), encoding="utf-8")
    tmp.replace(path)


def _config_json(config: SandboxConfig) -> dict[str, Any]:
    return json.loads(
        json.dumps(
            {"seed": config.seed, "profile": config.profile, "days": config.days, "today": config.today,
             "time_scale": config.time_scale, "rate_limits": config.rate_limits},
            default=str,
        )
    )
