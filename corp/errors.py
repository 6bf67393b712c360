"""The one exception tree of CORP.

Every error a user can cause or meet names the field (or message), what was expected and what was
found, so it can be acted on without reading code::

    CorpError
    ├── SpecError          a config value or file is invalid (bad type, out of bounds, unknown key)
    │   └── DataError      an input stream or file is malformed (NaN price, unsorted timestamps)
    ├── PolicyDenied       a valid spec that the policy engine refuses (cross-layer rules, gates)
    ├── VenueError         an exchange (or the simulator) answered badly or not at all
    │   ├── TransientVenueError   worth retrying: rate limit, timeout, 5xx, HTML/empty 200
    │   └── FatalVenueError       never retry: auth, insufficient funds, invalid order
    ├── StoreError         the journal, spool, Postgres or Redis could not do what was asked
    └── ChaosError         the chaos harness could not set up, inject or observe
"""

from __future__ import annotations

__all__ = [
    "ChaosError",
    "CorpError",
    "DataError",
    "FatalVenueError",
    "PolicyDenied",
    "SpecError",
    "StoreError",
    "TransientVenueError",
    "VenueError",
]


class CorpError(Exception):
    """Base of every error CORP raises on purpose."""


class SpecError(CorpError, ValueError):
    """A config value or file is invalid; the message names the dotted field path."""


class DataError(SpecError):
    """Input data (events, replay files, messages) is malformed; the message names the row/field."""


class PolicyDenied(CorpError):
    """The spec is well-formed but a policy rule (or gate) refuses it."""


class VenueError(CorpError):
    """An exchange interaction failed."""


class TransientVenueError(VenueError):
    """A failure that a retry (after backoff) may cure."""


class FatalVenueError(VenueError):
    """A failure that no retry cures; the order or call must be abandoned and reported."""


class StoreError(CorpError):
    """Persisting or reading state failed."""


class ChaosError(CorpError):
    """The chaos harness failed to set up, inject a fault, or observe."""
