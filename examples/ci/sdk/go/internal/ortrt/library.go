package ortrt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ORTVersion is the ONNX Runtime release this runtime was written for; its
// PyPI wheel ships the shared library as onnxruntime/capi/libonnxruntime.so.ORTVersion.
const ORTVersion = "1.29.0"

// wellKnown lists the places searched after the option and the environment, in order.
func wellKnown() []string {
	lib := "libonnxruntime.so." + ORTVersion
	wheel := "site-packages/onnxruntime/capi/" + lib
	var out []string
	if venv := os.Getenv("VIRTUAL_ENV"); venv != "" {
		out = append(out, filepath.Join(venv, "lib/python3*", wheel))
	}
	if home, err := os.UserHomeDir(); err == nil {
		out = append(out, filepath.Join(home, ".local/lib/python3*", wheel))
	}
	return append(out,
		"/usr/local/lib/python3*/"+wheel,
		"/usr/local/lib/python3*/dist-packages/onnxruntime/capi/"+lib,
		"/usr/lib/python3/dist-packages/onnxruntime/capi/"+lib,
		"/usr/local/lib/"+lib,
		"/usr/local/lib/libonnxruntime.so",
		"/usr/lib/x86_64-linux-gnu/libonnxruntime.so",
		"/usr/lib/aarch64-linux-gnu/libonnxruntime.so",
		"/usr/lib/libonnxruntime.so",
	)
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// findLibrary: the option, then ONNXRUNTIME_SHARED_LIBRARY_PATH, then wellKnown().
func findLibrary(option string) (string, error) {
	if option != "" {
		if !isFile(option) {
			return "", fmt.Errorf("ONNX Runtime library %q (from WithLibraryPath): no such file", option)
		}
		return option, nil
	}
	if p := os.Getenv(EnvLibraryPath); p != "" {
		if !isFile(p) {
			return "", fmt.Errorf("ONNX Runtime library %q (from $%s): no such file", p, EnvLibraryPath)
		}
		return p, nil
	}
	places := wellKnown()
	for _, pattern := range places {
		matches, _ := filepath.Glob(pattern)
		sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest python3.N first
		for _, m := range matches {
			if isFile(m) {
				return m, nil
			}
		}
	}
	return "", errors.New("ONNX Runtime shared library not found. Looked at: WithLibraryPath (not set), $" +
		EnvLibraryPath + " (not set), " + strings.Join(places, ", ") +
		". Get it with `pip install onnxruntime==" + ORTVersion + "` and point $" + EnvLibraryPath +
		" at site-packages/onnxruntime/capi/libonnxruntime.so." + ORTVersion +
		" (python -c 'import onnxruntime, os; print(os.path.dirname(onnxruntime.__file__))' prints the directory)," +
		" or pass WithLibraryPath")
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// env is this runtime's view of ONNX Runtime's process-wide environment.
var env struct {
	mu   sync.Mutex
	path string // the library this runtime initialised ONNX Runtime with; "" until then
}

// initEnvironment initialises ONNX Runtime once per process and returns the
// library in use. Only a success is remembered: after a failure (no library
// found, a library that does not load) the next call tries again. When
// something else in the process initialised ONNX Runtime (another sdkgen
// module has its own copy of this package; code may use onnxruntime_go
// directly), its environment is used and the path is "": which library it
// loaded is not known, so the option cannot be checked against it.
func initEnvironment(option string) (string, error) {
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.path != "" {
		if option != "" && !sameFile(option, env.path) {
			return "", fmt.Errorf("ONNX Runtime is already initialised in this process with %q; "+
				"WithLibraryPath(%q) names a different library (one library per process: the first wins)", env.path, option)
		}
		return env.path, nil
	}
	if ort.IsInitialized() {
		return "", nil
	}
	path, err := findLibrary(option)
	if err != nil {
		return "", err
	}
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(); err != nil {
		if ort.IsInitialized() { // another package won a race: use its environment
			return "", nil
		}
		return "", fmt.Errorf("loading ONNX Runtime from %q: %w", path, err)
	}
	env.path = path
	return path, nil
}
