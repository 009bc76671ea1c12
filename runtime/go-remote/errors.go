package oiprt

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Kind says what went wrong with a remote call (Error.Kind): the remote kinds
// of sdkgen's error contract (docs/errors.md), the same in every language.
type Kind string

// Kinds of Error.
const (
	// Unavailable: the server cannot be reached (nothing listening, the
	// connection lost, a TLS handshake failure) or says it cannot serve now
	// (gRPC UNAVAILABLE). The Client reconnects by itself: a later Run works
	// once the server is back.
	Unavailable Kind = "unavailable"
	// Deadline: ctx's deadline or WithTimeout passed before the server
	// answered (gRPC DEADLINE_EXCEEDED); errors.Is(err, context.DeadlineExceeded).
	Deadline Kind = "deadline"
	// Cancelled: ctx was cancelled (gRPC CANCELLED); errors.Is(err, context.Canceled).
	Cancelled Kind = "cancelled"
	// Server: the server refused or failed the request (any other gRPC
	// status, e.g. INVALID_ARGUMENT or INTERNAL), or answered with a
	// response that does not fit the model's signature.
	Server Kind = "server"
	// Signature: at open, the server's model has another signature than the
	// one the SDK was generated for (names, datatypes, ranks, fixed dims), or
	// the server does not serve a model of that name.
	Signature Kind = "signature"
)

// Error reports a failed remote call: opening (the metadata request and the
// signature check) or Run. Inputs that do not match the signature are an
// *ortrt.InputError instead, returned before anything is sent. The Client stays
// usable after an Error. Use errors.As to get it; errors.Is(err,
// context.DeadlineExceeded) and errors.Is(err, context.Canceled) hold for the
// Deadline and Cancelled kinds, and status.Code(err) gives the gRPC code.
type Error struct {
	Kind    Kind
	Package string     // the generated package
	Model   string     // the model's name on the server
	Addr    string     // the server's address, as given to NewRemote
	Code    codes.Code // the gRPC status code; codes.OK when no gRPC call failed (a signature mismatch, a malformed response)
	Message string     // what went wrong: the server's message, or the mismatches
	causes  []error
}

func (e *Error) Error() string {
	return e.Package + ": remote model " + quote(e.Model) + " at " + e.Addr + ": " + string(e.Kind) + ": " + e.Message
}

// Unwrap returns the context error of the Deadline and Cancelled kinds and the
// gRPC status error, when there are.
func (e *Error) Unwrap() []error { return e.causes }

// rpcError turns a failed gRPC call into an *Error. ctx is the call's context.
func (c *Client) rpcError(ctx context.Context, err error) *Error {
	st := status.Convert(err)
	e := &Error{Package: c.spec.Package, Model: c.model, Addr: c.addr, Code: st.Code(),
		Message: "gRPC " + st.Code().String() + ": " + st.Message()}
	ctxErr := ctx.Err()
	switch {
	case errors.Is(ctxErr, context.DeadlineExceeded) || (ctxErr == nil && st.Code() == codes.DeadlineExceeded):
		e.Kind, e.causes = Deadline, []error{context.DeadlineExceeded, err}
	case errors.Is(ctxErr, context.Canceled) || (ctxErr == nil && st.Code() == codes.Canceled):
		e.Kind, e.causes = Cancelled, []error{context.Canceled, err}
	case st.Code() == codes.Unavailable:
		e.Kind, e.causes = Unavailable, []error{err}
	default:
		e.Kind, e.causes = Server, []error{err}
	}
	return e
}

// ctxError is the *Error of a ctx that is done before anything was sent.
func (c *Client) ctxError(err error) *Error {
	e := &Error{Package: c.spec.Package, Model: c.model, Addr: c.addr, Kind: Cancelled, Code: codes.Canceled,
		Message: err.Error(), causes: []error{err}}
	if errors.Is(err, context.DeadlineExceeded) {
		e.Kind, e.Code = Deadline, codes.DeadlineExceeded
	}
	return e
}

// serverError is an *Error of kind Server or Signature that is not a gRPC status.
func (c *Client) serverError(kind Kind, msg string) *Error {
	return &Error{Package: c.spec.Package, Model: c.model, Addr: c.addr, Kind: kind, Code: codes.OK, Message: msg}
}
