"""The container-aware thread rule in real cgroups: all three generated SDKs inside Docker.

integration/docker/setup.sh makes sure an engine runs and sdkgen-base:bookworm exists (Debian
bookworm from debootstrap: python3, OpenJDK 17 JRE). This test builds, on the host, the SDKs
generated for onnxruntime's sigmoid.onnx (a wheel plus the pinned onnxruntime/numpy wheels, compiled
Java classes plus the ONNX Runtime jar, a cgo Go binary plus libonnxruntime), adds a probe program per
language (integration/docker/probe/) and bakes them into one image. Each case then starts one
container with `--network none` and Docker CPU limits; the three probes in it each print their SDK's
effective settings as a JSON line after one real inference. See docs/docker.md.

Fails, never skips, when the engine cannot be started or an image cannot be built.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import numpy as np
import pytest

from generator import reader, versions, writer
from tests.go_tools import ORT_LIB, go_exe
from tests.paths import ORT_DATASETS, REPO
from tests.sdk import emit_model

pytestmark = pytest.mark.slow

DOCKER_DIR = REPO / "integration" / "docker"
PROBES = DOCKER_DIR / "probe"
MODEL = ORT_DATASETS / "sigmoid.onnx"
IMAGE = "sdkgen-docker-probe:latest"
CACHE = REPO / "build" / "docker-cache"  # downloaded wheels, reused across runs
LANGS = ("python", "java", "go")
HOST_AFFINITY = len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class Case:
    name: str
    limits: dict[str, Any]  # docker SDK container limits: nano_cpus, cpuset_cpus
    affinity: int
    quota: float | None
    intra: int
    spinning: bool
    intra_source: str = "container"
    env: dict[str, str] = field(default_factory=dict)


def cpus(n: float) -> dict[str, Any]:
    return {"nano_cpus": int(n * 1e9)}  # what `docker run --cpus N` sets


CASES = [
    Case("no_limit", {}, HOST_AFFINITY, None, HOST_AFFINITY, True),
    Case("cpus_1.5", cpus(1.5), HOST_AFFINITY, 1.5, 1, False),
    Case("cpus_0.5", cpus(0.5), HOST_AFFINITY, 0.5, 1, False),
    Case("cpuset_0", {"cpuset_cpus": "0"}, 1, None, 1, True),
    # quota 2 CPUs but only CPU 0 allowed: min(affinity, floor(quota)) = 1, spinning off for any quota
    Case("cpus_2_cpuset_0", {**cpus(2), "cpuset_cpus": "0"}, 1, 2.0, 1, False),
    # the env count wins over the quota; spinning still comes from the container
    Case("env_3_cpus_1.5", cpus(1.5), HOST_AFFINITY, 1.5, 3, False, "env",
         {"SDKGEN_INTRA_OP_THREADS": "3"}),
]


def run(cmd: list[str], timeout: float = 900, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw)


def must(cmd: list[str], what: str, timeout: float = 900, **kw: Any) -> subprocess.CompletedProcess[str]:
    r = run(cmd, timeout, **kw)
    assert r.returncode == 0, f"{what} failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDKGEN_")}
    env.update(extra)
    return env


def generate(lang: str, out: Path, **opts: Any) -> None:
    m = reader.read(MODEL)
    writer.write_tree(out, emit_model(lang, m, MODEL.read_bytes(), "sigmoid", **opts), marker=b"{}\n")


def python_wheels(ctx: Path, tmp: Path) -> None:
    """The generated package as a wheel, plus its dependencies for an offline install."""
    generate("python", tmp / "py", package="sigmoid")
    wheels = ctx / "wheels"
    must([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "-w", str(wheels), str(tmp / "py")], "pip wheel (generated SDK)",
         env=clean_env(SOURCE_DATE_EPOCH="315532800"))
    deps = CACHE / "wheels"
    if not list(deps.glob(f"onnxruntime-{versions.ORT_VERSION}-*.whl")):
        must([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(deps),
              f"onnxruntime=={versions.ORT_VERSION}", versions.NUMPY_REQUIREMENT], "pip download")
    for whl in deps.glob("*.whl"):
        shutil.copy2(whl, wheels)


def ort_jar() -> Path:
    coord = f"com.microsoft.onnxruntime:onnxruntime:{versions.ORT_VERSION}"
    jar = (Path.home() / ".m2" / "repository" / "com" / "microsoft" / "onnxruntime" / "onnxruntime"
           / versions.ORT_VERSION / f"onnxruntime-{versions.ORT_VERSION}.jar")
    if not jar.is_file():
        mvn = shutil.which("mvn")
        assert mvn, "Maven is required to fetch the ONNX Runtime jar"
        must([mvn, "-q", "-B", "dependency:get", f"-Dartifact={coord}"], "mvn dependency:get")
    assert jar.is_file(), f"{coord} is not at {jar}"
    return jar


def java_classes(ctx: Path, tmp: Path) -> None:
    """The generated sources and the probe compiled for Java 17; the model resource; the ORT jar."""
    generate("java", tmp / "java")
    javac = shutil.which("javac")
    assert javac, "javac is required"
    out = ctx / "java" / "classes"
    jar = ort_jar()
    srcs = sorted(str(p) for p in (tmp / "java" / "src" / "main" / "java").rglob("*.java"))
    must([javac, "--release", str(versions.JAVA_RELEASE), "-Xlint:all", "-Werror", "-d", str(out),
          "-cp", str(jar), *srcs, str(PROBES / "Probe.java")], "javac")
    shutil.copytree(tmp / "java" / "src" / "main" / "resources", out, dirs_exist_ok=True)
    shutil.copy2(jar, ctx / "java" / "onnxruntime.jar")


def go_binary(ctx: Path, tmp: Path) -> None:
    """The probe built with cgo inside the generated module; the wheel's libonnxruntime beside it."""
    module = "sdkgen.test/sigmoid"
    sdk = tmp / "go"
    generate("go", sdk, module=module)
    (sdk / "cmd" / "probe").mkdir(parents=True)
    main = (PROBES / "go" / "main.go.in").read_text().replace("MODULE", module)
    (sdk / "cmd" / "probe" / "main.go").write_text(main)
    must([go_exe(), "build", "-trimpath", "-o", str(ctx / "go" / "probe"), "./cmd/probe"], "go build",
         cwd=sdk, env=clean_env(CGO_ENABLED="1", GOFLAGS="-mod=mod -buildvcs=false"))
    shutil.copy2(ORT_LIB, ctx / "go" / ORT_LIB.name)


def build_image(tmp: Path) -> dict[str, float]:
    times = {}
    t = time.monotonic()
    setup = run(["bash", str(DOCKER_DIR / "setup.sh")], timeout=1800)
    print(setup.stdout + setup.stderr)
    assert setup.returncode == 0, f"integration/docker/setup.sh failed:\n{setup.stdout}\n{setup.stderr}"
    times["setup"] = time.monotonic() - t

    t = time.monotonic()
    ctx = tmp / "ctx"
    for sub in ("wheels", "java/classes", "go"):
        (ctx / sub).mkdir(parents=True)
    python_wheels(ctx, tmp)
    java_classes(ctx, tmp)
    go_binary(ctx, tmp)
    for name in ("Dockerfile", "run-probes.sh"):
        shutil.copy2(DOCKER_DIR / name, ctx / name)
    shutil.copy2(PROBES / "probe.py", ctx / "probe.py")
    times["artifacts"] = time.monotonic() - t

    t = time.monotonic()
    client = docker.from_env(timeout=600)
    try:
        client.images.build(path=str(ctx), tag=IMAGE, network_mode="none", rm=True)
    except docker.errors.BuildError as e:
        pytest.fail(f"building {IMAGE} failed: {e}\n" + "".join(str(x.get("stream", "")) for x in e.build_log))
    # earlier probe images that this tag no longer names (only ours, by label)
    client.images.prune(filters={"dangling": True, "label": "org.sdkgen.docker-probe=1"})
    times["image"] = time.monotonic() - t
    return times


def probe(case: Case) -> tuple[dict[str, dict[str, Any]], str]:
    client = docker.from_env(timeout=600)
    c = client.containers.run(IMAGE, ["/opt/sdkgen/run-probes.sh"], network_mode="none", environment=case.env,
                              detach=True, **case.limits)
    try:
        code = c.wait(timeout=600).get("StatusCode")
        out = c.logs(stdout=True, stderr=False).decode(errors="replace")
        err = c.logs(stdout=False, stderr=True).decode(errors="replace")
    finally:
        c.remove(force=True)
    found = {}
    for line in out.splitlines():
        if line.startswith("{"):
            doc = json.loads(line)
            found[doc["lang"]] = doc
    return found, f"exit {code}\nstdout:\n{out[-3000:]}\nstderr:\n{err[-6000:]}"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, dict[str, Any]], str]]:
    times = build_image(tmp_path_factory.mktemp("docker"))
    out = {}
    t = time.monotonic()
    for case in CASES:
        out[case.name] = probe(case)
    times["containers"] = time.monotonic() - t
    print("\ndocker probes: " + ", ".join(f"{k} {v:.1f}s" for k, v in times.items()))
    for case in CASES:
        for lang in LANGS:
            d = out[case.name][0].get(lang)
            if d:
                print(f"  {case.name:16} {lang:6} intra={d['intra_op_threads']} ({d['intra_op_source']}) "
                      f"inter={d['inter_op_threads']} ({d['inter_op_source']}) "
                      f"spin={d['allow_spinning']} ({d['allow_spinning_source']}) "
                      f"affinity={d['affinity_cpus']} quota={d['quota_cpus']} "
                      f"pool_threads={d['pool_threads']}")
            else:
                print(f"  {case.name:16} {lang:6} NO OUTPUT")
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_effective_threads_in_container(results: dict[str, tuple[dict[str, dict[str, Any]], str]],
                                        case: Case, lang: str) -> None:
    found, log = results[case.name]
    assert lang in found, f"{lang} probe printed no JSON line in case {case.name}:\n{log}"
    d = found[lang]
    got = {k: d[k] for k in ("affinity_cpus", "quota_cpus", "intra_op_threads", "intra_op_source",
                             "inter_op_threads", "inter_op_source", "allow_spinning", "allow_spinning_source")}
    assert got == {
        "affinity_cpus": case.affinity,
        "quota_cpus": case.quota,
        "intra_op_threads": case.intra,
        "intra_op_source": case.intra_source,
        "inter_op_threads": 1,
        "inter_op_source": "container",
        "allow_spinning": case.spinning,
        "allow_spinning_source": "container",
    }
    # ORT really got the count: its intra-op pool added intra_op_threads - 1 OS threads
    assert d["pool_threads"] == case.intra - 1, d["pool_threads"]
    # the inference really ran in the container, with ORT's answer
    x = ((np.arange(60, dtype=np.float32) - 30) / 10).astype(np.float32)
    want = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(np.asarray(d["y"], np.float64), want, rtol=0, atol=1e-6)
