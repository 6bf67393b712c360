"""CORP: market making as governed, drillable, policy-as-config production system.

Configs (``conf/``) compose into a validated :class:`corp.spec.RunSpec`; one numba core
(``corp.core``) turns it into quotes, risk states and PnL, driven offline by ``corp.backtest`` or
live by ``corp.live``; ``chaos`` proves the runbooks' promises with scripted drills.
"""

__version__ = "0.1.0"
