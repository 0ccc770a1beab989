"""`sellerledger sandbox serve`: the six stand-ins on one loopback port until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
from datetime import date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sandbox", help="local stand-ins for the SP-API and the five ledgers")
    actions = parser.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="serve the sandbox on 127.0.0.1 until interrupted")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--seed", type=int, default=7, help="seed of the generated seller (default 7)")
    serve.add_argument("--profile", default="demo", help="seller profile (default: demo)")
    serve.add_argument("--days", type=int, default=90, help="days of history to generate (default 90)")
    serve.add_argument("--today", type=date.fromisoformat, default=None, help="anchor date (default: today)")
    serve.add_argument("--time-scale", type=float, default=1.0, help="virtual seconds per real second")
    serve.add_argument("--no-rate-limits", action="store_true", help="serve without enforcing rate limits")
    serve.add_argument("--state-dir", default=None, help="keep ledger documents and tokens across restarts here")
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sellerledger.sandbox.app import build_app, save_state
    from sellerledger.sandbox.core.state import SandboxConfig

    kwargs = {"seed": args.seed, "profile": args.profile, "days": args.days, "time_scale": args.time_scale,
              "rate_limits": not args.no_rate_limits, "state_dir": args.state_dir}
    if args.today:
        kwargs["today"] = args.today
    app = build_app(SandboxConfig(**kwargs))
    print(f"sellerledger sandbox on http://{args.host}:{args.port}  (credentials: /_sandbox/credentials)",
          flush=True)
    # uvicorn installs SIGINT/SIGTERM handlers and shuts down cleanly on either, then re-raises the signal
    # under the previous handler: make SIGTERM's a clean exit, so the state below is saved and the code is 0
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", lifespan="off", access_log=False)
    finally:
        save_state(app)
    return 0


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
