"""The Java SDK's container-aware thread rule against the shared cgroup fixtures (javac, no Maven)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import render

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cgroup"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())

DRIVER = """
package sdkgen.threads;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

public final class Driver {
  public static void main(String[] args) {
    if (args[0].equals("compute")) {
      for (int i = 1; i < args.length; i++) {
        ThreadDefaults.Computed c = ThreadDefaults.compute(Path.of(args[i]));
        System.out.println(
            "{\\"affinity_cpus\\": " + c.affinityCpus()
                + ", \\"quota_cpus\\": " + (c.quotaCpus().isPresent() ? String.valueOf(c.quotaCpus().getAsDouble()) : "null")
                + ", \\"intra_op_threads\\": " + c.intraOpThreads()
                + ", \\"allow_spinning\\": " + c.allowSpinning() + "}");
      }
      return;
    }
    // resolve ROOT INTRA|- INTER|- SPIN|- [ENV=VALUE...]
    Map<String, String> env = new HashMap<>();
    for (int i = 5; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      env.put(kv[0], kv[1]);
    }
    try {
      ThreadDefaults.Resolved r = ThreadDefaults.resolve(
          args[2].equals("-") ? null : Integer.valueOf(args[2]),
          args[3].equals("-") ? null : Integer.valueOf(args[3]),
          args[4].equals("-") ? null : Boolean.valueOf(args[4]),
          env, Path.of(args[1]));
      System.out.println(r.intraOpThreads() + " " + r.intraOpSource() + " " + r.interOpThreads() + " "
          + r.interOpSource() + " " + r.allowSpinning() + " " + r.allowSpinningSource());
    } catch (IllegalArgumentException e) {
      System.out.println("error " + e.getMessage());
    }
  }
}
"""


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    javac = shutil.which("javac")
    assert javac, "javac not found: the Java tests need a JDK 17"
    d = tmp_path_factory.mktemp("java-threads")
    src = d / "src" / "sdkgen" / "threads"
    src.mkdir(parents=True)
    (src / "ThreadDefaults.java").write_text(
        render.render("java", "runtime/ThreadDefaults.java.j2", package="sdkgen.threads")
    )
    (src / "Driver.java").write_text(DRIVER)
    out = d / "classes"
    subprocess.run(
        [javac, "-Xlint:all", "-Werror", "-d", str(out), *map(str, src.glob("*.java"))], check=True
    )
    return out


def _java(classes: Path, *args: str) -> str:
    java = shutil.which("java")
    assert java, "java not found"
    return subprocess.run(
        [java, "-cp", str(classes), "sdkgen.threads.Driver", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_fixtures_exist() -> None:
    assert len(CASES) >= 10


def test_computed_defaults_match_every_fixture(classes: Path) -> None:
    out = _java(classes, "compute", *(str(FIXTURES / c / "root") for c in CASES)).splitlines()
    assert len(out) == len(CASES)
    for case, line in zip(CASES, out):
        got = json.loads(line)
        want = json.loads((FIXTURES / case / "expected.json").read_text())
        assert got == want, case


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-", "-", "-"], "2 CONTAINER 1 CONTAINER false CONTAINER"),
        (["3", "2", "true"], "3 OPTION 2 OPTION true OPTION"),
        (
            [
                "-",
                "-",
                "-",
                "SDKGEN_INTRA_OP_THREADS=5",
                "SDKGEN_INTER_OP_THREADS=4",
                "SDKGEN_ALLOW_SPINNING=1",
            ],
            "5 ENV 4 ENV true ENV",
        ),
        (
            ["7", "-", "false", "SDKGEN_INTRA_OP_THREADS=5", "SDKGEN_ALLOW_SPINNING=1"],
            "7 OPTION 1 CONTAINER false OPTION",
        ),
        (["-", "-", "-", "SDKGEN_INTRA_OP_THREADS=+2"], "error SDKGEN_INTRA_OP_THREADS='+2'"),
        (["-", "-", "-", "SDKGEN_INTRA_OP_THREADS=0"], "error SDKGEN_INTRA_OP_THREADS='0'"),
        (["-", "-", "-", "SDKGEN_ALLOW_SPINNING=yes"], "error SDKGEN_ALLOW_SPINNING='yes'"),
        (["0", "-", "-"], "error intraOpThreads=0"),
    ],
)
def test_overrides_option_then_env_then_container(classes: Path, args: list[str], expected: str) -> None:
    root = FIXTURES / "v2_quota_2_5" / "root"
    got = _java(classes, "resolve", str(root), *args).strip()
    assert got.startswith(expected), got
