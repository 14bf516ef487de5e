"""Inventory: NetSuite stock across locations becomes one buffered number per SKU in BigCommerce."""
