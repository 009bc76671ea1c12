"""Hypothesis strategies for hostile model signatures (``spec.FuzzModel``).

Every string a model carries is drawn from pools that have broken code generators before
(shared/STYLE.md, "Hostile strings"): keywords and builtins of Python, Java and Go; every
identifier the templates and the runtimes use (harvested from their sources, so a new one is
fuzzed without anyone listing it); names that collide after sanitising; digits first; no ASCII
at all; bidi controls, U+2028/2029, NEL; comment and docstring terminators, Java's ``\\u``
escapes, ``//go:`` directives; very long names; and arbitrary Unicode text.

Types: every ``ir.DType`` (ONNX Runtime cannot run them all: ``spec.ORT_RUNS``; the others
still go through generation and compilation), fixed / symbolic (shared across inputs) /
unknown dims, scalars, unknown rank, sequences, maps, optionals; 0 to a few hundred inputs.
"""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import re
import sys
from pathlib import Path

from hypothesis import strategies as st

from generator import ir
from generator.naming import go as go_naming
from generator.naming import java as java_naming
from generator.naming import python as py_naming

from . import spec
from .spec import FuzzModel, Output, Port

REPO = Path(__file__).resolve().parents[2]


def _harvest() -> list[str]:
    """Every identifier the templates and the runtime sources use: names the generated code
    itself binds, imports or calls."""
    found: set[str] = set()
    roots = [REPO / "templates", REPO / "runtime" / "python" / "sdkgen_runtime", REPO / "runtime" / "go",
             REPO / "runtime" / "java" / "src" / "main"]
    for root in roots:
        for f in sorted(root.rglob("*")):
            if f.suffix in (".j2", ".py", ".go", ".java") and f.is_file():
                found.update(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]{0,30}\b", f.read_text(errors="replace")))
    return sorted(found)


KEYWORDS = sorted(
    set(keyword.kwlist) | set(keyword.softkwlist) | {n for n in dir(builtins) if not n.startswith("__")}
    | java_naming.RESERVED | go_naming.KEYWORDS | go_naming.PREDECLARED | go_naming.EXPORTED
    | go_naming.UNEXPORTED | go_naming.IMPORTS | py_naming.RESERVED
    | {"__init__", "__main__", "_runtime", "runtime", "internal", "testdata", "vendor", "main", "init", "_",
       "java", "javax", "sdkgen", "ai", "onnxruntime", "numpy", "np", "test", "types", "random", "code",
       "typing", "dataclasses", "os", "sys", "abc", "enum", "json", "ort", "ortrt", "embed", "C", "unsafe",
       "go", "Model", "ModelOutputs", "Outputs2", "Inputs", "New2", "MODEL", "AB", "C3D", "X", "x"}
)
IDENTIFIERS = _harvest()
STDLIB = sorted(sys.stdlib_module_names)

# Strings that end comments, docstrings and string literals, or inject code, in some language.
INJECTIONS = [
    "*/", "/*", "/**", "*/ System.exit(1); /*", '"""', "'''", '"""; import os; os.system("x"); """',
    "\\u002a\\u002f", "\\u002A/", "\\u000a", "\\u0022", "\\", "\\\\", '"', "'", "`", "``", "''",
    "//go:generate rm -rf /", "//go:embed x", "//line x.go:1", "//export f", "// +build ignore",
    "}\nfunc init() { panic(1) }\n", "\n}\nstatic { System.exit(1); }\n", "\nimport os\nos._exit(1)\n",
    "${x}", "{{ x }}", "{% raw %}", "{#", "%s%d%n", "<script>", "</p>", "<!--", "{@code", "@param x", "@return",
    "{@link X}", "&amp;", "# heading", "[link]: x", "- list", "1. item", "    indented code", "\tTab",
    "\t\tdouble tab", "#!/bin/sh", "?>", "-->", "]]>", "\x00", "\x7f", "\x1b[31m",
]
LINE_BREAKS = ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029", "\x0b", "\x0c"]
UNICODE = [
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\u00a0", "\u3000",
    "日本", "Ünïcödé", "Ａ", "ﬁ", "ß", "İ", "ǅ", "𝔘𝔫𝔦", "😀", "\U0010fffd", "é", "é", "Ω", "Ω", "µ", "μ",
    "١٢٣", "٣x", "ⅷ", "²", "ǈ", "ꝏ",
]
COLLIDING = ["a-b", "a_b", "a b", "a.b", "a:b", "A_B", "aB", "a__b", "a-b-", "-a-b", "ab", "a_b_2", "a_b2",
             "aB2", "a-b_2", "x", "X", "x_", "x__", "x2", "x_2", "input0", "input_0", "output0", "0", "00",
             "1abc", "_1", "__", "_", "-", ".", "..", "/", ":0", "input:0", "output:0", "a/b:0", "a\\b"]

_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=16)
_short_ascii = st.text("aAbB_-. 0123:", min_size=1, max_size=5)


def _long(min_len: int, max_len: int) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(["x", "a_", "Ab", "日", "*/", "9"]), st.integers(min_len, max_len)).map(
        lambda t: (t[0] * t[1])[:t[1]])


def names(long: bool = True) -> st.SearchStrategy[str]:
    """One wire name (never empty)."""
    parts = [
        st.sampled_from(KEYWORDS),
        st.sampled_from(IDENTIFIERS),
        st.sampled_from(COLLIDING),
        st.sampled_from(INJECTIONS),
        st.sampled_from(UNICODE),
        _short_ascii,
        _text,
        st.tuples(st.sampled_from(COLLIDING + KEYWORDS), st.sampled_from(LINE_BREAKS + INJECTIONS + UNICODE))
        .map("".join),
    ]
    if long:
        parts.append(_long(60, 300))
    return st.one_of(*parts)


def very_long_names() -> st.SearchStrategy[str]:
    """Names far past what a compiler takes in one constant (javac: 65535 bytes of UTF-8)."""
    return _long(20_000, 70_000)


def docs() -> st.SearchStrategy[str]:
    line = st.one_of(st.sampled_from(INJECTIONS), st.sampled_from(UNICODE), _text,
                     st.just("A one-line paragraph."), st.sampled_from(KEYWORDS))
    sep = st.sampled_from(LINE_BREAKS + ["\n\n", " ", "\t", "\n\t", "\n    "])
    return st.one_of(
        st.just(""),
        st.lists(st.tuples(line, sep).map("".join), min_size=1, max_size=6).map("".join),
        st.tuples(st.sampled_from(INJECTIONS), st.integers(1, 50)).map(lambda t: t[0] * t[1]),
    )


# --- types ------------------------------------------------------------------------------------

ALL_DTYPES = list(ir.DType)
RUNNABLE = sorted(spec.ORT_RUNS, key=lambda d: d.value)
NUMPY = sorted(spec.ORT_NUMPY, key=lambda d: d.value)
# The maps DictVectorizer takes: (key, value) element types.
MAPS = [(ir.DType.STRING, ir.DType.INT64), (ir.DType.STRING, ir.DType.FLOAT), (ir.DType.STRING, ir.DType.DOUBLE),
        (ir.DType.INT64, ir.DType.STRING), (ir.DType.INT64, ir.DType.FLOAT), (ir.DType.INT64, ir.DType.DOUBLE)]


@st.composite
def dims(draw: st.DrawFn, symbols: list[str]) -> ir.Dim:
    kind = draw(st.sampled_from(["fixed", "fixed", "symbol", "symbol", "unknown"]))
    if kind == "fixed":
        return ir.Dim(value=draw(st.integers(0, 3)))
    if kind == "symbol" and symbols:
        return ir.Dim(symbol=draw(st.sampled_from(symbols)))
    return ir.Dim()


@st.composite
def tensor_types(draw: st.DrawFn, symbols: list[str], elems: list[ir.DType]) -> ir.TensorType:
    elem = draw(st.sampled_from(elems))
    if draw(st.integers(0, 9)) == 0:
        return ir.TensorType(elem, None)  # unknown rank
    rank = draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4]))
    return ir.TensorType(elem, tuple(draw(dims(symbols)) for _ in range(rank)))


@st.composite
def input_types(draw: st.DrawFn, symbols: list[str], elems: list[ir.DType]) -> ir.ValueType:
    kind = draw(st.sampled_from(["tensor"] * 12 + ["sequence", "sequence", "map", "optional", "optional_seq"]))
    if kind != "tensor" and elems == RUNNABLE:
        elems = NUMPY  # Identity takes the types numpy lacks only as plain tensors
    if kind == "sequence":
        return ir.SequenceType(draw(tensor_types(symbols, elems)))
    if kind == "map":
        key, value = draw(st.sampled_from(MAPS))
        return ir.MapType(key, ir.TensorType(value, draw(st.sampled_from([(), None]))))
    if kind == "optional":
        return ir.OptionalType(draw(tensor_types(symbols, elems)))
    if kind == "optional_seq":
        return ir.OptionalType(ir.SequenceType(draw(tensor_types(symbols, elems))))
    return draw(tensor_types(symbols, elems))


def _relax(t: ir.ValueType, how: int) -> ir.ValueType:
    """An output type compatible with the input it mirrors: the same, or with dims unknown."""
    if isinstance(t, ir.TensorType):
        if how == 1 or t.shape is None:
            return ir.TensorType(t.elem, None)
        return ir.TensorType(t.elem, tuple(ir.Dim() for _ in t.shape))
    if isinstance(t, ir.SequenceType):
        return ir.SequenceType(_relax(t.elem, how))
    if isinstance(t, ir.OptionalType):
        return ir.OptionalType(_relax(t.elem, how))
    return t


# --- models -----------------------------------------------------------------------------------


def _elems(t: ir.ValueType) -> set[ir.DType]:
    if isinstance(t, ir.TensorType):
        return {t.elem}
    if isinstance(t, ir.MapType):
        return {t.key} | _elems(t.value)
    return _elems(t.elem)


def _uses(inputs: tuple[Port, ...], outputs: list[Output], elems: frozenset[ir.DType]) -> bool:
    """Whether any value has one of ``elems`` (float8 needs opset 19's Identity)."""
    return any(_elems(p.type) & elems for p in (*inputs, *(o.port for o in outputs)))


class _NamePool:
    """Distinct names: the drawn ones (last first), then drawn names with a counter."""

    def __init__(self, drawn: list[str]) -> None:
        self.fresh = list(drawn)
        self.base = list(drawn)
        self.used: set[str] = set()
        self.n = 0

    def pop(self) -> str:
        while self.fresh:
            name = self.fresh.pop()
            if name not in self.used:
                self.used.add(name)
                return name
        while True:
            self.n += 1
            name = f"{self.base[self.n % len(self.base)]}{self.n}"
            if name not in self.used:
                self.used.add(name)
                return name


@st.composite
def models(draw: st.DrawFn, *, max_inputs: int = 8, runnable_only: bool = False,
           allow_huge: bool = True) -> FuzzModel:
    """A model ONNX Runtime 1.29 loads (if its element types are in ``spec.ORT_RUNS``) whose
    every string is hostile. Occasionally it has hundreds of inputs or an enormous name."""
    # mostly what every SDK carries; the rest makes the registry refuse (or ORT fail to load)
    elems = draw(st.sampled_from([NUMPY] * 12 + [RUNNABLE] * 5 + ([] if runnable_only else [ALL_DTYPES] * 3)))
    symbols = draw(st.lists(names(long=False), max_size=3, unique=True))
    huge = allow_huge and draw(st.integers(0, 49)) == 0
    n_in = draw(st.integers(150, 400)) if huge else draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4, max_inputs]))
    if huge:  # a few drawn types and names, repeated: hypothesis draws only so much per example
        kinds = draw(st.lists(input_types(symbols, elems), min_size=1, max_size=4))
        in_types = [kinds[i % len(kinds)] for i in range(n_in)]
    else:
        in_types = [draw(input_types(symbols, elems)) for _ in range(n_in)]
    n_const_out = draw(st.integers(0, 2)) if n_in else draw(st.integers(1, 3))
    n_consts = draw(st.sampled_from([0, 0, 0, 1, 2]))
    # One name per graph value, all distinct (graph values share one namespace); past what was
    # drawn, drawn names with a counter.
    drawn = draw(st.lists(names(), min_size=1, max_size=min(3 * n_in + n_const_out + n_consts + 2, 24),
                          unique=True))
    if draw(st.integers(0, 99)) == 0 and not huge:
        drawn[draw(st.integers(0, len(drawn) - 1))] = draw(very_long_names())
    pool = _NamePool(drawn)
    doc_pool = draw(st.lists(docs(), min_size=1, max_size=4))
    counter = iter(range(10**9))

    def doc() -> str:
        return doc_pool[next(counter) % len(doc_pool)] if huge else draw(docs())

    inputs = tuple(Port(pool.pop(), t, doc()) for t in in_types)
    outputs: list[Output] = []
    for i, p in enumerate(inputs):
        t = p.type
        how = draw(st.sampled_from(["identity", "identity", "identity", "passthrough", "none"]))
        if isinstance(t, ir.MapType):
            labels: tuple[str, ...] | tuple[int, ...]
            if t.key is ir.DType.STRING:
                labels = tuple(draw(st.lists(names(long=False), min_size=1, max_size=3, unique=True)))
            else:
                labels = tuple(draw(st.lists(st.integers(-5, 5), min_size=1, max_size=3, unique=True)))
            out_t = ir.TensorType(t.value.elem if isinstance(t.value, ir.TensorType) else ir.DType.FLOAT, None)
            outputs.append(Output(Port(pool.pop(), out_t, doc()), "dictvec", i, labels))
            continue
        if how == "none":
            continue
        if how == "passthrough":
            outputs.append(Output(Port(p.name, t, doc()), "passthrough", i))
            continue
        relax = draw(st.sampled_from([0, 0, 0, 1, 2]))
        outputs.append(Output(Port(pool.pop(), _relax(t, relax) if relax else t, doc()), "identity", i))
        if (isinstance(t, ir.TensorType) and t.elem is ir.DType.FLOAT and t.shape is not None and len(t.shape) == 2
                and t.shape[1].value and draw(st.integers(0, 3)) == 0):
            c = t.shape[1].value
            if draw(st.booleans()):
                zl: tuple[str, ...] | tuple[int, ...] = tuple(
                    draw(st.lists(names(long=False), min_size=c, max_size=c, unique=True)))
                key = ir.DType.STRING
            else:
                zl = tuple(draw(st.lists(st.integers(-(2**40), 2**40), min_size=c, max_size=c, unique=True)))
                key = ir.DType.INT64
            zt = ir.SequenceType(ir.MapType(key, ir.TensorType(ir.DType.FLOAT, None)))
            outputs.append(Output(Port(pool.pop(), zt, doc()), "zipmap", i, zl))
    for _ in range(n_const_out if (n_in == 0 or not outputs or draw(st.booleans())) else 0):
        elem = draw(st.sampled_from(elems))
        shape = tuple(ir.Dim(value=draw(st.integers(0, 3))) for _ in range(draw(st.integers(0, 2))))
        outputs.append(Output(Port(pool.pop(), ir.TensorType(elem, shape), doc()), "constant"))
    if not outputs:
        elem = draw(st.sampled_from(elems))
        outputs.append(Output(Port(pool.pop(), ir.TensorType(elem, (ir.Dim(value=1),)), ""), "constant"))
    order = draw(st.permutations(range(len(outputs))))
    consts = tuple(Port(pool.pop(), ir.TensorType(draw(st.sampled_from(RUNNABLE)),
                                                  (ir.Dim(value=draw(st.integers(1, 2))),)), doc())
                   for _ in range(n_consts))
    n_strings = draw(st.integers(1, 4))
    corrupt: tuple[str, ...] = ()
    if inputs and draw(st.integers(0, 29)) == 0:  # a name that is not UTF-8 in the file
        k = draw(st.integers(0, len(inputs) - 1))
        name = f"\x01corrupt{k}\x01"
        inputs = tuple(dataclasses.replace(p, name=name) if i == k else p for i, p in enumerate(inputs))
        outputs = [dataclasses.replace(o, port=dataclasses.replace(o.port, name=name))
                   if o.how == "passthrough" and o.arg == k else o for o in outputs]
        corrupt = (name,)
    return FuzzModel(
        name=draw(names()),
        inputs=inputs,
        outputs=tuple(outputs[k] for k in order),
        constants=consts,
        doc=draw(docs()),
        graph_name=draw(names(long=False)),
        graph_doc=draw(docs()),
        producer=draw(st.one_of(st.just("fuzz"), names(long=False))),
        domain=draw(st.one_of(st.just(""), names(long=False))),
        metadata=tuple(draw(st.dictionaries(names(long=False), docs(), max_size=3)).items()),
        opset=draw(st.sampled_from([19, 21, 23, 25, 26] if _uses(inputs, outputs, spec.ORT_BITS)
                                   else [17, 18, 19, 21, 23, 25, 26])),
        sizes=tuple((s, draw(st.integers(0, 3))) for s in symbols),
        unknown_size=draw(st.integers(1, 2)),
        unknown_rank=draw(st.integers(0, 3)),
        seq_len=draw(st.integers(0, 3)),
        strings=tuple(draw(st.lists(st.one_of(st.just(""), names(long=False)), min_size=n_strings,
                                    max_size=n_strings, unique=True))),
        seed=draw(st.integers(0, 2**31)),
        corrupt=corrupt,
    )
