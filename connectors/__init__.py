"""Connectors: one package per outside system (client, change source, local sandbox)."""
