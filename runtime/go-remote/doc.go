// Package oiprt is the remote half of the runtime of a Go SDK sdkgen generates
// with --remote: it runs a model on an Open Inference Protocol v2 server (Triton,
// KServe, Seldon MLServer) over gRPC, behind the same typed Inputs and Outputs
// as the in-process runtime (internal/ortrt).
//
// sdkgen copies this package's non-test files verbatim into each remote SDK as
// internal/oiprt, rewriting only its two imports (the SDK's internal/ortrt and
// internal/oip, the gRPC stubs sdkgen generates from grpc_predict_v2.proto).
// In-process SDKs do not get it, nor any gRPC dependency.
//
// A model package's NewRemote opens one *grpc.ClientConn per Client and asks the
// server for the model's metadata: a server whose model has another signature
// (names, datatypes, ranks, fixed dims) is refused with an *Error of kind
// Signature. Run checks the inputs exactly as the in-process runtime does
// (the same *ortrt.InputError, worded as docs/errors.md says), sends them as
// raw_input_contents (little-endian, row-major; BOOL one byte per element;
// BYTES as a 4-byte little-endian length before each string; FP16 and BF16 as
// their uint16 bits) and reads the outputs back from raw_output_contents by
// name. The server serves the user's model as it is, so the model's own
// signature goes over the wire: a scalar is a tensor of shape [], a model
// without inputs sends none, whatever the in-process runtime's adapted
// embedded copy needs.
//
// Every failure of a call is an *Error whose Kind says what happened
// (Unavailable, Deadline, Cancelled, Server, Signature); a deadline or a
// cancelled ctx also satisfies errors.Is(err, context.DeadlineExceeded) or
// errors.Is(err, context.Canceled). A Client is safe for concurrent use and
// usable again after any error; Close waits for the Runs in progress.
package oiprt
