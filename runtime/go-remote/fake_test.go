package oiprt

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"sdkgen.local/oip"
	"sdkgen.local/ortrt"
)

// A fake Open Inference Protocol v2 server on 127.0.0.1 for the unit tests:
// it answers ModelMetadata from a spec (or meta) and ModelInfer with infer.

type fake struct {
	oip.UnimplementedGRPCInferenceServiceServer
	meta   func(*oip.ModelMetadataRequest) (*oip.ModelMetadataResponse, error)
	infer  func(context.Context, *oip.ModelInferRequest) (*oip.ModelInferResponse, error)
	calls  atomic.Int64 // ModelInfer calls
	mu     sync.Mutex
	heards []metadata.MD // the metadata of every call
}

func (f *fake) hear(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.heards = append(f.heards, md)
	f.mu.Unlock()
}

func (f *fake) ModelMetadata(ctx context.Context, r *oip.ModelMetadataRequest) (*oip.ModelMetadataResponse, error) {
	f.hear(ctx)
	return f.meta(r)
}

func (f *fake) ModelInfer(ctx context.Context, r *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
	f.hear(ctx)
	f.calls.Add(1)
	return f.infer(ctx, r)
}

// serve starts srv for f on addr ("127.0.0.1:0" for any port); stopped at the end of the test.
func serve(t *testing.T, f *fake, addr string, opts ...grpc.ServerOption) (string, *grpc.Server) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	oip.RegisterGRPCInferenceServiceServer(srv, f)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return l.Addr().String(), srv
}

// metadataOf is what a server serving spec's model reports (symbolic dims as -1).
func metadataOf(spec *ortrt.ModelSpec, name string) *oip.ModelMetadataResponse {
	md := &oip.ModelMetadataResponse{Name: name, Versions: []string{"1"}, Platform: "fake"}
	tm := func(s *ortrt.ValueSpec) *oip.ModelMetadataResponse_TensorMetadata {
		shape := []int64{}
		for _, d := range s.Dims {
			shape = append(shape, max(int64(d), -1))
		}
		return &oip.ModelMetadataResponse_TensorMetadata{Name: s.Name, Datatype: datatypes[s.Elem].datatype, Shape: shape}
	}
	for i := range spec.Inputs {
		md.Inputs = append(md.Inputs, tm(&spec.Inputs[i]))
	}
	for i := range spec.Outputs {
		md.Outputs = append(md.Outputs, tm(&spec.Outputs[i]))
	}
	return md
}

// newFake serves spec's model as "m": infer echoes input k as output k (same
// datatype, shape and raw contents), outputs in reverse order.
func newFake(spec *ortrt.ModelSpec) *fake {
	f := &fake{}
	f.meta = func(r *oip.ModelMetadataRequest) (*oip.ModelMetadataResponse, error) {
		return metadataOf(spec, r.GetName()), nil
	}
	f.infer = func(_ context.Context, r *oip.ModelInferRequest) (*oip.ModelInferResponse, error) {
		return echo(spec, r), nil
	}
	return f
}

func echo(spec *ortrt.ModelSpec, r *oip.ModelInferRequest) *oip.ModelInferResponse {
	resp := &oip.ModelInferResponse{ModelName: r.GetModelName()}
	for k := len(spec.Outputs) - 1; k >= 0; k-- {
		in := r.GetInputs()[k]
		resp.Outputs = append(resp.Outputs, &oip.ModelInferResponse_InferOutputTensor{
			Name: spec.Outputs[k].Name, Datatype: in.GetDatatype(), Shape: in.GetShape()})
		resp.RawOutputContents = append(resp.RawOutputContents, r.GetRawInputContents()[k])
	}
	return resp
}

// --- a model of every datatype: input k is echoed as output k ------------------------

func tensorSpec(name, typ string, elem ort.TensorElementDataType, dims ...ortrt.Dim) ortrt.ValueSpec {
	if dims == nil {
		dims = []ortrt.Dim{}
	}
	return ortrt.ValueSpec{Name: name, Field: name, Type: typ, Kind: ort.ONNXTypeTensor, Elem: elem, Dims: dims}
}

var allSpec = func() *ortrt.ModelSpec {
	b := ortrt.Symbol(0)
	s := &ortrt.ModelSpec{Package: "fakepkg", Symbols: []string{"batch"}}
	for _, v := range []struct {
		name string
		elem ort.TensorElementDataType
	}{
		{"f32", ort.TensorElementDataTypeFloat}, {"f64", ort.TensorElementDataTypeDouble},
		{"i8", ort.TensorElementDataTypeInt8}, {"u8", ort.TensorElementDataTypeUint8},
		{"i16", ort.TensorElementDataTypeInt16}, {"u16", ort.TensorElementDataTypeUint16},
		{"i32", ort.TensorElementDataTypeInt32}, {"u32", ort.TensorElementDataTypeUint32},
		{"i64", ort.TensorElementDataTypeInt64}, {"u64", ort.TensorElementDataTypeUint64},
		{"b", ort.TensorElementDataTypeBool}, {"s", ort.TensorElementDataTypeString},
		{"h", ort.TensorElementDataTypeFloat16}, {"bf", ort.TensorElementDataTypeBFloat16},
	} {
		typ := elemType(v.elem) + "[batch,2]"
		s.Inputs = append(s.Inputs, tensorSpec("in_"+v.name, typ, v.elem, b, ortrt.Fixed(2)))
		s.Outputs = append(s.Outputs, tensorSpec("out_"+v.name, typ, v.elem, b, ortrt.Fixed(2)))
	}
	s.Inputs = append(s.Inputs, tensorSpec("scalar", "float[]", ort.TensorElementDataTypeFloat))
	s.Outputs = append(s.Outputs, tensorSpec("scalar_out", "float[]", ort.TensorElementDataTypeFloat))
	return s
}()

func elemType(e ort.TensorElementDataType) string {
	return map[ort.TensorElementDataType]string{
		ort.TensorElementDataTypeFloat: "float", ort.TensorElementDataTypeDouble: "double",
		ort.TensorElementDataTypeInt8: "int8", ort.TensorElementDataTypeUint8: "uint8",
		ort.TensorElementDataTypeInt16: "int16", ort.TensorElementDataTypeUint16: "uint16",
		ort.TensorElementDataTypeInt32: "int32", ort.TensorElementDataTypeUint32: "uint32",
		ort.TensorElementDataTypeInt64: "int64", ort.TensorElementDataTypeUint64: "uint64",
		ort.TensorElementDataTypeBool: "bool", ort.TensorElementDataTypeString: "string",
		ort.TensorElementDataTypeFloat16: "float16", ort.TensorElementDataTypeBFloat16: "bfloat16",
	}[e]
}

type allValues struct {
	F32    ortrt.Tensor[float32]
	F64    ortrt.Tensor[float64]
	I8     ortrt.Tensor[int8]
	U8     ortrt.Tensor[uint8]
	I16    ortrt.Tensor[int16]
	U16    ortrt.Tensor[uint16]
	I32    ortrt.Tensor[int32]
	U32    ortrt.Tensor[uint32]
	I64    ortrt.Tensor[int64]
	U64    ortrt.Tensor[uint64]
	B      ortrt.Tensor[bool]
	S      ortrt.Tensor[string]
	H      ortrt.Tensor[uint16]
	BF     ortrt.Tensor[uint16]
	Scalar ortrt.Tensor[float32]
}

func putAll(c *Call, in allValues) {
	PutTensor(c, 0, in.F32)
	PutTensor(c, 1, in.F64)
	PutTensor(c, 2, in.I8)
	PutTensor(c, 3, in.U8)
	PutTensor(c, 4, in.I16)
	PutTensor(c, 5, in.U16)
	PutTensor(c, 6, in.I32)
	PutTensor(c, 7, in.U32)
	PutTensor(c, 8, in.I64)
	PutTensor(c, 9, in.U64)
	PutTensor(c, 10, in.B)
	PutString(c, 11, in.S)
	PutRaw(c, 12, in.H)
	PutRaw(c, 13, in.BF)
	PutTensor(c, 14, in.Scalar)
}

func getAll(c *Call) allValues {
	var out allValues
	out.F32 = GetTensor[float32](c, 0)
	out.F64 = GetTensor[float64](c, 1)
	out.I8 = GetTensor[int8](c, 2)
	out.U8 = GetTensor[uint8](c, 3)
	out.I16 = GetTensor[int16](c, 4)
	out.U16 = GetTensor[uint16](c, 5)
	out.I32 = GetTensor[int32](c, 6)
	out.U32 = GetTensor[uint32](c, 7)
	out.I64 = GetTensor[int64](c, 8)
	out.U64 = GetTensor[uint64](c, 9)
	out.B = GetTensor[bool](c, 10)
	out.S = GetString(c, 11)
	out.H = GetRaw[uint16](c, 12)
	out.BF = GetRaw[uint16](c, 13)
	out.Scalar = GetTensor[float32](c, 14)
	return out
}

// sampleAll is a valid input of allSpec with batch n; seed varies the values.
func sampleAll(n int, seed int) allValues {
	m := 2 * n
	v := allValues{}
	v.F32, v.F64 = ortrt.NewTensor(make([]float32, m), int64(n), 2), ortrt.NewTensor(make([]float64, m), int64(n), 2)
	v.I8, v.U8 = ortrt.NewTensor(make([]int8, m), int64(n), 2), ortrt.NewTensor(make([]uint8, m), int64(n), 2)
	v.I16, v.U16 = ortrt.NewTensor(make([]int16, m), int64(n), 2), ortrt.NewTensor(make([]uint16, m), int64(n), 2)
	v.I32, v.U32 = ortrt.NewTensor(make([]int32, m), int64(n), 2), ortrt.NewTensor(make([]uint32, m), int64(n), 2)
	v.I64, v.U64 = ortrt.NewTensor(make([]int64, m), int64(n), 2), ortrt.NewTensor(make([]uint64, m), int64(n), 2)
	v.B, v.S = ortrt.NewTensor(make([]bool, m), int64(n), 2), ortrt.NewTensor(make([]string, m), int64(n), 2)
	v.H, v.BF = ortrt.NewTensor(make([]uint16, m), int64(n), 2), ortrt.NewTensor(make([]uint16, m), int64(n), 2)
	for k := 0; k < m; k++ {
		x := seed*1000 + k
		v.F32.Data[k], v.F64.Data[k] = float32(x)+0.25, -float64(x)-0.5
		v.I8.Data[k], v.U8.Data[k] = int8(-x), uint8(x+200)
		v.I16.Data[k], v.U16.Data[k] = int16(-x*3), uint16(x+60000)
		v.I32.Data[k], v.U32.Data[k] = int32(-x*100000), uint32(x)+4000000000
		v.I64.Data[k], v.U64.Data[k] = -int64(x)<<40, uint64(x)<<60|1
		v.B.Data[k] = x%3 == 0
		v.S.Data[k] = string(rune('a'+k%26)) + "\x00\xff" + string(make([]byte, k%4))
		v.H.Data[k], v.BF.Data[k] = ortrt.Float16Bits(float32(x)/8), ortrt.BFloat16Bits(-float32(x)*3)
	}
	v.Scalar = ortrt.Scalar(float32(seed) + 0.5)
	return v
}
