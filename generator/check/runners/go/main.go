// Command gocheck is the Go testee of `sdkgen check`: it feeds each case's
// input_I.pb files through a generated SDK's typed Inputs/Run and writes the
// typed Outputs back as output_K.pb for the Python side to compare; the SDK's
// typed input error goes to error.json (kind, input, expected, actual), any other
// failure to error.txt. An input file that does not exist leaves its field zero
// (a set that expects a missing-input error).
//
//	gocheck MANIFEST.json
//
// The manifest lists cases in registry order: {"cases":[{"key":..., "sets":[
// {"inputs":["…/input_0.pb",…], "out":"DIR"}]}]}. cases_gen.go (written by
// sdkgen check at test time) registers one constructor per generated package.
// The onnxpb package is generated from the onnx wheel's onnx-ml.proto and
// onnx-data.proto by protoc-gen-go at test time; it is not committed.
//
// A model that has RunInto (in process) is also run with it twice, the
// second time into the first's outputs (their memory reused), and both must
// encode to Run's bytes (unless Run itself differs from run to run, as a
// random op's does), else error.txt says which output differs.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
)

type model[I, O any] interface {
	Run(context.Context, I) (O, error)
	Close() error
}

type setSpec struct {
	Inputs []string `json:"inputs"`
	Out    string   `json:"out"`
}

type caseSpec struct {
	Key  string    `json:"key"`
	Sets []setSpec `json:"sets"`
}

type manifest struct {
	Cases []caseSpec `json:"cases"`
}

var registry []func(caseSpec)

// register adds a generated package; codes are the ONNX element type of each
// output's tensors (for a map output: of its values).
func register[I, O any](newModel func() (model[I, O], error), codes []int32) {
	registry = append(registry, func(c caseSpec) { runCase(c, newModel, codes) })
}

func fail(s setSpec, msg string) {
	os.MkdirAll(s.Out, 0o755)
	os.WriteFile(filepath.Join(s.Out, "error.txt"), []byte(msg), 0o644)
}

func runCase[I, O any](c caseSpec, newModel func() (model[I, O], error), codes []int32) {
	m, err := newModel()
	if err != nil {
		for _, s := range c.Sets {
			fail(s, "New: "+err.Error())
		}
		return
	}
	defer m.Close()
	for _, s := range c.Sets {
		if err := runSet(s, m, codes); err != nil {
			fail(s, err.Error())
		}
	}
}

func runSet[I, O any](s setSpec, m model[I, O], codes []int32) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	var in I
	iv := reflect.ValueOf(&in).Elem()
	if iv.NumField() != len(s.Inputs) {
		return fmt.Errorf("runner: %d input files for %d inputs", len(s.Inputs), iv.NumField())
	}
	for i := 0; i < iv.NumField(); i++ {
		if st, err := os.Stat(s.Inputs[i]); err != nil || !st.Mode().IsRegular() {
			continue
		}
		if err := readInto(s.Inputs[i], iv.Field(i)); err != nil {
			return fmt.Errorf("runner: input %d: %w", i, err)
		}
	}
	out, err := m.Run(context.Background(), in)
	if fields, ok := asInputError(err); ok {
		doc, _ := json.Marshal(map[string]string{
			"kind": fields[0], "input": fields[1], "expected": fields[2], "actual": fields[3]})
		if err := os.MkdirAll(s.Out, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(s.Out, "error.json"), doc, 0o644)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Out, 0o755); err != nil {
		return err
	}
	encoded, err := encodeAll(out, codes)
	if err != nil {
		return err
	}
	for k, b := range encoded {
		if err := os.WriteFile(filepath.Join(s.Out, fmt.Sprintf("output_%d.pb", k)), b, 0o644); err != nil {
			return err
		}
	}
	if into, ok := any(m).(interface {
		RunInto(context.Context, I, *O) error
	}); ok {
		return checkRunInto(m, into, in, encoded, codes)
	}
	return nil
}

func encodeAll[O any](out O, codes []int32) ([][]byte, error) {
	ov := reflect.ValueOf(out)
	var encoded [][]byte
	for k := 0; k < ov.NumField(); k++ {
		b, err := encode(ov.Field(k), codes[k])
		if err != nil {
			return nil, fmt.Errorf("runner: output %d: %w", k, err)
		}
		encoded = append(encoded, b)
	}
	return encoded, nil
}

// checkRunInto runs the set with RunInto into new outputs, then into those
// again, and compares both with Run's encoded outputs.
func checkRunInto[I, O any](m model[I, O], into interface {
	RunInto(context.Context, I, *O) error
}, in I, want [][]byte, codes []int32) error {
	var out O
	for pass, what := range []string{"into new outputs", "into the outputs of the previous RunInto"} {
		if err := into.RunInto(context.Background(), in, &out); err != nil {
			return fmt.Errorf("RunInto %s: %w", what, err)
		}
		got, err := encodeAll(out, codes)
		if err != nil {
			return err
		}
		for k := range want {
			if bytes.Equal(got[k], want[k]) {
				continue
			}
			again, err := m.Run(context.Background(), in)
			if err != nil {
				return fmt.Errorf("Run again: %w", err)
			}
			if twice, err := encodeAll(again, codes); err != nil || !bytes.Equal(twice[k], want[k]) {
				return err // Run's own output k changes from run to run: nothing to compare
			}
			return fmt.Errorf("RunInto %s (pass %d): output %d differs from Run's", what, pass+1, k)
		}
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gocheck MANIFEST.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if len(m.Cases) != len(registry) {
		fmt.Fprintf(os.Stderr, "manifest has %d cases, registry %d\n", len(m.Cases), len(registry))
		os.Exit(2)
	}
	for i, c := range m.Cases {
		registry[i](c)
		fmt.Println("done", c.Key)
	}
}
