"""Money in: customer deposits at payment, an invoice per shipment with the deposits applied, and one
journal entry per gateway payout, reconciled to zero against the orders it pays (docs/cash.md)."""
