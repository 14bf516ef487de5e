"""The platform every flow runs on.

The Faust app, settings, web, metrics, logs, database, outside-system clients, topic admin, commit
guard and the guarded agent loop. It imports no flow.
"""
