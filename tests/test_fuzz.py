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
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from generator import ir
from tests.fuzz import batch, strategies
from tests.fuzz.batch import Outcome
from tests.fuzz.spec import FuzzModel, Output, Port

T, D, F = ir.TensorType, ir.Dim, ir.DType
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
    # NEW: a wire name that is not UTF-8 in the file. Python's protobuf hands it over as bytes,
    # the reader puts bytes into the IR, and every emitter crashes (TypeError in naming's
    # unicodedata.normalize; `sdkgen inspect` an AttributeError): a traceback, not a one-line error.
    Known("reader-invalid-utf8-name", "*", "generate", r"TypeError|AttributeError",
          FuzzModel("bad_utf8", (Port("\x01corrupt0\x01", T(F.FLOAT, (D(1),))),),
                    (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),), corrupt=("\x01corrupt0\x01",)),
          "generator/reader.py (string fields are not checked to be str)", lambda m: bool(m.corrupt)),
    # Issue 10 item 9: no inputs -> onnxruntime_go's RunWithOptions indexes inputs[0] and panics.
    Known("go-zero-inputs", "go", "run", r"index out of range \[0\] with length 0",
          FuzzModel("zero_in", (), (Output(Port("c", T(F.FLOAT, (D(2),))), "constant"),)),
          "runtime/go (session.go Run with no inputs)", lambda m: not m.inputs),
    # Issue 10 coverage: Go refuses, at run time, an empty sequence the model allows.
    Known("go-empty-sequence", "go", "run", r"with at least one element",
          _identity("empty_seq", ir.SequenceType(T(F.FLOAT, (D(2),))), seq_len=0),
          "runtime/go (inputs.go, sequences)", lambda m: m.seq_len == 0 and _inputs(m, ir.SequenceType)),
    # Issue 10 coverage: onnxruntime_go cannot make scalar string tensors.
    Known("go-scalar-string", "go", "run", r"cannot make scalar string tensors",
          _identity("scalar_str", T(F.STRING, ())), "runtime/go (tensor.go, strings)",
          lambda m: any(_scalar(m, t) and t.elem is F.STRING for t in _tensor_inputs(m))),
    # Issue 10 item 14: a scalar fed to an input of unknown rank -> untyped onnxruntime_go error.
    Known("go-unknown-rank-scalar", "go", "run", r"The shape has no dimensions",
          _identity("unk_rank0", T(F.FLOAT, None), unknown_rank=0), "runtime/go (inputs.go)",
          lambda m: m.unknown_rank == 0 and any(t.shape is None for t in _tensor_inputs(m))),
    # NEW (item 14's family): a sequence of scalars as input: onnxruntime_go cannot build it
    # ("Invalid tensor shape: The shape has no dimensions"), an untyped error from Run.
    Known("go-sequence-of-scalars", "go", "run", r"Error creating go Sequence.*The shape has no dimensions",
          _identity("seq_scalars", ir.SequenceType(T(F.DOUBLE, ()))), "runtime/go (inputs.go, sequences)",
          lambda m: any(isinstance(p.type, ir.SequenceType) and isinstance(p.type.elem, T)
                        and _scalar(m, p.type.elem) for p in m.inputs)),
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
    # Issue 10 item 14: empty (and scalar) float16/bfloat16 inputs -> untyped error (and the
    # same for the float8 types, which the Go SDK carries as raw bytes too).
    Known("go-empty-float16", "go", "run", r"cannot make scalar or empty tensors of this element type",
          _identity("f16_empty", T(F.FLOAT16, (D(symbol="n"),)), sizes=(("n", 0),)), "runtime/go (float16.go)",
          lambda m: any((_scalar(m, t) or _empty(m, t)) and t.elem in GO_RAW for t in _tensor_inputs(m))),
    # NEW: a NUL in a wire name. Python keeps it; ONNX Runtime's C API (Java, Go) cuts the name at
    # the NUL, so the Java SDK refuses its own model at create() ("does not match the signature")
    # and Go fails every run ("Invalid input name: a"). The generator should refuse such names.
    Known("java-nul-in-name", "java", "run", r"does not match the signature",
          FuzzModel("nul_name", (Port("a\x00b", T(F.FLOAT, (D(2),))),),
                    (Output(Port("y", T(F.FLOAT, (D(2),))), "identity", 0),)),
          "generator/targets.py (no refusal) / runtime/java (Signature)",
          lambda m: any("\x00" in p.name for p in (*m.inputs, *(o.port for o in m.outputs)))),
    # NEW: a wire name with a character outside the BMP (e.g. U+1D518). ONNX Runtime's Java API
    # decodes names as JNI's modified UTF-8, so a 4-byte UTF-8 sequence comes back mangled ('ð')
    # and the Java SDK refuses its own model at create(). Go and Python are fine.
    Known("java-astral-name", "java", "run", r"does not match the signature",
          FuzzModel("astral", (Port("\U0001d518", T(F.FLOAT, (D(2),))),),
                    (Output(Port("y", T(F.FLOAT, (D(2),))), "identity", 0),)),
          "runtime/java (Signature / ModelSession: names from OrtSession) or generator/targets.py",
          lambda m: any(max(map(ord, p.name)) > 0xFFFF for p in (*m.inputs, *(o.port for o in m.outputs)))),
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
    Known("go-nul-in-name", "go", "run", r"Invalid (input|output) name|name cannot be empty",
          FuzzModel("nul_name", (Port("a\x00b", T(F.FLOAT, (D(2),))),),
                    (Output(Port("y", T(F.FLOAT, (D(2),))), "identity", 0),)),
          "generator/targets.py (no refusal) / runtime/go",
          lambda m: any("\x00" in p.name for p in (*m.inputs, *(o.port for o in m.outputs)))),
    # Issue 10 item 13: a doc line indented with a tab (or spaces) is not ruff-format clean (in
    # the docstring).
    Known("python-indented-doc-line", "python", "format", r"reformatted|-->",
          FuzzModel("tab_doc", (), (Output(Port("c", T(F.FLOAT, (D(1),))), "constant"),), doc="a\n\tb"),
          "generator/naming/python.py (doc_lines)", lambda m: _has_tab_line(m)),
    # NEW (issue 10 item 14's family, for outputs): an empty float16/bfloat16/float8 output of
    # fixed shape (e.g. [0]), or a scalar float8 output: the Go SDK allocates it before the run
    # and onnxruntime_go refuses a CustomDataTensor of zero bytes (or of no dims), an untyped
    # error from Run.
    Known("go-raw-output-empty-or-scalar", "go", "run",
          r"CustomDataTensor requires at least one byte|The shape has no dimensions",
          FuzzModel("f16_empty_out", (Port("x", T(F.FLOAT, (D(1),))),),
                    (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),
                     Output(Port("c", T(F.FLOAT16, (D(0),))), "constant"))),
          "generator/targets.py (_go_extra) / runtime/go (outputs.go: preallocated raw outputs)",
          lambda m: any(isinstance(o.port.type, T) and o.port.type.elem in GO_RAW and o.port.type.shape is not None
                        and (o.port.type.shape == () or 0 in [d.value for d in o.port.type.shape]) for o in m.outputs)
          or any(_empty(m, t) and t.elem in GO_RAW for t in _tensor_inputs(m))),
    # NEW, a silent wrong result: an output that IS a graph input (the same wire name, no node:
    # ONNX allows it) and that the Go SDK allocates before the run (a scalar, or float16 /
    # bfloat16) comes back as zeros instead of the input's values (ORT hands back the input and
    # leaves the buffer alone). Other shapes pass; Python and Java return the values.
    Known("go-passthrough-output-zeros", "go", "compare", r"element \d+ is|max abs error",
          FuzzModel("pass_f16", (Port("x", T(F.FLOAT16, (D(2),))),),
                    (Output(Port("x", T(F.FLOAT16, (D(2),))), "passthrough", 0),), seed=3),
          "runtime/go (outputs.go / session.go: preallocated outputs named like an input)",
          lambda m: any(o.how == "passthrough" and isinstance(o.port.type, T)
                        and (o.port.type.shape in ((), None) or o.port.type.elem in GO_RAW) for o in m.outputs)),
    # NEW: a value doc ending in a quote ('"""') gets a trailing blank after the escaped quotes
    # in run()'s Args section, which ruff format strips.
    Known("python-quote-doc-format", "python", "format", r"reformatted|-->",
          FuzzModel("doc_quotes", (Port("x", T(F.INT32, (D(1),)), '"""'),),
                    (Output(Port("y", T(F.INT32, (D(1),))), "identity", 0),)),
          "generator/naming/python.py (doc_lines) / templates/python/model.py.j2",
          lambda m: any(re.search(r"[\"\\]\s*($|[\r\n\x85\x0b\x0c\u2028\u2029])", d) for d in _docs(m))),
    # NEW: the registry says Python carries maps of any value type, but ONNX Runtime's Python
    # API builds only map(string|int64, float) from a dict: a map(string, int64) input (e.g. a
    # DictVectorizer model) generates fine and every call fails inside ORT ("Unexpected input data
    # type. Actual: map(string,tensor(float)), expected: map(string,tensor(int64))").
    Known("python-map-values-not-float", "python", "run",
          r"Unexpected input data type|cannot be linked to C type",
          FuzzModel("map_si", (Port("x", ir.MapType(F.STRING, T(F.INT64, ()))),),
                    (Output(Port("y", T(F.INT64, None)), "dictvec", 0, ("a", "b")),), strings=("a", "b")),
          "generator/targets.py (Python map values) / runtime/python",
          lambda m: any(isinstance(p.type, ir.MapType) and isinstance(p.type.value, T)
                        and p.type.value.elem is not F.FLOAT for p in m.inputs)),
    # Issue 10 item 13: a one-line paragraph in a doc ("Intro" between blank lines) is turned
    # into a heading ("# Intro") by gofmt.
    Known("go-one-line-paragraph", "go", "format", r"model\.go",
          FuzzModel("heading", (Port("x", T(F.FLOAT, (D(1),))),), (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),),
                    doc="Intro\n\nThe model."),
          "generator/naming/go.py (comment_lines)", lambda m: any(_paragraphs(d) for d in _docs(m))),
    # NEW: the model name is quoted in the Go package comment as it is: gofmt turns a "``" (or
    # "''") in it into a curly quote (the value docs are already escaped for this).
    Known("go-backquotes-in-model-name", "go", "format", r"model\.go",
          FuzzModel("a``b", (Port("x", T(F.FLOAT, (D(1),))),), (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),)),
          "templates/go/model.go.j2 (package comment) / generator/emit/go.py",
          lambda m: "``" in m.name or "''" in m.name),
    # NEW: an optional input's annotation is `X | None | None` (ruff PYI016).
    Known("python-optional-input-lint", "python", "lint", r"PYI016 .*Duplicate union member `None`",
          _identity("opt_in", ir.OptionalType(T(F.FLOAT, (D(2),)))), "templates/python/model.py.j2",
          lambda m: _inputs(m, ir.OptionalType)),
    # NEW: a long wire name (an identifier past the line length) is not ruff-format clean.
    Known("python-long-name-format", "python", "format", r"reformatted|-->",
          FuzzModel("long_out", (Port("x", T(F.INT16, (D(2),))),),
                    (Output(Port("o" * 120, T(F.INT16, (D(2),))), "identity", 0),)),
          "generator/emit/python.py + templates/python/model.py.j2", lambda m: _longest_name(m) > 60),
    # Issue 10 item 8: a 70,000-character name -> javac "UTF8 representation for string ... is too
    # long for the constant pool" while sdkgen exits 0.
    Known("java-huge-name", "java", "compile", r"too long for the constant pool|constant string too long|code too large",
          FuzzModel("huge", (Port("x" * 70_000, T(F.FLOAT, (D(1),))),), (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),)),
          "generator/emit/java.py (no limit, no split)", lambda m: _longest_name(m) > 20_000),
    # NEW: generated Java that does not compile. java_format wraps a long line at a "(" inside a
    # string literal: two initializer-backed inputs, one named "aaaa(bbb...b)c", give
    # Set.of("rpartition", "aaaa(<newline>bbb...)c") -> javac "unclosed string literal".
    Known("java-paren-in-literal", "java", "compile", r"unclosed string literal|illegal character|illegal start",
          FuzzModel("paren", (Port("x", T(F.FLOAT, (D(1),))),), (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),),
                    constants=(Port("rpartition", T(F.FLOAT, (D(1),))), Port("aaaa(" + "b" * 77 + ")c", T(F.FLOAT, (D(1),))))),
          "generator/emit/java_format.py (line wrapping inside string literals)",
          lambda m: any("(" in p.name for p in (*m.inputs, *m.constants, *(o.port for o in m.outputs)))),
    # NEW: a Spec constant whose identifier is short for its literal ("aaaaaaaaaaa{% raw %}" is
    # OUT_AAAAAAAAAAA_RAW): the emitter puts the Spec.tensor arguments one per line where
    # google-java-format joins the last two.
    Known("java-spec-layout-format", "java", "format", r"google-java-format would change",
          FuzzModel("grow", (), (Output(Port("aaaaaaaaaaa{% raw %}", T(F.INT32, (D(3), D(0)))), "constant"),)),
          "generator/emit/java_format.py",
          lambda m: any(re.search(r"[^A-Za-z0-9_]", p.name) and len(p.name) >= 12
                        for p in (*m.inputs, *(o.port for o in m.outputs)))),
    # NEW: more than 255 outputs (or inputs): javac "too many parameters" (the Outputs record's
    # canonical constructor), while sdkgen exits 0 (issue 10 item 8 says 1,400 inputs; this is
    # a lower limit).
    Known("java-too-many-values", "java", "compile", r"too many parameters",
          FuzzModel("many_out", (Port("x", T(F.FLOAT, (D(1),))),),
                    tuple(Output(Port(f"y{i}", T(F.FLOAT, (D(1),))), "identity", 0) for i in range(256))),
          "generator/emit/java.py (Outputs record / builder)", lambda m: len(m.outputs) > 254 or len(m.inputs) > 254),
    # Issue 10 item 13 in Java: a doc paragraph starting with blanks gives "<p> text", which
    # google-java-format rewrites to "<p>text".
    Known("java-indented-doc-line", "java", "format", r"google-java-format would change",
          FuzzModel("indented", (Port("x", T(F.FLOAT, (D(1),))),), (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),),
                    doc="\t\tdouble tab"),
          "generator/naming/java.py (javadoc_lines)", lambda m: _has_tab_line(m)),
    # NEW: 13 or more inputs with short names: google-java-format lays the spec list out in
    # "fill" mode (several constants per line), the emitter one per line.
    Known("java-many-values-format", "java", "format", r"google-java-format would change",
          FuzzModel("many", tuple(Port(f"x{i}", T(F.FLOAT, (D(1),))) for i in range(13)),
                    (Output(Port("y", T(F.FLOAT, (D(1),))), "identity", 0),)),
          "generator/emit/java_format.py", lambda m: len(m.inputs) >= 13 or len(m.outputs) >= 13),
    # NEW: a model name of 200 characters makes a file name past the file system's 255 bytes
    # (Python's module, Java's class file): sdkgen accepts the model and then fails writing it
    # ("--out DIR: cannot write: File name too long", naming neither the file nor the fix --name).
    Known("python-long-model-name-file", "python", "write", r"File name too long",
          FuzzModel("m" * 300, (), (Output(Port("c", T(F.FLOAT, (D(1),))), "constant"),)),
          "generator/naming/python.py (module names) / generator/writer.py", lambda m: len(m.name) > 100),
    Known("java-long-model-name-file", "java", "write", r"File name too long",
          FuzzModel("m" * 300, (), (Output(Port("c", T(F.FLOAT, (D(1),))), "constant"),)),
          "generator/naming/java.py (class names) / generator/writer.py", lambda m: len(m.name) > 100),
    # ... and at 240 characters the .java files fit but javac cannot write the nested class
    # files (Name$Inputs$Builder.class): "error while writing Builder: File name too long".
    Known("java-long-class-name-compile", "java", "compile", r"File name too long",
          FuzzModel("m" * 240, (), (Output(Port("c", T(F.FLOAT, (D(1),))), "constant"),)),
          "generator/naming/java.py (class names)", lambda m: len(m.name) > 100),
    Known("go-long-model-name-file", "go", "write", r"File name too long",
          FuzzModel("m" * 300, (), (Output(Port("c", T(F.FLOAT, (D(1),))), "constant"),)),
          "generator/naming/go.py (package directories) / generator/writer.py", lambda m: len(m.name) > 100),
    # NEW: the same name is not google-java-format clean either.
    Known("java-long-name-format", "java", "format", r"google-java-format would change",
          FuzzModel("long_out", (Port("x", T(F.INT16, (D(2),))),),
                    (Output(Port("o" * 120, T(F.INT16, (D(2),))), "identity", 0),)),
          "generator/emit/java_format.py", lambda m: _longest_name(m) > 40),
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


def corpus() -> list[FuzzModel]:
    out: list[FuzzModel] = []

    @seed(CORPUS_SEED)  # the same corpus under pytest and in a plain interpreter (for reproducing)
    @settings(max_examples=CORPUS_SIZE, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategies.models(max_inputs=5, allow_huge=False))
    def collect(m: FuzzModel) -> None:
        out.append(m)

    collect()
    return out


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
