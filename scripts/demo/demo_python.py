"""Run the generated Python SDK for logreg_iris on three flowers and show a checked error."""

from __future__ import annotations

import numpy as np
from logreg_iris import LogregIris, ModelInputError

X = np.array([[5.1, 3.5], [6.2, 3.4], [7.7, 2.6]], dtype=np.float32)

with LogregIris() as model:
    print(f"threads (intra, inter): {model.threads}, spinning: {model.config.allow_spinning}")
    out = model.run(float_input=X)
    print("label:", out.label.tolist())
    for i, p in enumerate(out.probabilities):
        print(f"  row {i}:", {k: round(v, 4) for k, v in sorted(p.items())})
    try:
        model.run(float_input=X.astype(np.float64))
    except ModelInputError as e:
        print("checked error:", e)
