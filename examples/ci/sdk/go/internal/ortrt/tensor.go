package ortrt

import (
	"errors"
	"fmt"
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

// ErrClosed is returned, wrapped with the model's package name, by Run after
// Close. Test for it with errors.Is.
var ErrClosed = errors.New("model is closed")

// ErrorKind says which check an input failed. The kinds are the ones every
// sdkgen SDK uses; two cannot happen in Go, where the compiler rejects them:
// "unknown" (an input the model does not have) and "type" (a wrong element
// type). A closed model is reported as ErrClosed.
type ErrorKind string

// Kinds of InputError.
const (
	KindMissing ErrorKind = "missing" // no value: nil Data and Shape, a nil map or sequence
	KindRank    ErrorKind = "rank"    // another number of dimensions than the signature's
	KindDim     ErrorKind = "dim"     // a fixed dimension of another size
	KindSymbol  ErrorKind = "symbol"  // a symbolic dimension bound to another size by an earlier input
	KindLength  ErrorKind = "length"  // len(Data) is not the product of Shape; an empty sequence
	KindShape   ErrorKind = "shape"   // not a valid shape: a negative dimension, too many elements
	KindValue   ErrorKind = "value"   // a value ONNX Runtime cannot take, e.g. a nil sequence element
)

// InputError reports an input that does not match the model's signature. It is
// returned by Run before ONNX Runtime is called; the Model stays usable.
// Use errors.As to get it.
type InputError struct {
	Kind     ErrorKind
	Input    string // the model's name for the input
	Field    string // the Go field of Inputs
	Expected string
	Actual   string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("input %q (Inputs.%s): expected %s, got %s", e.Input, e.Field, e.Expected, e.Actual)
}
