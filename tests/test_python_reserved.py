"""The Python reserved names are what the generated code and the runtime really define.

Every Python golden's package modules (the model modules and ``__init__``) are parsed with
``ast``; so is the runtime's ``Model`` class, which every model class extends. Each name bound at
module or class scope, and each name a generated method that holds model names (``run``, whose
parameters are the inputs; ``as_dict``) binds or reads, must be reserved
(``generator.naming.python.RESERVED``) unless the model itself gave it (its class, field and
constant names, from the typed view) or it starts with ``_`` (no model name can). And each name
listed in ``_GENERATED`` must be one of them, so the list never goes stale.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.emit.python import SdkView
from generator.naming import python as naming

from .golden_cases import GOLDEN, generated, spec
from .paths import REPO

PY_CASES = sorted(p for p in GOLDEN.glob("python-*") if (p / "case.json").is_file())
RUNTIME_MODEL = REPO / "runtime" / "python" / "sdkgen_runtime" / "model.py"
REMOTE_MODEL = REPO / "runtime" / "python" / "sdkgen_runtime" / "remote" / "__init__.py"


def _targets(node: ast.AST) -> Iterator[str]:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            yield n.id


def _function_names(fn: ast.FunctionDef) -> Iterator[str]:
    """Parameters, names bound in the body, and names the function reads."""
    a = fn.args
    for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])]:
        yield arg.arg
    for n in ast.walk(fn):
        if isinstance(n, ast.Name):
            yield n.id


def _scope_names(body: list[ast.stmt], model: set[str]) -> Iterator[str]:
    """Names bound at this scope (module or class body), and all names of its functions that
    hold a model's names (``model``)."""
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                continue
            for alias in stmt.names:
                yield alias.asname or alias.name.split(".")[0]
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                yield from _targets(t)
        elif isinstance(stmt, ast.FunctionDef):
            yield stmt.name
            inner = set(_function_names(stmt))
            if inner & model:
                yield from inner
        elif isinstance(stmt, ast.ClassDef):
            yield stmt.name
            for base in stmt.bases:
                yield from (n.id for n in ast.walk(base) if isinstance(n, ast.Name))
            for dec in stmt.decorator_list:
                yield from (n.id for n in ast.walk(dec) if isinstance(n, ast.Name))
            yield from _scope_names(stmt.body, model)


def _model_names(view: SdkView) -> set[str]:
    out: set[str] = set()
    for m in view.models:
        out |= {m.class_name, m.outputs_class, m.sha256_const}
        out |= {v.ident for v in (*m.inputs, *m.outputs)}
    return out


def _generated_names(case: Path) -> set[str]:
    view = generated(case).view
    assert isinstance(view, SdkView)
    pkg = case / "out" / "src" / view.package
    modules = [pkg / "__init__.py", *(pkg / f"{m.module}.py" for m in view.models)]
    model = _model_names(view)
    names: set[str] = set()
    for path in modules:
        names |= set(_scope_names(ast.parse(path.read_text(encoding="utf-8")).body, model))
    return {n for n in names - model if not n.startswith("_")}


def _runtime_model_names() -> set[str]:
    tree = ast.parse(RUNTIME_MODEL.read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Model"]
    return {
        s.name for s in cls.body if isinstance(s, ast.FunctionDef) and not s.name.startswith("_")
    }


def test_there_are_python_goldens() -> None:
    assert len(PY_CASES) >= 4


def _remote(case: Path) -> bool:
    return bool(spec(case).get("options", {}).get("remote"))


@pytest.mark.parametrize("case", PY_CASES, ids=[c.name for c in PY_CASES])
def test_every_name_the_generated_code_uses_is_reserved(case: Path) -> None:
    reserved = naming.RESERVED | (naming.REMOTE_GENERATED if _remote(case) else frozenset())
    missing = sorted(_generated_names(case) - reserved)
    where = "REMOTE_GENERATED" if _remote(case) else "_GENERATED"
    assert not missing, f"{case.name}: add to generator/naming/python.py {where}: {missing}"


def _remote_model_names() -> set[str]:
    """The public names the runtime's RemoteModel adds to a remote SDK's model classes."""
    tree = ast.parse(REMOTE_MODEL.read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RemoteModel"]
    return {s.name for s in cls.body if isinstance(s, ast.FunctionDef) and not s.name.startswith("_")}


def test_every_reserved_remote_name_is_used_and_only_there() -> None:
    remote = [c for c in PY_CASES if _remote(c)]
    assert remote, "no python golden with the remote option"
    used = set().union(*(_generated_names(c) for c in remote), _remote_model_names())
    assert not sorted(naming.REMOTE_GENERATED - used), "reserved for remote SDKs but never generated"
    assert {"endpoint", "with_options"} <= _remote_model_names() <= naming.RESERVED | naming.REMOTE_GENERATED
    in_process = set().union(*(_generated_names(c) for c in PY_CASES if not _remote(c)))
    assert not in_process & (naming.REMOTE_GENERATED - naming.RESERVED)


def test_every_public_name_of_the_runtime_model_class_is_reserved() -> None:
    names = _runtime_model_names()
    assert {"run_dict", "run_positional", "close", "config", "threads"} <= names
    assert not sorted(names - naming.RESERVED)


def test_every_reserved_generated_name_is_used() -> None:
    used = set().union(*(_generated_names(c) for c in PY_CASES if not _remote(c)), _runtime_model_names())
    stale = sorted(naming._GENERATED - used)
    assert not stale, f"reserved in generator/naming/python.py but never generated: {stale}"
