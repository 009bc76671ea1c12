"""The Java runtime (runtime/java) is built and unit-tested where it lives: `mvn -B verify`
(-Xlint:all -Werror, the Open Inference Protocol stubs included; JUnit: the thread rule against
tests/fixtures/cgroup, the input checks and their error kinds, Fp16Conversions, the remote backend
against a fake protocol server on the loopback interface). Its pom pins what generator/versions.py
pins."""

from __future__ import annotations

import re
import subprocess

import pytest

from generator import versions
from tests import java_tools
from tests.paths import REPO

RUNTIME = REPO / "runtime" / "java"


def test_runtime_pom_uses_the_pins() -> None:
    pom = (RUNTIME / "pom.xml").read_text()
    assert f"<onnxruntime.version>{versions.ORT_VERSION}</onnxruntime.version>" in pom
    assert f"<junit.version>{versions.JUNIT_VERSION}</junit.version>" in pom
    assert f"<maven.compiler.release>{versions.JAVA_RELEASE}</maven.compiler.release>" in pom
    assert "<arg>-Werror</arg>" in pom
    # The remote backend's pins, as a remote SDK's pom has them (tests/test_java_emit.py).
    assert f"<grpc.version>{versions.GRPC_JAVA_VERSION}</grpc.version>" in pom
    assert f"<protobuf.version>{versions.PROTOBUF_JAVA_VERSION}</protobuf.version>" in pom
    assert (f"<protoc-gen-grpc-java.version>{versions.GRPC_JAVA_PLUGIN_VERSION}</protoc-gen-grpc-java.version>"
            in pom)


def test_runtime_never_imports_its_own_package() -> None:
    # The generator rewrites only the package line (and, in the remote backend, the imports of the
    # protocol's stubs): an import of sdkgen.runtime would break.
    for f in (RUNTIME / "src" / "main").rglob("*.java"):
        text = f.read_text()
        assert text.count("package sdkgen.runtime;") == 1, f
        assert not re.search(r"\bsdkgen\.runtime\b", text.replace("package sdkgen.runtime;", "")), f
        stubs = re.findall(r"\bsdkgen\.oip\.inference\b.*", text)
        assert all(s.endswith(";") for s in stubs) and len(stubs) == text.count("import sdkgen.oip.inference."), f
        assert not stubs or f.name.startswith("Remote"), f


@pytest.mark.slow
def test_runtime_builds_and_its_unit_tests_pass() -> None:
    r = subprocess.run([java_tools.tool("mvn"), "-B", "verify"], cwd=RUNTIME, capture_output=True, text=True,
                       check=False, timeout=900)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    reports = {p.name: p.read_text() for p in (RUNTIME / "target" / "surefire-reports").glob("*.txt")}
    assert "sdkgen.runtime.ThreadDefaultsTest.txt" in reports, sorted(reports)
    assert "sdkgen.runtime.ChecksTest.txt" in reports, sorted(reports)
    assert "sdkgen.runtime.RemoteTest.txt" in reports, sorted(reports)
    run = re.findall(r"Tests run: (\d+), Failures: 0, Errors: 0, Skipped: 0", "\n".join(reports.values()))
    assert len(run) == len(reports) and sum(map(int, run)) >= 20, reports
