package ortrt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"
)

// RunInto, outputs allocated from their declared shapes, inputs and outputs
// kept from run to run, and what a Run allocates.

func bindTT(c *Call, out *Tensor[float32]) { BindTensor(c, 0, out) }
func fillTT(c *Call, out *Tensor[float32]) { FillTensor(c, 0, out) }

func bindDH(c *Call, out *dhOutputs) {
	BindTensor(c, 0, &out.TokenIds)
	BindRaw(c, 1, &out.Scores)
}

func fillDH(c *Call, out *dhOutputs) {
	FillTensor(c, 0, &out.TokenIds)
	FillRaw(c, 1, &out.Scores)
	out.Tokens = GetString(c, 2)
}

func dataOf[T any](t Tensor[T]) *T { return unsafe.SliceData(t.Data) }

func runTT(t *testing.T, s *Session, in ttInputs) Tensor[float32] {
	t.Helper()
	out, err := Run(context.Background(), s, in, putTT, getTT)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRunInto: RunInto returns what Run returns, in the caller's memory when it
// is large enough (Data resliced, Shape reused), else in new memory.
func TestRunInto(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	ctx := context.Background()
	var out Tensor[float32]
	if err := RunInto(ctx, s, tokens(2, 5, 1), &out, putTT, bindTT, fillTT); err != nil {
		t.Fatal(err)
	}
	if want := runTT(t, s, tokens(2, 5, 1)); !equal(out, want) {
		t.Fatalf("RunInto into nothing: shape %v, want %v", out.Shape, want.Shape)
	}
	data, shape := dataOf(out), unsafe.SliceData(out.Shape)
	for _, n := range []int{5, 3} { // the same shape, then a smaller one: the same memory
		if err := RunInto(ctx, s, tokens(2, n, 2), &out, putTT, bindTT, fillTT); err != nil {
			t.Fatal(err)
		}
		if want := runTT(t, s, tokens(2, n, 2)); !equal(out, want) {
			t.Fatalf("RunInto [2,%d]: a result other than Run's", n)
		}
		if dataOf(out) != data || unsafe.SliceData(out.Shape) != shape {
			t.Fatalf("RunInto [2,%d] did not reuse the memory of out", n)
		}
	}
	// Larger than cap(Data): new memory.
	if err := RunInto(ctx, s, tokens(3, 7, 3), &out, putTT, bindTT, fillTT); err != nil {
		t.Fatal(err)
	}
	if want := runTT(t, s, tokens(3, 7, 3)); !equal(out, want) || dataOf(out) == data {
		t.Fatalf("RunInto [3,7] after [2,5]: equal %v, new memory %v", equal(out, want), dataOf(out) != data)
	}
	// A caller's buffer with room to spare: written from its start.
	buf := make([]float32, 7, 4096)
	out = Tensor[float32]{Data: buf}
	if err := RunInto(ctx, s, tokens(1, 4, 4), &out, putTT, bindTT, fillTT); err != nil {
		t.Fatal(err)
	}
	if want := runTT(t, s, tokens(1, 4, 4)); !equal(out, want) || dataOf(out) != &buf[:1][0] {
		t.Fatalf("RunInto into a buffer of capacity 4096: equal %v, in the buffer %v", equal(out, want), dataOf(out) == &buf[:1][0])
	}
	if err := RunInto[ttInputs, Tensor[float32]](ctx, s, tokens(1, 4, 4), nil, putTT, bindTT, fillTT); err == nil ||
		err.Error() != "tinytransformer: RunInto: out is nil" {
		t.Fatalf("RunInto into nil: %v", err)
	}
	var ie *InputError
	if err := RunInto(ctx, s, ttInputs{}, &out, putTT, bindTT, fillTT); !errors.As(err, &ie) || ie.Kind != KindMissing {
		t.Fatalf("RunInto with a missing input: %v", err)
	}
	s.Close()
	if err := RunInto(ctx, s, tokens(1, 4, 4), &out, putTT, bindTT, fillTT); !errors.Is(err, ErrClosed) {
		t.Fatalf("RunInto after Close: %v", err)
	}
}

// TestRunIntoOtherOutputs: float16 into the caller's uint16s, int64, and a
// string output (new every time) of the decode head.
func TestRunIntoOtherOutputs(t *testing.T) {
	tt := newSession(t, &transformerSpec, transformerFile)
	dh := newSession(t, &decodeHeadSpec, decodeHeadFile)
	ctx := context.Background()
	var out dhOutputs
	for i, n := range []int{6, 6, 4} {
		logits := runTT(t, tt, tokens(2, n, int64(i)))
		want, err := Run(ctx, dh, logits, putDH, getDH)
		if err != nil {
			t.Fatal(err)
		}
		ids, scores := dataOf(out.TokenIds), dataOf(out.Scores)
		if err := RunInto(ctx, dh, logits, &out, putDH, bindDH, fillDH); err != nil {
			t.Fatal(err)
		}
		if !equal(out.TokenIds, want.TokenIds) || !equal(out.Scores, want.Scores) || !equal(out.Tokens, want.Tokens) {
			t.Fatalf("run %d: RunInto's outputs differ from Run's", i)
		}
		if i > 0 && (dataOf(out.TokenIds) != ids || dataOf(out.Scores) != scores) {
			t.Fatalf("run %d: the int64 and float16 outputs are not in out's memory", i)
		}
	}
}

// TestCachedInputs: a tensor input is kept as an ONNX Runtime value over the
// caller's memory; the next Run must see what that memory holds then, and a
// slice of the same memory with another shape is another value.
func TestCachedInputs(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	in := tokens(2, 8, 1)
	first := runTT(t, s, in)
	in.InputIds.Data[3] = (in.InputIds.Data[3] + 1) % 64 // the same memory, new contents
	changed := runTT(t, s, in)
	fresh := tokens(2, 8, 1)
	fresh.InputIds.Data[3] = in.InputIds.Data[3]
	if want := runTT(t, s, fresh); !equal(changed, want) || equal(changed, first) {
		t.Fatal("a Run after the input's elements changed in place did not see the change")
	}
	// The same memory as [4,4] and [1,8].
	for _, shape := range [][]int64{{4, 4}, {1, 8}} {
		n := int(shape[0] * shape[1])
		in2 := ttInputs{NewTensor(in.InputIds.Data[:n], shape...), NewTensor(in.AttentionMask.Data[:n], shape...)}
		copied := ttInputs{NewTensor(append([]int64(nil), in2.InputIds.Data...), shape...),
			NewTensor(append([]int64(nil), in2.AttentionMask.Data...), shape...)}
		if got, want := runTT(t, s, in2), runTT(t, s, copied); !equal(got, want) {
			t.Fatalf("input memory reused as %v: another result than a copy's", shape)
		}
	}
}

var declaredSpec = ModelSpec{
	Package: "declared",
	Symbols: []string{"n"},
	Inputs: []ValueSpec{
		{Name: "x", Field: "X", Type: "float[n,3]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Symbol(0), Fixed(3)}},
	},
	Outputs: []ValueSpec{
		{Name: "y", Field: "Y", Type: "float[n,3]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Symbol(0), Fixed(3)}},
		{Name: "t", Field: "T", Type: "float[n,3]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Symbol(0), Fixed(3)}},
		{Name: "c", Field: "C", Type: "float[4]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Fixed(4)}},
	},
}

type declaredOut struct{ Y, T, C Tensor[float32] }

func putX(c *Call, x Tensor[float32]) { PutTensor(c, 0, x) }

func getDeclared(c *Call) declaredOut {
	return declaredOut{GetTensor[float32](c, 0), GetTensor[float32](c, 1), GetTensor[float32](c, 2)}
}

func bindDeclared(c *Call, out *declaredOut) {
	BindTensor(c, 0, &out.Y)
	BindTensor(c, 1, &out.T)
	BindTensor(c, 2, &out.C)
}

func fillDeclared(c *Call, out *declaredOut) {
	FillTensor(c, 0, &out.Y)
	FillTensor(c, 1, &out.T)
	FillTensor(c, 2, &out.C)
}

func declaredWant(x Tensor[float32]) declaredOut {
	n := x.Shape[0]
	y, tr := make([]float32, len(x.Data)), make([]float32, len(x.Data))
	for i := int64(0); i < n; i++ {
		for j := int64(0); j < 3; j++ {
			y[i*3+j] = 2 * x.Data[i*3+j]
			tr[j*n+i] = x.Data[i*3+j]
		}
	}
	return declaredOut{NewTensor(y, n, 3), NewTensor(tr, 3, n), NewTensor([]float32{1, 2, 3, 4}, 2, 2)}
}

func xOf(n int, seed float32) Tensor[float32] {
	x := make([]float32, 3*n)
	for i := range x {
		x[i] = seed + float32(i)
	}
	return NewTensor(x, int64(n), 3)
}

// TestMisdeclaredOutputs: outputs whose declared shape is not what the model
// produces (a node's, and an initializer's) come back as produced, by Run and
// RunInto, the first time (which runs the model again) and after; an output
// whose declaration is right can then be written to the caller's memory
// still, as a copy.
func TestMisdeclaredOutputs(t *testing.T) {
	s := newSession(t, &declaredSpec, "runtime/go/testdata/declared.onnx")
	ctx := context.Background()
	check := func(what string, got, want declaredOut) {
		t.Helper()
		if !equal(got.Y, want.Y) || !equal(got.T, want.T) || !equal(got.C, want.C) {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
	for i := range 2 {
		x := xOf(2, float32(i))
		got, err := Run(ctx, s, x, putDeclared, getDeclared)
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprint("Run ", i), got, declaredWant(x))
		if s.declared.Load() {
			t.Fatal("the session still trusts the declared output shapes")
		}
	}
	// t alone: ONNX Runtime's other message (the node's output, not the graph's)
	yt := declaredSpec
	yt.Outputs = yt.Outputs[:2]
	s1 := newSession(t, &yt, "runtime/go/testdata/declared.onnx")
	get := func(c *Call) declaredOut {
		return declaredOut{Y: GetTensor[float32](c, 0), T: GetTensor[float32](c, 1)}
	}
	x := xOf(2, 1)
	got, err := Run(ctx, s1, x, putDeclared, get)
	if want := declaredWant(x); err != nil || !equal(got.T, want.T) || !equal(got.Y, want.Y) || s1.declared.Load() {
		t.Fatalf("Run of y and t: %v, %v", got, err)
	}
	s2 := newSession(t, &declaredSpec, "runtime/go/testdata/declared.onnx")
	out := declaredOut{Y: NewTensor(make([]float32, 6)), T: NewTensor(make([]float32, 6)), C: NewTensor(make([]float32, 4))}
	y := dataOf(out.Y)
	for i := range 2 {
		x := xOf(2, float32(i))
		if err := RunInto(ctx, s2, x, &out, putDeclared, bindDeclared, fillDeclared); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprint("RunInto ", i), out, declaredWant(x))
		if dataOf(out.Y) != y {
			t.Fatalf("RunInto %d: y is not in out's memory", i)
		}
	}
}

func putDeclared(c *Call, x Tensor[float32]) { PutTensor(c, 0, x) }

var ySpec = ModelSpec{Package: "declared", Symbols: declaredSpec.Symbols, Inputs: declaredSpec.Inputs, Outputs: declaredSpec.Outputs[:1]}

// TestRunIntoSharedMemory: an output whose memory is the input's is written
// after the run (a copy), not lent to ONNX Runtime while it reads the input.
func TestRunIntoSharedMemory(t *testing.T) {
	s := newSession(t, &ySpec, "runtime/go/testdata/declared.onnx")
	bind := func(c *Call, out *Tensor[float32]) { BindTensor(c, 0, out) }
	fill := func(c *Call, out *Tensor[float32]) { FillTensor(c, 0, out) }
	for _, offset := range []int{0, 2} {
		x := xOf(6, 1)
		x = NewTensor(x.Data[:12], 4, 3)
		want := declaredWant(x).Y
		out := Tensor[float32]{Data: x.Data[offset:offset]} // overlaps x
		if err := RunInto(context.Background(), s, x, &out, putX, bind, fill); err != nil {
			t.Fatal(err)
		}
		if !equal(out, want) || dataOf(out) != &x.Data[offset] {
			t.Fatalf("output over the input at %d: %v, want %v", offset, out.Data, want.Data)
		}
	}
}

// TestConcurrentRunInto: goroutines RunInto their own outputs, reused, with
// the session's Calls (and their cached values) passing between them.
func TestConcurrentRunInto(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	const variants = 3
	var want [variants]Tensor[float32]
	var ins [variants]ttInputs
	for v := range variants {
		ins[v] = tokens(1+v, 4+3*v, int64(v))
		want[v] = runTT(t, s, ins[v])
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out Tensor[float32]
			for i := range 20 {
				v := (g + i) % variants
				if err := RunInto(context.Background(), s, ins[v], &out, putTT, bindTT, fillTT); err != nil {
					errs <- err
					return
				}
				if !equal(out, want[v]) {
					errs <- fmt.Errorf("goroutine %d run %d: another result than the sequential Run's", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestNoAllocationBeyondTheBinding: with its output's memory reused, RunInto
// allocates nothing but what onnxruntime_go's own Run allocates for the same
// values (its argument arrays); Run adds only the new output (its Data, its
// Shape, onnxruntime_go's value for it). testing.AllocsPerRun counts the Go heap.
func TestNoAllocationBeyondTheBinding(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	in := tokens(2, 16, 1)
	ctx := context.Background()
	// onnxruntime_go alone: tensors made once, DynamicAdvancedSession.Run.
	ids, err := ort.NewTensor(ort.Shape(in.InputIds.Shape), in.InputIds.Data)
	if err != nil {
		t.Fatal(err)
	}
	defer ids.Destroy()
	mask, err := ort.NewTensor(ort.Shape(in.AttentionMask.Shape), in.AttentionMask.Data)
	if err != nil {
		t.Fatal(err)
	}
	defer mask.Destroy()
	logits, err := ort.NewEmptyTensor[float32](ort.Shape{2, 16, 64})
	if err != nil {
		t.Fatal(err)
	}
	defer logits.Destroy()
	ins, outs := []ort.Value{ids, mask}, []ort.Value{logits}
	raw := testing.AllocsPerRun(200, func() {
		if err := s.sess.Run(ins, outs); err != nil {
			t.Fatal(err)
		}
	})
	// what a new output costs: its memory, its shape, onnxruntime_go's value
	newOutput := testing.AllocsPerRun(200, func() {
		v, err := ort.NewEmptyTensor[float32](ort.Shape{2, 16, 64})
		if err != nil {
			t.Fatal(err)
		}
		_ = v.GetShape()
		v.Destroy()
	})
	var out Tensor[float32]
	into := testing.AllocsPerRun(200, func() {
		if err := RunInto(ctx, s, in, &out, putTT, bindTT, fillTT); err != nil {
			t.Fatal(err)
		}
	})
	run := testing.AllocsPerRun(200, func() {
		if _, err := Run(ctx, s, in, putTT, getTT); err != nil {
			t.Fatal(err)
		}
	})
	// A context that can be cancelled: context.AfterFunc (what stops ONNX Runtime) allocates.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	afterFunc := testing.AllocsPerRun(200, func() { context.AfterFunc(cctx, func() {})() })
	cancellable := testing.AllocsPerRun(200, func() {
		if err := RunInto(cctx, s, in, &out, putTT, bindTT, fillTT); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("allocations per call: onnxruntime_go Run %v, RunInto %v, Run %v (a new output: %v), "+
		"RunInto with a cancellable context %v (context.AfterFunc: %v)", raw, into, run, newOutput, cancellable, afterFunc)
	if into > raw {
		t.Errorf("RunInto allocates %v times per call, onnxruntime_go's Run of the same values %v", into, raw)
	}
	if cancellable > raw+afterFunc {
		t.Errorf("RunInto with a cancellable context allocates %v times per call, onnxruntime_go's Run %v plus context.AfterFunc %v",
			cancellable, raw, afterFunc)
	}
	if run > raw+newOutput {
		t.Errorf("Run allocates %v times per call, onnxruntime_go's Run of the same values %v plus a new output %v", run, raw, newOutput)
	}
	if want := runTT(t, s, in); !equal(out, want) {
		t.Fatal("RunInto's result differs from Run's")
	}
}

// TestRefusedGuess: ONNX Runtime 1.29's two messages for a preallocated
// output of another shape (a node's output, the graph's) name the output.
func TestRefusedGuess(t *testing.T) {
	s := newSession(t, &declaredSpec, "runtime/go/testdata/declared.onnx")
	c := s.newCall()
	v, err := ort.NewEmptyTensor[float32](ort.Shape{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Destroy()
	c.outs[1] = v // t, allocated from its declared shape
	for msg, want := range map[string]bool{
		"Non-zero status code returned while running Transpose node. Name:'' Status Message: /onnxruntime_src/onnxruntime/core/framework/op_kernel.cc:83 " +
			"virtual OrtValue* onnxruntime::OpKernelContext::OutputMLValue(int, const onnxruntime::TensorShape&) [ONNXRuntimeError] : 2 : " +
			"INVALID_ARGUMENT : The output OrtValue provided for output 't' of node '' (Transpose) has shape {2,3} but the computed output shape " +
			"for this run is {3,2}.": true,
		"Got invalid dimensions for output: t for the following indices\n index: 0 Got: 2 Expected: 3":     true,
		"Invalid rank for output: t Got: 1 Expected: 2 Please fix either the inputs/outputs or the model.": true,
		"Invalid rank for output: y Got: 1 Expected: 2":                                                    false, // not allocated by the SDK
		"Non-zero status code returned while running Gather node: indices element out of data bounds":      false,
	} {
		if got := c.refusedGuess(errors.New(msg)); got != want {
			t.Errorf("refusedGuess(%q) = %v", msg, got)
		}
	}
	c.outs[1] = nil
}
