"""Container-aware ONNX Runtime thread defaults (sdkgen's docs/threads.md).

ONNX Runtime sizes its intra-op pool from the host's cores and ignores the
container's CPU quota and cpuset. This module computes the default the way
docs/threads.md specifies (the Java and Go runtimes implement the same rule and
are tested against the same fixtures, tests/fixtures/cgroup/):

    intra_op_threads = max(1, min(affinity, floor(quota))), or affinity without a quota
    allow_spinning   = no quota is set
    inter_op_threads = 1

Overrides, highest first: explicit option, then the environment
(SDKGEN_INTRA_OP_THREADS, SDKGEN_INTER_OP_THREADS, SDKGEN_ALLOW_SPINNING),
then the computed default. Reading the cgroup files never raises: anything
missing or malformed means "no limit at that level".
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

__all__ = [
    "ENV_ALLOW_SPINNING",
    "ENV_INTER_OP_THREADS",
    "ENV_INTRA_OP_THREADS",
    "ResolvedThreads",
    "Source",
    "ThreadDefaults",
    "container_defaults",
    "resolve",
]

Source = Literal["option", "env", "container"]

ENV_INTRA_OP_THREADS = "SDKGEN_INTRA_OP_THREADS"
ENV_INTER_OP_THREADS = "SDKGEN_INTER_OP_THREADS"
ENV_ALLOW_SPINNING = "SDKGEN_ALLOW_SPINNING"

_MAX_THREADS = 2**31 - 1  # ORT takes a C int
_MAX_INT64 = 2**63 - 1  # what Java's and Go's parsers accept
_DIGITS = re.compile(
    r"[0-9]+"
)  # ASCII only: no sign, no spaces, no "_", no other scripts
_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class ThreadDefaults:
    """What the container allows: the computed defaults before any override."""

    affinity_cpus: int
    quota_cpus: float | None
    intra_op_threads: int
    allow_spinning: bool


@dataclass(frozen=True)
class ResolvedThreads:
    """Effective settings and, per field name, where each value came from."""

    intra_op_threads: int
    inter_op_threads: int
    allow_spinning: bool
    source: Mapping[str, Source] = field(hash=False)


def container_defaults(root: str = "/") -> ThreadDefaults:
    """Compute the defaults from ``<root>/proc/self/...`` and the cgroup files under ``root``."""
    affinity = _affinity_cpus(root)
    quota = _quota(root)
    if quota is None:
        return ThreadDefaults(affinity, None, affinity, True)
    q, p = quota
    return ThreadDefaults(affinity, q / p, max(1, min(affinity, q // p)), False)


def resolve(
    intra_op_threads: int | None,
    inter_op_threads: int | None,
    allow_spinning: bool | None,
    environ: Mapping[str, str],
    root: str = "/",
) -> ResolvedThreads:
    """Apply option > environment > computed default to each of the three settings."""
    intra, intra_src = _thread_setting(
        "intra_op_threads", intra_op_threads, ENV_INTRA_OP_THREADS, environ
    )
    inter, inter_src = _thread_setting(
        "inter_op_threads", inter_op_threads, ENV_INTER_OP_THREADS, environ
    )
    spin, spin_src = _spin_setting(allow_spinning, environ)
    if intra is None or spin is None:
        computed = container_defaults(root)
        if intra is None:
            intra = computed.intra_op_threads
        if spin is None:
            spin = computed.allow_spinning
    if inter is None:
        inter = 1
    source: dict[str, Source] = {
        "intra_op_threads": intra_src,
        "inter_op_threads": inter_src,
        "allow_spinning": spin_src,
    }
    return ResolvedThreads(intra, inter, spin, MappingProxyType(source))


def _thread_setting(
    name: str, option: int | None, var: str, environ: Mapping[str, str]
) -> tuple[int | None, Source]:
    if option is not None:
        if isinstance(option, bool) or not isinstance(option, int):
            raise TypeError(f"{name} must be an int, got {type(option).__name__}")
        if not 1 <= option <= _MAX_THREADS:
            raise ValueError(
                f"{name}={option}: expected an integer from 1 to {_MAX_THREADS}"
            )
        return option, "option"
    raw = environ.get(var, "")
    if raw == "":
        return None, "container"
    if _DIGITS.fullmatch(raw) is None or not 1 <= int(raw) <= _MAX_THREADS:
        raise ValueError(
            f"{var}={raw!r}: expected a decimal integer from 1 to {_MAX_THREADS}"
        )
    return int(raw), "env"


def _spin_setting(
    option: bool | None, environ: Mapping[str, str]
) -> tuple[bool | None, Source]:
    if option is not None:
        if not isinstance(option, bool):
            raise TypeError(
                f"allow_spinning must be a bool, got {type(option).__name__}"
            )
        return option, "option"
    raw = environ.get(ENV_ALLOW_SPINNING, "")
    if raw == "":
        return None, "container"
    if raw not in ("0", "1"):
        raise ValueError(f"{ENV_ALLOW_SPINNING}={raw!r}: expected 0 or 1")
    return raw == "1", "env"


# --- reading the (possibly fake) filesystem ---------------------------------


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
    except (OSError, ValueError):
        return None


def _under(root: str, abs_path: str) -> str:
    return os.path.join(root, abs_path.lstrip("/"))


def _runtime_cpu_count() -> int:
    if sys.platform.startswith("linux"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:
            pass
    return max(1, os.cpu_count() or 1)


def _count_cpu_list(text: str) -> int | None:
    """Count the CPUs in a list such as ``0-1,4``; None when malformed or empty."""
    total = 0
    for item in text.split(","):
        lo, sep, hi = item.partition("-")
        if sep == "":
            hi = lo
        if _DIGITS.fullmatch(lo) is None or _DIGITS.fullmatch(hi) is None:
            return None
        if not int(lo) <= int(hi) <= _MAX_THREADS:
            return None
        total += int(hi) - int(lo) + 1
    return total if total > 0 else None


def _affinity_cpus(root: str) -> int:
    status = _read(_under(root, "/proc/self/status"))
    if status is not None:
        for line in status.splitlines():
            key, sep, value = line.partition(":")
            if sep and key == "Cpus_allowed_list":
                n = _count_cpu_list(value.strip(" \t"))
                if n is not None:
                    return n
                break
    return _runtime_cpu_count()


def _positive_int64(token: str) -> int | None:
    if _DIGITS.fullmatch(token) is None:
        return None
    n = int(token)
    return n if 0 < n <= _MAX_INT64 else None


def _v2_level(directory: str) -> tuple[int, int] | None:
    text = _read(os.path.join(directory, "cpu.max"))
    if text is None:
        return None
    tokens = text.split()
    if len(tokens) != 2 or tokens[0] == "max":
        return None
    q, p = _positive_int64(tokens[0]), _positive_int64(tokens[1])
    return None if q is None or p is None else (q, p)


def _v1_level(directory: str) -> tuple[int, int] | None:
    quota = _read(os.path.join(directory, "cpu.cfs_quota_us"))
    period = _read(os.path.join(directory, "cpu.cfs_period_us"))
    if quota is None or period is None:
        return None
    q, p = _positive_int64(quota.strip()), _positive_int64(period.strip())
    return None if q is None or p is None else (q, p)


def _cgroup_path(root: str) -> tuple[int, str] | None:
    """(version, path) of the CPU cgroup: a v1 line naming ``cpu`` wins over the v2 ``0::`` line."""
    text = _read(_under(root, "/proc/self/cgroup"))
    if text is None:
        return None
    v2: str | None = None
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy != "0" and "cpu" in controllers.split(","):
            return 1, path
        if hierarchy == "0" and controllers == "" and v2 is None:
            v2 = path
    return None if v2 is None else (2, v2)


def _relative(cgroup_path: str, mount_root: str) -> list[str] | None:
    """The cgroup path below the mount's root, as components; None when it is not below it."""
    if not cgroup_path.startswith("/"):
        return None
    if mount_root == "/":
        rest = cgroup_path
    elif cgroup_path == mount_root:
        rest = ""
    elif cgroup_path.startswith(mount_root.rstrip("/") + "/"):
        rest = cgroup_path[len(mount_root.rstrip("/")) :]
    else:
        return None
    parts = [c for c in rest.split("/") if c != ""]
    if any(c in (".", "..") for c in parts):
        return None
    return parts


def _unescape(field_text: str) -> str:
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field_text)


def _cgroup_dir(
    root: str, version: int, cgroup_path: str
) -> tuple[str, list[str]] | None:
    """(mount point under root, components below it) from the first mount that holds the path."""
    text = _read(_under(root, "/proc/self/mountinfo"))
    if text is None:
        return None
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
        except ValueError:
            continue
        if len(fields) < sep + 4:
            continue
        fstype, super_options = fields[sep + 1], fields[sep + 3]
        if version == 2:
            if fstype != "cgroup2":
                continue
        elif fstype != "cgroup" or "cpu" not in super_options.split(","):
            continue
        parts = _relative(cgroup_path, _unescape(fields[3]))
        if parts is not None:
            return _under(root, _unescape(fields[4])), parts
    return None


def _quota(root: str) -> tuple[int, int] | None:
    """The tightest (quota, period) from the process's cgroup up to its mount point."""
    found = _cgroup_path(root)
    if found is None:
        return None
    version, cgroup_path = found
    located = _cgroup_dir(root, version, cgroup_path)
    if located is None:
        return None
    mount_dir, parts = located
    read_level = _v2_level if version == 2 else _v1_level
    best: tuple[int, int] | None = None
    for depth in range(len(parts), -1, -1):
        level = read_level(os.path.join(mount_dir, *parts[:depth]))
        if level is not None and (
            best is None or level[0] / level[1] < best[0] / best[1]
        ):
            best = level
    return best
