"""Under `mkdocs serve` the cyclic collector waits while a build runs, and collects once it is written (adapter/serve_collector.py).

tests/test_serve_garbage.py holds what that relies on: a rebuild's garbage is freed without the collector.
"""

from __future__ import annotations

import gc
import shutil
import threading
import time

from conftest import MINIMAL, serve_rebuild, write_config

from mkdocs_lessons.adapter import serve_cache


def test_serve_builds_run_without_the_collector_and_collect_after(tmp_path, monkeypatch):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    project = tmp_path / "serve"
    project.mkdir()
    write_config(project, kb, options={"search": "material"})
    during: list[bool] = []
    start = serve_cache.ServeCache.start

    def noting(self, *args, **kwargs):  # on_nav: after the plugin's own pause around on_files
        during.append(gc.isenabled())
        return start(self, *args, **kwargs)

    monkeypatch.setattr(serve_cache.ServeCache, "start", noting)
    collected = threading.Event()

    def on_collect(phase, info):
        if phase == "stop" and info.get("generation") == 2:
            collected.set()

    config = load_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    plugin = config.plugins["lessons"]
    plugin.collector.delay = 0.2
    assert gc.isenabled()
    gc.callbacks.append(on_collect)
    try:
        mkdocs_build(config)
        assert gc.isenabled()  # back on once the first build is written, its heap frozen
        assert gc.get_freeze_count() > 0
        collected.clear()
        config = load_config(str(project / "mkdocs.yml"))
        serve_rebuild(config)
        assert not gc.isenabled()  # until the collection: on now, it would scan the build at its next allocation
        assert collected.wait(10), "no collection after the build"
        deadline = time.monotonic() + 10
        while not gc.isenabled():
            assert time.monotonic() < deadline, "the collector stayed off after the collection"
            time.sleep(0.01)
    finally:
        gc.callbacks.remove(on_collect)
        config.plugins.on_shutdown()
        config.plugins.on_startup(command="build", dirty=False)
    assert during == [False, False]
    assert gc.isenabled() and gc.get_freeze_count() == 0  # nothing frozen once the server stops


def test_a_one_off_build_leaves_the_collector_alone(tmp_path, monkeypatch):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    kb = shutil.copytree(MINIMAL, tmp_path / "kb")
    project = tmp_path / "build"
    project.mkdir()
    write_config(project, kb)
    config = load_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    assert config.plugins["lessons"].collector is None
    mkdocs_build(config)
    time.sleep(0)
    assert gc.isenabled()
