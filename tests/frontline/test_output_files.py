"""Where a command writes a file the user named: a FIFO, a device, a socket or a folder in
the way is refused with exit status 2 and left as it was, and a path that cannot be written
is refused before the work, naming the path the user gave."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from refusals import fails, read_only_disk

from frontline.files import WriteError, write_atomic, write_set

TINY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml")


@contextlib.contextmanager
def _fifo(path: Path) -> Iterator[None]:
    os.mkfifo(path)
    yield


@contextlib.contextmanager
def _device(path: Path) -> Iterator[None]:
    try:  # a node like /dev/null's (1, 3), made in the test's own folder
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root")
    yield


@contextlib.contextmanager
def _socket(path: Path) -> Iterator[None]:
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        yield


NODES: dict[str, tuple[Callable[[Path], contextlib.AbstractContextManager[None]], str]] = {
    "fifo": (_fifo, "a FIFO (named pipe)"),
    "device": (_device, "a device"),
    "socket": (_socket, "a socket"),
}


def _is(kind: str, path: Path) -> bool:
    mode = os.lstat(path).st_mode
    return {"fifo": stat.S_ISFIFO, "device": stat.S_ISCHR, "socket": stat.S_ISSOCK}[kind](mode)


needs_nodes = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and sockets")


@needs_nodes
@pytest.mark.parametrize("kind", sorted(NODES))
@pytest.mark.parametrize(
    "argv", [["schema"], ["calibrate", TINY, "--budget", "1"]], ids=["schema", "calibrate"]
)
def test_a_command_refuses_to_write_over_a_fifo_device_or_socket_and_leaves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, argv: list[str]
) -> None:
    make, words = NODES[kind]
    node = tmp_path / "node"
    with make(node):
        err = fails(capsys, *argv, "--out", str(node))
        assert f"cannot write {node}: it is {words}, not a file" in err
        assert "calibrating" not in err  # refused before the fit
        assert _is(kind, node)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["node"]


@needs_nodes
def test_write_atomic_itself_refuses_a_fifo_and_a_link_to_one(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "fifo")
    for name in ("fifo", "link"):
        with pytest.raises(WriteError, match="it is a FIFO"):
            write_atomic(tmp_path / name, "text")
    assert stat.S_ISFIFO(os.stat(tmp_path / "link").st_mode)
    assert (tmp_path / "link").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "link"]


@needs_nodes
def test_a_set_is_not_written_over_a_fifo_in_its_folder(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "result.json")
    with pytest.raises(WriteError, match=r"result\.json: it is a FIFO"):
        write_set(tmp_path, {"result.json": "{}", "timeline.txt": "text"})
    assert stat.S_ISFIFO(os.lstat(tmp_path / "result.json").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def _writing(command: str) -> list[str]:
    """The arguments of a command that writes one file with --out, before --out."""
    return ["schema"] if command == "schema" else ["calibrate", TINY, "--budget", "1"]


@pytest.mark.parametrize("command", ["schema", "calibrate"])
def test_out_below_a_file_is_refused_before_the_work_naming_the_path_given(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("mine\n")
    argv = _writing(command)
    err = fails(capsys, *argv, "--out", "afile/x")
    assert err == "frontline: cannot write afile/x: afile exists and is not a folder\n"
    assert Path("afile").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.mark.parametrize("command", ["schema", "calibrate"])
def test_a_read_only_folder_is_refused_before_the_work_naming_the_out_path(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("romnt").mkdir()
    read_only_disk(monkeypatch)
    argv = _writing(command)
    err = fails(capsys, *argv, "--out", "romnt/x.yaml")
    assert err == "frontline: cannot write romnt/x.yaml: Read-only file system\n"


@pytest.mark.parametrize("command", ["schema", "calibrate"])
@pytest.mark.parametrize("where", ["fit.yaml", "notes/fit.yaml"])
def test_out_inside_a_batchs_results_folder_is_refused_before_the_work(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    where: str,
) -> None:
    # pandas.read_parquet(folder), the line a batch prints, would fail on the file
    monkeypatch.chdir(tmp_path)
    Path("batch").mkdir()
    Path("batch/_manifest.json").write_text("{}")
    err = fails(capsys, *_writing(command), "--out", f"batch/{where}")
    assert err.startswith(
        f"frontline: cannot write batch/{where}: it would be inside {tmp_path / 'batch'}, "
        "which holds a batch's results"
    )
    assert "calibrating" not in err
    assert sorted(p.name for p in Path("batch").iterdir()) == ["_manifest.json"]


def test_write_atomic_on_a_read_only_folder_names_the_file_not_its_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_only_disk(monkeypatch)
    with pytest.raises(WriteError) as caught:
        write_atomic(tmp_path / "x.yaml", "text")
    assert str(caught.value) == f"cannot write {tmp_path / 'x.yaml'}: Read-only file system"
