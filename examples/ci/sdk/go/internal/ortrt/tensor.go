package ortrt

import (
	"errors"
	"unicode/utf8"
)

// Tensor is a dense tensor: Data holds the elements in row-major order and
// Shape the size of each dimension (empty for a scalar). len(Data) must equal
// the product of Shape. A zero Tensor (nil Data and nil Shape) is a missing input.
//
// float16 and bfloat16 elements are carried as their uint16 bit patterns; see
// Float16Bits, Float16FromBits, BFloat16Bits and BFloat16FromBits.
type Tensor[T any] struct {
	Data  []T
	Shape []int64
}

// NewTensor returns a Tensor with the given data and shape. It does not copy data.
func NewTensor[T any](data []T, shape ...int64) Tensor[T] {
	if shape == nil {
		shape = []int64{}
	}
	return Tensor[T]{Data: data, Shape: shape}
}

// Scalar returns a rank-0 Tensor holding v.
func Scalar[T any](v T) Tensor[T] {
	return Tensor[T]{Data: []T{v}, Shape: []int64{}}
}

// ErrClosed is returned by Run after Close (docs/errors.md: kind "closed",
// message "model is closed"). Test for it with errors.Is.
var ErrClosed = errors.New("model is closed")

// ErrorKind says which check an input failed: the kinds of sdkgen's one input
// error contract (docs/errors.md), the same in every language. Two cannot
// happen in Go, where the compiler rejects them: "unknown" (an input the model
// does not have) and "type" (a wrong element type or kind of value). A closed
// model is reported as ErrClosed.
type ErrorKind string

// Kinds of InputError, in the order the checks run for one input.
const (
	KindMissing ErrorKind = "missing" // no value: a zero Tensor, a nil map or sequence
	KindRank    ErrorKind = "rank"    // another number of dimensions than the signature's
	KindShape   ErrorKind = "shape"   // not a valid shape: a negative dimension, too many elements
	KindLength  ErrorKind = "length"  // len(Data) is not the product of Shape
	KindDim     ErrorKind = "dim"     // a fixed dimension of another size
	KindSymbol  ErrorKind = "symbol"  // a symbolic dimension bound to another size by an earlier input
	KindValue   ErrorKind = "value"   // an element ONNX Runtime cannot take, e.g. NUL in a string
)

// InputError reports an input that does not match the model's signature. It is
// returned by Run before ONNX Runtime is called; the Model stays usable. Use
// errors.As to get it. Kind, Input, Expected and Actual are worded as in every
// sdkgen SDK (docs/errors.md); Error() is
//
//	input "<name>": <kind>: expected <expected>, got <actual>
//
// with the name quoted as a JSON string.
type InputError struct {
	Kind     ErrorKind
	Input    string // the model's name for the input
	Field    string // the Go field of Inputs
	Expected string
	Actual   string
}

func (e *InputError) Error() string {
	return "input " + quote(e.Input) + ": " + string(e.Kind) + ": expected " + e.Expected + ", got " + e.Actual
}

// quote is a JSON string of s, as docs/errors.md quotes names: backslash and
// double quote escaped, every character below U+0020 and U+2028/U+2029 as
// \uXXXX (lower-case hex), everything else as it is.
func quote(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b = append(b, '\\', byte(r))
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(append(b, '"'))
}

// OutputError reports an output ONNX Runtime produced with another shape than
// the model declares, for an element type the SDK allocates before the run
// from the declared shape (float16, bfloat16, complex: onnxruntime_go v1.27.0
// cannot return ONNX Runtime's own). The model's declaration is wrong; the
// Model stays usable. Use errors.As to get it.
type OutputError struct {
	Package  string // the generated package
	Output   string // the model's name for the output
	Field    string // the Go field of Outputs
	Type     string // its declared type, e.g. "float16[batch,3]"
	Expected string // the shape the declaration gives for these inputs, e.g. "[2,3]"
	Actual   string // the shape ONNX Runtime produced
}

func (e *OutputError) Error() string {
	return e.Package + ": output " + quote(e.Output) + ": the model declares shape " + e.Expected + " (" + e.Type +
		"), ONNX Runtime produced " + e.Actual
}
