"""CORP's Hydra sweeper: the basic sweeper plus a preflight over every point of the sweep."""
