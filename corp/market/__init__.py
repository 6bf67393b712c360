"""Where events come from: the event format, synthetic generators, scenarios, replay."""
