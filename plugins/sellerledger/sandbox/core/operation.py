"""The wrapper every stand-in endpoint goes through: stats, generic faults, rate limits, lost responses.

Each API describes itself with an `ApiProfile` (its name, its limits, and how it words a throttle or a
server error), so the same mechanism answers in six different error formats.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from sellerledger.sandbox.core.ratelimit import Limit
from sellerledger.sandbox.core.state import SandboxState

Handler = Callable[[Request], Awaitable[Response] | Response]


@dataclass(frozen=True)
class ApiProfile:
    """How one API throttles and fails. `throttled(request, retry_after_virtual_seconds, limit)`."""

    name: str
    throttled: Callable[[Request, float, Limit | None], Response]
    server_error: Callable[[Request, int], Response]
    caller: Callable[[Request], str] = lambda request: ""


class DroppedResponse(Response):
    """Announces a body and closes the stream short of it: the client sees a dropped connection."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"partial":', "more_body": False})


PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def operation(
    state: SandboxState, profile: ApiProfile, name: str, limit: Limit | None = None
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Decorate a handler as the API operation `name` (the id used in stats, limits and fault rules)."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        is_async = inspect.iscoroutinefunction(handler)

        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            response = await _run(request, handler, is_async)
            state.stats.record(profile.name, name, response.status_code)
            return response

        async def _run(request: Request, handler: Handler, is_async: bool) -> Response:
            fault = state.faults.take_generic(profile.name, name)
            kind = fault.kind if fault else None
            if kind == "slow":
                await asyncio.sleep(float(fault.params.get("seconds", 2.0)))
            elif kind == "429":
                return profile.throttled(request, float(fault.params.get("retry_after", 1.0)), limit)
            elif kind in ("500", "503"):
                return profile.server_error(request, int(kind))
            elif kind == "html_error":
                return HTMLResponse(PROXY_PAGE, status_code=502)
            elif kind == "drop":
                return DroppedResponse()
            if limit is not None:
                wait = state.limiter.acquire(profile.name, name, limit, profile.caller(request))
                if wait > 0:
                    return profile.throttled(request, wait, limit)
            result = handler(request) if is_async else await run_in_threadpool(handler, request)
            response = await result if inspect.isawaitable(result) else result
            if kind == "lost_response" and response.status_code < 400:
                return profile.server_error(request, int(fault.params.get("status", 500)))
            return response

        return endpoint

    return decorate
