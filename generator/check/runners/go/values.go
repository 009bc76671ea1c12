package main

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"unsafe"

	"google.golang.org/protobuf/proto"

	"sdkgen.local/gocheck/onnxpb"
)

// ONNX TensorProto.DataType and SequenceProto.DataType codes used here.
const (
	codeFloat      = 1
	codeString     = 8
	codeDouble     = 11
	codeUint32     = 12
	codeUint64     = 13
	codeComplex64  = 14
	codeComplex128 = 15
	codeInt64      = 7
	seqTensor      = 1
	seqMap         = 4
)

// readInto parses the .pb file that matches field f's Go type and fills f.
func readInto(path string, f reflect.Value) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	switch f.Kind() {
	case reflect.Struct:
		var t onnxpb.TensorProto
		if err := proto.Unmarshal(b, &t); err != nil {
			return err
		}
		return fillTensor(f, &t)
	case reflect.Slice:
		var s onnxpb.SequenceProto
		if err := proto.Unmarshal(b, &s); err != nil {
			return err
		}
		return fillSeq(f, &s)
	case reflect.Map:
		var m onnxpb.MapProto
		if err := proto.Unmarshal(b, &m); err != nil {
			return err
		}
		return fillMap(f, &m)
	case reflect.Pointer: // an optional value: nil when the OptionalProto holds none
		var o onnxpb.OptionalProto
		if err := proto.Unmarshal(b, &o); err != nil {
			return err
		}
		v := reflect.New(f.Type().Elem())
		var err error
		switch {
		case o.TensorValue != nil:
			err = fillTensor(v.Elem(), o.TensorValue)
		case o.SequenceValue != nil:
			err = fillSeq(v.Elem(), o.SequenceValue)
		case o.MapValue != nil:
			err = fillMap(v.Elem(), o.MapValue)
		default:
			return nil
		}
		if err != nil {
			return err
		}
		f.Set(v)
		return nil
	}
	return fmt.Errorf("no fixture message for a %s field", f.Type())
}

func byteView(s reflect.Value) []byte {
	n := s.Len() * int(s.Type().Elem().Size())
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(s.UnsafePointer()), n)
}

// tensorBytes is the little-endian element data of t, whichever field holds it.
func tensorBytes(t *onnxpb.TensorProto, elemSize int) []byte {
	if t.RawData != nil {
		return t.RawData
	}
	var buf []byte
	put := func(v uint64, size int) {
		for i := 0; i < size; i++ {
			buf = append(buf, byte(v>>(8*i)))
		}
	}
	switch t.GetDataType() {
	case codeFloat, codeComplex64:
		for _, v := range t.FloatData {
			put(uint64(math.Float32bits(v)), 4)
		}
	case codeDouble, codeComplex128:
		for _, v := range t.DoubleData {
			put(math.Float64bits(v), 8)
		}
	case codeInt64:
		for _, v := range t.Int64Data {
			put(uint64(v), 8)
		}
	case codeUint32, codeUint64:
		for _, v := range t.Uint64Data {
			put(v, elemSize)
		}
	default: // int32, int16, int8, uint16, uint8, bool, float16, bfloat16, float8: int32_data
		for _, v := range t.Int32Data {
			put(uint64(uint32(v)), elemSize)
		}
	}
	return buf
}

func fillTensor(f reflect.Value, t *onnxpb.TensorProto) error {
	data := f.FieldByName("Data")
	if !data.IsValid() {
		return fmt.Errorf("%s is not a Tensor", f.Type())
	}
	shape := append([]int64{}, t.Dims...)
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	f.FieldByName("Shape").Set(reflect.ValueOf(shape))
	if data.Type().Elem().Kind() == reflect.String {
		s := make([]string, len(t.StringData))
		for i, b := range t.StringData {
			s[i] = string(b)
		}
		data.Set(reflect.ValueOf(s))
		return nil
	}
	size := int(data.Type().Elem().Size())
	raw := tensorBytes(t, size)
	if len(raw) != int(n)*size {
		return fmt.Errorf("%d bytes of data for %d elements of %s", len(raw), n, data.Type().Elem())
	}
	s := reflect.MakeSlice(data.Type(), int(n), int(n))
	copy(byteView(s), raw)
	data.Set(s)
	return nil
}

func fillSeq(f reflect.Value, s *onnxpb.SequenceProto) error {
	switch f.Type().Elem().Kind() {
	case reflect.Struct:
		out := reflect.MakeSlice(f.Type(), len(s.TensorValues), len(s.TensorValues))
		for i, t := range s.TensorValues {
			if err := fillTensor(out.Index(i), t); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		f.Set(out)
		return nil
	case reflect.Map:
		out := reflect.MakeSlice(f.Type(), len(s.MapValues), len(s.MapValues))
		for i, m := range s.MapValues {
			if err := fillMap(out.Index(i), m); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		f.Set(out)
		return nil
	}
	return fmt.Errorf("no sequence fixture for %s", f.Type())
}

func fillMap(f reflect.Value, m *onnxpb.MapProto) error {
	kt, vt := f.Type().Key(), f.Type().Elem()
	vals := m.GetValues().GetTensorValues()
	n := len(m.Keys)
	if kt.Kind() == reflect.String {
		n = len(m.StringKeys)
	}
	if len(vals) != n {
		return fmt.Errorf("map has %d keys and %d values", n, len(vals))
	}
	out := reflect.MakeMapWithSize(f.Type(), n)
	for i := 0; i < n; i++ {
		var k reflect.Value
		if kt.Kind() == reflect.String {
			k = reflect.ValueOf(string(m.StringKeys[i]))
		} else {
			k = reflect.ValueOf(m.Keys[i]).Convert(kt)
		}
		v := reflect.New(vt).Elem()
		raw := tensorBytes(vals[i], int(vt.Size()))
		if len(raw) != int(vt.Size()) {
			return fmt.Errorf("map value %d: %d bytes for one %s", i, len(raw), vt)
		}
		copy(unsafe.Slice((*byte)(v.Addr().UnsafePointer()), vt.Size()), raw)
		out.SetMapIndex(k, v)
	}
	f.Set(out)
	return nil
}

// encode turns an output field into the .pb message for its type.
func encode(f reflect.Value, code int32) ([]byte, error) {
	var msg proto.Message
	var err error
	switch f.Kind() {
	case reflect.Struct:
		msg = tensorProto(f, code)
	case reflect.Slice:
		msg, err = seqProto(f, code)
	case reflect.Map:
		msg, err = mapProto(f, code)
	case reflect.Pointer:
		msg, err = optionalProto(f, code)
	default:
		err = fmt.Errorf("cannot encode a %s", f.Type())
	}
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(msg)
}

func tensorProto(f reflect.Value, code int32) *onnxpb.TensorProto {
	data := f.FieldByName("Data")
	shape, _ := f.FieldByName("Shape").Interface().([]int64)
	t := &onnxpb.TensorProto{DataType: proto.Int32(code), Dims: append([]int64{}, shape...)}
	if data.Type().Elem().Kind() == reflect.String {
		for _, s := range data.Interface().([]string) {
			t.StringData = append(t.StringData, []byte(s))
		}
		return t
	}
	t.RawData = append([]byte{}, byteView(data)...)
	return t
}

func seqProto(f reflect.Value, code int32) (*onnxpb.SequenceProto, error) {
	s := &onnxpb.SequenceProto{}
	switch f.Type().Elem().Kind() {
	case reflect.Struct:
		s.ElemType = proto.Int32(seqTensor)
		for i := 0; i < f.Len(); i++ {
			s.TensorValues = append(s.TensorValues, tensorProto(f.Index(i), code))
		}
	case reflect.Map:
		s.ElemType = proto.Int32(seqMap)
		for i := 0; i < f.Len(); i++ {
			m, err := mapProto(f.Index(i), code)
			if err != nil {
				return nil, err
			}
			s.MapValues = append(s.MapValues, m)
		}
	default:
		return nil, fmt.Errorf("cannot encode a %s", f.Type())
	}
	return s, nil
}

var keyCodes = map[reflect.Kind]int32{
	reflect.Uint8: 2, reflect.Int8: 3, reflect.Uint16: 4, reflect.Int16: 5, reflect.Int32: 6,
	reflect.Int64: 7, reflect.String: 8, reflect.Uint32: 12, reflect.Uint64: 13,
}

func mapProto(f reflect.Value, code int32) (*onnxpb.MapProto, error) {
	kt := f.Type().Key()
	kc, ok := keyCodes[kt.Kind()]
	if !ok {
		return nil, fmt.Errorf("map key type %s", kt)
	}
	keys := f.MapKeys()
	sort.Slice(keys, func(i, j int) bool {
		if kt.Kind() == reflect.String {
			return keys[i].String() < keys[j].String()
		}
		return keys[i].Convert(reflect.TypeOf(int64(0))).Int() < keys[j].Convert(reflect.TypeOf(int64(0))).Int()
	})
	m := &onnxpb.MapProto{KeyType: proto.Int32(kc), Values: &onnxpb.SequenceProto{ElemType: proto.Int32(seqTensor)}}
	for _, k := range keys {
		if kt.Kind() == reflect.String {
			m.StringKeys = append(m.StringKeys, []byte(k.String()))
		} else {
			m.Keys = append(m.Keys, k.Convert(reflect.TypeOf(int64(0))).Int())
		}
		v := f.MapIndex(k)
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		raw := unsafe.Slice((*byte)(p.UnsafePointer()), v.Type().Size())
		m.Values.TensorValues = append(m.Values.TensorValues,
			&onnxpb.TensorProto{DataType: proto.Int32(code), RawData: append([]byte{}, raw...)})
	}
	return m, nil
}

// optionalProto encodes an optional output (a pointer; nil = no value) as an OptionalProto.
func optionalProto(f reflect.Value, code int32) (*onnxpb.OptionalProto, error) {
	o := &onnxpb.OptionalProto{}
	switch f.Type().Elem().Kind() {
	case reflect.Struct:
		o.ElemType = proto.Int32(1)
	case reflect.Slice:
		o.ElemType = proto.Int32(3)
	case reflect.Map:
		o.ElemType = proto.Int32(4)
	default:
		return nil, fmt.Errorf("cannot encode a %s", f.Type())
	}
	if f.IsNil() {
		return o, nil
	}
	var err error
	switch f.Type().Elem().Kind() {
	case reflect.Struct:
		o.TensorValue = tensorProto(f.Elem(), code)
	case reflect.Slice:
		o.SequenceValue, err = seqProto(f.Elem(), code)
	case reflect.Map:
		o.MapValue, err = mapProto(f.Elem(), code)
	}
	return o, err
}
