"""Output directory safety: modes, killed runs, odd --out paths, symlinks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from generator import writer

M = b"{}\n"


def test_out_gets_the_umask_mode_not_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        writer.write_tree(tmp_path / "o", {"a/b.txt": b"x"}, marker=M)
        writer.write_tree(tmp_path / "o", {"a/b.txt": b"y"}, marker=M)  # replacing keeps it too
    finally:
        os.umask(old)
    assert (tmp_path / "o").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "o" / "a").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "o" / "a" / "b.txt").stat().st_mode & 0o777 == 0o644


def test_dotdot_in_out_creates_no_stray_directory(tmp_path: Path) -> None:
    writer.write_tree(tmp_path / "p" / "x" / ".." / "y", {"f": b"1"}, marker=M)
    assert (tmp_path / "p" / "y" / "f").read_bytes() == b"1"
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["y"]


def test_symlinked_out_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    writer.write_tree(real, {"f": b"1"}, marker=M)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    writer.write_tree(link, {"f": b"2"}, marker=M)
    assert link.is_symlink() and (real / "f").read_bytes() == b"2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def _killed_writer(tmp_path: Path, out: Path, stop_at: str) -> None:
    """Run a writer in a child process and SIGKILL it at ``stop_at`` ("write": while writing
    files, "swap": between moving the old tree aside and renaming the new one in)."""
    code = textwrap.dedent(f"""
        import os, signal, sys
        from generator import writer
        if {stop_at!r} == "swap":
            writer._exchange = lambda a, b: False  # the two-rename path
            real_rename = os.rename
            def rename(a, b):
                real_rename(a, b)
                if ".old-" in str(b):
                    os.kill(os.getpid(), signal.SIGKILL)
            os.rename = rename
        class Big(dict):
            def __getitem__(self, k):
                if {stop_at!r} == "write" and k == "z":
                    os.kill(os.getpid(), signal.SIGKILL)
                return dict.__getitem__(self, k)
        writer.write_tree({str(out)!r}, Big({{"a": b"new" * 1000, "z": b"new"}}), marker=b"{{}}\\n")
    """)
    r = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, check=False)
    assert r.returncode == -signal.SIGKILL


def test_kill_while_writing_leaves_old_tree_and_next_run_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "o"
    writer.write_tree(out, {"a": b"old"}, marker=M)
    _killed_writer(tmp_path, out, "write")
    assert (out / "a").read_bytes() == b"old"
    assert any(".o.tmp-" in p.name for p in tmp_path.iterdir())  # the killed run's leftover
    writer.write_tree(out, {"a": b"new"}, marker=M)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
    assert (out / "a").read_bytes() == b"new"


def test_kill_between_the_two_renames_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "o"
    writer.write_tree(out, {"a": b"old"}, marker=M)
    _killed_writer(tmp_path, out, "swap")
    assert not out.exists()  # the window the two-rename path has (Linux uses renameat2 instead)
    writer.write_tree(out, {"a": b"new"}, marker=M)
    assert (out / "a").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_a_live_writers_temp_dir_is_left_alone(tmp_path: Path) -> None:
    live = tmp_path / f".o.tmp-{os.getpid()}-abc"
    live.mkdir()
    writer.write_tree(tmp_path / "o", {"a": b"x"}, marker=M)
    assert live.is_dir()


def test_exchange_swaps_atomically_on_linux(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("a")
    (b / "f").write_text("b")
    assert writer._exchange(a, b)
    assert (a / "f").read_text() == "b" and (b / "f").read_text() == "a"
