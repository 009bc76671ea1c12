// Package runner feeds recorded inputs to generated Go SDKs and writes their
// outputs, so the Python tests can compare them with raw ONNX Runtime.
//
// Interchange (one directory per test set): in_I.json describes input I (its
// data in in_I.bin, little-endian, row-major); Run's outputs go to out_K.json /
// out_K.bin the same way; a failure goes to error.txt. A value is
//
//	{"kind":"tensor","dtype":"float32","shape":[2,3],"file":"in_0.bin"}   (strings: "strings":[...])
//	{"kind":"seq","items":[<value>...]}
//	{"kind":"map","keys":[...],"values":[...]}
//	{"kind":"none"}   (an absent optional value: a nil pointer)
//
// The generated cases file calls register once per model, in the order of the
// case directories.
package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unsafe"
)

type model[I, O any] interface {
	Run(context.Context, I) (O, error)
	Close() error
}

type entry struct {
	name string
	run  func(dir string) error
}

var registry []entry

func register[I, O any](name string, newModel func() (model[I, O], error)) {
	registry = append(registry, entry{name, func(dir string) error { return runCase[I, O](dir, newModel) }})
}

type value struct {
	Kind    string            `json:"kind"`
	Dtype   string            `json:"dtype,omitempty"`
	Shape   []int64           `json:"shape"`
	File    string            `json:"file,omitempty"`
	Strings []string          `json:"strings,omitempty"`
	Items   []value           `json:"items,omitempty"`
	Keys    []json.RawMessage `json:"keys,omitempty"`
	Values  []json.RawMessage `json:"values,omitempty"`
}

func runCase[I, O any](dir string, newModel func() (model[I, O], error)) error {
	sets, err := filepath.Glob(filepath.Join(dir, "set_*"))
	if err != nil {
		return err
	}
	sort.Strings(sets)
	m, err := newModel()
	if err != nil {
		for _, s := range sets {
			os.WriteFile(filepath.Join(s, "error.txt"), []byte("New: "+err.Error()), 0o644)
		}
		return err
	}
	defer m.Close()
	for _, s := range sets {
		if err := runSet(s, m); err != nil {
			os.WriteFile(filepath.Join(s, "error.txt"), []byte(err.Error()), 0o644)
		}
	}
	return nil
}

func runSet[I, O any](dir string, m model[I, O]) error {
	var in I
	iv := reflect.ValueOf(&in).Elem()
	for i := 0; i < iv.NumField(); i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("in_%d.json", i)))
		if err != nil {
			return err
		}
		var v value
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		if err := fill(iv.Field(i), v, dir); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	out, err := m.Run(context.Background(), in)
	if err != nil {
		return err
	}
	ov := reflect.ValueOf(out)
	for k := 0; k < ov.NumField(); k++ {
		v, err := dump(ov.Field(k), dir, fmt.Sprintf("out_%d", k))
		if err != nil {
			return fmt.Errorf("output %d: %w", k, err)
		}
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("out_%d.json", k)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func byteView(s reflect.Value) []byte {
	n := s.Len() * int(s.Type().Elem().Size())
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(s.UnsafePointer()), n)
}

// fill sets a Tensor[T], []Tensor[T] or map field, or a pointer to one (an
// optional value), from v.
func fill(f reflect.Value, v value, dir string) error {
	if f.Kind() == reflect.Pointer {
		if v.Kind == "none" {
			f.Set(reflect.Zero(f.Type()))
			return nil
		}
		p := reflect.New(f.Type().Elem())
		if err := fill(p.Elem(), v, dir); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	switch {
	case v.Kind == "tensor" && f.Kind() == reflect.Struct:
		data := f.FieldByName("Data")
		shape := []int64{}
		if v.Shape != nil {
			shape = v.Shape
		}
		f.FieldByName("Shape").Set(reflect.ValueOf(shape))
		if v.Dtype == "string" {
			data.Set(reflect.ValueOf(append([]string{}, v.Strings...)))
			return nil
		}
		raw, err := os.ReadFile(filepath.Join(dir, v.File))
		if err != nil {
			return err
		}
		size := int(data.Type().Elem().Size())
		if len(raw)%size != 0 {
			return fmt.Errorf("%d bytes is not a whole number of %s", len(raw), data.Type().Elem())
		}
		s := reflect.MakeSlice(data.Type(), len(raw)/size, len(raw)/size)
		copy(byteView(s), raw)
		data.Set(s)
		return nil
	case v.Kind == "seq" && f.Kind() == reflect.Slice:
		s := reflect.MakeSlice(f.Type(), len(v.Items), len(v.Items))
		for i, item := range v.Items {
			if err := fill(s.Index(i), item, dir); err != nil {
				return err
			}
		}
		f.Set(s)
		return nil
	case v.Kind == "map" && f.Kind() == reflect.Map:
		m := reflect.MakeMapWithSize(f.Type(), len(v.Keys))
		for i := range v.Keys {
			k := reflect.New(f.Type().Key())
			val := reflect.New(f.Type().Elem())
			if err := json.Unmarshal(v.Keys[i], k.Interface()); err != nil {
				return err
			}
			if err := json.Unmarshal(v.Values[i], val.Interface()); err != nil {
				return err
			}
			m.SetMapIndex(k.Elem(), val.Elem())
		}
		f.Set(m)
		return nil
	}
	return fmt.Errorf("cannot put a %s value into a %s field", v.Kind, f.Type())
}

func dump(f reflect.Value, dir, stem string) (value, error) {
	switch f.Kind() {
	case reflect.Pointer:
		if f.IsNil() {
			return value{Kind: "none"}, nil
		}
		return dump(f.Elem(), dir, stem)
	case reflect.Struct:
		data := f.FieldByName("Data")
		shape := f.FieldByName("Shape").Interface().([]int64)
		if shape == nil {
			shape = []int64{}
		}
		if data.Type().Elem().Kind() == reflect.String {
			return value{Kind: "tensor", Dtype: "string", Shape: shape, Strings: data.Interface().([]string)}, nil
		}
		file := stem + ".bin"
		if err := os.WriteFile(filepath.Join(dir, file), byteView(data), 0o644); err != nil {
			return value{}, err
		}
		return value{Kind: "tensor", Dtype: data.Type().Elem().String(), Shape: shape, File: file}, nil
	case reflect.Slice:
		v := value{Kind: "seq", Items: []value{}}
		for i := 0; i < f.Len(); i++ {
			item, err := dump(f.Index(i), dir, fmt.Sprintf("%s_%d", stem, i))
			if err != nil {
				return value{}, err
			}
			v.Items = append(v.Items, item)
		}
		return v, nil
	case reflect.Map:
		keys := f.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		v := value{Kind: "map"}
		for _, k := range keys {
			kb, _ := json.Marshal(k.Interface())
			vb, _ := json.Marshal(f.MapIndex(k).Interface())
			v.Keys = append(v.Keys, kb)
			v.Values = append(v.Values, vb)
		}
		return v, nil
	}
	return value{}, fmt.Errorf("cannot dump a %s", f.Type())
}

// RunAll runs every registered case; dir/<index> holds case index's sets.
func RunAll(dir string) (failed []string) {
	for i, e := range registry {
		if err := e.run(filepath.Join(dir, fmt.Sprint(i))); err != nil {
			failed = append(failed, e.name+": "+strings.SplitN(err.Error(), "\n", 2)[0])
		}
	}
	return failed
}
