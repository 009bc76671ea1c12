// Package ortrt is the runtime of every Go SDK sdkgen generates: the model
// independent half of it, around github.com/yalue/onnxruntime_go.
//
// sdkgen copies this package's non-test files verbatim into each generated
// module as internal/ortrt, once per module however many models it holds.
// A generated model package declares its signature as a ModelSpec, its typed
// Inputs and Outputs structs, and small functions that move them in and out
// of a Call (PutTensor, GetTensor and friends; for RunInto, BindTensor and
// FillTensor, which lend ONNX Runtime the caller's output memory); everything
// else lives here: input checks, value conversions, the session and its
// lifecycle, cancellation, settings, the container thread rule and the
// library lookup.
// The model packages re-export the public types below as aliases, so a Tensor
// one model returns is the same type another model takes.
//
// ONNX Runtime's environment is process-wide. The first NewSession loads the
// library and initialises it (see WithLibraryPath); later sessions of any model
// of the module share it. A failed initialisation is retried by the next
// NewSession. When something else in the process initialised ONNX Runtime first
// (a second, different sdkgen module, or code using onnxruntime_go directly),
// its environment is used as it is: Config.LibraryPath is then empty and
// WithLibraryPath has no effect, since which library that code loaded cannot
// be known.
//
// The rules of the Python and Java runtimes are the same (sdkgen's
// docs/threads.md); this package is tested against the same fixtures.
package ortrt
