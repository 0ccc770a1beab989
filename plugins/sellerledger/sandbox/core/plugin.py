"""The contract between the sandbox app and each API stand-in."""

from __future__ import annotations

from typing import Any, Protocol

from starlette.routing import BaseRoute


class SandboxApi(Protocol):
    """One stand-in, mounted at `/<name>` with inspection routes at `/_sandbox/<name>`.

    A module provides it through `build(state: SandboxState) -> SandboxApi`.
    """

    name: str

    def routes(self) -> list[BaseRoute]:
        """Routes with the real API's paths (mounted under `/<name>`)."""
        ...

    def inspection_routes(self) -> list[BaseRoute]:
        """Sandbox-only routes (mounted under `/_sandbox/<name>`): trial balance, documents, ..."""
        ...

    def credentials(self, base_url: str) -> dict[str, Any]:
        """What a newcomer needs to connect to this stand-in (served by `GET /_sandbox/credentials`)."""
        ...

    def reset(self) -> None:
        """Forget everything written since start (documents, tokens issued, ...)."""
        ...

    def dump_state(self) -> dict[str, Any]:
        """JSON-serialisable state written since start (documents, issued and rotated tokens, patched
        prices...), so a restarted sandbox (`state_dir` set) continues where it stopped."""
        ...

    def load_state(self, data: dict[str, Any]) -> None:
        """Restore what `dump_state` returned."""
        ...
