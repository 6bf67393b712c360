"""A local OKX-v5-compatible exchange simulator (REST + WebSocket) with admin fault controls.

Modules, one job each: ``instruments`` (listed instruments, tick/lot conversion), ``book``
(price-time-priority matching in integer ticks/lots), ``accounts`` (balances, positions, fees and
rebates), ``exchange`` (order lifecycle, events, audit), ``flow`` + ``market`` (seeded Hawkes taker
flow, house liquidity, price moves), ``faults`` (injectable venue faults), ``wire`` (OKX row
formats), ``rest`` / ``ws`` / ``admin`` (HTTP surfaces), ``server`` (config, app, runners).

Run it standalone with ``python -m corp.venues.okx_sim --port 8080 --seed 7``; in tests use
``async with running_sim(SimConfig(...)) as sim`` (binds port 0, exposes ``sim.rest_url``,
``sim.ws_url``, ``sim.admin_url``) or ``sim_in_thread`` for sync clients. The admin API is
documented in :mod:`corp.venues.okx_sim.admin`.
"""
