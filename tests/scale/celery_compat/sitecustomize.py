"""Test-only start-up shim for the Airflow processes of tests/scale (on their PYTHONPATH, nowhere else).

apache-airflow-providers-celery 3.26.0 imports `retry` from `celery.backends.database`, which celery 5.7.0
(the locked version) removed: its DatabaseBackend now retries through `always_retry` itself. Without the
name, `airflow celery worker` and the CeleryExecutor fail at import. The provider only uses `retry` to wrap
one read of task states, so a pass-through keeps its behaviour apart from that one retry. The real fix is
a dependency pin (celery<5.7, or a provider that no longer imports the name); until then, this.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

try:
    import celery.backends.database as _database
except ImportError:  # pragma: no cover - celery not installed: nothing to patch
    _database = None

if _database is not None and not hasattr(_database, "retry"):

    def retry(fun: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fun)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fun(*args, **kwargs)

        return wrapper

    _database.retry = retry  # type: ignore[attr-defined]
