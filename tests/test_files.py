"""One content root, no escape: links, loops, folders and permissions under the knowledge base (records/content_root.py)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pytest

from conftest import MINIMAL, copy_kb
from mkdocs_lessons.cli import main as cli
from mkdocs_lessons.knowledge import open_knowledge_base

SECRET = "hunter2-do-not-print"
OUTSIDE = "[file] a symbolic link that points outside the knowledge base; only files inside it are read"


def _messages(kb: Path) -> list[str]:
    return [str(d) for d in open_knowledge_base(kb, base=kb).diagnostics]


def _secret_file(folder: Path) -> Path:
    """A JSON file outside the knowledge base whose values the old code quoted in its errors."""
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "credentials.json"
    secret.write_text(json.dumps({"id": "INC-2024-099", "title": SECRET, "kind": SECRET, "password": SECRET}))
    return secret


def test_a_link_to_a_file_outside_is_an_error_and_nothing_of_it_is_read(tmp_path, monkeypatch, capsys):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    secret = _secret_file(tmp_path / "private")
    (kb / "incidents" / "INC-2024-099.yaml").symlink_to(secret)
    assert _messages(kb) == [f"incidents/INC-2024-099.yaml:1:1: {OUTSIDE}"]
    monkeypatch.chdir(kb)
    for form in ("text", "json", "github"):
        assert cli.main(["validate", str(kb), "--format", form]) == 1
        out = capsys.readouterr()
        assert SECRET not in out.out + out.err and "credentials" not in out.out + out.err, form
        assert "INC-2024-099.yaml" in out.out


def test_a_taxonomy_file_linked_outside_is_an_error(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    outside = tmp_path / "teams.yaml"
    (kb / "taxonomy" / "teams.yaml").rename(outside)
    (kb / "taxonomy" / "teams.yaml").symlink_to(outside)
    messages = _messages(kb)
    assert f"taxonomy/teams.yaml:1:1: {OUTSIDE}" in messages
    assert not any("missing file" in m for m in messages)


def test_a_record_folder_linked_outside_is_an_error(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    shutil.move(kb / "paths", tmp_path / "elsewhere")
    (kb / "paths").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert f"paths:1:1: {OUTSIDE}" in _messages(kb)


def test_a_subfolder_linked_outside_is_an_error_and_is_not_searched(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    _secret_file(tmp_path / "private")
    (tmp_path / "private" / "INC-2024-100.yaml").write_text("id: INC-2024-100\n")
    (kb / "incidents" / "archive").symlink_to(tmp_path / "private", target_is_directory=True)
    messages = _messages(kb)
    assert messages == [f"incidents/archive:1:1: {OUTSIDE}"]


def test_a_link_to_a_record_inside_the_root_is_followed(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    (kb / "drafts").mkdir()
    (kb / "incidents" / "INC-2024-017.yaml").rename(kb / "drafts" / "INC-2024-017.yaml")
    (kb / "incidents" / "INC-2024-017.yaml").symlink_to(Path("..") / "drafts" / "INC-2024-017.yaml")
    outcome = open_knowledge_base(kb, base=kb)
    assert [str(d) for d in outcome.diagnostics.errors] == []
    assert "INC-2024-017" in outcome.kb.incidents


def test_a_root_reached_through_a_link_still_reads_its_own_files(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "real-kb")
    (tmp_path / "kb").symlink_to(kb, target_is_directory=True)
    assert open_knowledge_base(tmp_path / "kb").diagnostics.errors == []


def test_dangling_links_and_link_loops_are_errors(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    incidents = kb / "incidents"
    (incidents / "INC-2024-090.yaml").symlink_to("INC-2024-091.yaml")
    (incidents / "INC-2024-091.yaml").symlink_to("INC-2024-090.yaml")
    (incidents / "INC-2024-092.yaml").symlink_to("gone.yaml")
    (kb / "sops" / "SOP-099.yml").symlink_to("SOP-099.yml")
    assert _messages(kb) == [
        "incidents/INC-2024-090.yaml:1:1: [file] a symbolic link loop; it never reaches a file",
        "incidents/INC-2024-091.yaml:1:1: [file] a symbolic link loop; it never reaches a file",
        "incidents/INC-2024-092.yaml:1:1: [file] a dangling symbolic link: its target does not exist",
        "sops/SOP-099.yml:1:1: [file] a symbolic link loop; it never reaches a file",
    ]


def test_a_folder_named_like_a_record_is_an_error(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    (kb / "incidents" / "INC-2026-999.yaml").mkdir()
    (kb / "taxonomy" / "teams.yaml").unlink()
    (kb / "taxonomy" / "teams.yaml").mkdir()
    messages = _messages(kb)
    assert "incidents/INC-2026-999.yaml:1:1: [file] a folder named like a record; a record is a file" in messages
    assert "taxonomy/teams.yaml:1:1: [file] a folder named like a record; a record is a file" in messages


def test_a_pipe_named_like_a_record_is_an_error_not_a_hang(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    os.mkfifo(kb / "incidents" / "INC-2024-093.yaml")
    assert _messages(kb) == ["incidents/INC-2024-093.yaml:1:1: [file] not a regular file (a device, pipe or socket); a record is a file"]


def test_a_subfolder_link_back_up_does_not_loop(tmp_path):
    kb = copy_kb(MINIMAL, tmp_path / "kb")
    (kb / "incidents" / "old").mkdir()
    (kb / "incidents" / "old" / "again").symlink_to("..", target_is_directory=True)
    assert _messages(kb) == []


# -- permissions: the tests run as root, who reads everything; the checks run as `nobody` ---------


def _as_nobody(work: Callable[[], object]) -> object:
    """Run `work` in a forked child that dropped root for `nobody`; its JSON result, or a skip.

    A fork, not a new interpreter: Python lives under /root here, which
    `nobody` may not enter, and everything needed is imported already.
    """
    if os.geteuid() != 0:
        return work()  # permissions already apply
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user `nobody` to drop privileges to")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(read)
            # Out of the checkout, which `nobody` may not enter (a fresh clone under a
            # private temporary folder, as CI's may be): `lessons validate` looks for
            # mkdocs.yml in the working folder.
            os.chdir("/")
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            payload = {"uid": os.geteuid(), "result": work()}
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            import traceback

            payload, code = {"error": repr(exc) + "\n" + traceback.format_exc()[-2000:]}, 1
        with os.fdopen(write, "w") as out:
            json.dump(payload, out)
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as incoming:
        text = incoming.read()
    os.waitpid(pid, 0)
    payload = json.loads(text)
    if "error" in payload and "PermissionError" in payload["error"] and "setuid" in payload["error"]:
        pytest.skip(f"cannot drop privileges: {payload['error']}")
    assert "error" not in payload, payload["error"]
    assert payload["uid"] == nobody.pw_uid
    return payload["result"]


@pytest.fixture
def shared_kb():
    """A copy of the minimal knowledge base that `nobody` may enter (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="lessons-perm-"))
    os.chmod(folder, 0o755)
    kb = copy_kb(MINIMAL, folder / "kb")
    try:
        yield kb
    finally:
        for path in [kb, *kb.rglob("*")]:
            if not path.is_symlink():
                os.chmod(path, 0o755)
        shutil.rmtree(folder)


def _validate_as_nobody(kb: Path) -> dict:
    def work() -> dict:
        import io
        from contextlib import redirect_stderr, redirect_stdout

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli.main(["validate", str(kb)])
        return {"code": code, "out": out.getvalue(), "err": err.getvalue(), "messages": _messages(kb)}

    # Once as root first: every module and schema file the check reads is loaded before the
    # child drops root, since `nobody` may not enter the checkout (a fresh clone under a
    # private temporary folder, as CI's may be).
    work()
    return _as_nobody(work)  # type: ignore[return-value]


def test_an_unreadable_record_is_an_error(shared_kb):
    record = shared_kb / "incidents" / "INC-2024-017.yaml"
    os.chmod(record, 0)
    done = _validate_as_nobody(shared_kb)
    assert done["messages"] == ["incidents/INC-2024-017.yaml:1:1: cannot read file: Permission denied"]
    assert done["code"] == 1 and "Traceback" not in done["out"] + done["err"]


def test_unreadable_folders_are_errors(shared_kb):
    os.chmod(shared_kb / "sops", 0)
    (shared_kb / "incidents" / "old").mkdir()
    os.chmod(shared_kb / "incidents" / "old", 0)
    done = _validate_as_nobody(shared_kb)
    assert "incidents/old:1:1: [file] cannot read the folder: Permission denied" in done["messages"]
    assert "sops:1:1: [file] cannot read the folder: Permission denied" in done["messages"]
    assert done["code"] == 1 and "Traceback" not in done["out"] + done["err"]


def test_an_unreadable_taxonomy_folder_is_one_error(shared_kb):
    os.chmod(shared_kb / "taxonomy", 0)
    done = _validate_as_nobody(shared_kb)
    assert "taxonomy:1:1: [file] cannot read the folder: Permission denied" in done["messages"]
    assert not any("missing file" in m for m in done["messages"])
