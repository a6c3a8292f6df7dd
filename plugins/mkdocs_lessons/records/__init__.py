"""Records: finding the record files, reading them with their positions, the schemas, and the typed model.

The first step of the pipeline (records -> checks -> analysis -> pages -> adapters). No MkDocs here.
"""
