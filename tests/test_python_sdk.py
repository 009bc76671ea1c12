"""Behaviour of a generated Python SDK: checks, errors, threads, drift, model-path mode, two models.

The generated packages are imported from their src/ trees (the pip-installed path is covered by
test_python_e2e); each runs real ONNX Runtime. The runtime's own unit tests (checks, lifecycle,
concurrency, the thread rule) are in runtime/python/tests/.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from generator import emit, reader, writer

from .paths import MODELS, ORT_DATASETS

TRANSFORMER = MODELS / "tiny_transformer.onnx"
DECODE_HEAD = MODELS / "decode_head.onnx"


def _generate(tmp: Path, models: list[Path], package: str, embed: bool = True) -> ModuleType:
    sources = [emit.ModelSource(*reader.read_file(p), p.stem, embed) for p in models]
    files = emit.emit("python", sources, emit.Options(package=package))
    writer.write_tree(tmp / package, files, marker=b"{}\n")
    sys.path.insert(0, str(tmp / package / "src"))
    return importlib.import_module(package)


@pytest.fixture(scope="module")
def sdks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    tmp = tmp_path_factory.mktemp("pysdk")
    mods = {
        "tf": _generate(tmp, [TRANSFORMER], "sdk_tf"),
        "tf_path": _generate(tmp, [TRANSFORMER], "sdk_tf_path", embed=False),
        "logreg": _generate(tmp, [ORT_DATASETS / "logreg_iris.onnx"], "sdk_logreg"),
        "pair": _generate(tmp, [TRANSFORMER, DECODE_HEAD], "sdk_pair"),
    }
    yield mods
    sys.path[:] = [p for p in sys.path if not p.startswith(str(tmp))]


def ids(b: int, s: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(b * 100 + s)
    return {
        "input_ids": rng.integers(0, 64, (b, s)).astype(np.int64),
        "attention_mask": np.ones((b, s), np.int64),
    }


def test_dynamic_axes_any_batch_and_sequence(sdks: dict[str, ModuleType]) -> None:
    with sdks["tf"].TinyTransformer() as m:
        for b, s in ((1, 1), (3, 7), (2, 16)):
            out = m.run(**ids(b, s))
            assert out.logits.shape == (b, s, 64) and out.logits.dtype == np.float32


def test_symbolic_dim_bound_across_inputs(sdks: dict[str, ModuleType]) -> None:
    with sdks["tf"].TinyTransformer() as m:
        feeds = ids(2, 16)
        feeds["attention_mask"] = np.ones((2, 12), np.int64)
        with pytest.raises(sdks["tf"].ModelInputError) as e:
            m.run(**feeds)
        assert str(e.value) == ('input "attention_mask": symbol: expected dim 1 (sequence) = 16, '
                                'as bound by "input_ids", got 12 (shape [2,12])')
        assert isinstance(e.value, ValueError)
        assert (e.value.kind, e.value.input, e.value.expected, e.value.actual) == (
            "symbol", "attention_mask", 'dim 1 (sequence) = 16, as bound by "input_ids"', "12 (shape [2,12])")
        # the session stays usable after an error
        assert m.run(**ids(2, 16)).logits.shape == (2, 16, 64)


@pytest.mark.parametrize(
    "change, kind, fragment",
    [
        (lambda f: f.update(input_ids=f["input_ids"].astype(np.int32)), "type", "type: expected int64, got int32$"),
        (lambda f: f.update(input_ids=f["input_ids"][0]), "rank",
         r"rank: expected rank 2 \[batch,sequence\], got rank 1 \[4\]$"),
        (lambda f: f.update(input_ids=f["input_ids"].tolist()), "type", "type: expected tensor, got list$"),
        (lambda f: f.update(input_ids=None), "missing", r"missing: expected int64\[batch,sequence\], got nothing$"),
    ],
)
def test_bad_inputs_raise_before_ort(sdks: dict[str, ModuleType], change: Any, kind: str, fragment: str) -> None:
    with sdks["tf"].TinyTransformer() as m:
        feeds = ids(2, 4)
        change(feeds)
        with pytest.raises(sdks["tf"].ModelInputError, match=fragment) as e:
            m.run(**feeds)
        assert (e.value.kind, e.value.input) == (kind, "input_ids")


def test_fixed_dims_checked(sdks: dict[str, ModuleType]) -> None:
    err = sdks["logreg"].ModelInputError
    with sdks["logreg"].LogregIris() as m, pytest.raises(err, match=r"dim: expected dim 1 = 2, got 4 \(shape \[3,4\]\)$"):
        m.run(float_input=np.zeros((3, 4), np.float32))


def test_non_contiguous_input_is_handled(sdks: dict[str, ModuleType]) -> None:
    with sdks["tf"].TinyTransformer() as m:
        feeds = ids(4, 6)
        strided = {k: np.asfortranarray(v) for k, v in feeds.items()}
        assert not strided["input_ids"].flags.c_contiguous
        np.testing.assert_array_equal(m.run(**strided).logits, m.run(**feeds).logits)


def test_zipmap_output_types(sdks: dict[str, ModuleType]) -> None:
    with sdks["logreg"].LogregIris() as m:
        out = m.run(float_input=np.array([[5.1, 3.5], [6.2, 3.4], [7.7, 2.6]], np.float32))
        assert out.label.dtype == np.int64
        assert isinstance(out.probabilities, list) and set(out.probabilities[0]) == {0, 1, 2}
        assert abs(sum(out.probabilities[0].values()) - 1.0) < 1e-5


def test_generic_entries(sdks: dict[str, ModuleType]) -> None:
    with sdks["tf"].TinyTransformer() as m:
        feeds = ids(1, 3)
        typed = m.run(**feeds).logits
        np.testing.assert_array_equal(m.run_dict(feeds)["logits"], typed)
        np.testing.assert_array_equal(m.run_positional(feeds["input_ids"], feeds["attention_mask"])[0], typed)
        with pytest.raises(sdks["tf"].ModelInputError, match='unknown: expected one of "input_ids", "attention_mask", got "extra"'):
            m.run_dict({**feeds, "extra": feeds["input_ids"]})


def test_thread_options_env_and_defaults(sdks: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch) -> None:
    TT = sdks["tf"].TinyTransformer
    with TT(intra_op_threads=1, allow_spinning=False, execution_mode="sequential") as m:
        assert m.threads == (1, 1)
        assert m.config.allow_spinning is False and m.config.sources["intra_op_threads"] == "option"
        assert isinstance(m.config, sdks["tf"].SessionConfig)
        with pytest.raises(AttributeError):
            m.config = m.config  # read-only
    monkeypatch.setenv("SDKGEN_INTRA_OP_THREADS", "1")
    monkeypatch.setenv("SDKGEN_GRAPH_OPTIMIZATION_LEVEL", "basic")
    with TT() as m:
        assert m.config.intra_op_threads == 1 and m.config.sources["intra_op_threads"] == "env"
        assert m.config.graph_optimization_level == "basic"
    monkeypatch.setenv("SDKGEN_INTRA_OP_THREADS", "lots")
    with pytest.raises(ValueError, match="SDKGEN_INTRA_OP_THREADS"):
        TT()


def test_signature_drift_is_refused(sdks: dict[str, ModuleType]) -> None:
    with pytest.raises(sdks["tf_path"].SignatureMismatchError, match="regenerate the SDK"):
        sdks["tf_path"].TinyTransformer(ORT_DATASETS / "logreg_iris.onnx")


def test_model_path_mode(sdks: dict[str, ModuleType]) -> None:
    pkg_dir = Path(sdks["tf_path"].__file__).parent
    assert not list(pkg_dir.glob("*.onnx"))
    with sdks["tf_path"].TinyTransformer(TRANSFORMER) as m, sdks["tf"].TinyTransformer() as embedded:
        feeds = ids(2, 5)
        np.testing.assert_array_equal(m.run(**feeds).logits, embedded.run(**feeds).logits)


def test_closed_model_refuses(sdks: dict[str, ModuleType]) -> None:
    m = sdks["tf"].TinyTransformer()
    m.close()
    with pytest.raises(sdks["tf"].ModelClosedError, match="closed") as e:
        m.run(**ids(1, 2))
    assert isinstance(e.value, RuntimeError) and e.value.kind == "closed"


def test_one_package_two_models_share_one_runtime(sdks: dict[str, ModuleType]) -> None:
    pair = sdks["pair"]
    assert {"TinyTransformer", "TinyTransformerOutputs", "TINY_TRANSFORMER_SHA256", "DecodeHead",
            "DecodeHeadOutputs", "DECODE_HEAD_SHA256", "ModelInputError"} <= set(pair.__all__)
    assert pair.TINY_TRANSFORMER_SHA256 == reader.read(TRANSFORMER).sha256
    assert pair.DECODE_HEAD_SHA256 == reader.read(DECODE_HEAD).sha256
    assert sorted(p.name for p in Path(pair.__file__).parent.glob("*.onnx")) == [
        "decode_head.onnx", "tiny_transformer.onnx"]
    with pair.TinyTransformer() as tf, pair.DecodeHead() as head:
        feeds = ids(2, 5)
        logits = tf.run(**feeds).logits
        out = head.run(logits=logits)  # model A's output object, as is, into model B
        np.testing.assert_array_equal(out.token_ids, logits.argmax(axis=2))
        assert out.scores.dtype == np.float16 and out.tokens.shape == (2, 5)
        again = tf.run(input_ids=out.token_ids, attention_mask=feeds["attention_mask"])
        assert again.logits.shape == (2, 5, 64)
        # one error type for every model of the package
        with pytest.raises(pair.ModelInputError) as e:
            head.run(logits=logits[:, :, :32])
        assert (e.value.kind, e.value.input) == ("dim", "logits")
