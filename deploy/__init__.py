"""Deployment assets; ``deploy.local`` runs the local stack (real Kafka and PostgreSQL)."""
