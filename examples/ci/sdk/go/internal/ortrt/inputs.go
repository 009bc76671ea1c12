package ortrt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"
)

// A generated package's put function calls one Put function per input, in
// signature order: it checks the value against ModelSpec.Inputs[i] (binding
// symbolic dims for the inputs after it) and makes its ONNX Runtime value.
// After the first error the later calls do nothing.

// PutTensor puts a tensor of a type onnxruntime_go has (numbers and bool).
func PutTensor[T ort.TensorData](c *Call, i int, t Tensor[T]) {
	if s := checked(c, i, t, checkTensor[T]); s != nil {
		v, err := tensorValue(c, s, t)
		c.setInput(i, s, v, err)
	}
}

// PutRaw puts a tensor onnxruntime_go has no Go type for (float16 and
// bfloat16 as uint16 bits, complex, float8 as uint8 bits) from the same memory.
func PutRaw[T any](c *Call, i int, t Tensor[T]) {
	if s := checked(c, i, t, checkTensor[T]); s != nil {
		v, err := rawValue(c, s, t)
		c.setInput(i, s, v, err)
	}
}

// PutString puts a string tensor.
func PutString(c *Call, i int, t Tensor[string]) {
	if s := checked(c, i, t, checkTensor[string]); s != nil {
		v, err := stringValue(c, s, t)
		c.setInput(i, s, v, err)
	}
}

// PutMap puts a map with number keys.
func PutMap[K, V ort.TensorData](c *Call, i int, m map[K]V) {
	if s := checked(c, i, m, checkMap[K, V]); s != nil {
		v, err := mapValue(c, s, m)
		c.setInput(i, s, v, err)
	}
}

// PutStringMap puts a map with string keys.
func PutStringMap[V ort.TensorData](c *Call, i int, m map[string]V) {
	if s := checked(c, i, m, checkMap[string, V]); s != nil {
		v, err := stringMapValue(c, s, m)
		c.setInput(i, s, v, err)
	}
}

// PutTensorSeq puts a sequence of tensors of a type onnxruntime_go has.
func PutTensorSeq[T ort.TensorData](c *Call, i int, ts []Tensor[T]) {
	if s := checked(c, i, ts, checkTensorSeq[T]); s != nil {
		v, err := seqValue(c, s, ts, tensorValue[T])
		c.setInput(i, s, v, err)
	}
}

// PutRawSeq puts a sequence of tensors onnxruntime_go has no Go type for.
func PutRawSeq[T any](c *Call, i int, ts []Tensor[T]) {
	if s := checked(c, i, ts, checkTensorSeq[T]); s != nil {
		v, err := seqValue(c, s, ts, rawValue[T])
		c.setInput(i, s, v, err)
	}
}

// PutStringSeq puts a sequence of string tensors.
func PutStringSeq(c *Call, i int, ts []Tensor[string]) {
	if s := checked(c, i, ts, checkTensorSeq[string]); s != nil {
		v, err := seqValue(c, s, ts, stringValue)
		c.setInput(i, s, v, err)
	}
}

// PutMapSeq puts a sequence of maps with number keys.
func PutMapSeq[K, V ort.TensorData](c *Call, i int, ms []map[K]V) {
	if s := checked(c, i, ms, checkMapSeq[K, V]); s != nil {
		v, err := seqValue(c, s, ms, mapValue[K, V])
		c.setInput(i, s, v, err)
	}
}

// PutStringMapSeq puts a sequence of maps with string keys.
func PutStringMapSeq[V ort.TensorData](c *Call, i int, ms []map[string]V) {
	if s := checked(c, i, ms, checkMapSeq[string, V]); s != nil {
		v, err := seqValue(c, s, ms, stringMapValue[V])
		c.setInput(i, s, v, err)
	}
}

// checked runs check on input i unless the call already failed; it returns
// the input's spec if the value may be built.
func checked[E any](c *Call, i int, e E, check func(*Call, *ValueSpec, E) error) *ValueSpec {
	if c.err != nil {
		return nil
	}
	s := &c.s.spec.Inputs[i]
	if err := check(c, s, e); err != nil {
		c.err = err
		return nil
	}
	return s
}

func (c *Call) setInput(i int, s *ValueSpec, v ort.Value, err error) {
	if err != nil {
		c.err = fmt.Errorf("%s: input %q: %w", c.s.spec.Package, s.Name, err)
		return
	}
	c.ins[i] = v
}

// --- checks ----------------------------------------------------------------------

func inputError(s *ValueSpec, kind ErrorKind, expected, actual string) error {
	return &InputError{Kind: kind, Input: s.Name, Field: s.Field, Expected: expected, Actual: actual}
}

func shapeString(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// elements returns the product of shape, or false on a negative dim or overflow.
func elements(shape []int64) (int64, bool) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > (1<<62)/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// checkShape checks rank, then the data length against shape, then fixed and
// symbolic dims, binding the symbols.
func (c *Call) checkShape(s *ValueSpec, dataLen int, shape []int64) error {
	if r := s.rank(); r >= 0 && len(shape) != r {
		return inputError(s, KindRank, s.Type+" (rank "+strconv.Itoa(r)+")", "shape "+shapeString(shape)+" (rank "+strconv.Itoa(len(shape))+")")
	}
	n, ok := elements(shape)
	if !ok {
		return inputError(s, KindShape, s.Type, "invalid shape "+shapeString(shape))
	}
	if int64(dataLen) != n {
		return inputError(s, KindLength, strconv.FormatInt(n, 10)+" elements (shape "+shapeString(shape)+")", strconv.Itoa(dataLen)+" elements in Data")
	}
	for i, d := range s.Dims {
		got := shape[i]
		if size, ok := d.size(); ok && got != size {
			return inputError(s, KindDim, s.Type, "shape "+shapeString(shape)+" (dim "+strconv.Itoa(i)+" must be "+strconv.FormatInt(size, 10)+")")
		}
		if k, ok := d.symbol(); ok {
			if b := c.syms[k]; b >= 0 && b != got {
				return inputError(s, KindSymbol, s.Type, "shape "+shapeString(shape)+" ("+strconv.Quote(c.s.spec.Symbols[k])+" is "+strconv.FormatInt(b, 10)+" from an earlier input)")
			}
			c.syms[k] = got
		}
	}
	return nil
}

func checkTensor[T any](c *Call, s *ValueSpec, t Tensor[T]) error {
	if t.Data == nil && t.Shape == nil {
		return inputError(s, KindMissing, s.Type, "nil (missing input)")
	}
	return c.checkShape(s, len(t.Data), t.Shape)
}

func emptySeq(s *ValueSpec, isNil bool) error {
	kind := KindLength
	if isNil {
		kind = KindMissing
	}
	return inputError(s, kind, s.Type+" with at least one element", "an empty or nil sequence")
}

func checkTensorSeq[T any](c *Call, s *ValueSpec, ts []Tensor[T]) error {
	if len(ts) == 0 {
		return emptySeq(s, ts == nil)
	}
	for i, t := range ts {
		if t.Data == nil && t.Shape == nil {
			return inputError(s, KindValue, s.Type, "nil element "+strconv.Itoa(i))
		}
		if n, ok := elements(t.Shape); !ok || int64(len(t.Data)) != n {
			return inputError(s, KindLength, "element "+strconv.Itoa(i)+" with len(Data) equal to the product of its Shape "+shapeString(t.Shape), strconv.Itoa(len(t.Data))+" elements")
		}
	}
	return nil
}

func checkMap[K comparable, V any](c *Call, s *ValueSpec, m map[K]V) error {
	if m == nil {
		return inputError(s, KindMissing, s.Type, "nil (missing input)")
	}
	return nil
}

func checkMapSeq[K comparable, V any](c *Call, s *ValueSpec, ms []map[K]V) error {
	if len(ms) == 0 {
		return emptySeq(s, ms == nil)
	}
	for i, m := range ms {
		if m == nil {
			return inputError(s, KindValue, s.Type, "nil element "+strconv.Itoa(i))
		}
	}
	return nil
}

// --- Go -> ONNX Runtime ------------------------------------------------------------

func tensorValue[T ort.TensorData](c *Call, s *ValueSpec, t Tensor[T]) (ort.Value, error) {
	if len(t.Shape) == 0 {
		return wrap(ort.NewScalar(t.Data[0]))
	}
	return wrap(ort.NewTensor(ort.Shape(t.Shape), t.Data))
}

// bytesOf views a slice's memory as bytes (no copy).
func bytesOf[T any](data []T) []byte {
	if len(data) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*int(unsafe.Sizeof(zero)))
}

// rawValue makes a tensor of the element type s.Elem from the same memory.
func rawValue[T any](c *Call, s *ValueSpec, t Tensor[T]) (ort.Value, error) {
	if len(t.Shape) == 0 || len(t.Data) == 0 {
		return nil, errors.New("onnxruntime_go cannot make scalar or empty tensors of this element type")
	}
	return wrap(ort.NewCustomDataTensor(ort.Shape(t.Shape), bytesOf(t.Data), s.Elem))
}

func stringValue(c *Call, s *ValueSpec, t Tensor[string]) (ort.Value, error) {
	if len(t.Shape) == 0 {
		return nil, errors.New("onnxruntime_go cannot make scalar string tensors")
	}
	st, err := ort.NewStringTensor(ort.Shape(t.Shape))
	if err != nil {
		return nil, err
	}
	if err := st.SetContents(t.Data); err != nil {
		st.Destroy()
		return nil, err
	}
	return st, nil
}

func mapValue[K, V ort.TensorData](c *Call, s *ValueSpec, m map[K]V) (ort.Value, error) {
	return wrap(ort.NewMapFromGoMap(m))
}

func stringMapValue[V ort.TensorData](c *Call, s *ValueSpec, m map[string]V) (ort.Value, error) {
	keys := make([]string, 0, len(m))
	vals := make([]V, 0, len(m))
	for k, v := range m {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	kt, err := stringValue(c, s, Tensor[string]{Data: keys, Shape: []int64{int64(len(keys))}})
	if err != nil {
		return nil, err
	}
	c.keep = append(c.keep, kt)
	vt, err := wrap(ort.NewTensor(ort.NewShape(int64(len(vals))), vals))
	if err != nil {
		return nil, err
	}
	c.keep = append(c.keep, vt)
	return wrap(ort.NewMap(kt, vt))
}

func seqValue[E any](c *Call, s *ValueSpec, es []E, elem func(*Call, *ValueSpec, E) (ort.Value, error)) (ort.Value, error) {
	vals := make([]ort.Value, len(es))
	for i, e := range es {
		v, err := elem(c, s, e)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		vals[i] = v
		c.keep = append(c.keep, v) // the sequence may share their memory
	}
	return wrap(ort.NewSequence(vals))
}
