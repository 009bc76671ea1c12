package ortrt

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// ModelSpec is a model's signature as the generator saw it. A generated
// package declares one as a package-level variable; sessions only read it.
type ModelSpec struct {
	Package string   // the generated package: the prefix of every error but *InputError
	Symbols []string // the symbolic dims of the inputs, indexed by Symbol(i)
	Inputs  []ValueSpec
	Outputs []ValueSpec
}

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

func names(specs []ValueSpec) []string {
	out := make([]string, len(specs))
	for i := range specs {
		out[i] = specs[i].Name
	}
	return out
}

// checkSignature compares a model file's inputs and outputs with the spec's.
func checkSignature(spec *ModelSpec, data []byte) error {
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(data)
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
