"""The system audit: read BigCommerce and NetSuite through their APIs and report the drift both ways.

- one pure rule module per check (:mod:`.orders`, :mod:`.customers`, :mod:`.items`, :mod:`.stock`,
  :mod:`.shipments`, :mod:`.refunds`, :mod:`.prices`, :mod:`.payouts`): two snapshots in, findings out;
- readers (:mod:`.read_bigcommerce`, :mod:`.read_netsuite`): the snapshots, through the connectors' clients;
- :mod:`.checks` (reader + rule per check), :mod:`.runner` (a run, stored in ``state.audit``), :mod:`.export`,
  :mod:`.cli` (``o2c audit``), :mod:`.agents` (the daily leader timer), :mod:`.settings`.
"""
