"""Seller profiles: which marketplaces a generated seller trades in, and how busy it is.

`demo`   one seller on US (15-25 orders/day) and DE (8-12/day): a few thousand orders in 90 days.
`global` US, CA, UK, DE, JP, AU with modest volumes.
`tiny`   US and DE with a handful of orders (unit tests); every irregularity is still forced in.
`large`  US only at 50,000 orders per 14 days (benchmarks; use `days=14`).

`SandboxConfig.options` may override: `orders_per_day` (a number: every marketplace gets exactly that
mean, spread evenly over the days; or a mapping of marketplace code to number) and
`settlement_phase_days` (days between the end of the last closed settlement and `today`) and `sku_count`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class MarketplacePlan:
    """How many orders per day a marketplace gets: uniformly drawn in [low, high], or exactly `low`
    (spread evenly) when `exact` is set."""

    code: str
    low: float
    high: float
    exact: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    marketplaces: tuple[MarketplacePlan, ...]
    sku_count: int
    settlement_phase_days: int | None = None  # None: drawn per marketplace from the seed
    force_features: bool = True  # guarantee refunds, promotions, deferred orders... even when few orders


PROFILES: dict[str, Profile] = {
    "demo": Profile("demo", (MarketplacePlan("US", 15, 25), MarketplacePlan("DE", 8, 12)), sku_count=14),
    "global": Profile(
        "global",
        (MarketplacePlan("US", 15, 25), MarketplacePlan("CA", 4, 8), MarketplacePlan("UK", 6, 10),
         MarketplacePlan("DE", 8, 12), MarketplacePlan("JP", 3, 6), MarketplacePlan("AU", 2, 5)),
        sku_count=16,
    ),
    "tiny": Profile("tiny", (MarketplacePlan("US", 0.4, 0.8), MarketplacePlan("DE", 0.3, 0.6)), sku_count=6),
    "large": Profile("large", (MarketplacePlan("US", 50_000 / 14, 50_000 / 14, exact=True),), sku_count=40,
                     settlement_phase_days=0),
}


def resolve_profile(name: str, options: dict[str, Any] | None = None) -> Profile:
    """The named profile with `options` overrides applied (see module docstring)."""
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown seller profile {name!r}; expected one of {sorted(PROFILES)}") from None
    options = options or {}
    override = options.get("orders_per_day")
    if override is not None:
        plans = []
        for plan in profile.marketplaces:
            value = override.get(plan.code) if isinstance(override, dict) else override
            plans.append(plan if value is None else replace(plan, low=float(value), high=float(value), exact=True))
        profile = replace(profile, marketplaces=tuple(plans))
    if options.get("settlement_phase_days") is not None:
        profile = replace(profile, settlement_phase_days=int(options["settlement_phase_days"]))
    if options.get("sku_count") is not None:
        profile = replace(profile, sku_count=int(options["sku_count"]))
    return profile
