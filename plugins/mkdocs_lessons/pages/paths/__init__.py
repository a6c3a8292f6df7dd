"""Onboarding reading paths: `paths/`, `paths/<id>/`, the printable path, and the step banners on other pages."""
