"""Property-based fuzz of hostile model signatures (tests/fuzz/): the fixed corpus CI runs.

* ``test_generation_property``: derandomized hypothesis examples (names, docs, dtypes, dims,
  value kinds, sizes); for each, in every language, the generator refuses with the registry's
  ``UnsupportedModel`` exactly when ``targets.refusals`` is non-empty, raises nothing else, and
  generates the same bytes twice.
* ``test_corpus_builds_and_runs`` (slow): a derandomized batch of such models plus every
  ``KNOWN`` reproducer go into ONE SDK per language, which is linted / type-checked / compiled
  and called once per model; the outputs must equal raw Python ONNX Runtime's.

``KNOWN`` is the one list of bugs the fuzz has found that are not fixed yet. It is strict both
ways, like protobuf's conformance failure lists: a failure that matches no entry fails the test,
and an entry whose reproducer no longer fails fails it too ("fixed: remove the entry"). Whoever
fixes a bug removes its entry. The long run is ``make fuzz`` (``python -m tests.fuzz``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from generator import ir
from tests.fuzz import batch, strategies
from tests.fuzz.batch import Outcome
from tests.fuzz.spec import FuzzModel, Output, Port, from_json

T, D, F = ir.TensorType, ir.Dim, ir.DType
REPO = Path(__file__).resolve().parent.parent
# Element types the Go SDK carries as raw bytes (onnxruntime_go's CustomDataTensor).
GO_RAW = frozenset({F.FLOAT16, F.BFLOAT16, F.FLOAT8E4M3FN, F.FLOAT8E4M3FNUZ, F.FLOAT8E5M2, F.FLOAT8E5M2FNUZ})


def _identity(name: str, t: ir.ValueType, **kw: object) -> FuzzModel:
    """A one-input model whose output mirrors its input."""
    return FuzzModel(name, (Port("x", t),), (Output(Port("y", t), "identity", 0),), **kw)  # type: ignore[arg-type]


def _symbols(t: ir.ValueType) -> list[str]:
    if isinstance(t, ir.TensorType):
        return [d.symbol for d in t.shape or () if d.symbol]
    return _symbols(t.value if isinstance(t, ir.MapType) else t.elem)


def _longest_name(m: FuzzModel) -> int:
    """The longest name or dim symbol, as an escaped literal spells it (non-ASCII takes more)."""
    ports = [*m.inputs, *m.constants, *(o.port for o in m.outputs)]
    names = [m.name, *(p.name for p in ports), *(x for p in ports for x in _symbols(p.type))]
    return max(len(v.encode("unicode_escape")) for v in names)


def _docs(m: FuzzModel) -> list[str]:
    return [m.doc, m.graph_doc, *(p.doc for p in m.inputs), *(o.port.doc for o in m.outputs), *(v for _, v in m.metadata)]


def _inputs(m: FuzzModel, kind: type) -> bool:
    return any(isinstance(p.type, kind) for p in m.inputs)


def _tensor_inputs(m: FuzzModel) -> list[ir.TensorType]:
    """The tensor inputs, and the tensors inside sequence and optional inputs."""
    out = []
    for p in m.inputs:
        t = p.type
        while isinstance(t, ir.SequenceType | ir.OptionalType):
            t = t.elem
        if isinstance(t, ir.TensorType):
            out.append(t)
    return out


def _scalar(m: FuzzModel, t: ir.TensorType) -> bool:
    return t.shape == () or (t.shape is None and m.unknown_rank == 0)


def _empty(m: FuzzModel, t: ir.TensorType) -> bool:
    dims = [m.unknown_size] * m.unknown_rank if t.shape is None else [
        d.value if d.value is not None else m.size_of(d.symbol) if d.symbol else m.unknown_size for d in t.shape]
    return 0 in dims


def _paragraphs(doc: str) -> bool:
    """Whether a doc has a paragraph break (a blank line between text)."""
    lines = [ln.strip() for ln in re.split("\r\n|[\r\n\x85\x0b\x0c\u2028\u2029]", doc)]
    return any(not ln and any(lines[:i]) and any(lines[i + 1:]) for i, ln in enumerate(lines))


def _has_tab_line(m: FuzzModel) -> bool:
    return any(re.search(r"(^|[\r\n\x85\x0b\x0c\u2028\u2029])[ \t]", d) for d in _docs(m))


@dataclasses.dataclass(frozen=True)
class Known:
    """A bug the fuzz found, not fixed yet: its failure in ``lang`` at ``stage`` (the message
    matching ``pattern``, the model satisfying ``when``) is expected; ``reproducer`` is the
    smallest model that shows it, and must keep failing that way until the entry is removed."""

    id: str
    lang: str  # or "*": every language (the reader, the emit contract)
    stage: str
    pattern: str
    reproducer: FuzzModel
    where: str  # the file (or binding) at fault
    when: Callable[[FuzzModel], bool] = lambda m: True

    def matches(self, lang: str, o: Outcome, model: FuzzModel | None = None) -> bool:
        return (self.lang in (lang, "*") and o.status == "fail" and o.stage == self.stage
                and re.search(self.pattern, o.detail) is not None and (model is None or self.when(model)))


KNOWN: list[Known] = [
    # Issue 10 item 14: a scalar fed to an input of unknown rank -> untyped onnxruntime_go error.
    Known("go-unknown-rank-scalar", "go", "run", r"The shape has no dimensions",
          _identity("unk_rank0", T(F.FLOAT, None), unknown_rank=0), "runtime/go (inputs.go)",
          lambda m: m.unknown_rank == 0 and any(t.shape is None for t in _tensor_inputs(m))),
    # NEW: a sequence of float16 (or bfloat16) tensors as input: the registry carries it, but
    # onnxruntime_go reads the sequence back one byte per element ("ORT API error creating
    # tensor: not enough space: expected 4, got 2"): every call fails, untyped.
    Known("go-float16-sequence-input", "go", "run", r"not enough space",
          FuzzModel("seq_f16", (Port("x", ir.SequenceType(T(F.FLOAT16, (D(2),)))),),
                    (Output(Port("c", T(F.FLOAT, (D(1),))), "constant"),)),
          "generator/targets.py (Go sequence_elems for inputs) / runtime/go (sequences)",
          lambda m: any(isinstance(p.type, ir.SequenceType) and isinstance(p.type.elem, T)
                        and p.type.elem.elem in GO_RAW for p in m.inputs)),
    # NEW (item 14's family, for outputs): an output of unknown rank that holds a scalar (here it
    # mirrors a scalar input): onnxruntime_go's "Invalid tensor shape: The shape has no
    # dimensions", untyped, and the call fails.
    Known("go-unknown-rank-scalar-output", "go", "run", r"The shape has no dimensions",
          FuzzModel("unk_out_scalar", (Port("x", T(F.INT32, ())),), (Output(Port("y", T(F.INT32, None)), "identity", 0),)),
          "runtime/go (outputs.go)",
          lambda m: any(isinstance(o.port.type, T) and o.port.type.shape is None and o.arg >= 0
                        and isinstance(m.inputs[o.arg].type, T) and _scalar(m, m.inputs[o.arg].type)  # type: ignore[arg-type]
                        for o in m.outputs)),
    # An EMPTY float8 output whose shape the inputs do not fix (ORT allocates it): onnxruntime_go
    # v1.27 wraps ORT-allocated float8 values as a CustomDataTensor, which refuses zero bytes
    # ("A CustomDataTensor requires at least one byte of data"); the call fails with that error
    # (no wrong data). float16/bfloat16 outputs of such shapes are refused by the registry.
    Known("go-empty-float8-output", "go", "run", r"A CustomDataTensor requires at least one",
          _identity("f8_empty", T(F.FLOAT8E4M3FN, (D(None, None),)), unknown_size=0),
          "onnxruntime_go v1.27 (an ORT-allocated CustomDataTensor of no bytes) / runtime/go (outputs.go)",
          lambda m: any(isinstance(o.port.type, T) and o.port.type.elem in GO_RAW and _empty(m, o.port.type)
                        for o in m.outputs)),
    # ORT Java cannot return an EMPTY sequence: its native code types a sequence by its first
    # element ("Unsupported type in a sequence, found UNKNOWN"); the run fails with a
    # ModelRunException (a clear error, no wrong data). Non-empty sequences round-trip.
    Known("java-empty-sequence-output", "java", "run", r"Unsupported type in a sequence, found UNKNOWN",
          _identity("empty_seq", ir.SequenceType(T(F.FLOAT, (D(2),))), seq_len=0),
          "ONNX Runtime 1.29's Java binding (OnnxSequence of no elements)",
          lambda m: m.seq_len == 0 and any(isinstance(o.port.type, ir.SequenceType) for o in m.outputs)),
    # NEW, a silent wrong result: string VALUES outside the BMP in Java. A model's string output
    # "\U0001F600" comes back as "ð..." (ORT's Java API decodes strings as JNI modified UTF-8);
    # inputs are encoded the same way, so an Identity round trip hides it but the model sees
    # CESU-8 bytes, not the UTF-8 the other languages send.
    Known("java-astral-string-values", "java", "compare", r"element \d+ is",
          FuzzModel("str_const", (Port("x", T(F.FLOAT, (D(1),))),),
                    (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0), Output(Port("c", T(F.STRING, (D(1),))), "constant")),
                    strings=("\U0001F600",)),
          "runtime/java (StringTensor / Convert: strings through OnnxTensor)",
          lambda m: any(max(map(ord, x), default=0) > 0xFFFF for x in m.strings)),
    # NEW: the model name is quoted in the Go package comment as it is: gofmt turns a "``" (or
    # "''") in it into a curly quote (the value docs are already escaped for this).
    Known("go-backquotes-in-model-name", "go", "format", r"model\.go",
          FuzzModel("a``b", (Port("x", T(F.FLOAT, (D(1),))),), (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),)),
          "templates/go/model.go.j2 (package comment) / generator/emit/go.py",
          lambda m: "``" in m.name or "''" in m.name),
    # NEW: a Spec constant whose identifier is short for its literal ("aaaaaaaaaaa{% raw %}" is
    # OUT_AAAAAAAAAAA_RAW): the emitter puts the Spec.tensor arguments one per line where
    # google-java-format joins the last two.
    Known("java-spec-layout-format", "java", "format", r"google-java-format would change",
          FuzzModel("grow", (), (Output(Port("aaaaaaaaaaa{% raw %}", T(F.INT32, (D(3), D(0)))), "constant"),)),
          "generator/emit/java_format.py",
          lambda m: any(re.search(r"[^A-Za-z0-9_]", p.name) and len(p.name) >= 12
                        for p in (*m.inputs, *(o.port for o in m.outputs)))),
    Known("go-long-model-name-file", "go", "write", r"File name too long",
          FuzzModel("m" * 300, (), (Output(Port("c", T(F.FLOAT, (D(1),))), "constant"),)),
          "generator/naming/go.py (package directories) / generator/writer.py", lambda m: len(m.name) > 100),
]


def known_entry(lang: str, o: Outcome, model: FuzzModel | None = None) -> Known | None:
    return next((k for k in KNOWN if k.matches(lang, o, model)), None)


def test_known_entries_are_well_formed() -> None:
    ids = [k.id for k in KNOWN]
    assert len(ids) == len(set(ids))
    for k in KNOWN:
        assert (k.lang in batch.LANGS or k.lang == "*") and k.stage and k.where and k.when(k.reproducer), k.id


# --- property 1: generation, many derandomized examples (fast) ----------------------------------


@settings(max_examples=120, derandomize=True, database=None, deadline=None, phases=[Phase.generate, Phase.shrink],
          suppress_health_check=list(HealthCheck))
@given(strategies.models(allow_huge=False))
def test_generation_property(m: FuzzModel) -> None:
    c = batch.Case("m", m)
    batch.generation(c)
    bad = {lang: o.short() for lang, o in c.outcomes.items() if o.status == "fail" and not known_entry(lang, o, m)}
    assert not bad, f"{m.to_json()}\n{bad}"


# --- property 2: one SDK per language, built and called (slow) ----------------------------------

CORPUS_SIZE = 16
CORPUS_SEED = 20260


def draw_corpus() -> list[FuzzModel]:
    """The corpus as this interpreter draws it; see :func:`corpus`."""
    out: list[FuzzModel] = []

    @seed(CORPUS_SEED)
    @settings(max_examples=CORPUS_SIZE, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategies.models(max_inputs=5, allow_huge=False))
    def collect(m: FuzzModel) -> None:
        out.append(m)

    collect()
    return out


def corpus() -> list[FuzzModel]:
    """The CI corpus, drawn in a fresh interpreter so that it is the same under any pytest run
    and in a plain ``python -c "from tests.test_fuzz import draw_corpus"`` (for reproducing):
    Hypothesis also draws constants it mines from every local module already imported, so in
    a full pytest session (every test module collected) the same seed drew another corpus."""
    code = ("import json; from tests.test_fuzz import draw_corpus; "
            "print(json.dumps([m.to_json() for m in draw_corpus()]))")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return [from_json(t) for t in json.loads(r.stdout)]


@pytest.mark.slow
def test_corpus_builds_and_runs(tmp_path: Path) -> None:
    models = corpus()
    repro = [dataclasses.replace(k.reproducer, name=f"{k.reproducer.name}_{i}") for i, k in enumerate(KNOWN)]
    stats = batch.Stats()
    cases = batch.run_batch([*models, *repro], tmp_path, stats)
    by_name = {c.model.name: c for c in cases}
    problems = []
    for c in cases:
        for lang in batch.LANGS:
            for o in c.failures(lang):
                if known_entry(lang, o, c.model) is None:
                    problems.append(f"{lang} {c.model.label()}: {o.short()}\n{c.model.to_json()}")
    for i, k in enumerate(KNOWN):
        got = [o for lang in batch.LANGS if k.lang in (lang, "*") for o in by_name[repro[i].name].failures(lang)]
        if not any(k.matches(k.lang, o, k.reproducer) for o in got):
            seen = "; ".join(o.short() for o in got) or "it passes"
            problems.append(f"KNOWN entry {k.id!r} no longer fails that way ({seen}): fixed? remove the entry")
    ran = {lang: stats.ok[lang] for lang in batch.LANGS}
    assert not problems, "\n\n".join(problems)
    assert all(stats.sdks[lang] == 1 for lang in batch.LANGS), stats
    assert all(n >= 3 for n in ran.values()), f"too few calls succeeded: {ran} ({stats})"
