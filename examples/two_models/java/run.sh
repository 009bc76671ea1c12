#!/usr/bin/env bash
# Generate ONE Java SDK for the transformer and the decode head, verify it (its generated tests),
# then compile and run TwoModels.java against it.
# Usage: examples/two_models/java/run.sh [WORK_DIR]   (needs Maven, a JDK 17 and sdkgen or the repo's .venv)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=${1:-$repo/build/two_models_java}
py=${PYTHON:-$repo/.venv/bin/python}
mkdir -p "$work"
"$py" -m generator "$repo/tests/models/tiny_transformer.onnx" "$repo/tests/models/decode_head.onnx" \
  --lang java --out "$work/sdk" --force >&2
(cd "$work/sdk" && mvn -B -q verify dependency:build-classpath -Dmdep.outputFile=cp.txt >&2)
cp="$work/sdk/target/classes:$(cat "$work/sdk/cp.txt")"
mkdir -p "$work/classes"
javac -Xlint:all -Werror -cp "$cp" -d "$work/classes" "$here/TwoModels.java"
java -cp "$work/classes:$cp" TwoModels
