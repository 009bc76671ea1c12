#!/usr/bin/env bash
# Generate and run the Python, Java and Go SDKs for the embedded default model
# (examples/logreg_iris.onnx). Run via `make demo`, which puts the project venv on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=examples/logreg_iris.onnx
OUT=demo-out
HERE=scripts/demo
mkdir -p "$OUT"

echo "== sdkgen inspect $MODEL"
sdkgen inspect "$MODEL"

echo; echo "== Python: sdkgen $MODEL --lang python"
sdkgen "$MODEL" --lang python --out "$OUT/python"
python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$OUT/python"
python "$HERE/demo_python.py"

echo; echo "== Java: sdkgen $MODEL --lang java --package demo.iris"
sdkgen "$MODEL" --lang java --out "$OUT/java" --package demo.iris
(cd "$OUT/java" && mvn -q -B -Dstyle.color=never verify dependency:build-classpath -Dmdep.outputFile=classpath.txt)
java -cp "$OUT/java/target/classes:$(cat "$OUT/java/classpath.txt")" "$HERE/Demo.java"

echo; echo "== Go: sdkgen $MODEL --lang go --module example.com/demo/logregiris"
sdkgen "$MODEL" --lang go --out "$OUT/go" --module example.com/demo/logregiris
rm -rf "$OUT/go-main" && mkdir -p "$OUT/go-main" && cp "$HERE/go/main.go" "$OUT/go-main/"
cat > "$OUT/go-main/go.mod" <<GOMOD
module example.com/demo/main

go 1.24

require example.com/demo/logregiris v0.0.0

replace example.com/demo/logregiris => ../go
GOMOD
ORT_LIB=$(python -c 'import onnxruntime, pathlib; print(next((pathlib.Path(onnxruntime.__file__).parent / "capi").glob("libonnxruntime.so.*")))')
(cd "$OUT/go-main" && go mod tidy >/dev/null 2>&1 && ONNXRUNTIME_SHARED_LIBRARY_PATH="$ORT_LIB" go run .)
