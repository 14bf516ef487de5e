"""The NetSuite change source: SuiteQL pollers that hand each new version of an item, a stock figure, a
fulfilment or an item price (:mod:`connectors.netsuite.changes`) to a callback, exactly once.

- :mod:`.poller`: :class:`NetSuiteSource` (windows, watermarks, dedupe, locks, push coalescing);
- :mod:`.items`, :mod:`.stock`, :mod:`.fulfilments`, :mod:`.prices`: each kind's queries and change records;
- :mod:`.rows`: SuiteQL values and safe query text.
"""

from connectors.netsuite.source.poller import KINDS, PUSH_KINDS, NetSuiteSource, PollResult

__all__ = ["KINDS", "PUSH_KINDS", "NetSuiteSource", "PollResult"]
