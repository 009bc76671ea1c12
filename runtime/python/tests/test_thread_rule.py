"""The container-aware thread rule (docs/threads.md) against the shared cgroup fixtures."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sdkgen_runtime import threads

# The fixtures every language's runtime is tested against (docs/threads.md).
FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "cgroup"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []
EXPECTED_KEYS = {"affinity_cpus", "quota_cpus", "intra_op_threads", "allow_spinning"}


def _runtime_cpus() -> int:
    return len(os.sched_getaffinity(0))


def test_fixture_listing_is_not_empty() -> None:
    assert len(CASES) >= 15, CASES


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: str) -> None:
    expected = json.loads((FIXTURES / case / "expected.json").read_text(encoding="utf-8"))
    assert set(expected) == EXPECTED_KEYS
    root = FIXTURES / case / "root"
    assert (root / "proc" / "self" / "status").is_file()
    got = threads.container_defaults(str(root))
    assert got == threads.ThreadDefaults(
        affinity_cpus=expected["affinity_cpus"],
        quota_cpus=expected["quota_cpus"],
        intra_op_threads=expected["intra_op_threads"],
        allow_spinning=expected["allow_spinning"],
    )


@pytest.mark.parametrize("case", CASES)
def test_fixture_through_resolve(case: str) -> None:
    expected = json.loads((FIXTURES / case / "expected.json").read_text(encoding="utf-8"))
    got = threads.resolve(None, None, None, {}, root=str(FIXTURES / case / "root"))
    assert (got.intra_op_threads, got.inter_op_threads, got.allow_spinning) == (
        expected["intra_op_threads"],
        1,
        expected["allow_spinning"],
    )
    assert dict(got.source) == {
        "intra_op_threads": "container",
        "inter_op_threads": "container",
        "allow_spinning": "container",
    }


QUOTA_ROOT = str(FIXTURES / "v2_quota_2_5" / "root")  # 8 cpus, quota 2.5 -> 2 threads, no spinning


def test_env_overrides_container() -> None:
    env = {
        "SDKGEN_INTRA_OP_THREADS": "6",
        "SDKGEN_INTER_OP_THREADS": "3",
        "SDKGEN_ALLOW_SPINNING": "1",
    }
    got = threads.resolve(None, None, None, env, root=QUOTA_ROOT)
    assert (got.intra_op_threads, got.inter_op_threads, got.allow_spinning) == (6, 3, True)
    assert set(got.source.values()) == {"env"}


def test_option_overrides_env() -> None:
    env = {
        "SDKGEN_INTRA_OP_THREADS": "6",
        "SDKGEN_INTER_OP_THREADS": "3",
        "SDKGEN_ALLOW_SPINNING": "1",
    }
    got = threads.resolve(4, 2, False, env, root=QUOTA_ROOT)
    assert (got.intra_op_threads, got.inter_op_threads, got.allow_spinning) == (4, 2, False)
    assert set(got.source.values()) == {"option"}


def test_each_setting_resolves_independently() -> None:
    got = threads.resolve(None, 5, None, {"SDKGEN_ALLOW_SPINNING": "1"}, root=QUOTA_ROOT)
    assert (got.intra_op_threads, got.inter_op_threads, got.allow_spinning) == (2, 5, True)
    assert dict(got.source) == {
        "intra_op_threads": "container",
        "inter_op_threads": "option",
        "allow_spinning": "env",
    }


def test_spinning_env_zero_disables() -> None:
    root = str(FIXTURES / "v2_unlimited" / "root")
    assert threads.resolve(None, None, None, {}, root=root).allow_spinning is True
    assert (
        threads.resolve(None, None, None, {"SDKGEN_ALLOW_SPINNING": "0"}, root=root).allow_spinning is False
    )


def test_empty_env_value_counts_as_unset() -> None:
    env = {"SDKGEN_INTRA_OP_THREADS": "", "SDKGEN_INTER_OP_THREADS": "", "SDKGEN_ALLOW_SPINNING": ""}
    got = threads.resolve(None, None, None, env, root=QUOTA_ROOT)
    assert (got.intra_op_threads, got.inter_op_threads, got.allow_spinning) == (2, 1, False)
    assert set(got.source.values()) == {"container"}


def test_env_upper_bound_is_accepted() -> None:
    got = threads.resolve(None, None, None, {"SDKGEN_INTRA_OP_THREADS": "2147483647"}, root=QUOTA_ROOT)
    assert got.intra_op_threads == 2147483647


BAD_THREADS = ["0", "-1", "abc", "1.5", " 2", "2 ", "+2", "0x10", "1_0", "\uff12", "2147483648", "1e3"]


@pytest.mark.parametrize("var", ["SDKGEN_INTRA_OP_THREADS", "SDKGEN_INTER_OP_THREADS"])
@pytest.mark.parametrize("value", BAD_THREADS)
def test_invalid_thread_env_names_variable_value_and_expectation(var: str, value: str) -> None:
    with pytest.raises(ValueError) as err:
        threads.resolve(None, None, None, {var: value}, root=QUOTA_ROOT)
    message = str(err.value)
    assert var in message
    assert repr(value) in message
    assert "expected a decimal integer from 1 to 2147483647" in message


@pytest.mark.parametrize("value", ["2", "true", "false", "yes", "01", " 1", "1 ", "-1"])
def test_invalid_spinning_env(value: str) -> None:
    with pytest.raises(ValueError) as err:
        threads.resolve(None, None, None, {"SDKGEN_ALLOW_SPINNING": value}, root=QUOTA_ROOT)
    message = str(err.value)
    assert "SDKGEN_ALLOW_SPINNING" in message
    assert repr(value) in message
    assert "expected 0 or 1" in message


def test_option_shadows_bad_env_for_the_same_setting_only() -> None:
    # An explicit option wins, so a bad env value for that same setting is never read.
    got = threads.resolve(3, None, None, {"SDKGEN_INTRA_OP_THREADS": "junk"}, root=QUOTA_ROOT)
    assert got.intra_op_threads == 3
    with pytest.raises(ValueError, match="SDKGEN_INTER_OP_THREADS"):
        threads.resolve(3, None, None, {"SDKGEN_INTER_OP_THREADS": "junk"}, root=QUOTA_ROOT)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((0, None, None), ValueError),
        ((None, -2, None), ValueError),
        ((2**31, None, None), ValueError),
        ((True, None, None), TypeError),
        ((2.0, None, None), TypeError),
        ((None, None, 1), TypeError),
        ((None, None, "1"), TypeError),
    ],
)
def test_invalid_options(args: tuple[Any, Any, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        threads.resolve(*args, {}, root=QUOTA_ROOT)


def test_missing_cpus_allowed_list_falls_back_to_runtime_count(tmp_path: Path) -> None:
    status = tmp_path / "proc" / "self" / "status"
    status.parent.mkdir(parents=True)
    status.write_text("Name:\tpython3\nCpus_allowed:\tff\n", encoding="utf-8")
    got = threads.container_defaults(str(tmp_path))
    assert got == threads.ThreadDefaults(_runtime_cpus(), None, _runtime_cpus(), True)


@pytest.mark.parametrize("cpus", ["", "3-1", "a-b", "0-1,", "0,,1", "1-2-3", "4294967296"])
def test_malformed_cpus_allowed_list_falls_back_to_runtime_count(tmp_path: Path, cpus: str) -> None:
    status = tmp_path / "proc" / "self" / "status"
    status.parent.mkdir(parents=True)
    status.write_text(f"Name:\tpython3\nCpus_allowed_list:\t{cpus}\n", encoding="utf-8")
    assert threads.container_defaults(str(tmp_path)).affinity_cpus == _runtime_cpus()


def test_empty_root_means_runtime_count_and_no_quota(tmp_path: Path) -> None:
    got = threads.container_defaults(str(tmp_path))
    assert got == threads.ThreadDefaults(_runtime_cpus(), None, _runtime_cpus(), True)


def test_unreadable_limit_file_is_no_limit(tmp_path: Path) -> None:
    # cpu.max is a directory here: reading it fails, which must mean "no limit", not an error.
    (tmp_path / "proc" / "self").mkdir(parents=True)
    (tmp_path / "proc" / "self" / "status").write_text("Cpus_allowed_list:\t0-3\n", encoding="utf-8")
    (tmp_path / "proc" / "self" / "cgroup").write_text("0::/\n", encoding="utf-8")
    (tmp_path / "proc" / "self" / "mountinfo").write_text(
        "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw\n",
        encoding="utf-8",
    )
    (tmp_path / "sys" / "fs" / "cgroup" / "cpu.max").mkdir(parents=True)
    assert threads.container_defaults(str(tmp_path)) == threads.ThreadDefaults(4, None, 4, True)


def test_resolved_threads_is_hashable_and_frozen() -> None:
    got = threads.resolve(2, 1, True, {})
    hash(got)
    with pytest.raises(AttributeError):
        got.intra_op_threads = 5
    with pytest.raises(TypeError):
        got.source["intra_op_threads"] = "env"


def test_real_machine() -> None:
    cpu_count = os.cpu_count()
    assert cpu_count is not None
    got = threads.container_defaults()
    assert 1 <= got.affinity_cpus <= cpu_count
    assert 1 <= got.intra_op_threads <= cpu_count
    assert got.allow_spinning is (got.quota_cpus is None)
    resolved = threads.resolve(None, None, None, {})
    assert 1 <= resolved.intra_op_threads <= cpu_count
    assert resolved.inter_op_threads == 1


def test_fixture_readme_lists_every_case() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    missing = [case for case in CASES if f"| `{case}` |" not in readme]
    assert missing == []
