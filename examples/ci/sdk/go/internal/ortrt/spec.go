package ortrt

import (
	"fmt"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// ortGoVersion is the onnxruntime_go release this runtime was written for
// (go.mod), named in the errors about what it cannot do.
const ortGoVersion = "v1.27.0"

// ModelSpec is a model's signature as the generator saw it. A generated
// package declares one as a package-level variable; sessions only read it.
type ModelSpec struct {
	Package string   // the generated package: the prefix of every error but *InputError
	Symbols []string // the symbolic dims of the inputs, indexed by Symbol(i)
	Inputs  []ValueSpec
	Outputs []ValueSpec
	// Pad is the name of a graph input the embedded model was given only so
	// that it has one (onnxruntime_go cannot run a model without inputs); Run
	// feeds it a bool scalar the model never reads. "" when not adapted so.
	Pad string
}

// Adapt says how sdkgen adapted the embedded model so that onnxruntime_go
// can carry a value (generator/adapt_go.py); the Go value is always the one
// of the model's own signature. A model file given with WithModelPath is the
// model as it is, so an SDK with an adapted embedded model refuses one.
type Adapt uint8

// Adaptations of a value.
const (
	AsIs Adapt = iota
	// AdaptScalar: a rank-0 tensor onnxruntime_go can only make (string,
	// float16...) or return (float16...) with rank 1 crosses as shape [1]; the
	// adapted model reshapes it.
	AdaptScalar
	// AdaptSeq: a sequence input crosses with one empty tensor in front, which
	// the adapted model drops (ONNX Runtime's C API cannot make an empty
	// sequence). Only empty sequences need it: with a model file given by
	// WithModelPath the input is taken as it is and an empty one is an
	// *InputError.
	AdaptSeq
	// AdaptOptional: an optional value (a pointer in Go, nil when absent)
	// crosses as its value (Feed; of a sequence: with an element in front, as
	// AdaptSeq) and a bool scalar saying whether it is present (Has). Kind,
	// Elem and Dims describe the value inside.
	AdaptOptional
)

// ValueSpec describes one input or output.
type ValueSpec struct {
	Name  string       // the model's (wire) name
	Field string       // the Go field of Inputs or Outputs
	Type  string       // human-readable type, e.g. "float[batch,3]"
	Kind  ort.ONNXType // tensor, sequence or map
	// Elem is the element type of a tensor, of the tensors of a sequence, or
	// of the values of a map.
	Elem ort.TensorElementDataType
	// Dims is a tensor's declared shape; nil when its rank is unknown and for
	// other kinds of value. A scalar has an empty, non-nil Dims.
	Dims []Dim
	// Adapt says how the value crosses to the adapted embedded model, under
	// the graph name Feed ("" = Name).
	Adapt Adapt
	Feed  string
	Has   string // AdaptOptional: the graph name of the bool saying the value is present
}

// seqFront says whether a sequence crosses with an element in front.
func (s *ValueSpec) seqFront() bool {
	return s.Adapt == AdaptSeq || (s.Adapt == AdaptOptional && s.Kind == ort.ONNXTypeSequence)
}

// feed is the value's name in the model ONNX Runtime runs.
func (s *ValueSpec) feed() string {
	if s.Feed != "" {
		return s.Feed
	}
	return s.Name
}

// dimsText is the declared dims as docs/errors.md writes them: "[batch,4,?]".
func (s *ValueSpec) dimsText() string {
	if i := strings.IndexByte(s.Type, '['); i >= 0 {
		return s.Type[i:]
	}
	return "[*]"
}

// elemName is the ONNX name of an element type, e.g. "float16".
func elemName(e ort.TensorElementDataType) string {
	return strings.ToLower(strings.TrimPrefix(e.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}

// adaptations says, for messages, what the adapted embedded model changes.
func (spec *ModelSpec) adaptations() string {
	var out []string
	if spec.Pad != "" {
		out = append(out, "a model without inputs gets an unused one")
	}
	for _, v := range []struct {
		what  string
		specs []ValueSpec
	}{{"input", spec.Inputs}, {"output", spec.Outputs}} {
		for i := range v.specs {
			switch v.specs[i].Adapt {
			case AdaptScalar:
				out = append(out, v.what+" "+quote(v.specs[i].Name)+" crosses as shape [1]")
			case AdaptOptional:
				out = append(out, "the optional "+v.what+" "+quote(v.specs[i].Name)+" crosses as a value and a bool")
			}
		}
	}
	return strings.Join(out, "; ")
}

// adapted says whether the embedded model is an adapted copy of the user's
// that the SDK cannot do without (AdaptSeq it can: see asIs).
func (spec *ModelSpec) adapted() bool {
	if spec.Pad != "" {
		return true
	}
	for _, vs := range [][]ValueSpec{spec.Inputs, spec.Outputs} {
		for i := range vs {
			if vs[i].Adapt != AsIs && vs[i].Adapt != AdaptSeq {
				return true
			}
		}
	}
	return false
}

// asIs is the spec for the model file as it is: without the AdaptSeq inputs.
func (spec *ModelSpec) asIs() *ModelSpec {
	out := *spec
	out.Inputs = append([]ValueSpec(nil), spec.Inputs...)
	for i := range out.Inputs {
		if out.Inputs[i].Adapt == AdaptSeq {
			out.Inputs[i].Adapt, out.Inputs[i].Feed = AsIs, ""
		}
	}
	return &out
}

// Dim is one declared dimension: Fixed(n), Symbol(i) or AnyDim.
type Dim int64

// AnyDim is a dimension of any size (an unnamed or unbound symbolic one).
const AnyDim Dim = -1

// Fixed is a dimension of size n >= 0.
func Fixed(n int64) Dim { return Dim(n) }

// Symbol is the symbolic dimension ModelSpec.Symbols[i]: every input
// dimension with the same symbol must have the same size.
func Symbol(i int) Dim { return Dim(-2 - int64(i)) }

func (d Dim) size() (int64, bool) { return int64(d), d >= 0 }

func (d Dim) symbol() (int, bool) { return int(-2 - d), d <= -2 }

func (s *ValueSpec) rank() int {
	if s.Dims == nil {
		return -1
	}
	return len(s.Dims)
}

// feeds returns the graph names of the values, in the order ONNX Runtime is
// given them, and the index of each value among them (an optional value's
// bool comes right after it).
func feeds(specs []ValueSpec) (names []string, slot []int) {
	slot = make([]int, len(specs))
	for i := range specs {
		slot[i] = len(names)
		names = append(names, specs[i].feed())
		if specs[i].Adapt == AdaptOptional {
			names = append(names, specs[i].Has)
		}
	}
	return names, slot
}

// checkSignature compares a model file's inputs and outputs with the spec's.
func checkSignature(spec *ModelSpec, path string, so *ort.SessionOptions) error {
	ins, outs, err := ort.GetInputOutputInfoWithOptions(path, so)
	if err != nil {
		return err
	}
	if err := sameSignature("input", spec.Inputs, ins); err != nil {
		return err
	}
	return sameSignature("output", spec.Outputs, outs)
}

func sameSignature(what string, want []ValueSpec, got []ort.InputOutputInfo) error {
	if len(want) != len(got) {
		return fmt.Errorf("has %d %ss, this SDK was generated for %d (regenerate it)", len(got), what, len(want))
	}
	for i := range want {
		w, g := &want[i], got[i]
		ok := g.Name == w.Name && g.OrtValueType == w.Kind
		if ok && w.Kind == ort.ONNXTypeTensor {
			ok = g.DataType == w.Elem && (w.rank() < 0 || len(g.Dimensions) == w.rank())
		}
		if !ok {
			return fmt.Errorf("%s %d is %s, this SDK was generated for %q %s (regenerate it)", what, i, g.String(), w.Name, w.Type)
		}
	}
	return nil
}
