package oiprt

import (
	"fmt"
	"strconv"
	"strings"

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

// compare lists what differs between the server's metadata and the model's
// signature: the same names, datatypes and ranks, and no fixed dim of another
// size (a dim the server reports as -1 takes any size; a dim the SDK leaves
// free must be free on the server too). Order does not matter.
func (c *Client) compare(md *oip.ModelMetadataResponse) []string {
	return append(compareValues("input", c.spec.Inputs, c.ins, md.GetInputs()),
		compareValues("output", c.spec.Outputs, c.outs, md.GetOutputs())...)
}

func compareValues(what string, specs []ortrt.ValueSpec, ws []wire, got []*oip.ModelMetadataResponse_TensorMetadata) []string {
	var problems []string
	byName := make(map[string]*oip.ModelMetadataResponse_TensorMetadata, len(got))
	for _, t := range got {
		byName[t.GetName()] = t
	}
	known := make(map[string]bool, len(specs))
	for i := range specs {
		s := &specs[i]
		known[s.Name] = true
		t, ok := byName[s.Name]
		if !ok {
			problems = append(problems, "no "+what+" "+quote(s.Name)+" ("+s.Type+")")
			continue
		}
		head := what + " " + quote(s.Name) + " is " + t.GetDatatype() + shapeString(t.GetShape()) + ", expected " +
			ws[i].datatype + dimsText(s)
		if t.GetDatatype() != ws[i].datatype {
			problems = append(problems, head)
			continue
		}
		if s.Dims == nil {
			continue
		}
		if len(t.GetShape()) != len(s.Dims) {
			problems = append(problems, head)
			continue
		}
		for k, d := range s.Dims {
			got := t.GetShape()[k]
			if (d >= 0 && got >= 0 && got != int64(d)) || (d < 0 && got >= 0) {
				problems = append(problems, head+" (dim "+strconv.Itoa(k)+")")
				break
			}
		}
	}
	for _, t := range got {
		if !known[t.GetName()] {
			problems = append(problems, "an "+what+" "+quote(t.GetName())+" the SDK does not have")
		}
	}
	return problems
}

// dimsText is the declared dims as the server would report them: -1 for a
// symbolic or unknown dim, e.g. "[-1,-1,64]" ("[*]" for an unknown rank).
func dimsText(s *ortrt.ValueSpec) string {
	if s.Dims == nil {
		return "[*]"
	}
	shape := make([]int64, len(s.Dims))
	for i, d := range s.Dims {
		shape[i] = int64(d)
		if d < 0 {
			shape[i] = -1
		}
	}
	return shapeString(shape)
}

func joinProblems(p []string) string {
	const most = 8
	if len(p) > most {
		return strings.Join(p[:most], "; ") + "; and " + strconv.Itoa(len(p)-most) + " more"
	}
	return strings.Join(p, "; ")
}
