"""Silent-failure detection: a leader timer samples global facts and turns each firing rule into an exception.

- :mod:`.catalog`: every alert's name, owner and runbook anchor;
- pure rule modules (:mod:`.rules`): samples in, "firing with a message" or "clear" out;
- :mod:`.sampling`: the samples, from PostgreSQL (``state.alerts``) and the Kafka admin client;
- :mod:`.evaluate`: one round (sample, evaluate, record or auto-resolve the exceptions, metrics);
- :mod:`.agents`: the leader timer (``O2C_ALERTS_INTERVAL``); :mod:`.settings`; :mod:`.metrics`.
"""
