"""B2B prices: NetSuite price levels become BigCommerce price lists, and customers join their level's group."""
