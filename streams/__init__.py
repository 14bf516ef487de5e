"""The o2c Faust application: topics (the public event contract), flows, sinks and the CLI."""
