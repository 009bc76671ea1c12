"""Runs inside a thread-benchmark container: each (language, variant) as its own worker process.

    python3 inside.py PLAN_JSON

Stand-alone (stdlib only). PLAN: {"reps", "n", "warm", "warm_max", "dims", "langs": {lang: [cmd...]},
"env": {...}, "variants": [[name, kind, extra_env, languages]], "latsched": [language...]}; an
extra_env value "@sdk_intra" is replaced by the intra-op thread count the SDK picks in this
container; a variant with a list of languages runs for those only (null or empty: every
language); the workers of "latsched" languages then time as many calls again, with each call's
thread CPU time and run-queue wait. For every repetition, language and
variant (order rotating), one fresh process opens the MLP, warms up, measures N sequential calls
and reports; each prints one JSON line on stdout. Fresh processes: one variant's threads (ORT's
pool, the JIT, the GC) never run while another is measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def ask(p: subprocess.Popen[str], line: str) -> dict[str, Any]:
    assert p.stdin is not None and p.stdout is not None
    p.stdin.write(line + "\n")
    p.stdin.flush()
    out = p.stdout.readline()
    if not out.startswith("ok "):
        raise RuntimeError(f"{line!r}: {out.strip() or 'no answer (exit ' + str(p.wait()) + ')'}")
    result: dict[str, Any] = json.loads(out[3:])
    return result


def cgroup_cpu() -> dict[str, float]:
    """This container's CPU use and CFS throttling so far (cgroup v1 or v2); {} when unreadable."""
    out: dict[str, float] = {}
    try:
        v2 = os.path.exists("/sys/fs/cgroup/cpu.stat") and not os.path.exists("/sys/fs/cgroup/cpu/cpu.stat")
        stat = "/sys/fs/cgroup/cpu.stat" if v2 else "/sys/fs/cgroup/cpu/cpu.stat"
        with open(stat) as f:
            kv = dict(line.split() for line in f if len(line.split()) == 2)
        out["periods"] = float(kv.get("nr_periods", 0))
        out["throttled"] = float(kv.get("nr_throttled", 0))
        if v2:
            out["throttled_ms"] = float(kv.get("throttled_usec", 0)) / 1e3
            out["cpu_ms"] = float(kv.get("usage_usec", 0)) / 1e3
        else:
            out["throttled_ms"] = float(kv.get("throttled_time", 0)) / 1e6
            for usage in ("/sys/fs/cgroup/cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage"):
                if os.path.exists(usage):
                    with open(usage) as f:
                        out["cpu_ms"] = float(f.read()) / 1e6
                    break
    except (OSError, ValueError):
        return {}
    return out


def run_queue_wait(pid: int) -> dict[str, float]:
    """How long the threads of process ``pid`` have waited, runnable, for a CPU (the sum of each
    thread's ``/proc/PID/task/TID/schedstat`` run delay), in ms, and the load average; {} when
    unreadable. The wait grows while other processes on the host hold the CPUs, while the
    process's own threads compete, and while the CFS quota throttles the container."""
    try:
        ns = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    ns += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue  # a thread that ended
        with open("/proc/loadavg") as f:
            load = float(f.read().split()[0])
    except (OSError, ValueError):
        return {}
    return {"runq_ms": ns / 1e6, "load": load}


def measure(plan: dict[str, Any], lang: str, kind: str, env: dict[str, str], n: int, allocs: bool) -> dict[str, Any]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SDKGEN_", "ORT_"))}
    full.update(plan["env"])
    full.update(env)
    p = subprocess.Popen(plan["langs"][lang], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=full)
    try:
        dims = ",".join(map(str, plan["dims"]))
        out: dict[str, Any] = {"open": ask(p, f"open a {kind} mlp 0 0 {dims}")}
        out["warm"] = ask(p, f"warm a {plan['warm']} {plan['warm_max']}")
        out["before"] = ask(p, "stats")
        cg0, rq0 = cgroup_cpu(), run_queue_wait(p.pid)
        out["ns"] = ask(p, f"lat a {n}")["ns"]
        cg1, rq1 = cgroup_cpu(), run_queue_wait(p.pid)
        # the worker's threads' wait for a CPU during the timed calls; the host's load average
        # (not namespaced) at the end
        if rq0 and rq1:
            out["sched"] = {"runq_ms": rq1["runq_ms"] - rq0["runq_ms"], "load": rq1["load"]}
        out["after"] = ask(p, "stats")
        # the container's CPU time and CFS throttling during the timed calls
        out["cgroup"] = {k: cg1[k] - cg0[k] for k in cg1 if k in cg0}
        if lang in plan.get("latsched", ()):
            # A second window: each call's time, its thread's CPU time and run-queue wait. Not the
            # timed one: reading them between calls gives the kernel a place to throttle outside
            # the calls, which would move the quota's stalls out of what `lat` times.
            out["latsched"] = ask(p, f"latsched a {n}")
        if allocs and lang != "python":
            out["allocs"] = ask(p, "allocs a 50")
        ask(p, "quit")
        p.wait(timeout=60)
        return out
    finally:
        if p.poll() is None:
            p.kill()


def main() -> None:
    plan = json.loads(sys.argv[1])
    # the SDK's own choice in this container, for the ORT_INTRA_OP_NUM_THREADS row
    probe = measure(plan, plan["probe_lang"], "sdk", {}, 1, False)
    sdk_intra = str(probe["open"]["config"]["intra_op_threads"])
    print(json.dumps({"probe": probe["open"], "cpu_count": os.cpu_count(),
                      "affinity": len(os.sched_getaffinity(0))}), flush=True)
    for rep in range(plan["reps"]):
        for li, lang in enumerate(plan["langs"]):
            variants = [v[:3] for v in plan["variants"] if len(v) < 4 or not v[3] or lang in v[3]]
            k = (rep + li) % len(variants)
            order = variants[k:] + variants[:k]
            if rep % 2:
                order.reverse()
            for name, kind, extra in order:
                env = {key: sdk_intra if v == "@sdk_intra" else v for key, v in extra.items()}
                try:
                    r = measure(plan, lang, kind, env, plan["n"], rep == 0)
                except Exception as e:  # noqa: BLE001 - reported, the others still run
                    r = {"error": str(e)}
                r.update(rep=rep, lang=lang, variant=name, env=env)
                print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
