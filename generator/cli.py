"""Command line: ``sdkgen MODEL --lang LANG`` plus ``inspect``.

User errors print one line on stderr and exit 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from . import __version__, emit, ir, marker, project, reader, targets, writer
from .errors import UserError

EXAMPLES = """
\b
Examples:
  sdkgen model.onnx --lang python            # ./model-python/, a pip-installable package
  sdkgen model.onnx --lang java --out sdk/   # a Maven module
  sdkgen model.onnx --lang go --module example.com/m/sdk
  sdkgen a.onnx b.onnx --lang go --out sdk/   # one SDK, one runtime, both models
  sdkgen                                     # every SDK ./sdkgen.yaml lists
  sdkgen diff sdk/go                         # exit 1 if the committed SDK is stale or edited
  sdkgen inspect model.onnx                  # the signature as a table
  sdkgen inspect model.onnx --json           # the IR as JSON
"""


class _DefaultGroup(click.Group):
    """A group whose first positional argument, if not a command, goes to ``generate``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["generate", *args]
        elif not args and Path(project.CONFIG_NAME).is_file():
            args = ["generate"]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sdkgen")
def cli() -> None:
    """Generate a typed, checked SDK (Python, Java or Go) around ONNX Runtime for MODEL."""


@cli.command(epilog=EXAMPLES)
@click.argument("models", nargs=-1, type=click.Path(dir_okay=True, path_type=str))
@click.option("--lang", "-l", type=click.Choice(targets.LANGS),
              help="Target language (required with MODEL; with a config file: only this language).")
@click.option("--config", "-c", "config_path", type=click.Path(path_type=str),
              help=f"Config file listing models and SDKs [default: ./{project.CONFIG_NAME} when no MODEL is given].")
@click.option("--out", "-o", type=click.Path(path_type=str),
              help="Output directory [default: ./<model file stem>-<lang>; required with several models].")
@click.option("--name", help="Model class/type name [default: the model file's stem]; one model only.")
@click.option("--package", help="Python package / Java package / Go package name.")
@click.option("--module", "go_module", help="Go module path (go).")
@click.option("--group-id", help="Maven groupId (java).")
@click.option("--artifact-id", help="Maven artifactId (java) or Python distribution name (python).")
@click.option("--version", "sdk_version", help="Version of the generated SDK [default: 0.1.0].")
@click.option("--model-path", is_flag=True, help="Do not embed the model; load it from a path at run time.")
@click.option("--remote", is_flag=True,
              help="Also generate a remote backend: the same typed API against an Open Inference Protocol v2 "
                   "server (Triton, KServe, MLServer) over gRPC.")
@click.option("--downgrade", is_flag=True,
              help="Embed a copy lowered to the IR version and opsets the pinned ONNX Runtime loads "
                   "(only when the model uses nothing newer).")
@click.option("--optimize", is_flag=True,
              help="Embed the copy ONNX Runtime's offline graph optimisation (extended level) writes, checked against "
                   "the original on generated inputs (embedded models only).")
@click.option("--no-load-check", is_flag=True, help="Do not load embedded models into ONNX Runtime at generation.")
@click.option("--force", is_flag=True, help="Replace --out even if sdkgen did not create it.")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing: print a diff and exit 1 if --out differs from what would be generated.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def generate(
    models: tuple[str, ...],
    lang: str | None,
    config_path: str | None,
    out: str | None,
    name: str | None,
    package: str | None,
    go_module: str | None,
    group_id: str | None,
    artifact_id: str | None,
    sdk_version: str | None,
    model_path: bool,
    remote: bool,
    downgrade: bool,
    optimize: bool,
    no_load_check: bool,
    force: bool,
    check_only: bool,
    debug: bool,
) -> None:
    """Generate one SDK for MODEL(s) (the default command: `sdkgen MODEL... --lang L`), or every
    SDK a config file lists (`sdkgen`, `sdkgen --config sdkgen.yaml`)."""
    given: dict[str, str | bool | None] = {"package": package, "module": go_module, "group_id": group_id,
                                           "artifact_id": artifact_id, "version": sdk_version,
                                           "remote": True if remote else None}
    set_opts = tuple(k for k, v in given.items() if v is not None)
    code = 0

    def run() -> None:
        nonlocal code
        if models:
            if config_path is not None:
                raise UserError("give MODEL arguments or --config, not both")
            if lang is None:
                raise UserError("--lang is required (one of " + ", ".join(targets.LANGS) + ")")
            emit.check_options(lang, set_opts)
            if len(models) > 1 and out is None:
                raise UserError("--out is required when generating one SDK for several models")
            entries = project.model_entries(models, name, embed=not model_path, downgrade=downgrade,
                                            load_check=not no_load_check, optimize=optimize)
            opts = emit.options_from({k: v for k, v in given.items() if v is not None})
            sdk = project.SdkEntry(lang, out or f"{emit.default_name(models[0])}-{lang}", opts, set_opts)
            proj = project.Project(entries, (sdk,))
        else:
            cfg = config_path or project.CONFIG_NAME
            if config_path is None and not Path(cfg).is_file():
                raise UserError(f"no MODEL given and no ./{project.CONFIG_NAME} here "
                                "(expected `sdkgen MODEL --lang L` or a config file)")
            flags = [f for f, v in (("--out", out), ("--name", name), ("--model-path", model_path or None),
                                    ("--downgrade", downgrade or None), ("--optimize", optimize or None),
                                    ("--no-load-check", no_load_check or None))
                     if v is not None] + [emit.OPTION_FLAGS[k] for k in set_opts]
            if flags:
                raise UserError(f"{', '.join(flags)} cannot be combined with a config file (set them in {cfg})")
            proj = project.load_config(cfg)
            if lang is not None:
                proj = project.Project(proj.models, tuple(s for s in proj.sdks if s.lang == lang))
                if not proj.sdks:
                    raise UserError(f"{cfg}: no sdks.{lang} entry")
        sources = project.read_models(proj.models)
        for sdk in proj.sdks:
            if check_only:
                from . import diff as diff_mod

                files, record = project.render_sdk(sdk, sources)
                current = diff_mod.compare(writer.target_dir(sdk.out), files, record, click.echo)
                click.echo(f"sdkgen: {sdk.out}: {'current' if current else 'STALE'}", err=True)
                code = code or (0 if current else 1)
                continue
            for x in sources:
                if x.changes:
                    click.echo(f"sdkgen: {x.entry.path}: the embedded copy differs from the file: "
                               f"{', '.join(x.changes)}", err=True)
            n = project.write_sdk(sdk, sources, force=force)
            click.echo(f"sdkgen: wrote {n} files to {sdk.out} ({sdk.lang}, "
                       f"{len(sources)} model{'s' if len(sources) != 1 else ''})", err=True)

    _guard(run, debug)
    sys.exit(code)


@cli.command(epilog=EXAMPLES)
@click.argument("model", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the IR as JSON.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def inspect(model: str, as_json: bool, debug: bool) -> None:
    """Print MODEL's signature (inputs, outputs, symbolic dims, metadata)."""

    def run() -> None:
        m = reader.read(model)
        click.echo(ir.to_json(m) if as_json else _table(m), nl=not as_json)

    _guard(run, debug)


@cli.command()
@click.argument("model", type=click.Path(path_type=str))
@click.option("--out", "-o", required=True, type=click.Path(path_type=str),
              help="Fixture directory: test_data_set_N/input_I.pb, output_I.pb are written under it.")
@click.option("--cases", "n_cases", default=3, show_default=True, type=click.IntRange(1), help="Number of cases.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the generated inputs.")
@click.option("--dim", "dims", multiple=True, metavar="NAME=SIZE", help="Size of a symbolic dim [default: 2].")
@click.option("--npz", type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="Take the inputs from this .npz (arrays keyed by input name) instead of generating them.")
@click.option("--errors", is_flag=True,
              help="Also write invalid input sets with the input error each must raise (docs/errors.md).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def fixtures(model: str, out: str, n_cases: int, seed: int, dims: tuple[str, ...], npz: str | None,
             errors: bool, debug: bool) -> None:
    """Write test fixtures for MODEL in the ONNX backend-test layout; expected outputs from ONNX Runtime."""
    from . import fixtures as fx

    def run() -> None:
        m = reader.read(model)
        sets = fx.make(model, m, out, cases=n_cases, seed=seed, dims=fx.parse_dims(dims), npz=npz, errors=errors)
        click.echo(f"sdkgen: wrote {len(sets)} data sets to {out}", err=True)

    _guard(run, debug)


@cli.command()
@click.argument("models", nargs=-1, type=click.Path(path_type=str))
@click.option("--suite", "suites", multiple=True, type=click.Path(path_type=str),
              help="Check every DIR/*/model.onnx with its test_data_set_* (repeatable).")
@click.option("--fixtures", "fixtures_dir", type=click.Path(path_type=str),
              help="Fixture directory of the (single) MODEL [default: its own test_data_set_*, else generated].")
@click.option("--lang", "langs", default="python,java,go", show_default=True, help="Comma-separated languages.")
@click.option("--rtol", default=1e-3, show_default=True, type=float, help="Relative tolerance for floats.")
@click.option("--atol", default=1e-7, show_default=True, type=float, help="Absolute tolerance for floats.")
@click.option("--junit", "junit_path", type=click.Path(path_type=str), help="Write JUnit XML here.")
@click.option("--json", "json_path", type=click.Path(path_type=str), help="Write every case x language result as JSON.")
@click.option("--allow-ort-cannot", is_flag=True,
              help="Cases raw ONNX Runtime cannot load or run pass as not checkable without an --ort-cannot list.")
@click.option("--work", type=click.Path(path_type=str), help="Work dir [default: ~/.cache/sdkgen/check].")
@click.option("--failures", "failures_dir", type=click.Path(file_okay=False, path_type=str),
              help="Directory of expected-failure lists LANG.tsv (case<TAB>reason); strict both ways.")
@click.option("--ort-cannot", "ort_cannot", type=click.Path(dir_okay=False, path_type=str),
              help="List of cases raw ONNX Runtime cannot load or run (case<TAB>status<TAB>reason).")
@click.option("--cases", "n_cases", default=3, show_default=True, type=click.IntRange(1),
              help="Cases to generate for a MODEL without fixtures.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of generated inputs.")
@click.option("--dim", "dims", multiple=True, metavar="NAME=SIZE", help="Size of a symbolic dim [default: 2].")
@click.option("--errors", is_flag=True,
              help="Generated fixtures also hold invalid input sets: every language must raise the same error.")
@click.option("--remote", "use_remote", is_flag=True,
              help="Also serve the models from a local Triton (Open Inference Protocol v2, 127.0.0.1) and run each "
                   "language's remote client: outputs must match the fixtures and, bit for bit, the in-process run.")
@click.option("--docker", "use_docker", is_flag=True,
              help="Run each language's runner in its own container (--network none); artifacts are built here.")
@click.option("--cpus", type=click.FloatRange(min=0.01), help="With --docker: the containers' CPU quota.")
@click.option("--cpuset-cpus", "cpuset", help="With --docker: the CPUs the containers may use, e.g. 0 or 0-1.")
@click.option("--docker-base", "docker_bases", multiple=True, metavar="LANG=IMAGE",
              help="With --docker: the base image of LANG's image (default: a registry image, else the local "
                   "Debian base).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def check(models: tuple[str, ...], suites: tuple[str, ...], fixtures_dir: str | None, langs: str, rtol: float,
          atol: float, junit_path: str | None, json_path: str | None, allow_ort_cannot: bool,
          work: str | None, failures_dir: str | None,
          ort_cannot: str | None, n_cases: int, seed: int, dims: tuple[str, ...], errors: bool,
          use_remote: bool, use_docker: bool, cpus: float | None, cpuset: str | None, docker_bases: tuple[str, ...],
          debug: bool) -> None:
    """Generate, build and run the SDKs on shared fixtures and compare every output (exit 1 on a mismatch)."""
    from . import fixtures as fx
    from .check import run as check_run

    code = 0

    def run() -> None:
        nonlocal code
        executor = None
        if not use_docker and (cpus is not None or cpuset is not None or docker_bases):
            raise UserError("--cpus, --cpuset-cpus and --docker-base apply to --docker runs only")
        if use_docker:
            from .check.docker import DockerExecutor, parse_bases

            executor = DockerExecutor(lambda s: click.echo(s, err=True), cpus=cpus, cpuset=cpuset,
                                      bases=parse_bases(docker_bases))
        code = check_run.check(
            models, suites, fixtures_dir=fixtures_dir,
            langs=[x.strip() for x in langs.split(",") if x.strip()], rtol=rtol, atol=atol,
            work=Path(work) if work else Path.home() / ".cache" / "sdkgen" / "check",
            junit_path=Path(junit_path) if junit_path else None,
            json_path=Path(json_path) if json_path else None, allow_ort_cannot=allow_ort_cannot,
            failures_dir=Path(failures_dir) if failures_dir else None,
            ort_cannot=Path(ort_cannot) if ort_cannot else None,
            n_cases=n_cases, seed=seed, dims=fx.parse_dims(dims), echo=click.echo, errors=errors,
            executor=executor, remote=use_remote,
            log=lambda s: click.echo(s, err=True),
        )

    _guard(run, debug)
    sys.exit(code)


@cli.command()
@click.argument("dirs", nargs=-1, type=click.Path(path_type=str))
@click.option("--config", "-c", "config_path", type=click.Path(path_type=str),
              help=f"Check every SDK this config lists [default: ./{project.CONFIG_NAME} when no DIR is given].")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def diff(dirs: tuple[str, ...], config_path: str | None, debug: bool) -> None:
    """Regenerate each SDK DIR in memory from its .sdkgen record (or every SDK of the config file,
    with the options it sets now); print a unified diff and exit 1 when a tree is stale or
    hand-edited, 0 when every tree is current (for CI)."""
    from . import diff as diff_mod

    code = 0

    def run() -> None:
        nonlocal code
        outs = [Path(d) for d in dirs]
        if not outs:
            cfg = config_path or project.CONFIG_NAME
            if config_path is None and not Path(cfg).is_file():
                raise UserError(f"no DIR given and no ./{project.CONFIG_NAME} here")
            proj = project.load_config(cfg)
            sources = project.read_models(proj.models)
            for sdk in proj.sdks:  # what the config asks for now, not what the record says
                files, record = project.render_sdk(sdk, sources)
                out = writer.target_dir(sdk.out)
                current = diff_mod.compare(out, files, record, click.echo)
                click.echo(f"sdkgen diff: {out}: {'current' if current else 'STALE'}", err=True)
                code = code or (0 if current else 1)
            return
        elif config_path is not None:
            raise UserError("give DIR arguments or --config, not both")
        for o in outs:
            current = diff_mod.diff_tree(o, click.echo)
            click.echo(f"sdkgen diff: {o}: {'current' if current else 'STALE'}", err=True)
            code = code or (0 if current else 1)

    _guard(run, debug)
    sys.exit(code)


@cli.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--triton", "triton_dir", type=click.Path(path_type=str),
              help="Write a Triton model repository (config.pbtxt + 1/model.onnx per model) to DIR.")
@click.option("--kserve", "kserve_file", type=click.Path(dir_okay=False, path_type=str),
              help="Write KServe InferenceService manifests (Triton runtime, protocol v2) to FILE.")
@click.option("--storage-uri", default="pvc://sdkgen-models", show_default=True,
              help="With --kserve: where the Triton repository (--triton) is stored.")
@click.option("--name", help="Model name [default: the model file's stem]; one model only.")
@click.option("--max-batch-size", type=click.IntRange(min=0),
              help=f"Triton max_batch_size for models with a shared batch dim [default: {8}; 0: no batching].")
@click.option("--cpus", type=click.FloatRange(min=0.01),
              help="The serving container's CPU limit: thread settings follow the container rule (docs/threads.md).")
@click.option("--force", is_flag=True, help="Replace --triton DIR even if sdkgen did not create it.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def deploy(models: tuple[str, ...], triton_dir: str | None, kserve_file: str | None, storage_uri: str,
           name: str | None, max_batch_size: int | None, cpus: float | None, force: bool, debug: bool) -> None:
    """Write serving configs for MODEL(s) from their signatures: a Triton model repository and/or
    KServe InferenceService manifests (Open Inference Protocol v2)."""
    from . import deploy as dep

    def run() -> None:
        if triton_dir is None and kserve_file is None:
            raise UserError("nothing to write: give --triton DIR and/or --kserve FILE")
        loaded = project.read_models(project.model_entries(models, name, embed=True, load_check=True))
        sources = [x.source for x in loaded]
        if triton_dir is not None:
            files = dep.triton(sources, max_batch=max_batch_size, cpus=cpus)
            record = json.dumps({"format": 1, "generator": "sdkgen", "kind": "triton-repository",
                                 "files": {k: marker.sha256(v) for k, v in sorted(files.items())}}, indent=2)
            writer.write_tree(triton_dir, files, marker=(record + "\n").encode("ascii"), force=force)
            click.echo(f"sdkgen: wrote a Triton model repository of {len(sources)} model(s) to {triton_dir}", err=True)
        if kserve_file is not None:
            text = dep.kserve(sources, storage_uri=storage_uri, max_batch=max_batch_size, cpus=cpus)
            out = Path(kserve_file)
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
                tmp.write_bytes(text)
                os.replace(tmp, out)
            except OSError as e:
                raise UserError(f"--kserve {kserve_file}: cannot write: {e.strerror or e}") from e
            click.echo(f"sdkgen: wrote {len(sources)} InferenceService manifest(s) to {kserve_file}", err=True)

    _guard(run, debug)


def _table(m: ir.Model) -> str:
    def esc(s: str) -> str:
        return s.encode("unicode_escape").decode("ascii")

    rows: list[tuple[str, str, str, str]] = []
    for kind, vals in (("input", m.inputs), ("output", m.outputs), ("constant", m.overridable)):
        for i, v in enumerate(vals):
            rows.append((kind, str(i), esc(v.name), esc(ir.type_str(v.type))))
    header = ("kind", "#", "name", "type")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
    lines = [
        f"model: {esc(m.graph_name)}  producer: {esc(m.producer_name)} {esc(m.producer_version)}  "
        f"ir_version: {m.ir_version}  opsets: "
        + ", ".join(f"{o.domain or 'ai.onnx'}={o.version}" for o in m.opsets),
        f"sha256: {m.sha256}",
    ]
    syms = ir.symbols(m)
    if syms:
        lines.append("symbolic dims: " + ", ".join(esc(s) for s in syms))
    for key, val in m.metadata:
        lines.append(f"metadata: {esc(key)} = {esc(val)}")
    lines.append("")
    for r in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def _guard(fn: Any, debug: bool) -> None:
    try:
        fn()
    except UserError as e:
        if debug or os.environ.get("SDKGEN_DEBUG"):
            traceback.print_exc()
        click.echo(f"sdkgen: error: {e}", err=True)
        sys.exit(2)


def main() -> None:
    cli(prog_name="sdkgen")
