#!/usr/bin/env bash
# Generate and run the SDKs for the embedded default model (examples/logreg_iris.onnx).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=examples/logreg_iris.onnx
OUT=demo-out
mkdir -p "$OUT"

echo "== sdkgen inspect $MODEL"
sdkgen inspect "$MODEL"

echo "== Python: sdkgen $MODEL --lang python"
sdkgen "$MODEL" --lang python --out "$OUT/python"
python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$OUT/python"
python scripts/demo_python.py
