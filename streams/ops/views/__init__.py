"""The ops page's routes, one module per page."""
