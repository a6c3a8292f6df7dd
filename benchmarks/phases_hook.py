"""A MkDocs hook for the benchmark's plugin builds: saves the plugin's time by phase.

Its `on_post_build` runs last (priority -100: after the plugin's own, at
-50, which runs Pagefind), so the lessons plugin has finished; its timings
go to the JSON file named by LESSONS_BENCH_PHASES.
The build itself is the real `mkdocs build` command (sites.run_build).
"""

from __future__ import annotations

import json
import os
from typing import Any

from mkdocs.plugins import event_priority


@event_priority(-100)
def on_post_build(config: Any) -> None:
    target = os.environ.get("LESSONS_BENCH_PHASES")
    plugin = config.plugins.get("lessons")
    if target and plugin is not None:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(dict(plugin.timings.seconds), out)
