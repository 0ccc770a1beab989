"""Wave (public GraphQL API) stand-in: `build(state)` gives the API mounted at `/wave`."""

from sellerledger.sandbox.ledgers.wave.api import WaveApi, build

__all__ = ["WaveApi", "build"]
