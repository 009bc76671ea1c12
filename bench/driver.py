"""Talking to the workers, and measuring side by side.

Every language has one worker program (bench/workers/: worker.py, worker.go.in, BenchWorker.java.in)
that reads commands on stdin, one per line, and answers each with one line, ``ok <json>`` or
``err <message>`` (anything else it prints goes to stderr):

    open ID KIND MODEL THREADS SPIN DIMS   open a runner: KIND sdk (the generated SDK), raw (the binding,
                                           doing the SDK's work: same options, tensors made per call,
                                           outputs copied out), docs (the binding as its own docs show
                                           it), torch (Python only: PyTorch eager), sdk-into and
                                           raw-into (Go: RunInto into one reused Outputs, and the binding
                                           doing that by hand). THREADS > 0: intra-op
                                           threads (inter-op 1, sequential, all optimisations, spinning
                                           SPIN); 0: the defaults (the SDK's with no option, ORT's
                                           SessionOptions untouched). DIMS: every input's shape, "1,16".
                                           -> {checksum, threads_added, config?}; one call is made.
    run ID N                               N calls -> {ns: total}
    lat ID N                               N calls -> {ns: [each call]}
    latsched ID N                          Go: lat, and each call's thread CPU time and run-queue wait
                                           (/proc/thread-self/schedstat) -> {ns, cpu_ns, wait_ns}
    warm ID MIN MAX                        calls for MIN s (Java: and 10,000 calls, then until its JIT
                                           compiled nothing for 0.5 s, at most MAX s) -> {calls, seconds, steady}
    allocs ID N                            Go, Java: managed-heap allocation per call
    profile ID N                           Python: cProfile's per-call own time by function
    cpuprofile ID N FILE                   Go: N calls under runtime/pprof, written to FILE
    stats                                  process: GC, JIT, OS threads
    close ID / quit

Workers of several languages can be alive at once: while one measures, the others block on stdin,
so blocks of calls can be interleaved across processes and languages and a slow drift of the
machine (other jobs, thermal, frequency) hits every side alike.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Self

from .common import spread


class WorkerError(RuntimeError):
    pass


class Worker:
    """One worker process."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> None:
        self.name = name
        self.log = log
        full = {k: v for k, v in os.environ.items() if not k.startswith(("SDKGEN_", "ORT_"))}
        full.update(env)
        log.parent.mkdir(parents=True, exist_ok=True)
        self._err = open(log, "w")  # noqa: SIM115 - closed in close()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err, text=True,
                                  env=full, cwd=cwd, bufsize=1)
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def ask(self, *words: object, timeout: float = 900) -> dict[str, Any]:
        assert self.p.stdin is not None
        line_out = " ".join(str(w) for w in words)
        try:
            self.p.stdin.write(line_out + "\n")
            self.p.stdin.flush()
        except BrokenPipeError:
            pass
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise WorkerError(f"{self.name} worker: no answer to {line_out!r} in {timeout:.0f}s") from None
        if line is None:
            raise WorkerError(f"{self.name} worker exited ({self.p.wait()}) on {line_out!r}:\n{self.tail()}")
        if line.startswith("err "):
            raise WorkerError(f"{self.name} worker: {line_out!r}: {line[4:].strip()}\n{self.tail()}")
        if not line.startswith("ok "):
            raise WorkerError(f"{self.name} worker: unexpected {line!r} after {line_out!r}")
        result: dict[str, Any] = json.loads(line[3:])
        return result

    def tail(self) -> str:
        self._err.flush()
        try:
            return self.log.read_text()[-3000:]
        except OSError:
            return ""

    def close(self) -> None:
        if self.p.poll() is None:
            try:
                self.ask("quit", timeout=30)
            except WorkerError:
                pass
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self._err.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclasses.dataclass
class Runner:
    """A runner opened in a worker: what one row of a table measures."""

    worker: Worker
    rid: str
    label: str
    info: dict[str, Any] = dataclasses.field(default_factory=dict)

    @staticmethod
    def open(worker: Worker, rid: str, label: str, kind: str, model: str, threads: int, spin: bool,
             dims: tuple[int, ...]) -> Runner:
        t0 = time.perf_counter()
        info = worker.ask("open", rid, kind, model, threads, int(spin), ",".join(map(str, dims)))
        # the open command's round trip: the session made (model loaded, optimised) and one first call
        info["open_s"] = time.perf_counter() - t0
        return Runner(worker, rid, label, info)

    def close(self) -> None:
        self.worker.ask("close", self.rid)


def same_results(runners: list[Runner], rel: float = 1e-3) -> None:
    """Every runner computed the same thing (its first output's sum), or the comparison is void."""
    ref = runners[0]
    for r in runners[1:]:
        a, b = ref.info["checksum"], r.info["checksum"]
        if abs(a - b) > rel * max(1.0, abs(a)):
            raise WorkerError(f"{r.label} computes {b}, {ref.label} computes {a}: not the same work")


@dataclasses.dataclass
class Blocks:
    """Per-call times (seconds) of each runner, one value per round, measured interleaved."""

    labels: list[str]
    per_call: dict[str, list[float]]
    calls: dict[str, int]  # calls per block
    # process CPU time per call (all threads), one value per round: unlike wall time it does not grow
    # while the process waits for a CPU, so on a busy machine its ratios are the steadier ones
    cpu_per_call: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    def median(self, label: str, cpu: bool = False) -> float:
        return statistics.median((self.cpu_per_call if cpu else self.per_call)[label])

    def ratios(self, a: str, b: str, cpu: bool = False) -> list[float]:
        """a/b in each round: the two blocks were measured next to each other."""
        t = self.cpu_per_call if cpu else self.per_call
        return [x / y for x, y in zip(t[a], t[b])]

    def ratio(self, a: str, b: str, cpu: bool = False) -> tuple[float, float, float]:
        """(median, q1, q3) of the per-round ratios a/b."""
        r = self.ratios(a, b, cpu)
        lo, hi = spread(r)
        return statistics.median(r), lo, hi


def interleave(runners: list[Runner], rounds: int, block_s: float, warm_s: float, warm_max_s: float) -> Blocks:
    """Warm every runner up, size one block of calls to about ``block_s`` each, then run ``rounds``
    rounds, each one block per runner, the order rotating and reversing from round to round so no
    runner always follows the same one."""
    per_call_est = {}
    for r in runners:
        w = r.worker.ask("warm", r.rid, warm_s, warm_max_s)
        per_call_est[r.label] = w["seconds"] / max(1, w["calls"])
    calls = {r.label: max(1, int(block_s / max(per_call_est[r.label], 1e-9))) for r in runners}
    out: dict[str, list[float]] = {r.label: [] for r in runners}
    cpu: dict[str, list[float]] = {r.label: [] for r in runners}
    for i in range(rounds):
        k = i % len(runners)
        order = runners[k:] + runners[:k]
        if i % 2:
            order.reverse()
        for r in order:
            n = calls[r.label]
            res = r.worker.ask("run", r.rid, n)
            out[r.label].append(res["ns"] / 1e9 / n)
            cpu[r.label].append(max(res.get("cpu_ns", 0), 1) / 1e9 / n)
    return Blocks([r.label for r in runners], out, calls, cpu)


def percentile(xs: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): an actual observed value, no interpolation."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def now() -> float:
    return time.monotonic()
