"""The ops page (``o2c ops``): flows' health, exceptions, the audit, payouts and the activity trail (issue 16).

A small aiohttp server of its own that reads PostgreSQL (through ``state/``) and the workers' ``/metrics``;
server-rendered Jinja2 pages; sign-in by password or by a trusted OIDC proxy. docs/ops-page.md explains it.
"""
