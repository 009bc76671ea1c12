#!/usr/bin/env bash
# Benchmark (not a test): per-call time of the generated Java run() vs the raw ORT Java API.
# Usage: scripts/bench_java.sh [rounds]   (needs mvn, a JDK 17 and the repo's .venv)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$repo/.venv/bin/python}
rounds=${1:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mul=$("$py" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "datasets", "mul_1.onnx"))')
tt=$repo/tests/models/tiny_transformer.onnx
cd "$repo"
# One SDK with both models (classes Mul1 and TinyTransformer, one runtime).
"$py" -m generator "$mul" "$tt" --lang java --out "$work/sdk" --package sdkgen.bench >/dev/null
(cd "$work/sdk" && mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=cp.txt)
cp="$work/sdk/target/classes:$(cat "$work/sdk/cp.txt")"
mkdir -p "$work/bench"
javac -Xlint:all -Werror -cp "$cp" -d "$work/bench" "$repo/scripts/BenchJava.java"
java -cp "$work/bench:$cp" sdkgen.bench.BenchJava "$mul" "$tt" "$rounds"
