"""Order to cash: BigCommerce orders become NetSuite sales orders.

Rules are pure (``mapping``, ``plan``, ``decisions``); ``agents`` is the thin Faust wiring.
"""
