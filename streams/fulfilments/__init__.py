"""Fulfilments: NetSuite item fulfilments become BigCommerce shipments (one per package), optionally
capturing the payment when an order's first shipment goes out.

Rules are pure (``carriers``, ``tracking``, ``plan``); ``writer`` carries a plan out against BigCommerce
and PostgreSQL (``state.fulfilments``); ``agents`` is the thin Faust wiring.
"""
