"""Money back: BigCommerce refunds → return authorizations, item receipts, credit memos and customer refunds."""
