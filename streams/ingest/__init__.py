"""Change sources wired into the Faust worker: webhooks/push pages, pollers and hydrators per system."""
