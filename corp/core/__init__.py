"""The one engine: pure njit kernels shared by every driver (quotes, breaker, PnL)."""
