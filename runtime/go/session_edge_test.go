package ortrt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

// Edge cases of values and models, on the small models of testdata/ (written
// by testdata/make_models.py; the adapted ones as sdkgen embeds them).

var zeroInputsSpec = ModelSpec{
	Package: "zeroinputs",
	Outputs: []ValueSpec{
		{Name: "y", Field: "Y", Type: "float[2,2]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Fixed(2), Fixed(2)}},
	},
	Pad: "sdkgen_pad",
}

func noInputs(c *Call, _ struct{}) {}

// TestZeroInputs: a model without inputs (the ONNX node case test_constant)
// runs: its embedded copy has an unused input the runtime feeds. Before, onnxruntime_go
// panicked (index out of range [0] with length 0).
func TestZeroInputs(t *testing.T) {
	s := newSession(t, &zeroInputsSpec, "runtime/go/testdata/zero_inputs.onnx")
	for range 3 {
		y, err := Run(context.Background(), s, struct{}{}, noInputs, func(c *Call) Tensor[float32] { return GetTensor[float32](c, 0) })
		if err != nil || fmt.Sprint(y.Data, y.Shape) != "[1 2 3 4] [2 2]" {
			t.Fatalf("%v %v", y, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := Run(ctx, s, struct{}{}, noInputs, func(c *Call) Tensor[float32] { return GetTensor[float32](c, 0) }); err != nil {
		t.Fatalf("with a cancellable context: %v", err)
	}
	unadapted := zeroInputsSpec
	unadapted.Pad = ""
	if _, err := NewSession(&unadapted, repoFile(t, "runtime/go/testdata/zero_inputs.onnx"), nil); err == nil ||
		!strings.Contains(err.Error(), "without inputs") {
		t.Fatalf("a spec without inputs and without a pad: %v", err)
	}
}

var edgesSpec = ModelSpec{
	Package: "edges",
	Symbols: []string{"n"},
	Inputs: []ValueSpec{
		{Name: "h", Field: "H", Type: "float16[n,3]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16, Dims: []Dim{Symbol(0), Fixed(3)}},
		{Name: "u", Field: "U", Type: "float16[*]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16},
		{Name: "s", Field: "S", Type: "string[*]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeString},
		{Name: "t", Field: "T", Type: "float16[2,3]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16, Dims: []Dim{Fixed(2), Fixed(3)}},
	},
	Outputs: []ValueSpec{
		{Name: "h_out", Field: "HOut", Type: "float16[n,3]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16, Dims: []Dim{Symbol(0), Fixed(3)}},
		{Name: "u_shape", Field: "UShape", Type: "int64[?]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeInt64, Dims: []Dim{AnyDim}},
		{Name: "s_out", Field: "SOut", Type: "string[*]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeString},
		{Name: "t_out", Field: "TOut", Type: "float16[2,3]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16, Dims: []Dim{Fixed(2), Fixed(3)}},
	},
}

type edgesIn struct {
	H, U, T Tensor[uint16]
	S       Tensor[string]
}

type edgesOut struct {
	H, T   Tensor[uint16]
	UShape Tensor[int64]
	S      Tensor[string]
}

func putEdges(c *Call, in edgesIn) {
	PutRaw(c, 0, in.H)
	PutRaw(c, 1, in.U)
	PutString(c, 2, in.S)
	PutRaw(c, 3, in.T)
}

func getEdges(c *Call) edgesOut {
	return edgesOut{H: GetRaw[uint16](c, 0), UShape: GetTensor[int64](c, 1), S: GetString(c, 2), T: GetRaw[uint16](c, 3)}
}

func goodEdges() edgesIn {
	return edgesIn{
		H: NewTensor(make([]uint16, 6), 2, 3),
		U: NewTensor([]uint16{1, 2, 3, 4}, 2, 2),
		S: NewTensor([]string{"a", "", "日本"}, 3),
		T: NewTensor([]uint16{1, 2, 3, 4, 5, 6}, 2, 3),
	}
}

func TestEdgeValues(t *testing.T) {
	s := newSession(t, &edgesSpec, "runtime/go/testdata/edges.onnx")
	ctx := context.Background()
	inputErr := func(in edgesIn, msg string) {
		t.Helper()
		for range 2 { // the session stays usable
			_, err := Run(ctx, s, in, putEdges, getEdges)
			var ie *InputError
			if !errors.As(err, &ie) || err.Error() != msg {
				t.Errorf("got %v, want %s", err, msg)
			}
		}
	}
	// NUL inside a string: ONNX Runtime's C API would cut the string there.
	in := goodEdges()
	in.S = NewTensor([]string{"ok", "a\x00b"}, 2)
	inputErr(in, `input "s": value: expected strings without NUL bytes, got NUL at byte 1 of element 1`)
	// Scalars for inputs of unknown rank whose element types onnxruntime_go makes with rank >= 1 only.
	in = goodEdges()
	in.U = Scalar[uint16](1)
	inputErr(in, `input "u": value: expected a tensor of rank 1 or more (onnxruntime_go v1.27.0 cannot make a float16 scalar), got a scalar`)
	in = goodEdges()
	in.S = Scalar("x")
	inputErr(in, `input "s": value: expected a tensor of rank 1 or more (onnxruntime_go v1.27.0 cannot make a string scalar), got a scalar`)

	// The float16 output whose declared shape is wrong: a typed error naming it.
	_, err := Run(ctx, s, goodEdges(), putEdges, getEdges)
	var oe *OutputError
	if !errors.As(err, &oe) || oe.Output != "t_out" || oe.Expected != "[2,3]" || oe.Actual != "[3,2]" ||
		err.Error() != `edges: output "t_out": the model declares shape [2,3] (float16[2,3]), ONNX Runtime produced [3,2]` {
		t.Fatalf("a float16 output of another shape than declared: %v (%#v)", err, oe)
	}
}

// TestEmptyFloat16 runs an empty float16 input the model allows (n = 0), and
// returns the empty float16 output.
func TestEmptyFloat16(t *testing.T) {
	spec := edgesSpec
	spec.Outputs = spec.Outputs[:3] // not the output of the wrong declared shape
	spec.Outputs = append([]ValueSpec(nil), spec.Outputs...)
	s := newSession(t, &spec, "runtime/go/testdata/edges.onnx")
	in := goodEdges()
	in.H = NewTensor([]uint16{}, 0, 3)
	in.U = NewTensor([]uint16{}, 4, 0)
	in.S = NewTensor([]string{}, 0)
	out, err := Run(context.Background(), s, in, putEdges, func(c *Call) edgesOut {
		return edgesOut{H: GetRaw[uint16](c, 0), UShape: GetTensor[int64](c, 1), S: GetString(c, 2)}
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out.H.Shape, len(out.H.Data), out.UShape.Data, out.S.Shape, len(out.S.Data)) != "[0 3] 0 [4 0] [0] 0" {
		t.Fatalf("%+v", out)
	}
}

var scalarsSpec = ModelSpec{
	Package: "scalars",
	Inputs: []ValueSpec{
		{Name: "s", Field: "S", Type: "string[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeString, Dims: []Dim{}, Adapt: AdaptScalar, Feed: "s__sdkgen"},
		{Name: "f", Field: "F", Type: "float16[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16, Dims: []Dim{}, Adapt: AdaptScalar, Feed: "f__sdkgen"},
	},
	Outputs: []ValueSpec{
		{Name: "s_out", Field: "SOut", Type: "string[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeString, Dims: []Dim{}},
		{Name: "f_out", Field: "FOut", Type: "float16[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16, Dims: []Dim{}, Adapt: AdaptScalar, Feed: "f_out__sdkgen"},
	},
}

// TestAdaptedScalars: scalar string and float16 inputs and a scalar float16
// output cross as shape [1] to the adapted model; the Go values are scalars.
func TestAdaptedScalars(t *testing.T) {
	s := newSession(t, &scalarsSpec, "runtime/go/testdata/scalars.onnx")
	type out struct {
		S Tensor[string]
		F Tensor[uint16]
	}
	got, err := Run(context.Background(), s, out{Scalar("héllo"), Scalar(Float16Bits(1.5))},
		func(c *Call, in out) { PutString(c, 0, in.S); PutRaw(c, 1, in.F) },
		func(c *Call) out { return out{GetString(c, 0), GetRaw[uint16](c, 1)} })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.S.Data, got.S.Shape, Float16FromBits(got.F.Data[0]), got.F.Shape) != "[héllo] [] -1.5 []" {
		t.Fatalf("%+v", got)
	}
	// An adapted SDK cannot load the user's model file as it is.
	_, err = NewSession(&scalarsSpec, nil, []Option{WithModelPath(filepath.Join("testdata", "scalars.onnx"))})
	if err == nil || !strings.Contains(err.Error(), `input "s" crosses as shape [1]`) {
		t.Fatalf("WithModelPath with an adapted spec: %v", err)
	}
}

// TestQuote: names are quoted as generator.fixtures.quote does (docs/errors.md).
func TestQuote(t *testing.T) {
	for name, want := range map[string]string{
		"x":                `"x"`,
		`a"b`:              `"a\"b"`,
		`back\slash`:       `"back\\slash"`,
		"tab\tnl\nnul\x00": `"tab\u0009nl\u000anul\u0000"`,
		"ls\u2028ps\u2029": `"ls\u2028ps\u2029"`,
		"日本 é":             `"日本 é"`,
		"\x7f\x1f":         "\"\x7f\\u001f\"",
		"\U0001F600":       "\"\U0001F600\"",
	} {
		if got := quote(name); got != want {
			t.Errorf("quote(%q) = %s, want %s", name, got, want)
		}
	}
	e := &InputError{Kind: KindMissing, Input: "a\"\n", Expected: "float[2]", Actual: "nothing"}
	if e.Error() != `input "a\"\u000a": missing: expected float[2], got nothing` {
		t.Errorf("%s", e)
	}
}

var seqsSpec = ModelSpec{
	Package: "seqs",
	Inputs: []ValueSpec{
		{Name: "xs", Field: "Xs", Type: "seq(float[*])", Kind: ort.ONNXTypeSequence, Elem: ort.TensorElementDataTypeFloat, Adapt: AdaptSeq, Feed: "xs__sdkgen"},
	},
	Outputs: []ValueSpec{
		{Name: "n", Field: "N", Type: "int64[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeInt64, Dims: []Dim{}},
		{Name: "ys", Field: "Ys", Type: "seq(float[*])", Kind: ort.ONNXTypeSequence, Elem: ort.TensorElementDataTypeFloat},
	},
}

type seqsOut struct {
	N  Tensor[int64]
	Ys []Tensor[float32]
}

func putSeqs(c *Call, xs []Tensor[float32]) { PutTensorSeq(c, 0, xs) }

func getSeqs(c *Call) seqsOut { return seqsOut{GetTensor[int64](c, 0), GetTensorSeq[float32](c, 1)} }

// TestEmptySequence: an empty sequence input runs through the adapted model
// (ONNX Runtime's C API cannot make one); with the model file as it is
// (WithModelPath) it is a typed error.
func TestEmptySequence(t *testing.T) {
	s := newSession(t, &seqsSpec, "runtime/go/testdata/seqs_adapted.onnx")
	ctx := context.Background()
	for _, xs := range [][]Tensor[float32]{{}, {NewTensor([]float32{1, 2}, 2), NewTensor([]float32{}, 0), NewTensor([]float32{3}, 1, 1)}} {
		out, err := Run(ctx, s, xs, putSeqs, getSeqs)
		if err != nil {
			t.Fatal(err)
		}
		if out.N.Data[0] != int64(len(xs)) || len(out.Ys) != len(xs) || fmt.Sprint(out.Ys) != fmt.Sprint(xs) {
			t.Fatalf("%v -> %+v", xs, out)
		}
	}
	if _, err := Run(ctx, s, nil, putSeqs, getSeqs); err == nil || err.Error() != `input "xs": missing: expected seq(float[*]), got nothing` {
		t.Fatalf("a nil sequence: %v", err)
	}
	asIs, err := NewSession(&seqsSpec, nil, []Option{WithModelPath(filepath.Join("testdata", "seqs.onnx")), WithIntraOpThreads(1)})
	if err != nil {
		t.Fatal(err)
	}
	defer asIs.Close()
	if out, err := Run(ctx, asIs, []Tensor[float32]{NewTensor([]float32{1}, 1)}, putSeqs, getSeqs); err != nil || out.N.Data[0] != 1 {
		t.Fatalf("the model file as it is: %v %v", out, err)
	}
	_, err = Run(ctx, asIs, []Tensor[float32]{}, putSeqs, getSeqs)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Kind != KindValue || ie.Actual != "an empty sequence" {
		t.Fatalf("an empty sequence for the model file as it is: %v", err)
	}
}

// TestSequenceOfScalarsOutput: onnxruntime_go v1.27.0 panics reading a
// sequence of scalars back; Run returns an error and the session stays usable.
func TestSequenceOfScalarsOutput(t *testing.T) {
	spec := ModelSpec{
		Package: "seqofscalars",
		Inputs: []ValueSpec{
			{Name: "a", Field: "A", Type: "float[1]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Fixed(1)}},
			{Name: "b", Field: "B", Type: "float[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{}},
		},
		Outputs: []ValueSpec{{Name: "ys", Field: "Ys", Type: "seq(float[*])", Kind: ort.ONNXTypeSequence, Elem: ort.TensorElementDataTypeFloat}},
	}
	s := newSession(t, &spec, "runtime/go/testdata/seq_of_scalars.onnx")
	for range 2 {
		_, err := Run(context.Background(), s, Scalar[float32](2),
			func(c *Call, b Tensor[float32]) { PutTensor(c, 0, NewTensor([]float32{1}, 1)); PutTensor(c, 1, b) },
			func(c *Call) []Tensor[float32] { return GetTensorSeq[float32](c, 0) })
		if err == nil || !strings.Contains(err.Error(), "seqofscalars: onnxruntime_go v1.27.0 failed reading the outputs") {
			t.Fatalf("got %v", err)
		}
	}
}

var optionalsSpec = ModelSpec{
	Package: "optionals",
	Inputs: []ValueSpec{
		{Name: "x", Field: "X", Type: "optional(float[*])", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Adapt: AdaptOptional, Feed: "x__sdkgen", Has: "x__sdkgen_has"},
		{Name: "s", Field: "S", Type: "optional(seq(float[*]))", Kind: ort.ONNXTypeSequence, Elem: ort.TensorElementDataTypeFloat, Adapt: AdaptOptional, Feed: "s__sdkgen", Has: "s__sdkgen_has"},
	},
	Outputs: []ValueSpec{
		{Name: "y", Field: "Y", Type: "optional(float[*])", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Adapt: AdaptOptional, Feed: "y__sdkgen", Has: "y__sdkgen_has"},
		{Name: "x_has", Field: "XHas", Type: "bool[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeBool, Dims: []Dim{}},
		{Name: "t", Field: "T", Type: "optional(seq(float[*]))", Kind: ort.ONNXTypeSequence, Elem: ort.TensorElementDataTypeFloat, Adapt: AdaptOptional, Feed: "t__sdkgen", Has: "t__sdkgen_has"},
	},
}

type optIn struct {
	X *Tensor[float32]
	S *[]Tensor[float32]
}

type optOut struct {
	Y    *Tensor[float32]
	XHas Tensor[bool]
	T    *[]Tensor[float32]
}

// TestOptionals: optional tensor and sequence inputs and outputs (pointers,
// nil when absent) through the adapted model; an empty sequence is present.
func TestOptionals(t *testing.T) {
	s := newSession(t, &optionalsSpec, "runtime/go/testdata/optionals.onnx")
	put := func(c *Call, in optIn) {
		PutOptional(c, 0, in.X, PutTensor[float32])
		PutOptional(c, 1, in.S, PutTensorSeq[float32])
	}
	get := func(c *Call) optOut {
		return optOut{GetOptional(c, 0, GetTensor[float32]), GetTensor[bool](c, 1), GetOptional(c, 2, GetTensorSeq[float32])}
	}
	x := NewTensor([]float32{1, 2, 3}, 3)
	seq := []Tensor[float32]{NewTensor([]float32{4}, 1), NewTensor([]float32{5, 6}, 2)}
	empty := []Tensor[float32]{}
	for _, tc := range []struct {
		in   optIn
		want string
	}{
		{optIn{&x, &seq}, "[1 2 3] [true] [{[4] [1]} {[5 6] [2]}]"},
		{optIn{nil, nil}, "nil [false] nil"},
		{optIn{&x, &empty}, "[1 2 3] [true] []"},
		{optIn{nil, &seq}, "nil [false] [{[4] [1]} {[5 6] [2]}]"},
	} {
		for range 2 {
			out, err := Run(context.Background(), s, tc.in, put, get)
			if err != nil {
				t.Fatal(err)
			}
			y, ts := "nil", "nil"
			if out.Y != nil {
				y = fmt.Sprint(out.Y.Data)
			}
			if out.T != nil {
				ts = fmt.Sprint(*out.T)
			}
			if got := y + " " + fmt.Sprint(out.XHas.Data) + " " + ts; got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		}
	}
	bad := NewTensor([]float32{1}, 1, 1, 1, 1)
	bad.Data = nil
	if _, err := Run(context.Background(), s, optIn{&bad, nil}, put, get); err == nil ||
		err.Error() != `input "x": length: expected 1 elements for shape [1,1,1,1], got 0 elements` {
		t.Fatalf("a present value is checked: %v", err)
	}
}
