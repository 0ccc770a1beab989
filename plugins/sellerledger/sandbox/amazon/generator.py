"""The seller generator: one deterministic truth from (seed, profile, today, days).

`generate(config)` (or `generate(seed=..., profile=..., today=..., days=...)`) returns a `Seller`
(see `model`): its catalogue, orders, postings, closed settlements and financial event groups. The
Orders API, the Finances API and the V2 settlement files are views of it and agree as Amazon's do:
Σ detail lines of a settlement file == its summary total-amount == its event group's OriginalTotal.

What it contains, per marketplace:
- orders from `today - days` to `today` 00:00 UTC (never older than two years), AFN and MFN, with
  cancellations, multi-item orders, promotions (principal and free shipping), MFN tracking numbers;
- referral fees (Commission), FBA per-unit fees, US marketplace-facilitator tax (charged as Tax and
  withheld as ItemWithheldTax, so it nets to zero), CA tax collected by the seller, VAT/GST/JCT inside
  prices in UK/DE/JP/AU;
- refunds (Commission reversed, RefundCommission charged), MFN shipping labels, monthly subscription and
  storage fees, inbound transportation fees, inventory reimbursements, reserves ("Previous Reserve Amount
  Balance" at each period's start, "Current Reserve Amount" at its end);
- deferred orders: MFN orders are released 7 days after delivery (DD+7), some B2B AFN orders 30 days
  after shipment; they are settled (and become visible) when released;
- a settlement every 14 days (7 in JP), deposit 3 to 5 days after its end; the period that contains
  `today` is open (an Open event group, no file).
Irregularities, each forced to exist when the profile has data for it: at least one negative settlement
(a long-term storage fee larger than the period's proceeds), one closed event group without
OriginalTotal, one DE file in ISO-8859-1 (with a non-ASCII SKU in it; other DE files are UTF-8 with
decimal commas), JP files in cp932, CA files ending with a blank line, and the latest postings of each
marketplace visible only up to 48 h after posting.

The generated objects are shared (cached per arguments): treat them as read-only.
"""

from __future__ import annotations

import base64
import bisect
import json
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sellerledger.sandbox.amazon.marketplaces import MARKETPLACES, Marketplace
from sellerledger.sandbox.amazon.model import (
    ZERO,
    Charge,
    EventGroup,
    Order,
    OrderItem,
    Posting,
    Refund,
    Seller,
    Settlement,
    Sku,
)
from sellerledger.sandbox.amazon.profiles import MarketplacePlan, Profile, resolve_profile

MAX_DAYS = 730  # the Orders API shows two years; nothing older is ever produced
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_MIXED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_DAY = 86_400

# title, product type, US price, referral rate, US FBA fee per unit
_PRODUCTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("Bamboo Cutting Board Set of 3", "CUTTING_BOARD", "24.99", "0.15", "4.75"),
    ("Stainless Steel Water Bottle 750ml", "BOTTLE", "19.99", "0.15", "3.86"),
    ("Silicone Baking Mat 2-Pack", "BAKEWARE", "14.99", "0.15", "3.22"),
    ("LED Desk Lamp with USB Port", "LAMP", "39.99", "0.15", "5.40"),
    ("Wireless Charging Pad 15W", "CHARGING_ADAPTER", "29.99", "0.08", "3.60"),
    ("Yoga Mat 6mm Non-Slip", "YOGA_MAT", "34.99", "0.15", "6.10"),
    ("Cast Iron Skillet 10 inch", "COOKWARE", "44.99", "0.15", "7.25"),
    ("Manual Burr Coffee Grinder", "COFFEE_MAKER", "32.99", "0.15", "4.90"),
    ("Travel Packing Cubes 6-Set", "LUGGAGE", "27.99", "0.15", "4.40"),
    ("Cotton Kitchen Towels 8-Pack", "TOWEL", "18.99", "0.15", "3.95"),
    ("Glass Meal Prep Containers 10-Pack", "FOOD_STORAGE_CONTAINER", "36.99", "0.15", "6.80"),
    ("Digital Kitchen Scale", "SCALE", "22.99", "0.15", "3.70"),
    ("Reusable Beeswax Food Wraps", "FOOD_WRAP", "16.99", "0.15", "3.22"),
    ("Insulated Lunch Bag", "LUNCH_BOX", "21.99", "0.15", "4.10"),
    ("Ceramic Pour-Over Coffee Dripper", "COFFEE_MAKER", "26.99", "0.15", "4.30"),
    ("Bluetooth Meat Thermometer", "THERMOMETER", "49.99", "0.08", "3.95"),
    ("Cork Coaster Set of 6", "COASTER", "12.99", "0.15", "3.22"),
    ("French Press 1 Litre", "COFFEE_MAKER", "31.99", "0.15", "5.10"),
    ("Spice Jar Labels 120-Pack", "LABEL", "9.99", "0.15", "3.22"),
    ("Adjustable Phone Stand", "PHONE_ACCESSORY", "15.99", "0.08", "3.40"),
)
_COLOURS = ("Black", "Grey", "Blue", "Green", "Sand")
_PROMOTIONS = ("Coupon-{code}-10OFF", "PLM_{code}", "Lightning Deal {code}")
_FREE_SHIPPING = {"US": "US Core Free Shipping Promotion {code}", "CA": "CA Core Free Shipping {code}",
                  "UK": "UK Free Delivery {code}", "DE": "DE Kostenloser Versand {code}",
                  "JP": "JP Free Shipping {code}", "AU": "AU Free Shipping {code}"}
_SPECIAL_SKUS = {  # non-ASCII SKUs: they put a non-ASCII character in the DE and JP files
    "DE": ("GEWÜRZ-SET-12", "Gewürzset 12 Gläser mit Etiketten", "SPICE", "24.99"),
    "JP": ("MATCHA-抹茶-30G", "抹茶パウダー 30g", "GROCERY", "2480"),
}
_PEOPLE = {
    "US": (("James", "Mary", "Robert", "Linda", "Michael", "Sarah", "David", "Emily"),
           ("Smith", "Johnson", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Clark")),
    "CA": (("Liam", "Olivia", "Noah", "Emma", "Lucas", "Chloe"), ("Tremblay", "Roy", "Wong", "Martin", "Lee")),
    "UK": (("Oliver", "Amelia", "Harry", "Isla", "George", "Ava"), ("Jones", "Taylor", "Brown", "Evans", "Hughes")),
    "DE": (("Lukas", "Sophie", "Jonas", "Marie", "Felix", "Hannah"),
           ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker")),
    "JP": (("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi"), ("Sato", "Suzuki", "Takahashi", "Tanaka", "Ito")),
    "AU": (("Jack", "Charlotte", "William", "Mia", "Thomas", "Grace"), ("Smith", "Nguyen", "Kelly", "Walker")),
}
_PLACES = {
    "US": (("Seattle", "WA", "98101"), ("Austin", "TX", "78701"), ("Denver", "CO", "80202"),
           ("Columbus", "OH", "43215"), ("Portland", "OR", "97205"), ("Raleigh", "NC", "27601"),
           ("Madison", "WI", "53703"), ("Tampa", "FL", "33602")),
    "CA": (("Toronto", "ON", "M5V 2T6"), ("Vancouver", "BC", "V6B 1A1"), ("Calgary", "AB", "T2P 1J9"),
           ("Halifax", "NS", "B3H 1W5")),
    "UK": (("London", "", "EC1A 1BB"), ("Manchester", "", "M1 1AE"), ("Leeds", "", "LS1 4AP"),
           ("Bristol", "", "BS1 4DJ")),
    "DE": (("Berlin", "Berlin", "10115"), ("München", "Bayern", "80331"), ("Köln", "Nordrhein-Westfalen", "50667"),
           ("Hamburg", "Hamburg", "20095"), ("Düsseldorf", "Nordrhein-Westfalen", "40213")),
    "JP": (("Chiyoda-ku", "Tokyo", "100-0001"), ("Kita-ku", "Osaka", "530-0001"), ("Chuo-ku", "Hokkaido", "060-0001")),
    "AU": (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Brisbane", "QLD", "4000")),
}
_STREETS = ("Main Street", "Oak Avenue", "Station Road", "Hauptstraße", "Park Lane", "High Street", "Lake Drive")
_CARRIERS = {"US": ("UPS", "USPS"), "CA": ("Canada Post",), "UK": ("Royal Mail",), "DE": ("DHL",),
             "JP": ("Yamato Transport",), "AU": ("Australia Post",)}


def generate(
    config: Any = None, *, seed: int | None = None, profile: str | None = None, today: date | None = None,
    days: int | None = None, options: dict[str, Any] | None = None, fresh: bool = False,
) -> Seller:
    """The seller of a `SandboxConfig` (or of the keyword arguments, which win over the config).

    Same arguments, same seller: every id, amount and time is drawn from seeded generators. Results are
    cached per arguments (and shared: treat them as read-only); `fresh=True` generates anew.
    """
    seed = seed if seed is not None else (config.seed if config is not None else 7)
    profile = profile or (config.profile if config is not None else "demo")
    today = today or (config.today if config is not None else datetime.now(UTC).date())
    days = days if days is not None else (config.days if config is not None else 90)
    if options is None:
        options = dict(config.options) if config is not None else {}
    relevant = json.dumps({k: options[k] for k in ("orders_per_day", "settlement_phase_days", "sku_count")
                           if k in options},
                          sort_keys=True)
    if fresh:
        return _Generator(int(seed), resolve_profile(str(profile), json.loads(relevant)), today, int(days)).run()
    return _generate_cached(int(seed), str(profile), today, int(days), relevant)


@lru_cache(maxsize=6)
def _generate_cached(seed: int, profile: str, today: date, days: int, options_json: str) -> Seller:
    return _Generator(seed, resolve_profile(profile, json.loads(options_json)), today, days).run()


def seller_id_for(seed: int, profile: str) -> str:
    """The merchant token (seller id) of the seller generated for `seed` and `profile`."""
    return "A" + _code(random.Random(f"sellerledger/amazon/{seed}/{profile}/seller-id"), 13)


def money(value: Decimal, mp: Marketplace) -> Decimal:
    """`value` rounded half-up to the marketplace currency."""
    return value.quantize(mp.quantum, rounding=ROUND_HALF_UP)


def _cents(rng: random.Random, low: int, high: int, mp: Marketplace) -> Decimal:
    """A random amount between low and high US cents, in the marketplace currency (no float)."""
    return money(Decimal(rng.randrange(low, high)).scaleb(-2) * mp.unit_scale, mp)


def _code(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10 ** (n - 1), 10**n))


class _Period:
    __slots__ = ("start", "end", "postings")

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.postings: list[Posting] = []


class _Generator:
    def __init__(self, seed: int, profile: Profile, today: date, days: int) -> None:
        self.seed, self.profile, self.today = seed, profile, today
        self.days = max(1, min(days, MAX_DAYS))
        self.horizon = datetime.combine(today, time(0), tzinfo=UTC)
        self.first_day = self.horizon - timedelta(days=self.days)
        self.master = random.Random(f"sellerledger/amazon/{seed}/{profile.name}")
        self.mps = [MARKETPLACES[plan.code] for plan in profile.marketplaces]
        self._posting_seq = 0
        self._order_ids: set[str] = set()

    # ----------------------------------------------------------------------------------------- run
    def run(self) -> Seller:
        seller_id = seller_id_for(self.seed, self.profile.name)
        skus = self._catalogue()
        orders: list[Order] = []
        postings: list[Posting] = []
        closed: list[tuple[Marketplace, _Period, dict[str, Decimal]]] = []
        open_periods: list[tuple[Marketplace, _Period, Decimal]] = []
        for index, plan in enumerate(self.profile.marketplaces):
            mp = MARKETPLACES[plan.code]
            rng = random.Random(f"sellerledger/amazon/{self.seed}/{self.profile.name}/{mp.code}/{self.today}/{self.days}")
            mp_orders = self._orders(rng, mp, plan, skus)
            mp_postings = self._postings(rng, mp, mp_orders, skus)
            negative_mp = index == (1 if len(self.mps) > 1 else 0)
            mp_closed, mp_open, open_reserve = self._settle(rng, mp, mp_postings, negative_mp)
            orders.extend(mp_orders)
            postings.extend(p for period, _ in mp_closed for p in period.postings)
            postings.extend(mp_open.postings)
            closed.extend((mp, period, info) for period, info in mp_closed)
            open_periods.append((mp, mp_open, open_reserve))
        settlements, groups = self._number(closed, open_periods)
        postings.sort(key=lambda p: (p.released_at, p.posting_id))
        orders.sort(key=lambda o: (o.purchase_date, o.amazon_order_id))
        return Seller(self.seed, self.profile.name, self.today, self.days, self.horizon, seller_id,
                      list(self.mps), skus, orders, postings, settlements, groups)

    # ----------------------------------------------------------------------------------- catalogue
    def _catalogue(self) -> list[Sku]:
        rng = self.master
        skus: list[Sku] = []
        count = self.profile.sku_count
        for n in range(count):
            title, product_type, usd, rate, fee = _PRODUCTS[n % len(_PRODUCTS)]
            if n >= len(_PRODUCTS):
                title = f"{title} ({_COLOURS[(n // len(_PRODUCTS)) % len(_COLOURS)]})"
            channel = "MFN" if n % 4 == 3 else "AFN"
            prefix = "".join(word[0] for word in title.split()[:3]).upper()
            sku = f"SL-{prefix}-{n + 1:03d}" + ("-FBM" if channel == "MFN" else "")
            prices, fees, stock = {}, {}, {}
            for mp in self.mps:
                prices[mp.code] = self._price(Decimal(usd), mp)
                fees[mp.code] = money(Decimal(fee) * mp.unit_scale, mp) if channel == "AFN" else ZERO
                stock[mp.code] = rng.randrange(40, 400) if channel == "AFN" else rng.randrange(5, 60)
            skus.append(Sku(sku, "B0" + _code(rng, 8), "X00" + _code(rng, 7), title, product_type, Decimal(rate),
                            channel, prices, fees, stock, weight=round(0.5 + rng.random() * 2, 3)))
        for code, (sku, title, product_type, price) in _SPECIAL_SKUS.items():
            if code in {mp.code for mp in self.mps}:
                mp = MARKETPLACES[code]
                skus.append(Sku(sku, "B0" + _code(rng, 8), "X00" + _code(rng, 7), title, product_type,
                                Decimal("0.15"), "AFN", {code: Decimal(price)},
                                {code: money(Decimal("3.40") * mp.unit_scale, mp)}, {code: rng.randrange(60, 200)},
                                weight=1.5))
        return skus

    @staticmethod
    def _price(usd: Decimal, mp: Marketplace) -> Decimal:
        raw = usd * mp.unit_scale
        if mp.exponent == 0:
            return (raw / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 10 - 20
        return raw.quantize(Decimal(1), rounding=ROUND_HALF_UP) - Decimal("0.01")

    # -------------------------------------------------------------------------------------- orders
    def _orders(self, rng: random.Random, mp: Marketplace, plan: MarketplacePlan, skus: list[Sku]) -> list[Order]:
        sellable = [s for s in skus if mp.code in s.prices]
        by_channel = {ch: [s for s in sellable if s.channel == ch] for ch in ("AFN", "MFN")}
        cum: list[float] = []
        total = 0.0
        for s in sellable:
            total += s.weight
            cum.append(total)
        special = next((s for s in sellable if s.sku == _SPECIAL_SKUS.get(mp.code, ("",))[0]), None)
        orders: list[Order] = []
        for day in range(self.days):
            day_start = self.first_day + timedelta(days=day)
            if plan.exact:
                count = round(plan.low * (day + 1)) - round(plan.low * day)
            else:
                rate = plan.low + (plan.high - plan.low) * rng.random()
                count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
            for second in sorted(rng.randrange(_DAY) for _ in range(count)):
                n = len(orders)
                force = ("special", "mfn", "refund", "b2b", "promo")[n] if n < 5 else ""
                first = rng.choices(sellable, cum_weights=cum)[0]
                if force == "special" and special is not None:
                    first = special
                elif force == "mfn" and by_channel["MFN"]:
                    first = rng.choice(by_channel["MFN"])
                elif force == "b2b" and by_channel["AFN"]:
                    first = rng.choice(by_channel["AFN"])
                orders.append(self._order(rng, mp, day_start + timedelta(seconds=second), first,
                                          by_channel[first.channel], force))
        return orders

    def _order_id(self, rng: random.Random, mp: Marketplace) -> str:
        while True:
            order_id = f"{rng.choice(mp.order_prefixes)}-{_digits(rng, 7)}-{_digits(rng, 7)}"
            if order_id not in self._order_ids:
                self._order_ids.add(order_id)
                return order_id

    def _order(self, rng: random.Random, mp: Marketplace, purchase: datetime, first: Sku, pool: list[Sku],
               force: str) -> Order:
        channel = first.channel
        roll = rng.random()
        n_items = 1 if roll < 0.85 else (2 if roll < 0.97 else 3)
        chosen = [first]
        for candidate in rng.sample(pool, min(len(pool), n_items + 1)):
            if len(chosen) >= n_items:
                break
            if candidate is not first:
                chosen.append(candidate)
        tax_rate = rng.choice(mp.tax_rates)
        is_business = force == "b2b" or rng.random() < 0.05
        is_prime = channel == "AFN" and rng.random() < 0.7
        paid_at = purchase + timedelta(seconds=rng.randrange(60, 1200))
        canceled_at = shipped_at = delivered_at = released_at = None
        if force == "" and rng.random() < 0.02:
            canceled_at = purchase + timedelta(seconds=rng.randrange(600, 12 * 3600))
        elif channel == "AFN":
            shipped_at = purchase + timedelta(seconds=rng.randrange(4 * 3600, 36 * 3600))
            delivered_at = shipped_at + timedelta(seconds=rng.randrange(_DAY, 3 * _DAY))
            if is_business and (force == "b2b" or rng.random() < 0.5):
                released_at = shipped_at + timedelta(days=30)  # B2B pay-by-invoice: released after 30 days
        else:
            shipped_at = purchase + timedelta(seconds=rng.randrange(12 * 3600, 60 * 3600))
            delivered_at = shipped_at + timedelta(seconds=rng.randrange(2 * _DAY, 6 * _DAY))
            released_at = delivered_at + timedelta(days=7)  # DD+7
        if canceled_at is not None and canceled_at >= self.horizon:
            canceled_at = None
        if shipped_at is not None and shipped_at >= self.horizon:
            shipped_at = delivered_at = released_at = None  # the world stops at the horizon
        # shipping charged by merchant-fulfilled orders, sometimes waived by a free-shipping promotion
        shipping = ZERO
        free_shipping = False
        if channel == "MFN" and (force == "mfn" or rng.random() < 0.55):
            shipping = _cents(rng, 499, 500, mp)
            free_shipping = force == "mfn" or rng.random() < 0.4
        items = []
        for k, sku in enumerate(chosen):
            q = rng.random()
            quantity = 1 if q < 0.8 else (2 if q < 0.95 else 3)
            promo_pct = None
            if (force in ("promo", "mfn") and k == 0) or rng.random() < 0.08:
                promo_pct = Decimal(rng.choice(("0.10", "0.15", "0.20")))
            items.append(self._item(rng, mp, sku, quantity, tax_rate, shipping if k == 0 else ZERO,
                                    free_shipping and k == 0, promo_pct))
        order_id = self._order_id(rng, mp)
        first_names, last_names = _PEOPLE[mp.code]
        city, state, postal = rng.choice(_PLACES[mp.code])
        order = Order(
            amazon_order_id=order_id, seller_order_id=order_id, marketplace=mp, channel=channel,
            purchase_date=purchase, paid_at=paid_at, shipped_at=shipped_at, delivered_at=delivered_at,
            canceled_at=canceled_at, released_at=released_at,
            ship_service_level=("Expedited" if is_prime else "Standard"), items=items, tax_rate=tax_rate,
            is_business=is_business, is_prime=is_prime,
            buyer_name=f"{rng.choice(first_names)} {rng.choice(last_names)}",
            buyer_email=f"{_code(rng, 16, 'abcdefghijklmnopqrstuvwxyz0123456789')}@marketplace.amazon.com",
            address={"Name": "", "AddressLine1": f"{rng.randrange(1, 400)} {rng.choice(_STREETS)}",
                     "City": city, "StateOrRegion": state, "PostalCode": postal, "CountryCode": mp.country_code,
                     "Phone": f"+{rng.randrange(10, 99)} {_digits(rng, 9)}",
                     "AddressType": "Commercial" if is_business else "Residential"},
        )
        order.address["Name"] = order.buyer_name
        if shipped_at is not None:
            order.shipment_id = _code(rng, 9, _MIXED)
            if channel == "MFN":
                order.carrier = rng.choice(_CARRIERS[mp.code])
                order.tracking_number = self._tracking(rng, order.carrier)
        return order

    def _item(self, rng: random.Random, mp: Marketplace, sku: Sku, quantity: int, tax_rate: Decimal,
              shipping: Decimal, free_shipping: bool, promo_pct: Decimal | None) -> OrderItem:
        unit = sku.prices[mp.code]
        principal = unit * quantity
        promo_principal = -money(principal * promo_pct, mp) if promo_pct else ZERO
        promo_shipping = -shipping if free_shipping else ZERO
        promotion_id = ""
        if promo_pct:
            promotion_id = rng.choice(_PROMOTIONS).format(code=_code(rng, 10))
        elif free_shipping:
            promotion_id = _FREE_SHIPPING[mp.code].format(code=_digits(rng, 11))
        if mp.tax_model == "inclusive":
            tax = money((principal + promo_principal) * tax_rate / (1 + tax_rate), mp)
            shipping_tax = ZERO
        else:
            tax = money((principal + promo_principal) * tax_rate, mp)
            shipping_tax = money((shipping + promo_shipping) * tax_rate, mp)
        sales = principal + shipping + promo_principal + promo_shipping
        commission = -max(money(sales * sku.referral_rate, mp), money(Decimal("0.30") * mp.unit_scale, mp) * quantity)
        fba_fee = -(sku.fba_fees[mp.code] * quantity) if sku.channel == "AFN" else ZERO
        facilitator = mp.tax_model == "facilitator"
        return OrderItem(
            order_item_id=_digits(rng, 14), sku=sku.sku, asin=sku.asin, title=sku.title, quantity=quantity,
            unit_price=unit, principal=principal, tax=tax, shipping=shipping, shipping_tax=shipping_tax,
            promo_principal=promo_principal, promo_shipping=promo_shipping, promotion_id=promotion_id,
            commission=commission, fba_fee=fba_fee,
            withheld_tax=-tax if facilitator else ZERO,
            withheld_shipping_tax=-shipping_tax if facilitator else ZERO,
        )

    @staticmethod
    def _tracking(rng: random.Random, carrier: str) -> str:
        if carrier == "UPS":
            return "1Z" + _code(rng, 6) + _digits(rng, 10)
        if carrier == "USPS":
            return "9400" + _digits(rng, 18)
        if carrier == "DHL":
            return "00340434" + _digits(rng, 12)
        if carrier == "Royal Mail":
            return _code(rng, 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + _digits(rng, 9) + "GB"
        return _digits(rng, 12)

    # ------------------------------------------------------------------------------------ postings
    def _posting(self, kind: str, mp: Marketplace, posted: datetime, released: datetime, lag: timedelta,
                 order: Order | None = None, charge: Charge | None = None) -> Posting:
        self._posting_seq += 1
        return Posting(f"P{self._posting_seq:09d}", kind, mp, posted, released, released + lag, order, charge)

    @staticmethod
    def _lag(rng: random.Random) -> timedelta:
        roll = rng.random()
        if roll < 0.7:
            return timedelta(seconds=rng.randrange(300, 6 * 3600))
        if roll < 0.95:
            return timedelta(seconds=rng.randrange(6 * 3600, 36 * 3600))
        return timedelta(seconds=rng.randrange(36 * 3600, 48 * 3600))

    def _postings(self, rng: random.Random, mp: Marketplace, orders: list[Order], skus: list[Sku]) -> list[Posting]:
        horizon = self.horizon
        postings: list[Posting] = []
        for n, order in enumerate(orders):
            if order.shipped_at is None:
                continue
            released = order.released_at or order.shipped_at
            if released < horizon:
                postings.append(self._posting("Order", mp, order.shipped_at, released, self._lag(rng), order=order))
            if (n == 2 or rng.random() < 0.05) and order.delivered_at is not None:
                refund_at = order.delivered_at + timedelta(seconds=rng.randrange(2 * _DAY, 20 * _DAY))
                if refund_at < horizon:
                    item = rng.choice(order.items)
                    refund_commission = -min(money(-item.commission * Decimal("0.20"), mp),
                                             money(Decimal("5.00") * mp.unit_scale, mp))
                    order.refund = Refund(refund_at, "amzn1:crow:" + _code(rng, 22, _MIXED),
                                          [(item, _digits(rng, 19), refund_commission)])
                    postings.append(self._posting("Refund", mp, refund_at, refund_at, self._lag(rng), order=order))
            if order.channel == "MFN" and rng.random() < 0.6:
                label = Charge("other-transaction", "other-transaction", "Shipping label purchase",
                               -_cents(rng, 400, 950, mp), "AdjustmentEventList", "PostageBilling",
                               order_id=order.amazon_order_id)
                postings.append(self._posting("Charge", mp, order.shipped_at, order.shipped_at, self._lag(rng),
                                              charge=label))
        postings.extend(self._monthly(rng, mp, skus))
        postings = [p for p in postings if self.first_day <= p.released_at < horizon]
        postings.sort(key=lambda p: (p.released_at, p.posting_id))
        # the latest posting of each marketplace shows up late: hidden all through `today`
        latest = next((p for p in reversed(postings) if p.kind == "Order"), None)
        if latest is not None:
            latest.visible_at = latest.released_at + timedelta(hours=47, minutes=30)
        return postings

    def _monthly(self, rng: random.Random, mp: Marketplace, skus: list[Sku]) -> list[Posting]:
        postings = []
        afn = [s for s in skus if s.channel == "AFN" and mp.code in s.prices]
        month = date(self.first_day.year, self.first_day.month, 1)
        while month <= self.today:
            def at(day: int, hour: int, month: date = month) -> datetime:
                return datetime(month.year, month.month, day, hour, rng.randrange(60), rng.randrange(60), tzinfo=UTC)

            subscription = at(3, 6)
            postings.append(self._posting("Charge", mp, subscription, subscription, self._lag(rng), charge=Charge(
                "ServiceFee", "other-transaction", "Subscription Fee", -mp.subscription_fee,
                "ServiceFeeEventList", "Subscription")))
            storage = at(8, 10)
            postings.append(self._posting("Charge", mp, storage, storage, self._lag(rng), charge=Charge(
                "ServiceFee", "other-transaction", "Storage Fee", -_cents(rng, 2500, 14000, mp),
                "ServiceFeeEventList", "FBAStorageFee")))
            inbound = at(rng.randrange(12, 26), 14)
            postings.append(self._posting("Charge", mp, inbound, inbound, self._lag(rng), charge=Charge(
                "other-transaction", "other-transaction", "FBAInboundTransportationFee",
                -_cents(rng, 3000, 22000, mp), "ServiceFeeEventList", "FBAInboundTransportationFee")))
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        # inventory reimbursements every one to three weeks
        t = self.first_day + timedelta(seconds=rng.randrange(2 * _DAY, 9 * _DAY))
        while afn and t < self.horizon:
            sku = rng.choice(afn)
            quantity = rng.randrange(1, 4)
            per_unit = money(sku.prices[mp.code] * Decimal("0.55"), mp)
            reason = rng.choice(("WAREHOUSE_DAMAGE", "WAREHOUSE_LOST", "Refund Reimbursal"))
            transaction_type = "Adjustment" if reason == "Refund Reimbursal" else "other-transaction"
            postings.append(self._posting("Charge", mp, t, t, self._lag(rng), charge=Charge(
                transaction_type, "other-transaction", reason, per_unit * quantity, "AdjustmentEventList",
                "FBAInventoryReimbursement", sku=sku.sku, quantity=quantity, adjustment_id=_digits(rng, 11),
                asin=sku.asin, fnsku=sku.fnsku, title=sku.title)))
            t += timedelta(seconds=rng.randrange(7 * _DAY, 21 * _DAY))
        return postings

    # ---------------------------------------------------------------------------------- settlement
    def _periods(self, rng: random.Random, mp: Marketplace) -> tuple[list[_Period], _Period]:
        length = mp.settlement_days
        phase = self.profile.settlement_phase_days
        if phase is None:
            phase = rng.randrange(1, length - 1)
        phase = max(0, min(phase, length - 2))
        seconds = 0 if phase == 0 else rng.randrange(_DAY)
        last_end = self.horizon - timedelta(days=phase) + timedelta(seconds=seconds)
        closed = []
        end = last_end
        while end > self.first_day:
            closed.append(_Period(end - timedelta(days=length), end))
            end -= timedelta(days=length)
        closed.reverse()
        return closed, _Period(last_end, last_end + timedelta(days=length))

    def _settle(
        self, rng: random.Random, mp: Marketplace, postings: list[Posting], negative_mp: bool,
    ) -> tuple[list[tuple[_Period, dict[str, Decimal]]], _Period, Decimal]:
        closed, open_period = self._periods(rng, mp)
        periods = [*closed, open_period]
        starts = [p.start for p in periods]
        for posting in postings:
            periods[bisect.bisect_right(starts, posting.released_at) - 1].postings.append(posting)
        negative_index = (len(closed) - 2 if len(closed) >= 2 else len(closed) - 1) if negative_mp else -99
        results = []
        previous = ZERO
        for index, period in enumerate(closed):
            if previous:
                period.postings.insert(0, self._reserve(rng, mp, period.start, previous, "Previous Reserve Amount Balance"))
            base = sum((p.total() for p in period.postings), ZERO)
            current = ZERO
            if index == negative_index and base >= 0:
                # long-term storage billed in this period exceeds its proceeds: a negative settlement
                when = period.start + (period.end - period.start) / 2
                fee = -(base + _cents(rng, 2500, 15000, mp))
                period.postings.append(self._posting("Charge", mp, when, when, self._lag(rng), charge=Charge(
                    "ServiceFee", "other-transaction", "StorageRenewalBilling", fee, "ServiceFeeEventList",
                    "FBALongTermStorageFee")))
                base += fee
            elif base > 0:
                week_sales = sum((p.order.total() for p in period.postings
                                  if p.kind == "Order" and p.order is not None
                                  and p.released_at >= period.end - timedelta(days=7)), ZERO)
                current = -min(money(week_sales * Decimal("0.10"), mp), base)
            if current:
                period.postings.append(self._reserve(rng, mp, period.end - timedelta(seconds=1), current,
                                                     "Current Reserve Amount"))
            period.postings.sort(key=lambda p: (p.released_at, p.posting_id))
            results.append((period, {"previous": previous, "current": current, "total": base + current}))
            previous = -current
        if previous and open_period.start < self.horizon:
            open_period.postings.insert(0, self._reserve(rng, mp, open_period.start, previous,
                                                         "Previous Reserve Amount Balance"))
        return results, open_period, previous

    def _reserve(self, rng: random.Random, mp: Marketplace, at: datetime, amount: Decimal, description: str) -> Posting:
        return self._posting("Charge", mp, at, at, timedelta(seconds=rng.randrange(60, 3600)), charge=Charge(
            "Transfer", "other-transaction", description, amount, "AdjustmentEventList", "ReserveEvent"))

    # ------------------------------------------------------------------------------ ids and groups
    def _number(
        self, closed: list[tuple[Marketplace, _Period, dict[str, Decimal]]],
        open_periods: list[tuple[Marketplace, _Period, Decimal]],
    ) -> tuple[list[Settlement], list[EventGroup]]:
        rng = self.master
        order = {mp.code: i for i, mp in enumerate(self.mps)}
        closed.sort(key=lambda item: (item[1].end, order[item[0].code]))
        settlement_id = rng.randrange(21_000_000_000, 24_000_000_000)
        report_id = rng.randrange(50_000_000_000, 52_000_000_000)
        account_tails = {mp.code: _digits(rng, 3) for mp in self.mps}
        settlements: list[Settlement] = []
        groups: list[EventGroup] = []
        for mp, period, info in closed:
            settlement_id += rng.randrange(50_000, 900_000)
            report_id += rng.randrange(1_000, 90_000)
            group_id = self._group_id(rng)
            for posting in period.postings:
                posting.group_id = group_id
            settlement = Settlement(
                settlement_id=str(settlement_id), marketplace=mp, start=period.start, end=period.end,
                deposit_date=period.end + timedelta(days=rng.randrange(3, 6)), postings=period.postings,
                total_amount=info["total"], event_group_id=group_id, report_id=str(report_id),
                report_document_id=self._document_id(rng, mp),
                report_created_at=period.end + timedelta(seconds=rng.randrange(300, 10_800)),
                encoding=mp.encoding, decimal_comma=mp.decimal_comma, reserve_previous=info["previous"],
                reserve_current=info["current"], trailing_blank_line=mp.code == "CA",
            )
            settlements.append(settlement)
            groups.append(EventGroup(group_id, mp, period.start, period.end, period.postings, settlement,
                                     info["previous"], account_tails[mp.code], trace_id=_code(rng, 14)))
        for mp, period, previous in open_periods:
            group_id = self._group_id(rng)
            for posting in period.postings:
                posting.group_id = group_id
            groups.append(EventGroup(group_id, mp, period.start, None, period.postings, None, previous,
                                     account_tails[mp.code]))
        groups.sort(key=lambda g: (g.start, order[g.marketplace.code]))
        self._irregular(settlements, groups)
        return settlements, groups

    def _irregular(self, settlements: list[Settlement], groups: list[EventGroup]) -> None:
        first = self.mps[0].code
        own = [g for g in groups if g.closed and g.marketplace.code == first]
        if own:
            own[-3 if len(own) >= 3 else 0].omit_original_total = True
        for settlement in settlements:  # the oldest DE file that has a non-ASCII character goes out as Latin-1
            if settlement.marketplace.code == "DE" and any(
                not line.sku.isascii() for line in settlement.iter_lines()
            ):
                settlement.encoding = "iso-8859-1"
                break

    @staticmethod
    def _group_id(rng: random.Random) -> str:
        return base64.urlsafe_b64encode(rng.randbytes(32)).decode("ascii").rstrip("=")

    @staticmethod
    def _document_id(rng: random.Random, mp: Marketplace) -> str:
        hexes = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        uid = f"{hexes[:8]}-{hexes[8:12]}-{hexes[12:16]}-{hexes[16:20]}-{hexes[20:]}"
        return f"amzn1.spdoc.1.4.{mp.region.lower()}.{uid}.T{_digits(rng, 14)}.{rng.randrange(1000, 9999)}"
