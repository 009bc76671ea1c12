package oiprt

import (
	"context"
	"crypto/tls"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"sdkgen.local/oip"
	"sdkgen.local/ortrt"
)

// Option configures a remote Client (a model package's NewRemote).
type Option func(*settings)

type settings struct {
	model, version string
	tls            *tls.Config
	useTLS         bool
	metadata       []string
	timeout        time.Duration
	dial           []grpc.DialOption
}

// WithModelName sets the model's name on the server. The default is the name
// `sdkgen deploy` gives the model (the model package's ServedName).
func WithModelName(name string) Option { return func(s *settings) { s.model = name } }

// WithModelVersion asks the server for one version of the model; the default
// ("") lets the server choose (Triton: the newest it serves).
func WithModelVersion(version string) Option { return func(s *settings) { s.version = version } }

// WithTLS connects with TLS configured by cfg (nil: the system's roots and the
// address's host name). Without it the connection is plaintext.
func WithTLS(cfg *tls.Config) Option {
	return func(s *settings) { s.tls, s.useTLS = cfg, true }
}

// WithMetadata adds gRPC metadata (HTTP/2 headers) to every call, as key, value
// pairs, e.g. WithMetadata("authorization", "Bearer "+token). Metadata in the
// ctx given to Run (metadata.AppendToOutgoingContext) is sent as well.
func WithMetadata(kv ...string) Option {
	return func(s *settings) { s.metadata = append(s.metadata, kv...) }
}

// WithTimeout bounds every call to the server (the metadata request at open,
// then each Run): the earlier of ctx's deadline and now+d applies. 0: ctx's
// deadline only (the default).
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// WithDialOptions passes options to grpc.NewClient after the SDK's own
// (transport credentials, unlimited message sizes), so they win: e.g.
// grpc.WithPerRPCCredentials, interceptors, keepalive or backoff parameters.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(s *settings) { s.dial = append(s.dial, opts...) }
}

// Client is one model on one server: one *grpc.ClientConn, reused by every Run.
// It is safe for concurrent use: Runs share it, Close waits for the Runs in progress.
type Client struct {
	spec    *ortrt.ModelSpec
	model   string
	version string
	addr    string
	md      []string
	timeout time.Duration
	ins     []wire // per input
	outs    []wire // per output
	inOne   []bool // per input: a scalar the server declares with shape [1] (Triton's way)
	outOne  []bool // per output: the same
	calls   sync.Pool

	mu   sync.RWMutex // Run holds it for reading, Close for writing
	conn *grpc.ClientConn
	stub oip.GRPCInferenceServiceClient
}

// NewClient connects to the server at addr ("host:port", or any gRPC target)
// and checks that it serves the model of spec under its name (served, unless
// WithModelName says otherwise): a ModelMetadata request whose answer must have
// the same inputs and outputs. It fails with an *Error (kind Signature when the
// signatures differ); the connection is then closed.
func NewClient(ctx context.Context, spec *ortrt.ModelSpec, addr, served string, opts []Option) (*Client, error) {
	st := settings{model: served}
	for _, o := range opts {
		if o != nil {
			o(&st)
		}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if addr == "" {
		return nil, fmt.Errorf("%s: NewRemote: no server address", spec.Package)
	}
	if len(st.metadata)%2 != 0 {
		return nil, fmt.Errorf("%s: WithMetadata: %d arguments, expected key, value pairs", spec.Package, len(st.metadata))
	}
	for i := 0; i < len(st.metadata); i += 2 {
		if st.metadata[i] == "" {
			return nil, fmt.Errorf("%s: WithMetadata: an empty key", spec.Package)
		}
	}
	if st.timeout < 0 {
		return nil, fmt.Errorf("%s: WithTimeout(%v): expected a duration >= 0", spec.Package, st.timeout)
	}
	c := &Client{spec: spec, model: st.model, version: st.version, addr: addr, md: st.metadata, timeout: st.timeout}
	var err error
	if c.ins, err = wires(spec.Inputs); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Package, err)
	}
	if c.outs, err = wires(spec.Outputs); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Package, err)
	}
	creds := insecure.NewCredentials()
	if st.useTLS {
		creds = credentials.NewTLS(st.tls)
	}
	dial := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32), grpc.MaxCallSendMsgSize(math.MaxInt32)),
	}
	conn, err := grpc.NewClient(addr, append(dial, st.dial...)...)
	if err != nil {
		return nil, fmt.Errorf("%s: NewRemote(%q): %w", spec.Package, addr, err)
	}
	c.conn, c.stub = conn, oip.NewGRPCInferenceServiceClient(conn)
	c.calls.New = func() any { return c.newCall() }
	if err := c.checkServer(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// callContext is ctx with WithTimeout's deadline and WithMetadata's pairs.
func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	cancel := context.CancelFunc(func() {})
	if c.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	if len(c.md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, c.md...)
	}
	return ctx, cancel
}

// checkServer asks for the model's metadata and compares its signature.
func (c *Client) checkServer(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return c.ctxError(err)
	}
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	md, err := c.stub.ModelMetadata(cctx, &oip.ModelMetadataRequest{Name: c.model, Version: c.version})
	if err != nil {
		e := c.rpcError(cctx, err)
		if e.Code == codes.NotFound { // the server does not serve that model (version)
			e.Kind, e.Detail = Signature, "the server does not serve it ("+e.Detail+")"
		}
		return e
	}
	var problems []string
	problems, c.inOne = compare("input", c.spec.Inputs, c.ins, md.GetInputs())
	more, outOne := compare("output", c.spec.Outputs, c.outs, md.GetOutputs())
	c.outOne = outOne
	if problems = append(problems, more...); len(problems) > 0 {
		return c.newError(Signature, codes.OK, "the served model does not match the SDK: "+strings.Join(problems, "; ")+
			"; regenerate the SDK for the served model, or serve this one")
	}
	return nil
}

// Close closes the connection. Runs in progress finish first; later Runs
// return ortrt.ErrClosed. Close is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.stub = nil, nil
	return err
}

// Run runs one inference on the server: put checks the inputs and encodes
// them (PutTensor and friends, one call per input), get decodes the outputs
// (GetTensor and friends). The first error stops the call: an
// *ortrt.InputError before anything is sent, ortrt.ErrClosed after Close,
// else an *Error.
func Run[I, O any](ctx context.Context, c *Client, in I, put func(*Call, I), get func(*Call) O) (O, error) {
	var zero O
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return zero, c.ctxError(err)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.conn == nil {
		return zero, ortrt.ErrClosed
	}
	call := c.calls.Get().(*Call)
	defer call.end()
	put(call, in)
	if call.err == nil {
		call.invoke(ctx)
	}
	if call.err == nil {
		if out := get(call); call.err == nil {
			return out, nil
		}
	}
	return zero, call.err
}

// Call is the state of one Run. Calls are reused: one must not be kept after
// the put or get function it was passed to returns.
type Call struct {
	c     *Client
	err   error   // the first error; later Put and Get calls do nothing
	syms  []int64 // bound symbolic dims, -1 = unbound
	symBy []int   // the input that bound each symbol
	req   *oip.ModelInferRequest
	resp  *oip.ModelInferResponse
	found []int // per output: its index in resp.Outputs
}

func (c *Client) newCall() *Call {
	call := &Call{
		c:     c,
		syms:  make([]int64, len(c.spec.Symbols)),
		symBy: make([]int, len(c.spec.Symbols)),
		found: make([]int, len(c.outs)),
	}
	for i := range call.syms {
		call.syms[i] = -1
	}
	return call
}

func (call *Call) request() *oip.ModelInferRequest {
	if call.req == nil {
		c := call.c
		call.req = &oip.ModelInferRequest{
			ModelName:        c.model,
			ModelVersion:     c.version,
			Inputs:           make([]*oip.ModelInferRequest_InferInputTensor, len(c.ins)),
			RawInputContents: make([][]byte, len(c.ins)),
			Outputs:          make([]*oip.ModelInferRequest_InferRequestedOutputTensor, len(c.outs)),
		}
		for i := range c.outs {
			call.req.Outputs[i] = &oip.ModelInferRequest_InferRequestedOutputTensor{Name: c.spec.Outputs[i].Name}
		}
	}
	return call.req
}

// end forgets the call's data and makes it ready for the next Run.
func (call *Call) end() {
	call.req, call.resp, call.err = nil, nil, nil
	for i := range call.syms {
		call.syms[i] = -1
	}
	call.c.calls.Put(call)
}

// invoke sends the request and matches the response's outputs to the model's by name.
func (call *Call) invoke(ctx context.Context) {
	c := call.c
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	resp, err := c.stub.ModelInfer(cctx, call.request())
	if err != nil {
		call.err = c.rpcError(cctx, err)
		return
	}
	call.resp = resp
	raw := len(resp.GetRawOutputContents()) > 0
	if raw && len(resp.GetRawOutputContents()) != len(resp.GetOutputs()) {
		call.err = c.newError(Server, codes.OK, fmt.Sprintf("%d raw output contents for %d outputs",
			len(resp.GetRawOutputContents()), len(resp.GetOutputs())))
		return
	}
	for i := range c.spec.Outputs {
		call.found[i] = -1
		for k, o := range resp.GetOutputs() {
			if o.GetName() == c.spec.Outputs[i].Name {
				call.found[i] = k
				break
			}
		}
		if call.found[i] < 0 {
			names := make([]string, len(resp.GetOutputs()))
			for k, o := range resp.GetOutputs() {
				names[k] = quote(o.GetName())
			}
			has := strings.Join(names, ", ")
			if has == "" {
				has = "none"
			}
			call.err = c.newError(Signature, codes.OK, "the response has no output "+quote(c.spec.Outputs[i].Name)+
				" (it has "+has+")")
			return
		}
	}
}
