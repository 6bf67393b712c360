"""A local OKX-v5-compatible exchange simulator (REST + WebSocket) with admin fault controls."""
