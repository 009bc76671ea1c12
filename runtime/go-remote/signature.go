package oiprt

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"

	"sdkgen.local/oip"
	"sdkgen.local/ortrt"
)

// wire is how one input or output crosses: its OIP datatype and the size of
// one element of its raw contents (0 for BYTES).
type wire struct {
	datatype string
	size     int
}

// datatypes are the Open Inference Protocol's names of the element types it
// carries (sdkgen's generator/targets.py OIP_DATATYPES).
var datatypes = map[ort.TensorElementDataType]wire{
	ort.TensorElementDataTypeBool:     {"BOOL", 1},
	ort.TensorElementDataTypeUint8:    {"UINT8", 1},
	ort.TensorElementDataTypeUint16:   {"UINT16", 2},
	ort.TensorElementDataTypeUint32:   {"UINT32", 4},
	ort.TensorElementDataTypeUint64:   {"UINT64", 8},
	ort.TensorElementDataTypeInt8:     {"INT8", 1},
	ort.TensorElementDataTypeInt16:    {"INT16", 2},
	ort.TensorElementDataTypeInt32:    {"INT32", 4},
	ort.TensorElementDataTypeInt64:    {"INT64", 8},
	ort.TensorElementDataTypeFloat16:  {"FP16", 2},
	ort.TensorElementDataTypeFloat:    {"FP32", 4},
	ort.TensorElementDataTypeDouble:   {"FP64", 8},
	ort.TensorElementDataTypeString:   {"BYTES", 0},
	ort.TensorElementDataTypeBFloat16: {"BF16", 2},
}

// wires describes each value; sdkgen generates remote SDKs only for models
// whose values are all tensors of these datatypes.
func wires(specs []ortrt.ValueSpec) ([]wire, error) {
	out := make([]wire, len(specs))
	for i := range specs {
		s := &specs[i]
		w, ok := datatypes[s.Elem]
		if s.Kind != ort.ONNXTypeTensor || !ok {
			return nil, fmt.Errorf("%s %s: the Open Inference Protocol cannot carry it", quote(s.Name), s.Type)
		}
		out[i] = w
	}
	return out, nil
}

// compare lists what differs between the server's tensors of one direction
// and the model's: the same names, datatypes and ranks; a dim the SDK fixes
// must be that size or variable (-1) on the server, a dim the SDK lets vary
// must be variable there too. Order does not matter. It also says which of the
// SDK's scalars the server declares with shape [1] (how Triton serves a
// scalar: dims [1] reshaped to []): those travel with shape [1].
func compare(what string, specs []ortrt.ValueSpec, ws []wire, got []*oip.ModelMetadataResponse_TensorMetadata) (problems []string, one []bool) {
	one = make([]bool, len(specs))
	byName := make(map[string]*oip.ModelMetadataResponse_TensorMetadata, len(got))
	for _, t := range got {
		byName[t.GetName()] = t
	}
	for i := range specs {
		s := &specs[i]
		where := what + " " + quote(s.Name)
		t, ok := byName[s.Name]
		if !ok {
			problems = append(problems, where+" is not served")
			continue
		}
		delete(byName, s.Name)
		if t.GetDatatype() != ws[i].datatype {
			problems = append(problems, where+": datatype "+t.GetDatatype()+" on the server, "+ws[i].datatype+" in the SDK")
		}
		shape := t.GetShape()
		if s.Dims == nil {
			continue // the SDK does not know the rank: any shape
		}
		if len(s.Dims) == 0 && len(shape) == 1 && shape[0] == 1 {
			one[i] = true
			continue
		}
		bad := len(shape) != len(s.Dims)
		for k := 0; !bad && k < len(shape); k++ {
			d, g := s.Dims[k], shape[k]
			bad = (d >= 0 && g != int64(d) && g != -1) || (d < 0 && g != -1)
		}
		if bad {
			problems = append(problems, where+": shape "+shapeString(shape)+" on the server, "+declared(s)+" in the SDK")
		}
	}
	for _, t := range got {
		if _, left := byName[t.GetName()]; left {
			problems = append(problems, what+" "+quote(t.GetName())+" is served but not in the SDK")
			delete(byName, t.GetName())
		}
	}
	return problems, one
}
