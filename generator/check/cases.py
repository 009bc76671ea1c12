"""The cases of one check run: each a model, its fixture data sets, and whether raw ORT can run it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import fixtures, ir, reader
from ..errors import UserError


@dataclass
class Case:
    id: str  # what the table and the failure lists call it, e.g. "simple/test_abs"
    key: str  # short, identifier-safe: "c12"
    model_path: Path
    model: ir.Model
    sets: list[fixtures.DataSet] = field(default_factory=list)
    # "" when every language is run; else why not: "ort-cannot-load", "ort-cannot-run", "bad-fixture",
    # "ort-mismatch" (raw ONNX Runtime itself does not give the expected outputs).
    problem: str = ""
    detail: str = ""

    @property
    def name(self) -> str:
        """The name the SDKs are generated with."""
        return self.id.rsplit("/", 1)[-1]


def suite_cases(suite: Path) -> list[tuple[str, Path, Path]]:
    """(id, model, fixture dir) for every ``suite/*/model.onnx``."""
    if not suite.is_dir():
        raise UserError(f"--suite {suite}: not a directory (expected DIR/*/model.onnx)")
    found = sorted(p for p in suite.iterdir() if (p / "model.onnx").is_file())
    if not found:
        raise UserError(f"--suite {suite}: no */model.onnx under it")
    return [(f"{suite.name}/{p.name}", p / "model.onnx", p) for p in found]


def _id_for(model: Path) -> str:
    return model.parent.name if model.name == "model.onnx" else model.stem


def _has_sets(d: Path) -> bool:
    return any(re.fullmatch(r"test_data_set_\d+", p.name) for p in d.iterdir()) if d.is_dir() else False


def collect(
    models: Sequence[str],
    suites: Sequence[str],
    fixtures_dir: str | None,
    gen_dir: Path,
    *,
    n_cases: int,
    seed: int,
    dims: dict[str, int],
    log: Callable[[str], None],
    rtol: float = 1e-3,
    atol: float = 1e-7,
    errors: bool = False,
) -> list[Case]:
    """Read every model and its data sets. A model without fixtures gets ``n_cases`` made by
    ``fixtures.make`` (expected outputs from Python ORT) under ``gen_dir``."""
    if fixtures_dir is not None and len(models) != 1:
        raise UserError("--fixtures needs exactly one MODEL (suites bring their own data sets)")
    specs: list[tuple[str, Path, Path | None]] = []
    for m in models:
        p = Path(m).absolute()  # the runners run in other directories
        fx: Path | None = Path(fixtures_dir).absolute() if fixtures_dir else (p.parent if p.name == "model.onnx" else None)
        if fx is not None and fixtures_dir is None and not _has_sets(fx):
            fx = None
        specs.append((_id_for(p), p, fx))
    for s in suites:
        specs.extend(suite_cases(Path(s).absolute()))
    if not specs:
        raise UserError("nothing to check: give MODEL arguments and/or --suite DIR")
    seen: dict[str, int] = {}
    out: list[Case] = []
    for i, (cid, path, fx) in enumerate(specs):
        seen[cid] = seen.get(cid, 0) + 1
        if seen[cid] > 1:
            cid = f"{cid}#{seen[cid]}"
        case = Case(cid, f"c{i}", path, reader.read(path))
        try:
            if fx is None:
                fx = gen_dir / case.key
                fixtures.make(path, case.model, fx, cases=n_cases, seed=seed, dims=dims, errors=errors)
            case.sets = fixtures.data_sets(fx, case.model)
        except UserError as e:
            msg = str(e)
            case.problem = "ort-cannot-load" if "cannot load" in msg else (
                "ort-cannot-run" if "cannot run" in msg else "bad-fixture")
            case.detail = msg
        out.append(case)
    probe(out, log, rtol, atol)
    return out


def probe(cases: list[Case], log: Callable[[str], None], rtol: float = 1e-3, atol: float = 1e-7) -> None:
    """Run raw Python ORT on each case's data sets: cases it cannot load or run, or whose
    expected outputs it does not give itself, are not SDK failures; they are reported as such
    (and must be listed, see outcome.py)."""
    from .compare import compare

    for c in cases:
        if c.problem or not c.sets:
            continue
        try:
            sess = fixtures.reference_session(c.model_path)
        except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
            c.problem, c.detail = "ort-cannot-load", str(e).splitlines()[0][:300]
            continue
        try:
            # numpy has no bfloat16/float8/int4...: Python ORT cannot return such outputs, so they
            # are not compared here (each SDK still is, against the fixture).
            numpy_ok = [k for k, v in enumerate(c.model.outputs) if _numpy_carries(v.type)]
            for s in c.sets:
                if s.error is not None:
                    continue  # an invalid input set: raw ORT is not the reference for the SDKs' checks
                feed = {v.name: fixtures.load_value(p, v.type) for v, p in zip(c.model.inputs, s.inputs)}
                got = dict(zip(numpy_ok, sess.run([c.model.outputs[k].name for k in numpy_ok], feed)))
                for k, (v, p) in enumerate(zip(c.model.outputs, s.outputs)):
                    if k not in got:
                        continue
                    msg, _ = compare(fixtures.load_value(p, v.type), got[k], v.type, rtol, atol,
                                     f"{s.name} output {k} {v.name!r}")
                    if msg:
                        c.problem, c.detail = "ort-mismatch", f"raw ONNX Runtime: {msg}"
                        break
                if c.problem:
                    break
        except UserError as e:
            c.problem, c.detail = "bad-fixture", str(e)
        except Exception as e:  # noqa: BLE001
            c.problem, c.detail = "ort-cannot-run", str(e).splitlines()[0][:300]
    bad = sum(1 for c in cases if c.problem)
    log(f"check: {len(cases)} cases, {bad} not runnable by raw ONNX Runtime or with bad fixtures")


_NO_NUMPY = {ir.DType.BFLOAT16, ir.DType.FLOAT8E4M3FN, ir.DType.FLOAT8E4M3FNUZ, ir.DType.FLOAT8E5M2,
             ir.DType.FLOAT8E5M2FNUZ, ir.DType.FLOAT8E8M0, ir.DType.INT4, ir.DType.UINT4, ir.DType.INT2,
             ir.DType.UINT2, ir.DType.FLOAT4E2M1, ir.DType.FLOAT6E2M3, ir.DType.FLOAT6E3M2}


def _numpy_carries(t: ir.ValueType) -> bool:
    """Whether Python ONNX Runtime can return a value of type ``t`` as numpy."""
    if isinstance(t, ir.TensorType):
        return t.elem not in _NO_NUMPY
    if isinstance(t, ir.MapType):
        return _numpy_carries(t.value)
    return _numpy_carries(t.elem)


def leaf_code(t: ir.ValueType) -> int:
    """The ONNX element type a testee writes for an output's tensors (a map's: its values')."""
    if isinstance(t, ir.TensorType):
        return t.elem.value
    if isinstance(t, ir.MapType):
        return leaf_code(t.value)
    return leaf_code(t.elem)


def out_dir(work: Path, lang: str, case: Case, set_name: str) -> Path:
    return work / lang / "out" / case.key / set_name


def env_paths(paths: Sequence[Path]) -> str:
    return os.pathsep.join(str(p) for p in paths)
