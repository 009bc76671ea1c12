"""Model and Session on a real ONNX Runtime session: lifecycle, drift, generic entries,
settings, concurrency. The model is built in memory: y = a + b, a and b float[n, 2]."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from sdkgen_runtime import (
    Model,
    ModelClosedError,
    ModelInputError,
    SignatureMismatchError,
    Spec,
    embedded_model,
)
from sdkgen_runtime.config import session_config, session_options

INPUTS = (
    Spec("a", "tensor(float)", "FLOAT", ("n", 2)),
    Spec("b", "tensor(float)", "FLOAT", ("n", 2)),
)
OUTPUTS = (Spec("y", "tensor(float)", "FLOAT", ("n", 2)),)


def add_model(out_name: str = "y") -> bytes:
    def info(name: str) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n", 2])

    g = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], [out_name])], "add", [info("a"), info("b")], [info(out_name)]
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    return m.SerializeToString()


@pytest.fixture
def model() -> Any:
    with Model(add_model(), INPUTS, OUTPUTS, intra_op_threads=1) as m:
        yield m


def ab(n: int = 3) -> tuple[np.ndarray, np.ndarray]:
    a = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    return a, a * 10


def test_run_positional_and_run_dict(model: Model) -> None:
    a, b = ab()
    (y,) = model.run_positional(a, b)
    np.testing.assert_array_equal(y, a + b)
    np.testing.assert_array_equal(model.run_dict({"a": a, "b": b})["y"], a + b)
    with pytest.raises(ModelInputError) as e:
        model.run_positional(a)
    assert (e.value.kind, e.value.input, e.value.expected) == ("missing", "b", "float[n,2]")
    with pytest.raises(ModelInputError) as e:
        model.run_positional(a, b, a)
    assert (e.value.kind, e.value.input, e.value.expected, e.value.actual) == (
        "unknown", "", 'one of "a", "b"', "3 positional values")
    with pytest.raises(ModelInputError) as e:
        model.run_dict({"a": a})
    assert (e.value.kind, e.value.input) == ("missing", "b")


def test_errors_leave_the_session_usable(model: Model) -> None:
    a, b = ab()
    with pytest.raises(ModelInputError):
        model.run_positional(a, b[:2])
    np.testing.assert_array_equal(model.run_positional(a, b)[0], a + b)


def test_config_is_read_only(model: Model) -> None:
    assert model.config.intra_op_threads == 1 and model.config.sources["intra_op_threads"] == "option"
    assert model.threads == (1, 1)
    with pytest.raises(AttributeError):
        model.config = model.config  # type: ignore[misc]
    with pytest.raises(TypeError):
        model.config.sources["intra_op_threads"] = "env"  # type: ignore[index]


def test_closed_model_raises_typed_error() -> None:
    m = Model(add_model(), INPUTS, OUTPUTS, intra_op_threads=1)
    m.close()
    m.close()  # idempotent
    with pytest.raises(ModelClosedError, match="^model is closed$") as e:
        m.run_positional(*ab())
    assert e.value.kind == "closed" and isinstance(e.value, RuntimeError)


def test_signature_drift_is_refused() -> None:
    with pytest.raises(SignatureMismatchError, match="regenerate the SDK"):
        Model(add_model("z"), INPUTS, OUTPUTS)
    rank1 = (Spec("a", "tensor(float)", "FLOAT", ("n",)), INPUTS[1])
    with pytest.raises(SignatureMismatchError, match="inputs"):
        Model(add_model(), rank1, OUTPUTS)


def test_model_from_a_path(tmp_path: Path) -> None:
    p = tmp_path / "add.onnx"
    p.write_bytes(add_model())
    for src in (p, str(p)):
        with Model(src, INPUTS, OUTPUTS, intra_op_threads=1) as m:
            a, b = ab(1)
            np.testing.assert_array_equal(m.run_positional(a, b)[0], a + b)


def test_embedded_model_reads_package_data_beside_a_module() -> None:
    # sdkgen_runtime.checks's package is sdkgen_runtime: its own files stand in for package data
    assert embedded_model("sdkgen_runtime.checks", "errors.py").startswith(b'"""')


def test_session_options_carry_the_config() -> None:
    cfg = session_config(
        intra_op_threads=3, inter_op_threads=2, allow_spinning=False, execution_mode="parallel",
        graph_optimization_level="basic", environ={},
    )
    so = session_options(cfg)
    assert (so.intra_op_num_threads, so.inter_op_num_threads) == (3, 2)
    assert so.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert so.get_session_config_entry("session.inter_op.allow_spinning") == "0"
    assert str(so.execution_mode).endswith("ORT_PARALLEL")
    assert str(so.graph_optimization_level).endswith("ORT_ENABLE_BASIC")


def test_settings_option_env_default() -> None:
    env = {"SDKGEN_EXECUTION_MODE": "parallel", "SDKGEN_GRAPH_OPTIMIZATION_LEVEL": ""}
    cfg = session_config(environ=env)
    assert (cfg.execution_mode, cfg.sources["execution_mode"]) == ("parallel", "env")
    assert (cfg.graph_optimization_level, cfg.sources["graph_optimization_level"]) == ("all", "default")
    assert cfg.providers == ("CPUExecutionProvider",)
    cfg = session_config(execution_mode="sequential", environ=env)
    assert cfg.sources["execution_mode"] == "option"
    with pytest.raises(ValueError, match="SDKGEN_EXECUTION_MODE='fast': expected one of sequential, parallel"):
        session_config(environ={"SDKGEN_EXECUTION_MODE": "fast"})
    with pytest.raises(ValueError, match="graph_optimization_level='max'"):
        session_config(graph_optimization_level="max", environ={})  # type: ignore[arg-type]
    hash(cfg)


def test_concurrent_runs_match_serial(model: Model) -> None:
    cases = [ab(1 + i) for i in range(8)]
    want = [model.run_positional(*c)[0] for c in cases]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(50):
                assert np.array_equal(model.run_positional(*cases[i])[0], want[i])
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_close_while_runs_are_in_flight_never_crashes() -> None:
    m = Model(add_model(), INPUTS, OUTPUTS, intra_op_threads=1)
    a, b = ab(64)
    outcomes: list[str] = []

    def work() -> None:
        for _ in range(200):
            try:
                m.run_positional(a, b)
            except ModelClosedError:
                outcomes.append("closed")
                return
        outcomes.append("done")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    m.close()
    for t in threads:
        t.join()
    assert len(outcomes) == 4


def _close_under_load(pause_runs: int) -> None:
    """8 threads run (positional and dict entries) until the model closes; the main thread
    closes it after ``pause_runs`` runs of its own."""
    a, b = ab(256)
    want = a + b
    m = Model(add_model(), INPUTS, OUTPUTS, intra_op_threads=1)
    started = threading.Barrier(9)
    closed = threading.Event()
    bad: list[BaseException | str] = []
    outcomes: list[str] = []

    def work(i: int) -> None:
        started.wait()
        n = 0
        while True:
            after_close = closed.is_set()
            try:
                y = m.run_positional(a, b)[0] if i % 2 else m.run_dict({"a": a, "b": b})["y"]
            except ModelClosedError:
                outcomes.append(f"closed after {n}")
                return
            except BaseException as e:  # noqa: BLE001
                bad.append(e)
                return
            if after_close:
                bad.append("a run started after close() returned succeeded")
                return
            if not np.array_equal(y, want):
                bad.append("wrong result")
                return
            n += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    started.wait()
    for _ in range(pause_runs):
        m.run_positional(a, b)
    m.close()
    closed.set()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not bad, bad
    assert len(outcomes) == 8
    with pytest.raises(ModelClosedError):
        m.run_positional(a, b)


@pytest.mark.parametrize("pause_runs", [0, 1, 20, 100])
def test_close_under_load_stress(pause_runs: int) -> None:
    """Issue 10 #2: close() while runs are in flight. Every run returns the right result or raises
    ModelClosedError, nothing else and never a crash; once close() returned, every run raises it."""
    for _ in range(3):
        _close_under_load(pause_runs)
