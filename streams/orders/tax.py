"""Tax that NetSuite's tax reports see: each line booked on the tax code it was charged at, with the tax
exactly as BigCommerce charged it. Pure functions, no I/O.

Three modes, per store (``O2C_ORDERS_TAX_MODE``):

- ``line`` (default, today's behaviour): the charged tax is one item line (``streams.orders.mapping``);
- ``suitetax``: per-line tax details with ``taxDetailsOverride`` (``streams.orders.mapping.sales_order_body``);
- ``legacy``: per-line ``taxCode`` + ``tax1Amt`` and the header's shipping tax code and amount.

BigCommerce order products carry no tax class, so a line's rate is identified from its own figures: the
tax BigCommerce computed on the line (``total_inc_tax − total_ex_tax``, before discounts) against its
``total_ex_tax``, and the post-discount pair as a second chance. ``O2C_ORDERS_TAX_CODES`` maps
``"<country>:<rate%>"``, ``"<rate%>"`` (any country) or ``"<country>:*"`` (any rate there, e.g. US sales tax)
to a NetSuite tax code; ``"class:<id>"`` maps a BigCommerce tax class (shipping, handling) and wins.
A configured rate r fits when q2(net × r / 100) is within 0.01 (+0.005 per unit) of the tax; the closest
wins, a zero rate wins ties for untaxed lines, ``*`` fits anything but only when no fixed rate of the
country does. A line no code fits holds the order (``tax_code_unmapped``, for finance).

Per product line, the tax booked before discounts is q2(total_ex_tax × rate) (BigCommerce's own figure for a
``*`` code); the line's discounts carry the same code with negative basis and tax, the tax absorbing the
difference to what BigCommerce charged after discounts, so per line, per code and in total the tax is
exactly BigCommerce's. Order-level discounts (coupons, the manual discount) are booked as one discount line
per tax code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from streams.contract import BcOrderLine, BcOrderSnapshot, CommandLine
from streams.orders.mapping import (
    ZERO,
    MappingConfig,
    SalesOrderDraft,
    TotalMismatch,
    allocate,
    external_id_for_order,
    guard,
    q2,
)

TaxModeName = Literal["line", "suitetax", "legacy"]
HUNDRED = Decimal(100)
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class TaxCode:
    code_id: str
    country: str | None  # None: any country
    rate: Decimal | None  # percent; None: any rate ("*")
    key: str


def parse_codes(codes: Mapping[str, str]) -> tuple[TaxCode, ...]:
    """The ``<country>:<rate>``, ``<rate>`` and ``<country>:*`` entries of the map (class entries aside)."""
    parsed = []
    for key, code_id in codes.items():
        if key.startswith("class:"):
            continue
        country, _, rate = key.rpartition(":")
        parsed.append(TaxCode(code_id=str(code_id), country=country.upper() or None,
                              rate=None if rate.strip() == "*" else Decimal(rate.strip().rstrip("%")), key=key))
    return tuple(parsed)


@dataclass(frozen=True)
class TaxConfig:
    mode: TaxModeName = "line"
    codes: Mapping[str, str] = field(default_factory=dict)

    @property
    def parsed(self) -> tuple[TaxCode, ...]:
        return parse_codes(self.codes)


@dataclass(frozen=True)
class Matched:
    code_id: str
    rate: Decimal  # percent: the code's own rate, or the one observed for a "*" / class code
    fixed: bool
    key: str

    @property
    def label(self) -> str:
        return f"tax {self.rate.normalize():f}%" if self.fixed else f"tax code {self.key}"


def observed_rate(net: Decimal, tax: Decimal) -> Decimal:
    return (tax * HUNDRED / net).quantize(RATE_PLACES) if net else ZERO


def shown_rate(net: Decimal, tax: Decimal) -> str:
    """A rate as people write it: 2 places at most, no trailing zeros (``20%``, ``8.88%``)."""
    return f"{observed_rate(net, tax).quantize(Decimal('0.01')).normalize():f}%"


def _diff(net: Decimal, tax: Decimal, rate: Decimal) -> Decimal:
    return abs(q2(net * rate / HUNDRED) - tax)


def identify(pairs: list[tuple[Decimal, Decimal]], quantity: int, country: str, config: TaxConfig,
             class_id: int | None = None) -> Matched | None:
    """The tax code of an amount taxed ``tax`` on ``net`` (each pair is one way of reading the figures)."""
    net, tax = pairs[0]
    if class_id is not None and f"class:{class_id}" in config.codes:
        return Matched(str(config.codes[f"class:{class_id}"]), observed_rate(net, tax), False, f"class:{class_id}")
    tolerance = Decimal("0.01") + Decimal("0.005") * max(quantity, 1)
    codes = config.parsed
    for country_codes in ([c for c in codes if c.country == country.upper()], [c for c in codes if c.country is None]):
        fits = [(min(_diff(n, t, c.rate) for n, t in pairs), c.rate != 0, i, c)
                for i, c in enumerate(country_codes) if c.rate is not None]
        fits = [f for f in fits if f[0] <= tolerance]
        if fits:
            _, _, _, best = min(fits, key=lambda f: (f[0], f[1] if tax == 0 else False, f[2]))
            assert best.rate is not None
            return Matched(best.code_id, best.rate, True, best.key)
        wild = [c for c in country_codes if c.rate is None]
        if wild:
            return Matched(wild[0].code_id, observed_rate(net, tax), False, wild[0].key)
    return None


@dataclass(frozen=True)
class TaxCodeUnmapped:
    """Lines whose tax fits no configured code: hold the order for finance."""

    lines: tuple[str, ...]
    rates: tuple[str, ...]
    country: str

    def explain(self, order_id: int) -> str:
        country = self.country or "unknown"
        example = f'"{self.country or "GB"}:{self.rates[0].rstrip("%") if self.rates else "20"}"'
        return (
            f"BigCommerce order {order_id} has tax that no NetSuite tax code is configured for: "
            f"{'; '.join(self.lines)} (rates seen: {', '.join(self.rates)}, ship-to country {country}). "
            f"The sales order was not created. Add the rate to O2C_ORDERS_TAX_CODES (for example {example}: "
            '"<NetSuite tax code id>"), then retry this exception.'
        )


def ship_to_country(order: BcOrderSnapshot) -> str:
    for address in order.shipping_addresses:
        if address.country_iso2:
            return address.country_iso2
    return order.billing_address.country_iso2


@dataclass
class _Line:
    index: int
    line: BcOrderLine
    code: Matched
    pre_tax: Decimal  # booked on the product line
    post_tax: Decimal = ZERO  # what BigCommerce charged after discounts
    product_basis: Decimal = ZERO  # the line's product-level discount (store basis)
    order_basis: Decimal = ZERO  # its share of order-level discounts (store basis)
    discount_ex: Decimal = ZERO  # all its discounts, tax-exclusive


def _split_net(order: BcOrderSnapshot, row: _Line) -> tuple[Decimal, Decimal]:
    """(net ex tax, net tax) of a line after its discounts, BigCommerce's way (store basis, tax rounded)."""
    line, rate = row.line, row.code.rate / HUNDRED
    discount = row.product_basis + row.order_basis
    if order.is_tax_inclusive_pricing:
        net_inc = line.total_inc_tax - discount
        tax = q2(net_inc * rate / (1 + rate))
        return net_inc - tax, tax
    net_ex = line.total_ex_tax - discount
    return net_ex, q2(net_ex * rate)


def _largest(rows: list[_Line]) -> _Line:
    return max(rows, key=lambda r: r.line.total_ex_tax)


def _charge_code(net: Decimal, tax: Decimal, country: str, config: TaxConfig, class_id: int | None,
                 what: str, unmapped: list[str], rates: list[str]) -> Matched | None:
    if not net and not tax:
        return None
    code = identify([(net, tax)], 1, country, config, class_id)
    if code is None:
        unmapped.append(f"{what} ({shown_rate(net, tax)} on {net})")
        rates.append(shown_rate(net, tax))
    return code


def build_taxed_sales_order(order: BcOrderSnapshot, config: MappingConfig,
                            tax: TaxConfig) -> SalesOrderDraft | TotalMismatch | TaxCodeUnmapped:
    """The sales order with a tax code and BigCommerce's tax on every line (suitetax and legacy modes)."""
    country = ship_to_country(order)
    rows: list[_Line] = []
    unmapped: list[str] = []
    rates: list[str] = []
    for index, line in enumerate(order.lines):
        if line.quantity == 0:
            continue
        pre = line.total_inc_tax - line.total_ex_tax
        code = identify([(line.total_ex_tax, pre), (line.total_ex_tax - _discount_basis(line), line.total_tax)],
                        line.quantity, country, tax)
        if code is None:
            seen = shown_rate(line.total_ex_tax, pre)
            unmapped.append(f"{line.sku or line.name} ({seen} on {line.total_ex_tax})")
            rates.append(seen)
            continue
        rows.append(_Line(index, line, code, q2(line.total_ex_tax * code.rate / HUNDRED) if code.fixed else pre,
                          product_basis=sum((d.amount for d in line.applied_discounts if d.target == "product"), ZERO),
                          order_basis=sum((d.amount for d in line.applied_discounts if d.target != "product"), ZERO)))
    ship_code = _charge_code(order.shipping_cost_ex_tax, order.shipping_cost_tax, country, tax,
                             order.shipping_cost_tax_class_id, "shipping", unmapped, rates)
    handling_ex = order.handling_cost_ex_tax + order.wrapping_cost_ex_tax
    # inc − ex is the charged tax by definition (and also there in bc.orders v2 events, which lack the tax fields)
    handling_tax = (order.handling_cost_inc_tax - order.handling_cost_ex_tax
                    + order.wrapping_cost_inc_tax - order.wrapping_cost_ex_tax)
    handling_code = _charge_code(handling_ex, handling_tax, country, tax, order.handling_cost_tax_class_id,
                                 "handling and wrapping", unmapped, rates)
    if unmapped:
        return TaxCodeUnmapped(tuple(unmapped), tuple(dict.fromkeys(rates)), country)

    products_tax = order.total_tax - order.shipping_cost_tax - handling_tax
    discount_ex_total = order.subtotal_ex_tax + order.shipping_cost_ex_tax + handling_ex - order.total_ex_tax
    if rows:
        post_known = sum((r.line.total_tax for r in rows), ZERO) == products_tax and discount_ex_total != 0
        for row in rows:
            net_ex, net_tax = _split_net(order, row)
            row.post_tax = row.line.total_tax if post_known or not discount_ex_total else net_tax
            row.discount_ex = row.line.total_ex_tax - net_ex if discount_ex_total else ZERO
        # BigCommerce's totals are the truth: the largest line absorbs what per-line reading misses
        _largest(rows).post_tax += products_tax - sum((r.post_tax for r in rows), ZERO)
        _largest(rows).discount_ex += discount_ex_total - sum((r.discount_ex for r in rows), ZERO)
        for row in rows:
            if not row.discount_ex:  # nothing to absorb a difference: book BigCommerce's own figure
                row.pre_tax = row.post_tax

    lines: list[CommandLine] = []
    order_level: dict[str, list[tuple[_Line, Decimal, Decimal]]] = {}
    for row in rows:
        line, code = row.line, row.code
        custom = config.is_custom(line)
        lines.append(CommandLine(
            kind="custom" if custom else "product", item_ref=config.custom_line_item if custom else line.sku,
            quantity=Decimal(line.quantity), rate=line.price_ex_tax, amount=line.total_ex_tax,
            description=line.name, bc_order_product_id=line.order_product_id, tax_code_id=code.code_id,
            tax_amount=row.pre_tax, tax_rate=code.rate, ship_group=line.order_address_id or None,
        ))
        discount_tax = row.post_tax - row.pre_tax
        if not row.discount_ex and not discount_tax:
            continue
        weights = [row.product_basis, row.order_basis]
        if not any(weights):
            weights = [ZERO, Decimal(1)]
        (product_ex, order_ex), (product_tax, order_tax) = (allocate(row.discount_ex, weights),
                                                            allocate(discount_tax, weights))
        if product_ex or product_tax:
            lines.append(CommandLine(kind="discount", item_ref=config.discount_item, amount=-product_ex,
                                     description=f"Discount on {line.sku}", tax_code_id=code.code_id,
                                     tax_amount=product_tax, tax_rate=code.rate,
                                     ship_group=line.order_address_id or None))
        if order_ex or order_tax:
            order_level.setdefault(code.code_id, []).append((row, order_ex, order_tax))
    names = _order_discount_names(order)
    for code_id, parts in order_level.items():
        code = parts[0][0].code
        lines.append(CommandLine(
            kind="discount", item_ref=config.discount_item, amount=-sum((p[1] for p in parts), ZERO),
            description=f"{names} — {code.label}", tax_code_id=code_id,
            tax_amount=sum((p[2] for p in parts), ZERO), tax_rate=code.rate,
        ))
    if handling_ex or handling_tax:
        lines.append(CommandLine(kind="handling", item_ref=config.handling_item, amount=handling_ex,
                                 description="Handling and gift wrapping",
                                 tax_code_id=handling_code.code_id if handling_code else None,
                                 tax_amount=handling_tax, tax_rate=handling_code.rate if handling_code else None))
    draft = SalesOrderDraft(
        external_id=external_id_for_order(order.store_hash, order.order_id), bc_order_id=order.order_id,
        tran_date=order.date_created.date().isoformat(), lines=tuple(lines),
        shipping_cost=order.shipping_cost_ex_tax, bc_total=order.total_inc_tax,
        memo=f"BigCommerce order #{order.order_id}", tax_mode=tax.mode, tax_total=order.total_tax,
        shipping_tax_code_id=ship_code.code_id if ship_code else None,
        shipping_tax_amount=order.shipping_cost_tax if ship_code else None,
        shipping_tax_rate=ship_code.rate if ship_code else None,
    )
    return guard(draft, order, config)


def _discount_basis(line: BcOrderLine) -> Decimal:
    return sum((d.amount for d in line.applied_discounts), ZERO)


def _order_discount_names(order: BcOrderSnapshot) -> str:
    names = [f"Coupon {c.code}" if c.code else "Coupon" for c in order.coupons if c.discount]
    line_level = sum((d.amount for line in order.lines for d in line.applied_discounts if d.target == "product"),
                     ZERO)
    if order.discount_amount - line_level > 0 or not names:
        names.append("Order discount")
    return ", ".join(names)
