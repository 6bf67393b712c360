"""Estimation and statistics: Hawkes, fill intensity, volatility, VaR/CVaR, regimes, tests."""
