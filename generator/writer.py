"""Deterministic, atomic output of a generated tree.

The tree is written to a sibling temp directory and swapped in, so ``--out`` holds either the
old tree or the whole new one. On Linux the swap is one ``renameat2(RENAME_EXCHANGE)``; elsewhere
two renames, and a run killed between them is repaired by the next run (the old tree is put
back). Temp directories carry the writer's pid: leftovers of a killed run are removed by the next
run once that process is gone. The marker file (``generator.marker``) records that sdkgen made
the directory; a directory without it is never replaced unless forced. A symlinked ``--out``
stays a symlink: the directory it points to is replaced.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from .errors import UserError
from .marker import NAME as MARKER

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _check_rel(rel: str) -> None:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not p.parts or rel != p.as_posix() or rel == MARKER:
        raise ValueError(f"emitter produced an unsafe path: {rel!r}")


def target_dir(out: str | os.PathLike[str]) -> Path:
    """Where a tree for ``--out`` really goes: ``..`` resolved lexically (``p/x/../y`` is ``p/y``
    and ``p/x`` is never created), a symlink followed to its directory."""
    p = Path(os.path.normpath(os.fspath(out)))
    if p.is_symlink():
        real = p.resolve()
        if real.exists() and not real.is_dir():
            raise UserError(f"--out {out}: is a symlink to {real}, which is not a directory")
        return real
    return p


def write_tree(out: str | os.PathLike[str], files: dict[str, bytes], *, marker: bytes, force: bool = False) -> None:
    try:
        _write_tree(target_dir(out), files, marker, force)
    except OSError as e:
        raise UserError(f"--out {out}: cannot write: {e.strerror or e}") from e


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(out_path: Path) -> None:
    """Remove temp trees of killed runs; put back an old tree a killed run had moved aside."""
    parent = out_path.parent
    if not parent.is_dir():
        return
    pat = re.compile(re.escape(f".{out_path.name}.") + r"(tmp|old)-(\d+)-.+")
    for p in sorted(parent.iterdir()):
        m = pat.fullmatch(p.name)
        if not m or not p.is_dir() or _pid_alive(int(m.group(2))):
            continue
        if m.group(1) == "old" and not out_path.exists():
            os.rename(p, out_path)  # the run died between its two renames
        else:
            shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    r = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if r == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _write_tree(out_path: Path, files: dict[str, bytes], marker: bytes, force: bool) -> None:
    for rel in files:
        _check_rel(rel)
    _leftovers(out_path)
    if out_path.exists():
        if not out_path.is_dir():
            raise UserError(f"--out {out_path}: exists and is not a directory")
        made_by_us = (out_path / MARKER).is_file()
        if not made_by_us and any(out_path.iterdir()) and not force:
            raise UserError(
                f"--out {out_path}: directory is not empty and was not made by sdkgen "
                f"(no {MARKER} file); pass --force to replace it"
            )
    parent = out_path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tag = f".{out_path.name}.%s-{os.getpid()}-"
    tmp = Path(tempfile.mkdtemp(prefix=tag % "tmp", dir=parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; --out gets the usual mode
        for rel in sorted(files):
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(files[rel])
        (tmp / MARKER).write_bytes(marker)
        if not out_path.exists():
            os.rename(tmp, out_path)
            return
        if _exchange(tmp, out_path):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old tree
            return
        old = Path(tempfile.mkdtemp(prefix=tag % "old", dir=parent))
        os.rmdir(old)
        os.rename(out_path, old)
        os.rename(tmp, out_path)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
