"""PayPal as a payout source: one withdrawal to the bank is one payout, its lines the balance-affecting
records since the previous withdrawal of that currency. Two inputs build the same payouts through
:mod:`.windows`: the daily Settlement Report file (:mod:`.stl`, dropped in :mod:`.folder`) and the
Transaction Search API (:mod:`.transaction_search`)."""
