"""Java tools for the tests: the SDKs' compile class path and google-java-format, from Maven Central.

Both are resolved once per machine into the local Maven repository (``mvn dependency:...``) and
fail, never skip, when Maven or a JDK is missing.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from generator import versions

GJF_VERSION = "1.28.0"  # the newest google-java-format that runs on JDK 17
_GJF = f"com.google.googlejavaformat:google-java-format:{GJF_VERSION}:jar:all-deps"
# google-java-format needs javac's internals on JDK 17.
_GJF_EXPORTS = [
    f"--add-exports=jdk.compiler/com.sun.tools.javac.{p}=ALL-UNNAMED"
    for p in ("api", "code", "file", "parser", "tree", "util")
]


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} not found on PATH: the Java tests need Maven and a JDK 17"
    return path


def m2() -> Path:
    return Path.home() / ".m2" / "repository"


def _mvn(args: list[str], cwd: Path) -> None:
    r = subprocess.run([tool("mvn"), "-B", "-q", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, f"mvn {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"


@functools.cache
def classpath(work: Path) -> str:
    """ONNX Runtime and JUnit (test scope): what a generated SDK compiles against."""
    work.mkdir(parents=True, exist_ok=True)
    pom = (Path(__file__).resolve().parent.parent / "runtime" / "java" / "pom.xml").read_text()
    (work / "pom.xml").write_text(pom)
    _mvn(["dependency:build-classpath", "-Dmdep.outputFile=cp.txt", "-Dmdep.includeScope=test"], work)
    return (work / "cp.txt").read_text().strip()


@functools.cache
def gjf_jar(work: Path) -> Path:
    jar = m2() / "com/google/googlejavaformat/google-java-format" / GJF_VERSION
    jar = jar / f"google-java-format-{GJF_VERSION}-all-deps.jar"
    if not jar.is_file():
        work.mkdir(parents=True, exist_ok=True)
        _mvn(["dependency:get", f"-Dartifact={_GJF}"], work)
    assert jar.is_file(), f"{_GJF} is not at {jar}"
    return jar


def gjf_changes(work: Path, files: list[Path]) -> list[str]:
    """The files google-java-format would change (``--dry-run``); empty when all are formatted."""
    r = subprocess.run(
        [tool("java"), *_GJF_EXPORTS, "-jar", str(gjf_jar(work)), "--dry-run", *map(str, files)],
        capture_output=True, text=True, check=False,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout.split()


def maven_exe(work: Path, group: str, artifact: str, version: str) -> Path:
    """An executable Maven Central ships for this machine (protoc, protoc-gen-grpc-java), fetched
    once into the local Maven repository (where a remote SDK's build finds it too)."""
    import platform

    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch_64", "arm64": "aarch_64"}[platform.machine().lower()]
    classifier = f"linux-{arch}"
    exe = m2().joinpath(*group.split("."), artifact, version, f"{artifact}-{version}-{classifier}.exe")
    if not exe.is_file():
        work.mkdir(parents=True, exist_ok=True)
        _mvn(["dependency:get", f"-Dartifact={group}:{artifact}:{version}:exe:{classifier}", "-Dtransitive=false"], work)
    assert exe.is_file(), f"{group}:{artifact}:{version} is not at {exe}"
    exe.chmod(0o755)
    return exe


def grpc_stubs(work: Path, proto_dir: Path, out: Path) -> list[Path]:
    """The Java stubs of ``proto_dir``'s .proto files, generated as a remote SDK's build does
    (protoc and protoc-gen-grpc-java at generator/versions.py's pins, ``@generated=omit``)."""
    protoc = maven_exe(work, "com.google.protobuf", "protoc", versions.PROTOBUF_JAVA_VERSION)
    plugin = maven_exe(work, "io.grpc", "protoc-gen-grpc-java", versions.GRPC_JAVA_PLUGIN_VERSION)
    out.mkdir(parents=True, exist_ok=True)
    protos = sorted(p.name for p in proto_dir.glob("*.proto"))
    r = subprocess.run([str(protoc), f"-I{proto_dir}", f"--plugin=protoc-gen-grpc-java={plugin}",
                        f"--java_out={out}", f"--grpc-java_out=@generated=omit:{out}", *protos],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    return sorted(out.rglob("*.java"))


def javac(classpath_: str, out: Path, sources: list[Path]) -> subprocess.CompletedProcess[str]:
    """javac as sdkgen's own build of generated code runs it: -Xlint:all -Werror."""
    return subprocess.run(
        [tool("javac"), "--release", str(versions.JAVA_RELEASE), "-Xlint:all", "-Werror", "-cp", classpath_,
         "-d", str(out), *map(str, sources)],
        capture_output=True, text=True, check=False,
    )


def reactor_pom(work: Path, modules: list[str]) -> None:
    """A Maven reactor POM over ``modules`` (directories under ``work``)."""
    mods = "\n".join(f"    <module>{m}</module>" for m in modules)
    (work / "pom.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n  <groupId>sdkgen.tests</groupId>\n  <artifactId>reactor</artifactId>\n"
        f"  <version>1</version>\n  <packaging>pom</packaging>\n  <modules>\n{mods}\n  </modules>\n</project>\n")


def run_maven(work: Path, threads: int = 1, timeout: float = 3000,
              extra: list[str] | None = None) -> tuple[int, str, float]:
    """``mvn verify`` over the reactor at ``work``; fails (not skips) when mvn is missing."""
    import os
    import time

    cmd = [tool("mvn"), "-B", "-q", "-fae", "verify", f"-T{threads}", *(extra or [])]
    if os.environ.get("SDKGEN_MVN_OFFLINE") == "1":
        cmd.insert(1, "-o")
    t0 = time.monotonic()
    p = subprocess.run(cmd, check=False, cwd=work, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0
