package ortrt

import (
	"fmt"
	"math"
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
// ONNX Runtime reads t.Data where it is (no copy); the value made for it is
// kept for the next Run that passes the same memory with the same shape.
func PutTensor[T ort.TensorData](c *Call, i int, t Tensor[T]) {
	if s := checked(c, i, t, checkTensor[T]); s != nil {
		v, err := cachedTensor(c, &c.inCache[c.s.inSlot[i]], t)
		c.setCached(i, s, v, spanOf(t.Data), err)
	}
}

// PutRaw puts a tensor onnxruntime_go has no Go type for (float16 and
// bfloat16 as uint16 bits, complex, float8 as uint8 bits) from the same memory.
func PutRaw[T any](c *Call, i int, t Tensor[T]) {
	if s := checked(c, i, t, checkRaw[T]); s != nil {
		v, err := cachedRaw(c, &c.inCache[c.s.inSlot[i]], s.Elem, feedShape(s, t.Shape), t.Data)
		c.setCached(i, s, v, spanOf(t.Data), err)
	}
}

// PutString puts a string tensor.
func PutString(c *Call, i int, t Tensor[string]) {
	if s := checked(c, i, t, checkString); s != nil {
		v, err := stringValue(c, s, t)
		c.setOwn(i, s, v, err)
	}
}

// PutMap puts a map with number keys.
func PutMap[K, V ort.TensorData](c *Call, i int, m map[K]V) {
	if s := checked(c, i, m, checkMap[K, V]); s != nil {
		v, err := mapValue(c, s, m)
		c.setOwn(i, s, v, err)
	}
}

// PutStringMap puts a map with string keys.
func PutStringMap[V ort.TensorData](c *Call, i int, m map[string]V) {
	if s := checked(c, i, m, checkStringMap[V]); s != nil {
		v, err := stringMapValue(c, s, m)
		c.setOwn(i, s, v, err)
	}
}

// PutTensorSeq puts a sequence of tensors of a type onnxruntime_go has.
func PutTensorSeq[T ort.TensorData](c *Call, i int, ts []Tensor[T]) {
	if s := checked(c, i, ts, checkSeq(checkElem[T])); s != nil {
		v, err := seqValue(c, s, ts, tensorValue[T])
		c.setOwn(i, s, v, err)
	}
}

// PutRawSeq puts a sequence of tensors onnxruntime_go has no Go type for.
func PutRawSeq[T any](c *Call, i int, ts []Tensor[T]) {
	if s := checked(c, i, ts, checkSeq(checkRawElem[T])); s != nil {
		v, err := seqValue(c, s, ts, rawValue[T])
		c.setOwn(i, s, v, err)
	}
}

// PutStringSeq puts a sequence of string tensors.
func PutStringSeq(c *Call, i int, ts []Tensor[string]) {
	if s := checked(c, i, ts, checkSeq(checkStringElem)); s != nil {
		v, err := seqValue(c, s, ts, stringValue)
		c.setOwn(i, s, v, err)
	}
}

// PutMapSeq puts a sequence of maps with number keys.
func PutMapSeq[K, V ort.TensorData](c *Call, i int, ms []map[K]V) {
	if s := checked(c, i, ms, checkSeq(checkMapElem[K, V])); s != nil {
		v, err := seqValue(c, s, ms, mapValue[K, V])
		c.setOwn(i, s, v, err)
	}
}

// PutStringMapSeq puts a sequence of maps with string keys.
func PutStringMapSeq[V ort.TensorData](c *Call, i int, ms []map[string]V) {
	if s := checked(c, i, ms, checkSeq(checkStringMapElem[V])); s != nil {
		v, err := seqValue(c, s, ms, stringMapValue[V])
		c.setOwn(i, s, v, err)
	}
}

// PutOptional puts an optional input: nil is an absent value, anything else
// is put by put (e.g. PutTensor[float32]) and checked as such.
func PutOptional[E any](c *Call, i int, p *E, put func(*Call, int, E)) {
	if c.err != nil {
		return
	}
	k := c.s.inSlot[i]
	if p == nil {
		c.ins[k], c.ins[k+1] = c.s.none[i], c.s.no
		return
	}
	put(c, i, *p)
	c.ins[k+1] = c.s.yes
}

// checked runs check on input i unless the call already failed; it returns
// the input's spec if the value may be built.
func checked[E any](c *Call, i int, e E, check func(*Call, int, *ValueSpec, E) error) *ValueSpec {
	if c.err != nil {
		return nil
	}
	s := &c.s.spec.Inputs[i]
	if err := check(c, i, s, e); err != nil {
		c.err = err
		return nil
	}
	return s
}

// setOwn sets input i to a value made for this run only.
func (c *Call) setOwn(i int, s *ValueSpec, v ort.Value, err error) {
	if err != nil {
		c.err = fmt.Errorf("%s: input %s: %w", c.s.spec.Package, quote(s.Name), err)
		return
	}
	c.own = append(c.own, v)
	c.ins[c.s.inSlot[i]] = v
}

// setCached sets input i to a cached value over the memory m of the caller.
func (c *Call) setCached(i int, s *ValueSpec, v ort.Value, m span, err error) {
	if err != nil {
		c.err = fmt.Errorf("%s: input %s: %w", c.s.spec.Package, quote(s.Name), err)
		return
	}
	c.mem = append(c.mem, m)
	c.ins[c.s.inSlot[i]] = v
}

// --- checks (docs/errors.md: kinds, texts and their order) --------------------------

func inputError(s *ValueSpec, kind ErrorKind, expected, actual string) error {
	return &InputError{Kind: kind, Input: s.Name, Field: s.Field, Expected: expected, Actual: actual}
}

const validShape = "a shape of non-negative dims whose product fits in int64"

func itoa(n int) string     { return strconv.Itoa(n) }
func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

func shapeString(shape []int64) string {
	b := make([]byte, 0, 2+4*len(shape))
	b = append(b, '[')
	for i, d := range shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, d, 10)
	}
	return string(append(b, ']'))
}

// elements returns the product of shape, or false on a negative dim or a
// product past math.MaxInt64 (a shape with a zero dim holds no elements).
func elements(shape []int64) (int64, bool) {
	zero := false
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		zero = zero || d == 0
	}
	if zero {
		return 0, true
	}
	n := int64(1)
	for _, d := range shape {
		if n > math.MaxInt64/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// checkShape checks rank, shape, data length, then fixed and symbolic dims,
// binding the symbols for the inputs after input i.
func (c *Call) checkShape(i int, s *ValueSpec, dataLen int, shape []int64) error {
	if r := s.rank(); r >= 0 && len(shape) != r {
		return inputError(s, KindRank, "rank "+itoa(r)+" "+s.dimsText(), "rank "+itoa(len(shape))+" "+shapeString(shape))
	}
	n, ok := elements(shape)
	if !ok {
		return inputError(s, KindShape, validShape, shapeString(shape))
	}
	if int64(dataLen) != n {
		return inputError(s, KindLength, i64toa(n)+" elements for shape "+shapeString(shape), itoa(dataLen)+" elements")
	}
	for k, d := range s.Dims {
		got := shape[k]
		if size, ok := d.size(); ok && got != size {
			return inputError(s, KindDim, "dim "+itoa(k)+" = "+i64toa(size), i64toa(got)+" (shape "+shapeString(shape)+")")
		}
		if sym, ok := d.symbol(); ok {
			if b := c.syms[sym]; b >= 0 && b != got {
				return inputError(s, KindSymbol, "dim "+itoa(k)+" ("+c.s.spec.Symbols[sym]+") = "+i64toa(b)+
					", as bound by "+quote(c.s.spec.Inputs[c.symBy[sym]].Name), i64toa(got)+" (shape "+shapeString(shape)+")")
			} else if b < 0 {
				c.syms[sym], c.symBy[sym] = got, i
			}
		}
	}
	return nil
}

func missing(s *ValueSpec) error { return inputError(s, KindMissing, s.Type, "nothing") }

func checkTensor[T any](c *Call, i int, s *ValueSpec, t Tensor[T]) error {
	if t.Data == nil && t.Shape == nil {
		return missing(s)
	}
	return c.checkShape(i, s, len(t.Data), t.Shape)
}

// noScalar refuses a rank-0 tensor of an element type onnxruntime_go makes
// only with rank 1 or more, unless the embedded model was adapted to take it
// as shape [1] (AdaptScalar). of says where it is in a sequence.
func noScalar(s *ValueSpec, shape []int64, adapted bool, of string) error {
	if len(shape) == 0 && !adapted {
		why := "cannot make a " + elemName(s.Elem) + " scalar"
		if of != "" {
			why = "cannot put a scalar in a sequence"
		}
		return inputError(s, KindValue, "a tensor of rank 1 or more (onnxruntime_go "+ortGoVersion+" "+why+")", "a scalar"+of)
	}
	return nil
}

func checkRaw[T any](c *Call, i int, s *ValueSpec, t Tensor[T]) error {
	if err := checkTensor(c, i, s, t); err != nil {
		return err
	}
	return noScalar(s, t.Shape, s.Adapt == AdaptScalar, "")
}

func checkString(c *Call, i int, s *ValueSpec, t Tensor[string]) error {
	if err := checkTensor(c, i, s, t); err != nil {
		return err
	}
	if err := noScalar(s, t.Shape, s.Adapt == AdaptScalar, ""); err != nil {
		return err
	}
	return noNUL(s, t.Data, "")
}

// noNUL refuses strings holding a NUL byte: ONNX Runtime's C API fills string
// tensors from C strings, which would end there.
func noNUL(s *ValueSpec, data []string, of string) error {
	for k, str := range data {
		if j := strings.IndexByte(str, 0); j >= 0 {
			return inputError(s, KindValue, "strings without NUL bytes", "NUL at byte "+itoa(j)+" of element "+itoa(k)+of)
		}
	}
	return nil
}

func checkMap[K comparable, V any](c *Call, i int, s *ValueSpec, m map[K]V) error {
	if m == nil {
		return missing(s)
	}
	return nil
}

func checkStringMap[V any](c *Call, i int, s *ValueSpec, m map[string]V) error {
	if m == nil {
		return missing(s)
	}
	return noNULKeys(s, m, "")
}

func noNULKeys[V any](s *ValueSpec, m map[string]V, of string) error {
	for k := range m {
		if j := strings.IndexByte(k, 0); j >= 0 {
			return inputError(s, KindValue, "strings without NUL bytes", "NUL at byte "+itoa(j)+" of key "+quote(k)+of)
		}
	}
	return nil
}

// checkSeq checks a sequence: nil is a missing input, every element is
// checked by elem (k: its index).
func checkSeq[E any](elem func(s *ValueSpec, k int, e E) error) func(*Call, int, *ValueSpec, []E) error {
	return func(c *Call, i int, s *ValueSpec, es []E) error {
		if es == nil {
			return missing(s)
		}
		if len(es) == 0 && !s.seqFront() {
			return inputError(s, KindValue, "a sequence of at least one element (onnxruntime_go "+ortGoVersion+
				" cannot make an empty sequence)", "an empty sequence")
		}
		for k, e := range es {
			if err := elem(s, k, e); err != nil {
				return err
			}
		}
		return nil
	}
}

func ofElem(k int) string { return " (sequence element " + itoa(k) + ")" }

// checkElem checks a tensor of a sequence. A scalar cannot be one:
// onnxruntime_go v1.27.0 reads the elements back from the sequence it makes,
// and fails on (or, past the first, panics on) a scalar.
func checkElem[T any](s *ValueSpec, k int, t Tensor[T]) error {
	if t.Data == nil && t.Shape == nil {
		return inputError(s, KindValue, "sequence elements that are not nil", "nil element "+itoa(k))
	}
	n, ok := elements(t.Shape)
	if !ok {
		return inputError(s, KindShape, validShape, shapeString(t.Shape)+ofElem(k))
	}
	if int64(len(t.Data)) != n {
		return inputError(s, KindLength, i64toa(n)+" elements for shape "+shapeString(t.Shape), itoa(len(t.Data))+" elements"+ofElem(k))
	}
	return noScalar(s, t.Shape, false, ofElem(k))
}

// checkRawElem: onnxruntime_go v1.27.0 cannot read an empty float16 (...)
// tensor back from a sequence either.
func checkRawElem[T any](s *ValueSpec, k int, t Tensor[T]) error {
	if err := checkElem(s, k, t); err != nil {
		return err
	}
	if len(t.Data) == 0 {
		return inputError(s, KindValue, "non-empty tensors (onnxruntime_go "+ortGoVersion+" cannot put an empty "+
			elemName(s.Elem)+" tensor in a sequence)", "an empty tensor"+ofElem(k))
	}
	return nil
}

func checkStringElem(s *ValueSpec, k int, t Tensor[string]) error {
	if err := checkElem(s, k, t); err != nil {
		return err
	}
	return noNUL(s, t.Data, ofElem(k))
}

func checkMapElem[K comparable, V any](s *ValueSpec, k int, m map[K]V) error {
	if m == nil {
		return inputError(s, KindValue, "sequence elements that are not nil", "nil element "+itoa(k))
	}
	return nil
}

func checkStringMapElem[V any](s *ValueSpec, k int, m map[string]V) error {
	if err := checkMapElem(s, k, m); err != nil {
		return err
	}
	return noNULKeys(s, m, ofElem(k))
}

// --- Go -> ONNX Runtime ------------------------------------------------------------

// feedShape is the shape a tensor crosses with: a scalar of an adapted input as [1].
func feedShape(s *ValueSpec, shape []int64) ort.Shape {
	if len(shape) == 0 && s.Adapt == AdaptScalar {
		return ort.Shape{1}
	}
	return ort.Shape(shape)
}

func tensorValue[T ort.TensorData](c *Call, s *ValueSpec, t Tensor[T]) (ort.Value, error) {
	if len(t.Shape) == 0 {
		return wrap(ort.NewScalar(t.Data[0]))
	}
	return wrap(ort.NewTensor(ort.Shape(t.Shape), t.Data))
}

// cachedTensor returns e's value if it is a tensor over t's memory of t's
// shape, else makes one and keeps it in e. A scalar is copied into e's scalar.
func cachedTensor[T ort.TensorData](c *Call, e *cached, t Tensor[T]) (ort.Value, error) {
	if len(t.Shape) == 0 {
		if sc, ok := e.v.(*ort.Scalar[T]); ok {
			sc.Set(t.Data[0])
			return sc, nil
		}
		e.drop()
		sc, err := ort.NewScalar(t.Data[0])
		if err != nil {
			return nil, err
		}
		e.set(sc, span{}, nil, 1)
		return sc, nil
	}
	m := spanOf(t.Data)
	if e.matches(m, t.Shape) {
		return e.v, nil
	}
	e.drop()
	v, err := ort.NewTensor(ort.Shape(t.Shape), t.Data)
	if err != nil {
		return nil, err
	}
	e.set(v, m, t.Shape, len(t.Data))
	return v, nil
}

// cachedRaw is cachedTensor for a tensor of element type elem held as raw
// bytes, of shape shape (the feed shape) and elements data.
func cachedRaw[T any](c *Call, e *cached, elem ort.TensorElementDataType, shape []int64, data []T) (ort.Value, error) {
	b := bytesOf(data)
	if len(b) == 0 {
		b = noData[:]
	}
	m := spanOf(b)
	if e.matches(m, shape) {
		if t, ok := e.v.(*ort.CustomDataTensor); ok && ort.TensorElementDataType(t.DataType()) == elem {
			return t, nil
		}
	}
	e.drop()
	v, err := ort.NewCustomDataTensor(ort.Shape(shape), b, elem)
	if err != nil {
		return nil, err
	}
	e.set(v, m, shape, len(data))
	return v, nil
}

// bytesOf views a slice's memory as bytes (no copy).
func bytesOf[T any](data []T) []byte {
	if len(data) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*int(unsafe.Sizeof(zero)))
}

// noData backs empty raw tensors: onnxruntime_go wants at least one byte, ONNX
// Runtime reads none of them.
var noData [16]byte

// rawValue makes a tensor of the element type s.Elem from the same memory.
func rawValue[T any](c *Call, s *ValueSpec, t Tensor[T]) (ort.Value, error) {
	data := bytesOf(t.Data)
	if len(data) == 0 {
		data = noData[:]
	}
	return wrap(ort.NewCustomDataTensor(feedShape(s, t.Shape), data, s.Elem))
}

func stringValue(c *Call, s *ValueSpec, t Tensor[string]) (ort.Value, error) {
	st, err := ort.NewStringTensor(feedShape(s, t.Shape))
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
	kt, err := ort.NewStringTensor(ort.Shape{int64(len(keys))})
	if err != nil {
		return nil, err
	}
	c.own = append(c.own, kt)
	if err := kt.SetContents(keys); err != nil {
		return nil, err
	}
	vt, err := wrap(ort.NewTensor(ort.NewShape(int64(len(vals))), vals))
	if err != nil {
		return nil, err
	}
	c.own = append(c.own, vt)
	return wrap(ort.NewMap(kt, vt))
}

// frontElem is the element a sequence of an adapted input has in front (the
// adapted model drops it): one element of the type, read by nobody
// (onnxruntime_go cannot read an empty non-number tensor back from a sequence).
func frontElem(s *ValueSpec) (ort.Value, error) {
	if s.Elem == ort.TensorElementDataTypeString {
		st, err := ort.NewStringTensor(ort.Shape{1})
		if err != nil {
			return nil, err
		}
		if err := st.SetContents([]string{""}); err != nil {
			st.Destroy()
			return nil, err
		}
		return st, nil
	}
	return wrap(ort.NewCustomDataTensor(ort.Shape{1}, noData[:], s.Elem))
}

// seqValue makes a sequence of the elements es, after frontElem for an
// adapted input (seqFront).
func seqValue[E any](c *Call, s *ValueSpec, es []E, elem func(*Call, *ValueSpec, E) (ort.Value, error)) (ort.Value, error) {
	vals := make([]ort.Value, 0, len(es)+1)
	if s.seqFront() {
		v, err := frontElem(s)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		c.own = append(c.own, v)
	}
	for i, e := range es {
		v, err := elem(c, s, e)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		vals = append(vals, v)
		c.own = append(c.own, v) // the sequence may share their memory
	}
	return wrap(ort.NewSequence(vals))
}
