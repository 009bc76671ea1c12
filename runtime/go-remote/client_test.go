package oiprt

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	ort "github.com/yalue/onnxruntime_go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"sdkgen.local/oip"
	"sdkgen.local/ortrt"
)

func open(t *testing.T, spec *ortrt.ModelSpec, addr string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(context.Background(), spec, addr, "m", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func remoteError(t *testing.T, err error, kind Kind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Fatalf("got %v (%T), want a %s *Error", err, err, kind)
	}
	if want := "remote " + string(kind) + ": model " + quote(e.Model) + " at " + e.Address + ": " + e.Detail; e.Error() != want {
		t.Fatalf("message %q, want %q", e.Error(), want)
	}
	return e
}

func runAll(c *Client, ctx context.Context, in allValues) (allValues, error) {
	return Run(ctx, c, in, putAll, getAll)
}

// Every datatype goes out as the protocol says (little-endian raw contents,
// BOOL one byte, BYTES length-prefixed, FP16/BF16 bits, a scalar as shape [])
// and comes back equal, matched by name although the server reverses the outputs.
func TestEveryDatatypeRoundTrips(t *testing.T) {
	f := newFake(allSpec)
	var seen *oip.ModelInferRequest
	f.infer = func(_ context.Context, r *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
		seen = r
		return echo(allSpec, r), nil
	}
	addr, _ := serve(t, f, "127.0.0.1:0")
	c := open(t, allSpec, addr, WithModelVersion("3"))
	in := sampleAll(3, 7)
	out, err := runAll(c, context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
	if seen.GetModelName() != "m" || seen.GetModelVersion() != "3" || len(seen.GetOutputs()) != len(allSpec.Outputs) {
		t.Fatalf("request %v", seen)
	}
	want := map[string]string{"in_f32": "FP32", "in_f64": "FP64", "in_i8": "INT8", "in_u8": "UINT8", "in_i16": "INT16",
		"in_u16": "UINT16", "in_i32": "INT32", "in_u32": "UINT32", "in_i64": "INT64", "in_u64": "UINT64", "in_b": "BOOL",
		"in_s": "BYTES", "in_h": "FP16", "in_bf": "BF16", "scalar": "FP32"}
	for k, ti := range seen.GetInputs() {
		if ti.GetDatatype() != want[ti.GetName()] || ti.GetName() != allSpec.Inputs[k].Name {
			t.Fatalf("input %d: %s %s", k, ti.GetName(), ti.GetDatatype())
		}
	}
	raw := seen.GetRawInputContents()
	if got := seen.GetInputs()[14].GetShape(); len(got) != 0 {
		t.Fatalf("a scalar goes as shape [], got %v", got)
	}
	if !bytes.Equal(raw[0][:4], binary.LittleEndian.AppendUint32(nil, math.Float32bits(7000.25))) {
		t.Fatalf("FP32 raw % x", raw[0][:4])
	}
	if i64 := -int64(7000) << 40; !bytes.Equal(raw[8][:8], binary.LittleEndian.AppendUint64(nil, uint64(i64))) {
		t.Fatalf("INT64 raw % x", raw[8][:8])
	}
	if !bytes.Equal(raw[10], []byte{0, 0, 1, 0, 0, 1}) {
		t.Fatalf("BOOL raw % x", raw[10])
	}
	if !bytes.Equal(raw[11][:8], []byte{3, 0, 0, 0, 'a', 0, 0xff, 4}) {
		t.Fatalf("BYTES raw % x", raw[11][:8])
	}
	if !bytes.Equal(raw[12][:2], binary.LittleEndian.AppendUint16(nil, ortrt.Float16Bits(875))) {
		t.Fatalf("FP16 raw % x", raw[12][:2])
	}
	// Empty tensors (batch 0) go and come back empty.
	out, err = runAll(c, context.Background(), sampleAll(0, 1))
	if err != nil || len(out.S.Data) != 0 || !reflect.DeepEqual(out.F32.Shape, []int64{0, 2}) {
		t.Fatalf("batch 0: %v %+v", err, out)
	}
}

// A server may answer with typed contents instead of raw ones.
func TestTypedContents(t *testing.T) {
	spec := &ortrt.ModelSpec{Package: "p", Inputs: []ortrt.ValueSpec{tensorSpec("x", "int8[2]", ort.TensorElementDataTypeInt8, 2)},
		Outputs: []ortrt.ValueSpec{
			tensorSpec("i8", "int8[2]", ort.TensorElementDataTypeInt8, 2), tensorSpec("u64", "uint64[2]", ort.TensorElementDataTypeUint64, 2),
			tensorSpec("f", "float[2]", ort.TensorElementDataTypeFloat, 2), tensorSpec("b", "bool[2]", ort.TensorElementDataTypeBool, 2),
			tensorSpec("s", "string[2]", ort.TensorElementDataTypeString, 2)}}
	f := newFake(spec)
	f.infer = func(context.Context, *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
		o := func(name, dt string, c *oip.InferTensorContents) *oip.ModelInferResponse_InferOutputTensor {
			return &oip.ModelInferResponse_InferOutputTensor{Name: name, Datatype: dt, Shape: []int64{2}, Contents: c}
		}
		return &oip.ModelInferResponse{Outputs: []*oip.ModelInferResponse_InferOutputTensor{
			o("s", "BYTES", &oip.InferTensorContents{BytesContents: [][]byte{[]byte("x"), {}}}),
			o("b", "BOOL", &oip.InferTensorContents{BoolContents: []bool{true, false}}),
			o("f", "FP32", &oip.InferTensorContents{Fp32Contents: []float32{1.5, -2}}),
			o("u64", "UINT64", &oip.InferTensorContents{Uint64Contents: []uint64{math.MaxUint64, 3}}),
			o("i8", "INT8", &oip.InferTensorContents{IntContents: []int32{-128, 127}}),
		}}, nil
	}
	addr, _ := serve(t, f, "127.0.0.1:0")
	c := open(t, spec, addr)
	type outs struct {
		I8  ortrt.Tensor[int8]
		U64 ortrt.Tensor[uint64]
		F   ortrt.Tensor[float32]
		B   ortrt.Tensor[bool]
		S   ortrt.Tensor[string]
	}
	got, err := Run(context.Background(), c, ortrt.NewTensor([]int8{1, 2}, 2), func(c *Call, in ortrt.Tensor[int8]) { PutTensor(c, 0, in) },
		func(c *Call) outs {
			return outs{GetTensor[int8](c, 0), GetTensor[uint64](c, 1), GetTensor[float32](c, 2), GetTensor[bool](c, 3), GetString(c, 4)}
		})
	want := outs{ortrt.NewTensor([]int8{-128, 127}, 2), ortrt.NewTensor([]uint64{math.MaxUint64, 3}, 2),
		ortrt.NewTensor([]float32{1.5, -2}, 2), ortrt.NewTensor([]bool{true, false}, 2), ortrt.NewTensor([]string{"x", ""}, 2)}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// Input errors are the in-process runtime's, word for word (docs/errors.md),
// and nothing is sent.
func TestInputErrors(t *testing.T) {
	spec := &ortrt.ModelSpec{Package: "p", Symbols: []string{"batch"}, Inputs: []ortrt.ValueSpec{
		tensorSpec("a", "float[batch,4]", ort.TensorElementDataTypeFloat, ortrt.Symbol(0), 4),
		tensorSpec("b", "int64[batch]", ort.TensorElementDataTypeInt64, ortrt.Symbol(0)),
		tensorSpec("s", "string[*]", ort.TensorElementDataTypeString),
	}, Outputs: []ortrt.ValueSpec{tensorSpec("y", "float[batch,4]", ort.TensorElementDataTypeFloat, ortrt.Symbol(0), 4)}}
	spec.Inputs[2].Dims = nil // unknown rank
	f := newFake(spec)
	f.infer = func(context.Context, *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
		return &oip.ModelInferResponse{Outputs: []*oip.ModelInferResponse_InferOutputTensor{{Name: "y", Datatype: "FP32", Shape: []int64{1, 4}}},
			RawOutputContents: [][]byte{make([]byte, 16)}}, nil
	}
	addr, _ := serve(t, f, "127.0.0.1:0")
	c := open(t, spec, addr)
	type in struct {
		A ortrt.Tensor[float32]
		B ortrt.Tensor[int64]
		S ortrt.Tensor[string]
	}
	put := func(c *Call, v in) { PutTensor(c, 0, v.A); PutTensor(c, 1, v.B); PutString(c, 2, v.S) }
	get := func(c *Call) ortrt.Tensor[float32] { return GetTensor[float32](c, 0) }
	ok := in{ortrt.NewTensor(make([]float32, 4), 1, 4), ortrt.NewTensor([]int64{1}, 1), ortrt.NewTensor([]string{"a\x00"}, 1)}
	for _, tc := range []struct {
		in   in
		want string
	}{
		{in{B: ok.B, S: ok.S}, `input "a": missing: expected float[batch,4], got nothing`},
		{in{ortrt.NewTensor(make([]float32, 4), 4), ok.B, ok.S}, `input "a": rank: expected rank 2 [batch,4], got rank 1 [4]`},
		{in{ortrt.NewTensor(make([]float32, 4), -1, 4), ok.B, ok.S}, `input "a": shape: expected a shape of non-negative dims whose product fits in int64, got [-1,4]`},
		{in{ortrt.NewTensor(make([]float32, 3), 1, 4), ok.B, ok.S}, `input "a": length: expected 4 elements for shape [1,4], got 3 elements`},
		{in{ortrt.NewTensor(make([]float32, 5), 1, 5), ok.B, ok.S}, `input "a": dim: expected dim 1 = 4, got 5 (shape [1,5])`},
		{in{ok.A, ortrt.NewTensor([]int64{1, 2}, 2), ok.S}, `input "b": symbol: expected dim 0 (batch) = 1, as bound by "a", got 2 (shape [2])`},
		{in{ok.A, ok.B, ortrt.NewTensor([]string{"x"}, 2)}, `input "s": length: expected 2 elements for shape [2], got 1 elements`},
	} {
		for i := 0; i < 2; i++ { // the client stays usable
			_, err := Run(context.Background(), c, tc.in, put, get)
			var ie *ortrt.InputError
			if !errors.As(err, &ie) || err.Error() != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Fatalf("%d requests sent for bad inputs", n)
	}
	if _, err := Run(context.Background(), c, ok, put, get); err != nil {
		t.Fatal(err)
	}
	// A string with NUL bytes goes remotely (in process it is a value error).
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

// NewRemote compares the server's metadata with the signature.
func TestSignatureCheck(t *testing.T) {
	spec := &ortrt.ModelSpec{Package: "p", Symbols: []string{"batch"}, Inputs: []ortrt.ValueSpec{
		tensorSpec("x", "float[batch,4]", ort.TensorElementDataTypeFloat, ortrt.Symbol(0), 4),
	}, Outputs: []ortrt.ValueSpec{tensorSpec("y", "int64[batch]", ort.TensorElementDataTypeInt64, ortrt.Symbol(0))}}
	tm := func(name, dt string, shape ...int64) *oip.ModelMetadataResponse_TensorMetadata {
		return &oip.ModelMetadataResponse_TensorMetadata{Name: name, Datatype: dt, Shape: shape}
	}
	x, y := tm("x", "FP32", -1, 4), tm("y", "INT64", -1)
	type metas = []*oip.ModelMetadataResponse_TensorMetadata
	for _, tc := range []struct {
		ins, outs metas
		want      string // "" = accepted
	}{
		{metas{x}, metas{y}, ""},
		{metas{tm("x", "FP32", -1, -1)}, metas{y}, ""},
		{metas{tm("x", "FP64", -1, 4)}, metas{y}, `input "x": datatype FP64 on the server, FP32 in the SDK`},
		{metas{tm("x", "FP32", 4)}, metas{y}, `input "x": shape [4] on the server, [batch,4] in the SDK`},
		{metas{tm("x", "FP32", -1, 5)}, metas{y}, `input "x": shape [-1,5] on the server, [batch,4] in the SDK`},
		{metas{tm("x", "FP32", 1, 4)}, metas{y}, `input "x": shape [1,4] on the server, [batch,4] in the SDK`},
		{nil, metas{y}, `input "x" is not served`},
		{metas{x, tm("z", "FP32")}, metas{y}, `input "z" is served but not in the SDK`},
		{metas{x}, metas{y, tm("w", "BYTES", -1)}, `output "w" is served but not in the SDK`},
	} {
		f := newFake(spec)
		f.meta = func(*oip.ModelMetadataRequest) (*oip.ModelMetadataResponse, error) {
			return &oip.ModelMetadataResponse{Name: "m", Inputs: tc.ins, Outputs: tc.outs}, nil
		}
		addr, _ := serve(t, f, "127.0.0.1:0")
		c, err := NewClient(context.Background(), spec, addr, "m", nil)
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%v: %v", tc.ins, err)
			}
			c.Close()
			continue
		}
		e := remoteError(t, err, Signature)
		if !strings.HasPrefix(e.Detail, "the served model does not match the SDK: ") || !strings.Contains(e.Detail, tc.want) ||
			!strings.HasSuffix(e.Detail, "; regenerate the SDK for the served model, or serve this one") || e.Code != codes.OK {
			t.Fatalf("got %q, want it to say %q", e.Detail, tc.want)
		}
	}
	// A model the server does not have.
	f := newFake(spec)
	f.meta = func(r *oip.ModelMetadataRequest) (*oip.ModelMetadataResponse, error) {
		return nil, status.Errorf(codes.NotFound, "Request for unknown model: '%s' is not found", r.GetName())
	}
	addr, _ := serve(t, f, "127.0.0.1:0")
	_, err := NewClient(context.Background(), spec, addr, "m", []Option{WithModelName("other")})
	if e := remoteError(t, err, Signature); e.Model != "other" || e.Code != codes.NotFound ||
		e.Detail != "the server does not serve it (NOT_FOUND: Request for unknown model: 'other' is not found)" {
		t.Fatalf("%+v", e)
	}
}

// A server that breaks the protocol is a Server error, never a panic.
func TestMalformedResponses(t *testing.T) {
	spec := &ortrt.ModelSpec{Package: "p", Inputs: []ortrt.ValueSpec{tensorSpec("x", "float[2]", ort.TensorElementDataTypeFloat, 2)},
		Outputs: []ortrt.ValueSpec{tensorSpec("y", "float[2]", ort.TensorElementDataTypeFloat, 2), tensorSpec("s", "string[*]", ort.TensorElementDataTypeString)}}
	spec.Outputs[1].Dims = nil
	o := func(name, dt string, shape ...int64) *oip.ModelInferResponse_InferOutputTensor {
		return &oip.ModelInferResponse_InferOutputTensor{Name: name, Datatype: dt, Shape: shape}
	}
	good := []*oip.ModelInferResponse_InferOutputTensor{o("y", "FP32", 2), o("s", "BYTES", 1)}
	okS := []byte{1, 0, 0, 0, 'z'}
	for _, tc := range []struct {
		outs []*oip.ModelInferResponse_InferOutputTensor
		raw  [][]byte
		kind Kind
		want string
	}{
		{good, [][]byte{make([]byte, 8), okS}, "", ""},
		{good[:1], [][]byte{make([]byte, 8)}, Signature, `the response has no output "s" (it has "y")`},
		{nil, nil, Signature, `the response has no output "y" (it has none)`},
		{good, [][]byte{make([]byte, 8)}, Server, "1 raw output contents for 2 outputs"},
		{[]*oip.ModelInferResponse_InferOutputTensor{o("y", "FP64", 2), good[1]}, [][]byte{make([]byte, 16), okS}, Signature,
			`output "y" came back as FP64, the SDK has FP32`},
		{[]*oip.ModelInferResponse_InferOutputTensor{o("y", "FP32", 3), good[1]}, [][]byte{make([]byte, 12), okS}, Signature,
			`output "y" came back with shape [3], the SDK has float[2]`},
		{[]*oip.ModelInferResponse_InferOutputTensor{o("y", "FP32", 2, 1), good[1]}, [][]byte{make([]byte, 8), okS}, Signature,
			`output "y" came back with shape [2,1], the SDK has float[2]`},
		{good, [][]byte{make([]byte, 7), okS}, Server, `output "y": 7 bytes of raw contents for shape [2] of FP32 (4 bytes each)`},
		{good, [][]byte{make([]byte, 8), {5, 0, 0, 0, 'z'}}, Server, `output "s": BYTES element 0 of 5 bytes: only 1 left`},
		{good, [][]byte{make([]byte, 8), {1, 0, 0}}, Server, `output "s": BYTES contents end before element 0 of 1`},
		{good, [][]byte{make([]byte, 8), {1, 0, 0, 0, 'z', 9}}, Server, `output "s": 1 bytes after the last of 1 BYTES elements`},
		{[]*oip.ModelInferResponse_InferOutputTensor{good[0], o("s", "BYTES", -1)}, [][]byte{make([]byte, 8), okS}, Signature,
			`output "s" came back with shape [-1], the SDK has string[*]`},
		{[]*oip.ModelInferResponse_InferOutputTensor{o("y", "FP32", 2), o("s", "BYTES", 1)}, nil, Server,
			`output "y": neither raw_output_contents nor contents`},
	} {
		f := newFake(spec)
		f.infer = func(context.Context, *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
			return &oip.ModelInferResponse{Outputs: tc.outs, RawOutputContents: tc.raw}, nil
		}
		addr, _ := serve(t, f, "127.0.0.1:0")
		c := open(t, spec, addr)
		type outs struct {
			Y ortrt.Tensor[float32]
			S ortrt.Tensor[string]
		}
		_, err := Run(context.Background(), c, ortrt.NewTensor([]float32{1, 2}, 2), func(c *Call, in ortrt.Tensor[float32]) { PutTensor(c, 0, in) },
			func(c *Call) outs { return outs{GetTensor[float32](c, 0), GetString(c, 1)} })
		if tc.want == "" {
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		if e := remoteError(t, err, tc.kind); e.Detail != tc.want || e.Code != codes.OK {
			t.Fatalf("got %q, want %q", e.Detail, tc.want)
		}
	}
}

// Deadlines, cancellation, server errors and a dead server are typed errors;
// the client works again afterwards.
func TestRemoteErrorKinds(t *testing.T) {
	f := newFake(allSpec)
	inCall := make(chan struct{}, 1)
	var mode sync.Map // "block" | "invalid" | "internal"
	f.infer = func(ctx context.Context, r *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
		switch m, _ := mode.Load("m"); m {
		case "block":
			inCall <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		case "invalid":
			return nil, status.Error(codes.InvalidArgument, "bad input")
		case "internal":
			return nil, status.Error(codes.Internal, "boom")
		}
		return echo(allSpec, r), nil
	}
	addr, _ := serve(t, f, "127.0.0.1:0")
	c := open(t, allSpec, addr)
	in := sampleAll(2, 1)
	works := func() {
		t.Helper()
		mode.Store("m", "")
		if out, err := runAll(c, context.Background(), in); err != nil || !reflect.DeepEqual(out, in) {
			t.Fatalf("afterwards: %v", err)
		}
	}
	works()

	mode.Store("m", "block")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := runAll(c, ctx, in)
	cancel()
	e := remoteError(t, err, Deadline)
	if !errors.Is(err, context.DeadlineExceeded) || e.Code != codes.DeadlineExceeded || status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("deadline: %v (code %v)", err, e.Code)
	}
	<-inCall
	works()

	mode.Store("m", "block")
	ctx, cancel = context.WithCancel(context.Background())
	go func() { <-inCall; cancel() }()
	_, err = runAll(c, ctx, in)
	if remoteError(t, err, Cancelled); !errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled: %v", err)
	}
	works()

	// Already done before the call: nothing is sent.
	before := f.calls.Load()
	_, err = runAll(c, ctx, in)
	if remoteError(t, err, Cancelled); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	_, err = runAll(c, ctx, in)
	cancel()
	if remoteError(t, err, Deadline); !errors.Is(err, context.DeadlineExceeded) || f.calls.Load() != before {
		t.Fatal(err)
	}

	// WithTimeout bounds calls without a deadline of their own.
	ct := open(t, allSpec, addr, WithTimeout(100*time.Millisecond))
	mode.Store("m", "block")
	_, err = runAll(ct, context.Background(), in)
	if remoteError(t, err, Deadline); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	<-inCall
	works()

	for m, code := range map[string]codes.Code{"invalid": codes.InvalidArgument, "internal": codes.Internal} {
		mode.Store("m", m)
		_, err = runAll(c, context.Background(), in)
		if e := remoteError(t, err, Server); e.Code != code || status.Code(err) != code || !strings.HasPrefix(e.Detail, codeName(code)+": ") {
			t.Fatalf("%s: %v", m, err)
		}
		works()
	}
}

// A server that goes away is Unavailable; once it is back the same client works.
func TestDeadServerAndRecovery(t *testing.T) {
	f := newFake(allSpec)
	addr, srv := serve(t, f, "127.0.0.1:0")
	c := open(t, allSpec, addr)
	in := sampleAll(1, 2)
	if _, err := runAll(c, context.Background(), in); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := runAll(c, ctx, in)
	remoteError(t, err, Unavailable)
	serve(t, f, addr) // the same port again
	for {
		_, err = runAll(c, ctx, in)
		if err == nil {
			break
		}
		remoteError(t, err, Unavailable)
		if ctx.Err() != nil {
			t.Fatalf("the client did not reconnect: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Nothing listening at all: NewClient fails fast.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	_, err = NewClient(context.Background(), allSpec, dead, "m", nil)
	if e := remoteError(t, err, Unavailable); e.Address != dead || e.Code != codes.Unavailable {
		t.Fatalf("%+v", e)
	}
}

// WithMetadata reaches the server on every call, with ctx's own metadata.
func TestMetadata(t *testing.T) {
	f := newFake(allSpec)
	addr, _ := serve(t, f, "127.0.0.1:0")
	c := open(t, allSpec, addr, WithMetadata("authorization", "Bearer t0k", "x-team", "a"), WithMetadata("x-team", "b"))
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "42")
	if _, err := runAll(c, ctx, sampleAll(1, 0)); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.heards) != 2 {
		t.Fatalf("%d calls", len(f.heards))
	}
	for i, md := range f.heards {
		if got := md.Get("authorization"); !reflect.DeepEqual(got, []string{"Bearer t0k"}) {
			t.Fatalf("call %d: authorization %v", i, got)
		}
		if got := md.Get("x-team"); !reflect.DeepEqual(got, []string{"a", "b"}) {
			t.Fatalf("call %d: x-team %v", i, got)
		}
	}
	if got := f.heards[1].Get("x-request-id"); !reflect.DeepEqual(got, []string{"42"}) {
		t.Fatalf("ctx metadata: %v", got)
	}
	for _, bad := range [][]Option{{WithMetadata("k")}, {WithMetadata("", "v")}, {WithTimeout(-time.Second)}} {
		if _, err := NewClient(context.Background(), allSpec, addr, "m", bad); err == nil {
			t.Fatal("a bad option was accepted")
		}
	}
	if _, err := NewClient(context.Background(), allSpec, "", "m", nil); err == nil {
		t.Fatal("no address was accepted")
	}
}

// WithTLS: a server with a certificate the client trusts; a plaintext client
// cannot talk to it, nor a TLS client that does not trust it.
func TestTLS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sdkgen test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	creds := credentials.NewServerTLSFromCert(&tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key})
	addr, _ := serve(t, newFake(allSpec), "127.0.0.1:0", grpc.Creds(creds))
	c := open(t, allSpec, addr, WithTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	if _, err := runAll(c, context.Background(), sampleAll(1, 3)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = NewClient(ctx, allSpec, addr, "m", nil)
	remoteError(t, err, Unavailable)
	_, err = NewClient(ctx, allSpec, addr, "m", []Option{WithTLS(nil)}) // the system's roots
	remoteError(t, err, Unavailable)
}

// Many goroutines share one client; Close waits for the Runs in progress.
func TestConcurrentRunsAndClose(t *testing.T) {
	f := newFake(allSpec)
	release := make(chan struct{})
	var blocked sync.Once
	started := make(chan struct{})
	f.infer = func(_ context.Context, r *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
		if len(r.GetInputs()[0].GetShape()) == 2 && r.GetInputs()[0].GetShape()[0] == 5 { // the slow one
			blocked.Do(func() { close(started) })
			<-release
		}
		return echo(allSpec, r), nil
	}
	addr, _ := serve(t, f, "127.0.0.1:0")
	c := open(t, allSpec, addr)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				in := sampleAll(1+(g+k)%4, g*100+k)
				out, err := runAll(c, context.Background(), in)
				if err == nil && !reflect.DeepEqual(out, in) {
					err = fmt.Errorf("goroutine %d run %d: another answer", g, k)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	go func() {
		_, err := runAll(c, context.Background(), sampleAll(5, 0))
		slow <- err
	}()
	<-started
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a Run was in progress")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-slow; err != nil {
		t.Fatalf("the Run in progress: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := runAll(c, context.Background(), sampleAll(1, 0)); !errors.Is(err, ortrt.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// A model without inputs sends none (no pad input: the server serves the user's model).
func TestNoInputs(t *testing.T) {
	spec := &ortrt.ModelSpec{Package: "p", Outputs: []ortrt.ValueSpec{tensorSpec("y", "float[]", ort.TensorElementDataTypeFloat)}, Pad: "sdkgen_pad"}
	f := newFake(spec)
	f.infer = func(_ context.Context, r *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
		if len(r.GetInputs()) != 0 || len(r.GetRawInputContents()) != 0 {
			return nil, status.Errorf(codes.InvalidArgument, "%d inputs", len(r.GetInputs()))
		}
		return &oip.ModelInferResponse{Outputs: []*oip.ModelInferResponse_InferOutputTensor{{Name: "y", Datatype: "FP32", Shape: []int64{}}},
			RawOutputContents: [][]byte{binary.LittleEndian.AppendUint32(nil, math.Float32bits(4.5))}}, nil
	}
	addr, _ := serve(t, f, "127.0.0.1:0")
	c := open(t, spec, addr)
	out, err := Run(context.Background(), c, struct{}{}, func(*Call, struct{}) {}, func(c *Call) ortrt.Tensor[float32] { return GetTensor[float32](c, 0) })
	if err != nil || !reflect.DeepEqual(out, ortrt.Scalar(float32(4.5))) {
		t.Fatalf("%+v %v", out, err)
	}
}

// A server that declares a scalar with shape [1] (Triton: dims [1] reshaped to
// []) gets and returns it with shape [1]; the SDK's value stays a scalar.
func TestScalarsDeclaredAsShapeOne(t *testing.T) {
	spec := &ortrt.ModelSpec{Package: "p", Inputs: []ortrt.ValueSpec{tensorSpec("x", "float[]", ort.TensorElementDataTypeFloat)},
		Outputs: []ortrt.ValueSpec{tensorSpec("y", "float[]", ort.TensorElementDataTypeFloat)}}
	for _, served := range [][]int64{{}, {1}} {
		f := newFake(spec)
		f.meta = func(*oip.ModelMetadataRequest) (*oip.ModelMetadataResponse, error) {
			tm := func(n string) *oip.ModelMetadataResponse_TensorMetadata {
				return &oip.ModelMetadataResponse_TensorMetadata{Name: n, Datatype: "FP32", Shape: served}
			}
			return &oip.ModelMetadataResponse{Inputs: []*oip.ModelMetadataResponse_TensorMetadata{tm("x")},
				Outputs: []*oip.ModelMetadataResponse_TensorMetadata{tm("y")}}, nil
		}
		f.infer = func(_ context.Context, r *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
			if got := r.GetInputs()[0].GetShape(); !reflect.DeepEqual(got, served) && !(len(got) == 0 && len(served) == 0) {
				return nil, status.Errorf(codes.InvalidArgument, "shape %v, the config says %v", got, served)
			}
			return echo(spec, r), nil
		}
		addr, _ := serve(t, f, "127.0.0.1:0")
		c := open(t, spec, addr)
		out, err := Run(context.Background(), c, ortrt.Scalar(float32(2.5)), func(c *Call, in ortrt.Tensor[float32]) { PutTensor(c, 0, in) },
			func(c *Call) ortrt.Tensor[float32] { return GetTensor[float32](c, 0) })
		if err != nil || !reflect.DeepEqual(out, ortrt.Scalar(float32(2.5))) {
			t.Fatalf("served as %v: %+v %v", served, out, err)
		}
	}
}
