"""The shared model suite of the end-to-end tests, and what raw ORT itself cannot run."""

from __future__ import annotations

from pathlib import Path

ORT_CANNOT_FILE = Path(__file__).parent / "ort_cannot.tsv"


def load_ort_cannot() -> dict[str, tuple[str, str]]:
    """case id -> (status, reason) from ort_cannot.tsv."""
    out: dict[str, tuple[str, str]] = {}
    for line in ORT_CANNOT_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        case, status, reason = line.split("\t")
        assert reason.strip(), f"{case}: every entry needs a reason"
        out[case] = (status, reason)
    return out
