package ortrt

import (
	"os"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

// firstInit is the result of initialising ONNX Runtime with a library that
// does not exist, before any other test ran (TestMain).
var firstInit error

func TestMain(m *testing.M) {
	_, firstInit = initEnvironment("/nonexistent/libonnxruntime.so")
	os.Exit(m.Run())
}

func TestEnvironmentRetriesAfterAFailure(t *testing.T) {
	if firstInit == nil || !strings.Contains(firstInit.Error(), "no such file") {
		t.Fatalf("first initialisation with a missing library: %v", firstInit)
	}
	path, err := initEnvironment("")
	if err != nil || path == "" || !ort.IsInitialized() {
		t.Fatalf("second initialisation: %q, %v", path, err)
	}
	if again, err := initEnvironment(path); err != nil || again != path {
		t.Fatalf("the same library again: %q, %v", again, err)
	}
	if _, err := initEnvironment("/nonexistent/libonnxruntime.so"); err == nil ||
		!strings.Contains(err.Error(), "different library") {
		t.Fatalf("another library after initialisation: %v", err)
	}
}

// TestEnvironmentOfAnotherPackage: when ONNX Runtime was initialised by
// something else (a second sdkgen module has its own copy of this package),
// its environment is used as it is and the library is unknown.
func TestEnvironmentOfAnotherPackage(t *testing.T) {
	if _, err := initEnvironment(""); err != nil {
		t.Fatal(err)
	}
	env.mu.Lock()
	saved := env.path
	env.path = "" // as if this copy of the runtime had not initialised it
	env.mu.Unlock()
	defer func() {
		env.mu.Lock()
		env.path = saved
		env.mu.Unlock()
	}()
	for _, option := range []string{"", "/nonexistent/libonnxruntime.so"} {
		if path, err := initEnvironment(option); err != nil || path != "" {
			t.Errorf("initEnvironment(%q) = %q, %v; want the foreign environment", option, path, err)
		}
	}
	s, err := NewSession(&transformerSpec, repoFile(t, transformerFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Config().LibraryPath != "" {
		t.Errorf("LibraryPath = %q, want empty", s.Config().LibraryPath)
	}
}

func TestLibraryLookup(t *testing.T) {
	t.Setenv(EnvLibraryPath, "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("VIRTUAL_ENV", t.TempDir())
	_, err := findLibrary("")
	if err == nil {
		t.Skip("an ONNX Runtime library is installed system-wide") // nothing to check on such a machine
	}
	for _, want := range []string{"$" + EnvLibraryPath, "WithLibraryPath", "pip install onnxruntime==" + ORTVersion, "/usr/local/lib/libonnxruntime.so"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if venv := os.Getenv("SDKGEN_TEST_VENV"); venv != "" {
		t.Setenv("VIRTUAL_ENV", venv)
		if p, err := findLibrary(""); err != nil || !strings.HasSuffix(p, "libonnxruntime.so."+ORTVersion) {
			t.Errorf("lookup in $VIRTUAL_ENV: %q, %v", p, err)
		}
	}
	if _, err := findLibrary("/nonexistent.so"); err == nil || !strings.Contains(err.Error(), "WithLibraryPath") {
		t.Errorf("missing option path: %v", err)
	}
	t.Setenv(EnvLibraryPath, "/nonexistent.so")
	if _, err := findLibrary(""); err == nil || !strings.Contains(err.Error(), "$"+EnvLibraryPath) {
		t.Errorf("missing environment path: %v", err)
	}
}
