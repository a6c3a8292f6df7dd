"""Procedure (SOP) pages: `sops/`, `sops/<id>/` and every version `sops/<id>/v<n>/`."""
