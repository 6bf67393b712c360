"""WHAT to run: layer models, the RunSpec, cross-layer policy, catalogue, packs."""
