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
	// connection lost, a TLS handshake failure) or is shutting down (gRPC
	// UNAVAILABLE). The Client reconnects by itself: a later Run works once
	// the server is back.
	Unavailable Kind = "unavailable"
	// Deadline: ctx's deadline or WithTimeout passed before the server
	// answered (gRPC DEADLINE_EXCEEDED); errors.Is(err, context.DeadlineExceeded).
	Deadline Kind = "deadline"
	// Cancelled: ctx was cancelled (gRPC CANCELLED); errors.Is(err, context.Canceled).
	Cancelled Kind = "cancelled"
	// Server: the server answered with an error (any other gRPC status, e.g.
	// INVALID_ARGUMENT or INTERNAL) or with contents that cannot be decoded.
	Server Kind = "server"
	// Signature: the server's model does not match the one the SDK was
	// generated for: at open (its metadata, or no model of that name), or an
	// answer whose outputs do not fit the signature.
	Signature Kind = "signature"
)

// Error reports a failed remote call: opening (the metadata request and the
// signature check) or Run. Inputs that do not match the signature are an
// *ortrt.InputError instead, returned before anything is sent. The Client
// stays usable after an Error. Use errors.As to get it; errors.Is(err,
// context.DeadlineExceeded) and errors.Is(err, context.Canceled) hold for the
// Deadline and Cancelled kinds, and status.Code(err) is the gRPC status code
// of a call the server (or gRPC) failed. Error() is
//
//	remote <kind>: model "<model>" at <address>: <detail>
//
// with the model's name quoted as a JSON string, as in every sdkgen SDK.
type Error struct {
	Kind    Kind
	Model   string     // the model's name on the server
	Address string     // the server's address, as given to NewRemote
	Code    codes.Code // the gRPC status code; codes.OK when no gRPC call failed (a mismatch, undecodable contents)
	// Detail says what went wrong: "<CODE>: <the server's message>" (e.g.
	// "INVALID_ARGUMENT: ...") when a call failed, else the mismatch or the
	// decoding problem.
	Detail string
	causes []error
}

func (e *Error) Error() string {
	return "remote " + string(e.Kind) + ": model " + quote(e.Model) + " at " + e.Address + ": " + e.Detail
}

// Unwrap returns the context error of the Deadline and Cancelled kinds and the
// gRPC status error, when there are.
func (e *Error) Unwrap() []error { return e.causes }

// codeNames are the gRPC status codes as the protocol spells them.
var codeNames = [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
	"UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

func codeName(c codes.Code) string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return c.String()
}

func (c *Client) newError(kind Kind, code codes.Code, detail string, causes ...error) *Error {
	return &Error{Kind: kind, Model: c.model, Address: c.addr, Code: code, Detail: detail, causes: causes}
}

// rpcError turns a failed gRPC call into an *Error. ctx is the call's context.
func (c *Client) rpcError(ctx context.Context, err error) *Error {
	st := status.Convert(err)
	detail := codeName(st.Code()) + ": " + st.Message()
	ctxErr := ctx.Err()
	switch {
	case errors.Is(ctxErr, context.DeadlineExceeded) || (ctxErr == nil && st.Code() == codes.DeadlineExceeded):
		return c.newError(Deadline, st.Code(), detail, context.DeadlineExceeded, err)
	case errors.Is(ctxErr, context.Canceled) || (ctxErr == nil && st.Code() == codes.Canceled):
		return c.newError(Cancelled, st.Code(), detail, context.Canceled, err)
	case st.Code() == codes.Unavailable:
		return c.newError(Unavailable, st.Code(), detail, err)
	}
	return c.newError(Server, st.Code(), detail, err)
}

// ctxError is the *Error of a ctx that is done before anything was sent.
func (c *Client) ctxError(err error) *Error {
	st := status.FromContextError(err)
	if errors.Is(err, context.DeadlineExceeded) {
		return c.newError(Deadline, st.Code(), "DEADLINE_EXCEEDED: "+err.Error(), err, st.Err())
	}
	return c.newError(Cancelled, st.Code(), "CANCELLED: "+err.Error(), err, st.Err())
}
