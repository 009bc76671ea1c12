// Command twomodels runs the two models of one sdkgen Go SDK in one process:
// the transformer (tests/models/tiny_transformer.onnx), then the decode head
// (tests/models/decode_head.onnx) on the transformer's logits, passed as they
// are, then the transformer again on the decoded token ids. Both model
// packages share the SDK's runtime, so the transformer's Tensor[float32] is
// the decode head's input type and its Tensor[int64] is the transformer's.
// It prints one JSON object.
//
//	cd examples/two_models/go
//	sdkgen                 # reads sdkgen.yaml, writes the SDK to ./sdk
//	ONNXRUNTIME_SHARED_LIBRARY_PATH=/path/to/libonnxruntime.so.1.29.0 go run .
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"

	"example.com/twomodels/sdk/decodehead"
	"example.com/twomodels/sdk/tinytransformer"
)

func main() {
	ctx := context.Background()
	transformer, err := tinytransformer.New()
	if err != nil {
		log.Fatal(err)
	}
	defer transformer.Close()
	head, err := decodehead.New()
	if err != nil {
		log.Fatal(err)
	}
	defer head.Close()

	ids := tinytransformer.NewTensor([]int64{1, 5, 9, 2, 3, 3, 0, 7}, 2, 4)
	mask := tinytransformer.NewTensor([]int64{1, 1, 1, 1, 1, 1, 1, 0}, 2, 4)
	first, err := transformer.Run(ctx, tinytransformer.Inputs{InputIds: ids, AttentionMask: mask})
	if err != nil {
		log.Fatal(err)
	}
	// The transformer's output is the decode head's input, with no conversion.
	decoded, err := head.Run(ctx, decodehead.Inputs{Logits: first.Logits})
	if err != nil {
		log.Fatal(err)
	}
	// And the decoded token ids feed the transformer again.
	again, err := transformer.Run(ctx, tinytransformer.Inputs{InputIds: decoded.TokenIds, AttentionMask: mask})
	if err != nil {
		log.Fatal(err)
	}

	scores := make([]float32, len(decoded.Scores.Data))
	for i, bits := range decoded.Scores.Data {
		scores[i] = decodehead.Float16FromBits(bits)
	}
	out := map[string]any{
		"input_ids":    ids,
		"mask":         mask,
		"token_ids":    decoded.TokenIds,
		"scores":       scores,
		"tokens":       decoded.Tokens,
		"again_logits": again.Logits,
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		log.Fatal(err)
	}
}
