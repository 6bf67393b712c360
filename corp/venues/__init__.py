"""Exchanges: the Venue interface, the ccxt OKX adapter, the market-data feed."""
