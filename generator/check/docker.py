"""``sdkgen check --docker``: each language's runner runs in its own container.

Artifacts (the generated SDKs, the Java classes, the Go binary) are built on the host exactly as
for a native check; only the run moves into a container, with the same absolute paths mounted
(fixtures and models read-only, the work directory read-write), ``--network none``, the host's
uid/gid, and optional CPU limits (``--cpus``, ``--cpuset-cpus``), under which the SDKs' own
container thread rule decides their thread counts, so the same run proves outputs do not change
under it.

Images, one per language, are content-addressed (``sdkgen-check-<lang>:<hash of base image id,
Dockerfile and the wheels it installs>``) and reused. Their base comes from a registry when one
answers (``--docker-base LANG=IMAGE``, or ``$SDKGEN_DOCKER_BASE_<LANG>``; defaults below), else
from the local Debian image ``sdkgen-base:bookworm`` (built from a debootstrap rootfs where
``debootstrap`` and root are available; ``integration/docker/setup.sh`` does the same in CI).
The Python image installs the host's onnxruntime/onnx/numpy/protobuf versions from wheels that
``pip download`` fetched on the host, so the image builds with no network.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UserError
from .common import Executor, Finished, Testee, tools_dir

LOCAL_BASE = "sdkgen-base:bookworm"
DEFAULT_BASES = {
    "python": "python:3.11-slim-bookworm",
    "java": "eclipse-temurin:17-jre",
    "go": "debian:bookworm-slim",
}
# What each image adds to its base. The Java and Go runners need only a JRE and glibc.
DOCKERFILES = {
    "python": (
        "FROM {base}\n"
        "COPY wheels /tmp/wheels\n"
        "RUN python3 -m venv /opt/venv \\\n"
        " && /opt/venv/bin/pip install --no-index --find-links /tmp/wheels -q {requirements} \\\n"
        " && rm -rf /tmp/wheels /root/.cache\n"
    ),
    "java": "FROM {base}\nRUN java -version\n",
    "go": "FROM {base}\n",
}
PYTHON_PACKAGES = ("onnxruntime", "onnx", "numpy", "protobuf")
DEBOOTSTRAP_PACKAGES = "ca-certificates,python3,python3-venv,openjdk-17-jre-headless"


def parse_bases(specs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for s in specs:
        lang, sep, image = s.partition("=")
        if not sep or lang not in DEFAULT_BASES or not image:
            raise UserError(f"--docker-base {s!r}: expected LANG=IMAGE with LANG one of {', '.join(DEFAULT_BASES)}")
        out[lang] = image
    return out


class DockerExecutor(Executor):
    label = "container"

    def __init__(self, log: Callable[[str], None], *, cpus: float | None = None, cpuset: str | None = None,
                 bases: dict[str, str] | None = None) -> None:
        try:
            import docker  # type: ignore[import-untyped]
        except ImportError:
            raise UserError("the docker Python package is not installed: pip install 'sdkgen[check]' "
                            "(or pip install docker)") from None
        try:
            self.client: Any = docker.from_env(timeout=300)
            self.client.ping()
        except Exception as e:  # noqa: BLE001 - the SDK raises several kinds for "no engine"
            raise UserError(f"no Docker engine answers ({str(e).splitlines()[0][:200]}); start dockerd or set "
                            "DOCKER_HOST") from None
        self.log = log
        self.cpus = cpus
        self.cpuset = cpuset
        self.bases = bases or {}
        self.pin_threads = cpus is None and cpuset is None
        self._images: dict[str, str] = {}

    # --- images ---------------------------------------------------------------------------

    def _has(self, ref: str) -> bool:
        from docker.errors import ImageNotFound  # type: ignore[import-untyped]

        try:
            self.client.images.get(ref)
            return True
        except ImageNotFound:
            return False

    def _base(self, lang: str) -> str:
        wanted = self.bases.get(lang) or os.environ.get(f"SDKGEN_DOCKER_BASE_{lang.upper()}") or DEFAULT_BASES[lang]
        if self._has(wanted):
            return wanted
        try:
            self.log(f"check: docker: pulling {wanted}")
            self.client.images.pull(wanted)
            return wanted
        except Exception as e:  # noqa: BLE001 - any registry failure means: use the local base
            self.log(f"check: docker: {wanted} cannot be pulled ({str(e).splitlines()[0][:160]}); "
                     f"using the local {LOCAL_BASE}")
        if not self._has(LOCAL_BASE):
            self._debootstrap()
        return LOCAL_BASE

    def _debootstrap(self) -> None:
        """Build sdkgen-base:bookworm from a debootstrap rootfs (Debian's mirror only)."""
        exe = shutil.which("debootstrap")
        if exe is None or os.geteuid() != 0:
            raise UserError(f"no registry base image can be pulled and {LOCAL_BASE} does not exist; building it "
                            "needs root and debootstrap (see integration/docker/setup.sh), or pass "
                            "--docker-base LANG=IMAGE for images your engine has")
        rootfs = Path(tempfile.mkdtemp(prefix="sdkgen-rootfs-", dir="/var/tmp"))
        try:
            self.log(f"check: docker: debootstrap bookworm into {rootfs} (a few minutes, once)")
            r = subprocess.run([exe, "--variant=minbase", f"--include={DEBOOTSTRAP_PACKAGES}", "bookworm",
                                str(rootfs), os.environ.get("SDKGEN_DEBIAN_MIRROR", "http://deb.debian.org/debian")],
                               capture_output=True, text=True, check=False)
            if r.returncode != 0:
                raise UserError(f"debootstrap failed: {r.stderr[-1500:]}")
            tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
            assert tar.stdout is not None
            self.client.api.import_image_from_stream(tar.stdout, repository="sdkgen-base", tag="bookworm",
                                                     changes=["ENV LANG=C.UTF-8"])
            tar.wait()
        finally:
            shutil.rmtree(rootfs, ignore_errors=True)

    def _python_wheels(self, base: str) -> tuple[Path, str]:
        """Wheels of the host's onnxruntime/onnx/numpy/protobuf for the base image's Python."""
        out = self.client.containers.run(base, ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                         network_mode="none", remove=True)
        pyver = out.decode().strip()
        pins = [f"{p}=={importlib.metadata.version(p)}" for p in PYTHON_PACKAGES]
        key = hashlib.sha256(f"{pyver} {platform.machine()} {' '.join(pins)}".encode()).hexdigest()[:16]
        cache = tools_dir().parent / "docker-wheels" / key
        if not (cache / ".complete").is_file():
            shutil.rmtree(cache, ignore_errors=True)
            cache.mkdir(parents=True)
            arch = platform.machine()
            plats = [f"manylinux_2_{n}_{arch}" for n in (17, 24, 27, 28, 31, 34, 35, 36)] + [f"manylinux2014_{arch}"]
            self.log(f"check: docker: pip download {' '.join(pins)} for Python {pyver}")
            r = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:",
                                "--python-version", pyver, *(a for p in plats for a in ("--platform", p)),
                                "-d", str(cache), *pins], capture_output=True, text=True, check=False)
            if r.returncode != 0:
                raise UserError(f"pip download of the Python image's wheels failed: {r.stderr[-1500:]}")
            (cache / ".complete").write_text("\n".join(pins) + "\n")
        return cache, " ".join(pins)

    def image(self, lang: str) -> str:
        if lang in self._images:
            return self._images[lang]
        base = self._base(lang)
        base_id = self.client.images.get(base).id
        wheels: Path | None = None
        requirements = ""
        if lang == "python":
            wheels, requirements = self._python_wheels(base)
        dockerfile = DOCKERFILES[lang].format(base=base, requirements=requirements)
        h = hashlib.sha256(f"{base_id}\n{dockerfile}".encode())
        if wheels is not None:
            for w in sorted(wheels.glob("*.whl")):
                h.update(w.name.encode())
        tag = f"sdkgen-check-{lang}:{h.hexdigest()[:16]}"
        if self._has(tag):
            self.log(f"check: docker: {lang} image {tag} (reused)")
        else:
            self._build(tag, dockerfile, wheels)
        self._images[lang] = tag
        return tag

    def _build(self, tag: str, dockerfile: str, wheels: Path | None) -> None:
        from docker.errors import APIError, BuildError

        with tempfile.TemporaryDirectory(prefix="sdkgen-image-") as ctx:
            (Path(ctx) / "Dockerfile").write_text(dockerfile)
            if wheels is not None:
                shutil.copytree(wheels, Path(ctx) / "wheels", ignore=shutil.ignore_patterns(".complete"))
            self.log(f"check: docker: building {tag}")
            try:
                for chunk in self.client.api.build(path=ctx, tag=tag, rm=True, network_mode="none", decode=True):
                    if "error" in chunk:
                        raise UserError(f"building {tag} failed: {chunk['error'].strip()}")
                    line = str(chunk.get("stream", "")).strip()
                    if line:
                        self.log(f"check: docker: {tag.split(':')[0]}: {line}")
            except (APIError, BuildError) as e:
                raise UserError(f"building {tag} failed: {e}") from None

    # --- running -----------------------------------------------------------------------------

    def run(self, t: Testee, timeout: float = 3600) -> Finished:
        image = self.image(t.lang)
        volumes: dict[str, dict[str, str]] = {}
        for p in t.writes:
            volumes[str(p)] = {"bind": str(p), "mode": "rw"}
        for p in t.reads:
            if not any(p == w or p.is_relative_to(w) for w in t.writes):
                volumes[str(p)] = {"bind": str(p), "mode": "ro"}
        for host, inside in t.mounts.items():
            volumes[str(host)] = {"bind": inside, "mode": "ro"}
        kwargs: dict[str, Any] = {}
        if self.cpus is not None:
            kwargs["nano_cpus"] = int(self.cpus * 1e9)
        if self.cpuset is not None:
            kwargs["cpuset_cpus"] = self.cpuset
        c = self.client.containers.run(
            image, t.container_argv or t.argv, environment={**t.env, **t.container_env}, volumes=volumes,
            working_dir=str(t.cwd), network_mode="none", user=f"{os.getuid()}:{os.getgid()}", detach=True,
            labels={"org.sdkgen.check": t.lang}, **kwargs)
        try:
            status = c.wait(timeout=timeout)
            out = c.logs(stdout=True, stderr=False).decode(errors="replace")
            err = c.logs(stdout=False, stderr=True).decode(errors="replace")
        finally:
            c.remove(force=True)
        return Finished(int(status.get("StatusCode", 1)), out, err)
