"""Payout sources: the payment gateways behind BigCommerce (Stripe, PayPal), each handing o2c the
same :class:`~connectors.payments.models.Payout` and :class:`~connectors.payments.models.PayoutLine`."""
