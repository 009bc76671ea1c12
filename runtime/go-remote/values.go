package oiprt

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"google.golang.org/grpc/codes"

	"sdkgen.local/oip"
	"sdkgen.local/ortrt"
)

// Element types of PutTensor and GetTensor: the numbers and bool.
type number interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 | ~float32 | ~float64 | ~bool
}

// A generated package's remote put function calls one Put function per input,
// in signature order: it checks the value against ModelSpec.Inputs[i] exactly
// as the in-process runtime does (binding symbolic dims for the inputs after
// it) and encodes it. After the first error the later calls do nothing.

// PutTensor puts a tensor of numbers or bools.
func PutTensor[T number](c *Call, i int, t ortrt.Tensor[T]) {
	if c.check(i, t.Data == nil && t.Shape == nil, len(t.Data), t.Shape) {
		c.set(i, t.Shape, rawBytes(t.Data, c.c.ins[i].datatype == "BOOL"))
	}
}

// PutRaw puts a tensor of float16 or bfloat16 elements as their uint16 bits.
func PutRaw[T any](c *Call, i int, t ortrt.Tensor[T]) {
	if c.check(i, t.Data == nil && t.Shape == nil, len(t.Data), t.Shape) {
		c.set(i, t.Shape, rawBytes(t.Data, false))
	}
}

// PutString puts a string tensor as BYTES: each element's length as a 4-byte
// little-endian number, then its bytes. Unlike in process (where ONNX Runtime's
// C API would cut a string at a NUL byte, so the SDK refuses one), any bytes
// go: NUL included, and not necessarily UTF-8.
func PutString(c *Call, i int, t ortrt.Tensor[string]) {
	if !c.check(i, t.Data == nil && t.Shape == nil, len(t.Data), t.Shape) {
		return
	}
	n := 0
	for _, s := range t.Data {
		if uint64(len(s)) > math.MaxUint32 {
			c.err = inputError(&c.c.spec.Inputs[i], ortrt.KindValue, "strings of at most 4294967295 bytes",
				strconv.Itoa(len(s))+" bytes")
			return
		}
		n += 4 + len(s)
	}
	b := make([]byte, 0, n)
	for _, s := range t.Data {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	c.set(i, t.Shape, b)
}

func (c *Call) set(i int, shape []int64, raw []byte) {
	req := c.request()
	if shape == nil || c.c.inOne[i] { // a scalar; Triton's is shape [1]
		shape = []int64{}
		if c.c.inOne[i] {
			shape = []int64{1}
		}
	}
	req.Inputs[i] = &oip.ModelInferRequest_InferInputTensor{
		Name: c.c.spec.Inputs[i].Name, Datatype: c.c.ins[i].datatype, Shape: shape}
	if raw == nil {
		raw = []byte{}
	}
	req.RawInputContents[i] = raw
}

// --- checks: the in-process runtime's (internal/ortrt), word for word ----------------

func inputError(s *ortrt.ValueSpec, kind ortrt.ErrorKind, expected, actual string) error {
	return &ortrt.InputError{Kind: kind, Input: s.Name, Field: s.Field, Expected: expected, Actual: actual}
}

const validShape = "a shape of non-negative dims whose product fits in int64"

// check runs the checks of input i (missing, rank, shape, length, dim,
// symbol) unless the call already failed; it says whether to encode it.
func (c *Call) check(i int, missing bool, dataLen int, shape []int64) bool {
	if c.err != nil {
		return false
	}
	s := &c.c.spec.Inputs[i]
	if missing {
		c.err = inputError(s, ortrt.KindMissing, s.Type, "nothing")
		return false
	}
	c.err = c.checkShape(i, s, dataLen, shape)
	return c.err == nil
}

func (c *Call) checkShape(i int, s *ortrt.ValueSpec, dataLen int, shape []int64) error {
	if s.Dims != nil && len(shape) != len(s.Dims) {
		return inputError(s, ortrt.KindRank, "rank "+strconv.Itoa(len(s.Dims))+" "+declared(s),
			"rank "+strconv.Itoa(len(shape))+" "+shapeString(shape))
	}
	n, ok := elements(shape)
	if !ok {
		return inputError(s, ortrt.KindShape, validShape, shapeString(shape))
	}
	if int64(dataLen) != n {
		return inputError(s, ortrt.KindLength, i64toa(n)+" elements for shape "+shapeString(shape),
			strconv.Itoa(dataLen)+" elements")
	}
	for k, d := range s.Dims {
		got := shape[k]
		if d >= 0 && got != int64(d) {
			return inputError(s, ortrt.KindDim, "dim "+strconv.Itoa(k)+" = "+i64toa(int64(d)),
				i64toa(got)+" (shape "+shapeString(shape)+")")
		}
		if d <= -2 {
			sym := int(-2 - d)
			if b := c.syms[sym]; b >= 0 && b != got {
				return inputError(s, ortrt.KindSymbol, "dim "+strconv.Itoa(k)+" ("+c.c.spec.Symbols[sym]+") = "+
					i64toa(b)+", as bound by "+quote(c.c.spec.Inputs[c.symBy[sym]].Name),
					i64toa(got)+" (shape "+shapeString(shape)+")")
			} else if b < 0 {
				c.syms[sym], c.symBy[sym] = got, i
			}
		}
	}
	return nil
}

// declared is the declared dims as docs/errors.md writes them: "[batch,4,?]".
func declared(s *ortrt.ValueSpec) string {
	for k := 0; k < len(s.Type); k++ {
		if s.Type[k] == '[' {
			return s.Type[k:]
		}
	}
	return "[*]"
}

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

// quote is a JSON string of s, as docs/errors.md quotes names.
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

// --- raw contents --------------------------------------------------------------------

// littleEndian says whether this machine stores numbers as the protocol does.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// bytesOf views a slice's memory as bytes (no copy).
func bytesOf[T any](data []T) []byte {
	if len(data) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*int(unsafe.Sizeof(zero)))
}

// rawBytes is data as raw contents: its own memory on a little-endian machine
// (gRPC copies it while Run sends the request), else a byte-swapped copy.
// A Go bool is one byte, 0 or 1, as BOOL is.
func rawBytes[T any](data []T, isBool bool) []byte {
	b := bytesOf(data)
	var zero T
	if size := int(unsafe.Sizeof(zero)); !littleEndian && size > 1 && !isBool {
		b = swapped(b, size)
	}
	return b
}

// swapped reverses the bytes of every size-byte element of b, in a copy.
func swapped(b []byte, size int) []byte {
	out := make([]byte, len(b))
	for k := 0; k+size <= len(b); k += size {
		for j := 0; j < size; j++ {
			out[k+j] = b[k+size-1-j]
		}
	}
	return out
}

// --- outputs -------------------------------------------------------------------------

// A generated package's remote get function calls one Get function per output,
// in signature order, to fill its Outputs. After the first error they return
// zero values (and Run returns that error).

// GetTensor gets a tensor of numbers or bools.
func GetTensor[T number](c *Call, i int) ortrt.Tensor[T] { return getFixed[T](c, i) }

// GetRaw gets a tensor of float16 or bfloat16 elements as their uint16 bits.
func GetRaw[T any](c *Call, i int) ortrt.Tensor[T] { return getFixed[T](c, i) }

// GetString gets a string tensor from BYTES contents.
func GetString(c *Call, i int) ortrt.Tensor[string] {
	shape, n, raw, ok := c.output(i)
	if !ok {
		return ortrt.Tensor[string]{}
	}
	data := make([]string, n)
	for k := range data {
		if len(raw) < 4 {
			c.fail(i, fmt.Sprintf("BYTES contents end before element %d of %d", k, n))
			return ortrt.Tensor[string]{}
		}
		m := binary.LittleEndian.Uint32(raw)
		if uint64(len(raw)-4) < uint64(m) {
			c.fail(i, fmt.Sprintf("BYTES element %d of %d bytes: only %d left", k, m, len(raw)-4))
			return ortrt.Tensor[string]{}
		}
		data[k] = string(raw[4 : 4+m])
		raw = raw[4+m:]
	}
	if len(raw) != 0 {
		c.fail(i, fmt.Sprintf("%d bytes after the last of %d BYTES elements", len(raw), n))
		return ortrt.Tensor[string]{}
	}
	return ortrt.Tensor[string]{Data: data, Shape: shape}
}

// getFixed decodes an output of fixed-size elements into a new slice.
func getFixed[T any](c *Call, i int) ortrt.Tensor[T] {
	shape, n, raw, ok := c.output(i)
	if !ok {
		return ortrt.Tensor[T]{}
	}
	w := c.c.outs[i]
	if int64(len(raw)) != n*int64(w.size) {
		c.fail(i, fmt.Sprintf("%d bytes of raw contents for shape %s of %s (%d bytes each)",
			len(raw), shapeString(shape), w.datatype, w.size))
		return ortrt.Tensor[T]{}
	}
	data := make([]T, n)
	dst := bytesOf(data)
	switch {
	case w.datatype == "BOOL":
		for k, v := range raw {
			dst[k] = 0
			if v != 0 {
				dst[k] = 1
			}
		}
	case !littleEndian && w.size > 1:
		copy(dst, swapped(raw, w.size))
	default:
		copy(dst, raw)
	}
	return ortrt.Tensor[T]{Data: data, Shape: shape}
}

// output finds output i in the response and checks its datatype and shape
// against the signature (a Signature error if they do not fit), then returns
// its shape, element count and raw contents.
func (c *Call) output(i int) (shape []int64, n int64, raw []byte, ok bool) {
	if c.err != nil {
		return nil, 0, nil, false
	}
	s, w := &c.c.spec.Outputs[i], c.c.outs[i]
	k := c.found[i]
	o := c.resp.GetOutputs()[k]
	if o.GetDatatype() != w.datatype {
		c.err = c.c.newError(Signature, codes.OK, "output "+quote(s.Name)+" came back as "+o.GetDatatype()+
			", the SDK has "+w.datatype)
		return nil, 0, nil, false
	}
	shape = o.GetShape()
	var bad bool
	if c.c.outOne[i] { // a scalar the server declares as [1]
		bad = len(shape) != 1 || shape[0] != 1
	} else if s.Dims != nil {
		bad = len(shape) != len(s.Dims)
		for j := 0; !bad && j < len(shape); j++ {
			bad = s.Dims[j] >= 0 && shape[j] != int64(s.Dims[j])
		}
	}
	if n, ok = elements(shape); !ok || bad {
		c.err = c.c.newError(Signature, codes.OK, "output "+quote(s.Name)+" came back with shape "+shapeString(shape)+
			", the SDK has "+s.Type)
		return nil, 0, nil, false
	}
	if c.c.outOne[i] || shape == nil {
		shape = []int64{}
	}
	if len(c.resp.GetRawOutputContents()) > 0 {
		return shape, n, c.resp.GetRawOutputContents()[k], true
	}
	raw, err := typedContents(o.GetContents(), w, n)
	if err != nil {
		c.fail(i, err.Error())
		return nil, 0, nil, false
	}
	return shape, n, raw, true
}

// fail records an output whose contents cannot be decoded.
func (c *Call) fail(i int, msg string) {
	c.err = c.c.newError(Server, codes.OK, "output "+quote(c.c.spec.Outputs[i].Name)+": "+msg)
}

// typedContents turns the typed contents a server may answer with instead of
// raw ones into raw contents. FP16 and BF16 have no typed field.
func typedContents(t *oip.InferTensorContents, w wire, n int64) ([]byte, error) {
	if t == nil {
		return nil, fmt.Errorf("neither raw_output_contents nor contents")
	}
	var b []byte
	var got int
	put := func(v uint64) { // the low w.size bytes of v, little-endian
		var e [8]byte
		binary.LittleEndian.PutUint64(e[:], v)
		b = append(b, e[:w.size]...)
	}
	switch w.datatype {
	case "BOOL":
		got = len(t.GetBoolContents())
		for _, v := range t.GetBoolContents() {
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	case "INT8", "INT16", "INT32":
		got = len(t.GetIntContents())
		for _, v := range t.GetIntContents() {
			put(uint64(v))
		}
	case "INT64":
		got = len(t.GetInt64Contents())
		for _, v := range t.GetInt64Contents() {
			put(uint64(v))
		}
	case "UINT8", "UINT16", "UINT32":
		got = len(t.GetUintContents())
		for _, v := range t.GetUintContents() {
			put(uint64(v))
		}
	case "UINT64":
		got = len(t.GetUint64Contents())
		for _, v := range t.GetUint64Contents() {
			put(v)
		}
	case "FP32":
		got = len(t.GetFp32Contents())
		for _, v := range t.GetFp32Contents() {
			put(uint64(math.Float32bits(v)))
		}
	case "FP64":
		got = len(t.GetFp64Contents())
		for _, v := range t.GetFp64Contents() {
			put(math.Float64bits(v))
		}
	case "BYTES":
		got = len(t.GetBytesContents())
		for _, v := range t.GetBytesContents() {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		}
	default:
		return nil, fmt.Errorf("%s contents must be raw (raw_output_contents)", w.datatype)
	}
	if int64(got) != n {
		return nil, fmt.Errorf("%d %s elements in contents, the shape has %d", got, w.datatype, n)
	}
	return b, nil
}
