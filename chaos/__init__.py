"""The chaos harness: service backends, a Toxiproxy-compatible server, drills, verdicts."""
