"""The dashboard `dashboard/` and its data `metrics.json`: the figures, the learning loop and the programme."""
