"""Incident pages: `incidents/<id>/`, the index `incidents/` and the year archive `incidents/<year>/`."""
