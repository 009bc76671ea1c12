package ortrt

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// A generated package's get function calls one Get function per output, in
// signature order, to fill its Outputs. After the first error they return
// zero values (and Run returns that error).

// GetTensor gets a tensor of a type onnxruntime_go has (numbers and bool).
func GetTensor[T ort.TensorData](c *Call, i int) Tensor[T] { return get(c, i, tensorFrom[T]) }

// GetRaw gets a tensor onnxruntime_go has no Go type for (float16 and bfloat16
// as uint16 bits, complex, float8 as uint8 bits).
func GetRaw[T any](c *Call, i int) Tensor[T] {
	t := get(c, i, rawFrom[T])
	if c.err == nil && c.s.spec.Outputs[i].Adapt == AdaptScalar {
		t.Shape = []int64{} // it crossed as shape [1]
	}
	return t
}

// GetString gets a string tensor.
func GetString(c *Call, i int) Tensor[string] { return get(c, i, stringFrom) }

// GetMap gets a map with number keys.
func GetMap[K, V ort.TensorData](c *Call, i int) map[K]V { return get(c, i, mapFrom[K, V]) }

// GetStringMap gets a map with string keys.
func GetStringMap[V ort.TensorData](c *Call, i int) map[string]V {
	return get(c, i, stringMapFrom[V])
}

// GetTensorSeq gets a sequence of tensors of a type onnxruntime_go has.
func GetTensorSeq[T ort.TensorData](c *Call, i int) []Tensor[T] {
	return getSeq(c, i, tensorFrom[T])
}

// GetRawSeq gets a sequence of one-byte tensors onnxruntime_go has no Go type
// for (float8). Wider ones cannot be returned by onnxruntime_go v1.27.0.
func GetRawSeq[T any](c *Call, i int) []Tensor[T] { return getSeq(c, i, rawFrom[T]) }

// GetStringSeq gets a sequence of string tensors.
func GetStringSeq(c *Call, i int) []Tensor[string] { return getSeq(c, i, stringFrom) }

// GetMapSeq gets a sequence of maps with number keys (a ZipMap output).
func GetMapSeq[K, V ort.TensorData](c *Call, i int) []map[K]V { return getSeq(c, i, mapFrom[K, V]) }

// GetStringMapSeq gets a sequence of maps with string keys.
func GetStringMapSeq[V ort.TensorData](c *Call, i int) []map[string]V {
	return getSeq(c, i, stringMapFrom[V])
}

func get[E any](c *Call, i int, conv func(ort.Value) (E, error)) E {
	var e E
	if c.err != nil {
		return e
	}
	e, err := conv(c.outs[c.s.outSlot[i]])
	if err != nil {
		c.err = fmt.Errorf("%s: output %q: %w", c.s.spec.Package, c.s.spec.Outputs[i].Name, err)
		var zero E
		return zero
	}
	return e
}

// GetOptional gets an optional output: nil when it is absent, else what get
// (e.g. GetTensor[float32]) gets.
func GetOptional[E any](c *Call, i int, get func(*Call, int) E) *E {
	if c.err != nil {
		return nil
	}
	has, ok := c.outs[c.s.outSlot[i]+1].(*ort.Scalar[bool])
	if !ok {
		c.err = fmt.Errorf("%s: output %s: %w", c.s.spec.Package, quote(c.s.spec.Outputs[i].Name), typeError("a bool scalar", has))
		return nil
	}
	if !has.GetData() {
		return nil
	}
	e := get(c, i)
	if c.err != nil {
		return nil
	}
	return &e
}

func getSeq[E any](c *Call, i int, elem func(ort.Value) (E, error)) []E {
	return get(c, i, func(v ort.Value) ([]E, error) { return seqFrom(v, elem) })
}

// --- RunInto: outputs into the caller's memory -----------------------------------------

// A generated package's RunInto passes two functions. Its bind function calls
// BindTensor or BindRaw for every number, bool, float16 (...) tensor output,
// before the run; its fill function calls FillTensor or FillRaw for those and
// a Get function for the others, after it.

// BindTensor lends ONNX Runtime the memory of t.Data for output i, if it can
// hold the output: its shape must follow from the signature (fixed dims, or
// symbols the inputs bound) and cap(t.Data) must reach its element count. t.Data
// must not share memory with an input or another output: if it does, the
// output is copied into it after the run instead.
func BindTensor[T ort.TensorData](c *Call, i int, t *Tensor[T]) {
	if data, shape, e := bindable(c, i, t.Data); e != nil {
		v, err := cachedTensor(c, e, Tensor[T]{Data: data, Shape: shape})
		c.bind(i, v, spanOf(data), err)
	}
}

// BindRaw is BindTensor for a tensor onnxruntime_go has no Go type for.
func BindRaw[T any](c *Call, i int, t *Tensor[T]) {
	if c.err == nil && c.s.spec.Outputs[i].Adapt == AdaptScalar {
		return // it crosses as shape [1]
	}
	if data, shape, e := bindable(c, i, t.Data); e != nil {
		v, err := cachedRaw(c, e, c.s.spec.Outputs[i].Elem, shape, data)
		c.bind(i, v, spanOf(data), err)
	}
}

// bindable returns the part of data output i can be written to, its shape and
// the cache entry of its value; a nil entry if it cannot be bound.
func bindable[T any](c *Call, i int, data []T) ([]T, []int64, *cached) {
	if c.err != nil || !c.s.declared.Load() {
		return nil, nil, nil
	}
	s, k := &c.s.spec.Outputs[i], c.s.outSlot[i]
	if s.Kind != ort.ONNXTypeTensor || s.Adapt != AsIs || len(s.Dims) == 0 {
		return nil, nil, nil
	}
	shape, ok := c.outputShape(k, s)
	if !ok {
		return nil, nil, nil
	}
	n, ok := elements(shape)
	if !ok || n == 0 || int64(cap(data)) < n {
		return nil, nil, nil
	}
	data = data[:n]
	m := spanOf(data)
	for _, o := range c.mem {
		if o.overlaps(m) {
			return nil, nil, nil
		}
	}
	return data, shape, &c.outCache[k]
}

func (c *Call) bind(i int, v ort.Value, m span, err error) {
	if err != nil {
		c.err = fmt.Errorf("%s: output %s: %w", c.s.spec.Package, quote(c.s.spec.Outputs[i].Name), err)
		return
	}
	k := c.s.outSlot[i]
	c.outs[k], c.bound[k] = v, true
	c.mem = append(c.mem, m)
}

// FillTensor sets *t to output i: its shape, and its elements in t.Data's
// memory when they fit (cap), else in new memory. Shape's memory is reused too.
func FillTensor[T ort.TensorData](c *Call, i int, t *Tensor[T]) {
	fill(c, i, t, GetTensor[T])
}

// FillRaw is FillTensor for a tensor onnxruntime_go has no Go type for.
func FillRaw[T any](c *Call, i int, t *Tensor[T]) { fill(c, i, t, GetRaw[T]) }

func fill[T any](c *Call, i int, t *Tensor[T], get func(*Call, int) Tensor[T]) {
	if c.err != nil {
		return
	}
	if k := c.s.outSlot[i]; c.bound[k] {
		e := &c.outCache[k]
		t.Data, t.Shape = t.Data[:e.n], append(t.Shape[:0], e.shape...)
		return
	}
	got := get(c, i)
	if c.err != nil {
		return
	}
	if cap(t.Data) >= len(got.Data) && got.Data != nil {
		t.Data = t.Data[:len(got.Data)]
		copy(t.Data, got.Data)
	} else {
		t.Data = got.Data
	}
	t.Shape = append(t.Shape[:0], got.Shape...)
}

// --- ONNX Runtime -> Go ------------------------------------------------------------

func typeError(want string, v ort.Value) error {
	if v == nil {
		return fmt.Errorf("expected %s, ONNX Runtime returned no value", want)
	}
	return fmt.Errorf("expected %s, ONNX Runtime returned %T", want, v)
}

func tensorFrom[T ort.TensorData](v ort.Value) (Tensor[T], error) {
	switch t := v.(type) {
	case *ort.Tensor[T]:
		return Tensor[T]{Data: t.GetData(), Shape: []int64(t.GetShape())}, nil
	case *ort.Scalar[T]:
		return Tensor[T]{Data: []T{t.GetData()}, Shape: []int64{}}, nil
	}
	var zero T
	return Tensor[T]{}, typeError(fmt.Sprintf("a %T tensor", zero), v)
}

// rawFrom copies a tensor onnxruntime_go holds as bytes into elements of T.
func rawFrom[T any](v ort.Value) (Tensor[T], error) {
	t, ok := v.(*ort.CustomDataTensor)
	if !ok {
		var zero T
		return Tensor[T]{}, typeError(fmt.Sprintf("a tensor of %T elements", zero), v)
	}
	shape := []int64(t.GetShape())
	n, _ := elements(shape)
	data := make([]T, n)
	b, want := t.GetData(), bytesOf(data)
	if len(b) < len(want) || (len(want) > 0 && len(b) != len(want)) { // an empty one has noData's bytes
		return Tensor[T]{}, fmt.Errorf("got %d bytes for shape %s", len(b), shapeString(shape))
	}
	copy(want, b)
	return Tensor[T]{Data: data, Shape: shape}, nil
}

func stringFrom(v ort.Value) (Tensor[string], error) {
	t, ok := v.(*ort.StringTensor)
	if !ok {
		return Tensor[string]{}, typeError("a string tensor", v)
	}
	shape := []int64(t.GetShape())
	if len(shape) == 0 {
		s, err := t.GetElement(0)
		return Tensor[string]{Data: []string{s}, Shape: []int64{}}, err
	}
	data, err := t.GetContents()
	return Tensor[string]{Data: data, Shape: shape}, err
}

func mapFrom[K, V ort.TensorData](v ort.Value) (map[K]V, error) {
	return mapOf(v, tensorFrom[K], tensorFrom[V])
}

func stringMapFrom[V ort.TensorData](v ort.Value) (map[string]V, error) {
	return mapOf(v, stringFrom, tensorFrom[V])
}

func mapOf[K comparable, V any](v ort.Value, keysFrom func(ort.Value) (Tensor[K], error), valuesFrom func(ort.Value) (Tensor[V], error)) (map[K]V, error) {
	m, ok := v.(*ort.Map)
	if !ok {
		return nil, typeError("a map", v)
	}
	kv, vv, err := m.GetKeysAndValues()
	if err != nil {
		return nil, err
	}
	keys, err := keysFrom(kv)
	if err != nil {
		return nil, fmt.Errorf("map keys: %w", err)
	}
	vals, err := valuesFrom(vv)
	if err != nil {
		return nil, fmt.Errorf("map values: %w", err)
	}
	if len(keys.Data) != len(vals.Data) {
		return nil, fmt.Errorf("map has %d keys and %d values", len(keys.Data), len(vals.Data))
	}
	out := make(map[K]V, len(keys.Data))
	for i, k := range keys.Data {
		out[k] = vals.Data[i]
	}
	return out, nil
}

func seqFrom[E any](v ort.Value, elem func(ort.Value) (E, error)) ([]E, error) {
	s, ok := v.(*ort.Sequence)
	if !ok {
		return nil, typeError("a sequence", v)
	}
	vals, err := s.GetValues()
	if err != nil {
		return nil, err
	}
	out := make([]E, len(vals))
	for i, ev := range vals {
		if out[i], err = elem(ev); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
	}
	return out, nil
}

// --- outputs allocated before the run ------------------------------------------------

// freshTensor says how Run allocates a number or bool tensor output in Go
// memory from its declared shape, for ONNX Runtime to write it there; nil for
// other outputs (and scalars: see preallocator).
func freshTensor(s *ValueSpec) func(shape []int64) (ort.Value, error) {
	if s.Kind != ort.ONNXTypeTensor || s.Adapt != AsIs || len(s.Dims) == 0 {
		return nil
	}
	switch s.Elem {
	case ort.TensorElementDataTypeFloat:
		return newTensor[float32]
	case ort.TensorElementDataTypeDouble:
		return newTensor[float64]
	case ort.TensorElementDataTypeInt8:
		return newTensor[int8]
	case ort.TensorElementDataTypeUint8:
		return newTensor[uint8]
	case ort.TensorElementDataTypeInt16:
		return newTensor[int16]
	case ort.TensorElementDataTypeUint16:
		return newTensor[uint16]
	case ort.TensorElementDataTypeInt32:
		return newTensor[int32]
	case ort.TensorElementDataTypeUint32:
		return newTensor[uint32]
	case ort.TensorElementDataTypeInt64:
		return newTensor[int64]
	case ort.TensorElementDataTypeUint64:
		return newTensor[uint64]
	case ort.TensorElementDataTypeBool:
		return newTensor[bool]
	}
	return nil
}

func newTensor[T ort.TensorData](shape []int64) (ort.Value, error) {
	return wrap(ort.NewEmptyTensor[T](ort.Shape(shape)))
}

// preallocator says how Run allocates an output onnxruntime_go v1.27.0 cannot
// take from ONNX Runtime's memory: it copies one byte per element of
// float16/bfloat16/complex tensors (which ONNX Runtime then rejects) and it
// refuses rank-0 shapes. nil: ONNX Runtime allocates the output.
func preallocator(s *ValueSpec) func(shape []int64) (ort.Value, error) {
	if s.Kind != ort.ONNXTypeTensor {
		return nil
	}
	if size := rawWidth(s.Elem); size > 1 {
		return func(shape []int64) (ort.Value, error) {
			if s.Adapt == AdaptScalar {
				shape = []int64{1} // the adapted model returns the scalar as shape [1]
			}
			n, ok := elements(shape)
			if !ok {
				return nil, fmt.Errorf("its declared shape resolves to %s, not a valid shape", shapeString(shape))
			}
			if n == 0 {
				return wrap(ort.NewCustomDataTensor(ort.Shape(shape), noData[:], s.Elem)) // ORT writes nothing
			}
			return wrap(ort.NewCustomDataTensor(ort.Shape(shape), make([]byte, n*size), s.Elem))
		}
	}
	if s.Dims == nil || len(s.Dims) != 0 {
		return nil
	}
	switch s.Elem {
	case ort.TensorElementDataTypeFloat:
		return scalarOutput[float32]
	case ort.TensorElementDataTypeDouble:
		return scalarOutput[float64]
	case ort.TensorElementDataTypeInt8:
		return scalarOutput[int8]
	case ort.TensorElementDataTypeUint8:
		return scalarOutput[uint8]
	case ort.TensorElementDataTypeInt16:
		return scalarOutput[int16]
	case ort.TensorElementDataTypeUint16:
		return scalarOutput[uint16]
	case ort.TensorElementDataTypeInt32:
		return scalarOutput[int32]
	case ort.TensorElementDataTypeUint32:
		return scalarOutput[uint32]
	case ort.TensorElementDataTypeInt64:
		return scalarOutput[int64]
	case ort.TensorElementDataTypeUint64:
		return scalarOutput[uint64]
	case ort.TensorElementDataTypeBool:
		return scalarOutput[bool]
	}
	return nil
}

// rawWidth is the size in bytes of an element onnxruntime_go holds as raw
// bytes when it is wider than one byte; 0 for every other element type.
func rawWidth(e ort.TensorElementDataType) int64 {
	switch e {
	case ort.TensorElementDataTypeFloat16, ort.TensorElementDataTypeBFloat16:
		return 2
	case ort.TensorElementDataTypeComplex64:
		return 8
	case ort.TensorElementDataTypeComplex128:
		return 16
	}
	return 0
}

func scalarOutput[T ort.TensorData](shape []int64) (ort.Value, error) {
	if len(shape) != 0 {
		return nil, nil
	}
	return wrap(ort.NewEmptyScalar[T]())
}
