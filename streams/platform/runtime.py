"""Process-wide resources the flows share: the database service, attached to the Faust app."""

from __future__ import annotations

from streams.platform.app import app, settings
from streams.platform.database import Database

database = Database(settings.dsn)
app.add_dependency(database)
