"""The Go remote runtime (runtime/go-remote, every --remote Go SDK's internal/oiprt), where it
lives: gofmt, its shipped files, and (slow) its unit tests under go vet and -race against an
in-process fake Open Inference Protocol v2 server (encoding of every datatype, typed contents,
input errors word for word, the signature check, malformed responses, every remote error kind,
a dead server and reconnection, metadata, TLS, concurrency and Close). They run inside a
generated remote SDK, where the package has its stubs (generated, never committed)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from generator import runtime_src
from generator.emit import go as go_emit

from .paths import MODELS, REPO
from .sdk import emit_file

SOURCE = REPO / "runtime" / "go-remote"


def test_shipped_files_and_imports() -> None:
    shipped = runtime_src.tree(go_emit.REMOTE_SOURCE)
    assert set(shipped) == {p.name for p in SOURCE.glob("*.go") if not p.name.endswith("_test.go")}
    for name, data in shipped.items():
        src = data.decode()
        assert src.isascii(), name
        assert re.search(r"^package oiprt$", src, re.MULTILINE), name
        own = set(re.findall(r'"(sdkgen\.local/[^"]*)"', src))
        assert own <= {"sdkgen.local/ortrt", "sdkgen.local/oip"}, f"{name}: rewritten imports only: {own}"
    files = go_emit.remote_runtime("example.com/m")
    assert set(files) == {f"internal/oiprt/{n}" for n in shipped}
    for data in files.values():
        assert b"sdkgen.local/" not in data


def test_gofmt_clean() -> None:
    gofmt = shutil.which("gofmt") or "/usr/local/go/bin/gofmt"
    fmt = subprocess.run([gofmt, "-l", "."], cwd=SOURCE, capture_output=True, text=True, check=False)
    assert fmt.returncode == 0 and fmt.stdout == "", f"not gofmt-clean: {fmt.stdout}{fmt.stderr}"


@pytest.mark.slow
def test_vet_and_race_tests(tmp_path: Path) -> None:
    from .go_tools import go

    module = "sdkgen.test/oiprt"
    files = emit_file("go", MODELS / "tiny_transformer.onnx", module=module, remote=True)
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    for test in sorted(SOURCE.glob("*_test.go")):
        text = test.read_text()
        for src, dest in go_emit._SOURCE_IMPORTS.items():
            text = text.replace(f'"{src}"', f'"{module}/{dest}"')
        (tmp_path / go_emit.REMOTE_DIR / test.name).write_text(text)
    t0 = time.monotonic()
    vet = go(["vet", f"./{go_emit.REMOTE_DIR}/"], tmp_path)
    assert vet.returncode == 0, vet.stdout + vet.stderr
    res = go(["test", "-race", "-count=1", "-v", f"./{go_emit.REMOTE_DIR}/"], tmp_path)
    print(f"\nruntime/go-remote: go vet + go test -race {time.monotonic() - t0:.1f}s")
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]
    tests = re.findall(r"^func (Test\w+)\(", "".join(p.read_text() for p in SOURCE.glob("*_test.go")), re.MULTILINE)
    assert len(tests) >= 9
    for name in tests:
        assert f"--- PASS: {name} " in res.stdout, f"{name} did not pass:\n{res.stdout[-3000:]}"
