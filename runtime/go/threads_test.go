package ortrt

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtures is sdkgen's tests/fixtures/cgroup: the cases the Python and Java
// runtimes are tested against too ($SDKGEN_CGROUP_FIXTURES overrides it).
func fixtures() string {
	if dir := os.Getenv("SDKGEN_CGROUP_FIXTURES"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "tests", "fixtures", "cgroup")
}

type expected struct {
	AffinityCPUs   int      `json:"affinity_cpus"`
	QuotaCPUs      *float64 `json:"quota_cpus"`
	IntraOpThreads int      `json:"intra_op_threads"`
	AllowSpinning  bool     `json:"allow_spinning"`
}

func TestCgroupFixtures(t *testing.T) {
	dir := fixtures()
	cases, _ := filepath.Glob(filepath.Join(dir, "*", "expected.json"))
	if len(cases) == 0 {
		t.Fatalf("no fixture cases under %q", dir)
	}
	for _, c := range cases {
		caseDir := filepath.Dir(c)
		t.Run(filepath.Base(caseDir), func(t *testing.T) {
			b, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			var want expected
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			got := DetectThreads(filepath.Join(caseDir, "root"))
			wantQuota := 0.0
			if want.QuotaCPUs != nil {
				wantQuota = *want.QuotaCPUs
			}
			if got.AffinityCPUs != want.AffinityCPUs || got.QuotaCPUs != wantQuota ||
				got.IntraOpThreads != want.IntraOpThreads || got.AllowSpinning != want.AllowSpinning {
				t.Fatalf("got %+v, want %+v (quota %v)", got, want, wantQuota)
			}
		})
	}
}

func resolveWith(t *testing.T, env map[string]string, opts ...Option) (Config, error) {
	t.Helper()
	s := settings{environ: func(k string) string { return env[k] }, threadsRoot: filepath.Join(fixtures(), "v2_quota_2_5", "root")}
	for _, o := range opts {
		o(&s)
	}
	return s.resolve()
}

func TestOverrides(t *testing.T) {
	c, err := resolveWith(t, nil)
	if err != nil || c.IntraOpThreads != 2 || c.IntraOpThreadsSource != FromContainer || c.AllowSpinning ||
		c.InterOpThreads != 1 || c.InterOpThreadsSource != FromContainer || c.ExecutionMode != Sequential || c.OptimizationLevel != OptimizeAll {
		t.Fatalf("container defaults: %+v %v", c, err)
	}
	env := map[string]string{EnvIntraOpThreads: "5", EnvInterOpThreads: "3", EnvAllowSpinning: "1",
		EnvExecutionMode: "parallel", EnvOptimizationLevel: "basic"}
	c, err = resolveWith(t, env)
	if err != nil || c.IntraOpThreads != 5 || c.IntraOpThreadsSource != FromEnv || c.InterOpThreads != 3 ||
		!c.AllowSpinning || c.AllowSpinningSource != FromEnv || c.ExecutionMode != Parallel || c.OptimizationLevel != OptimizeBasic {
		t.Fatalf("env: %+v %v", c, err)
	}
	c, err = resolveWith(t, env, WithIntraOpThreads(7), WithSpinning(false), WithExecutionMode(Sequential))
	if err != nil || c.IntraOpThreads != 7 || c.IntraOpThreadsSource != FromOption || c.AllowSpinning ||
		c.InterOpThreads != 3 || c.ExecutionMode != Sequential || c.ExecutionModeSource != FromOption {
		t.Fatalf("options over env: %+v %v", c, err)
	}
	// An option shadows a bad environment value for the same setting only.
	if _, err := resolveWith(t, map[string]string{EnvIntraOpThreads: "x"}, WithIntraOpThreads(2)); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{EnvIntraOpThreads: "0", EnvInterOpThreads: "+3", EnvAllowSpinning: "yes",
		EnvExecutionMode: "fast", EnvOptimizationLevel: "max"} {
		_, err := resolveWith(t, map[string]string{k: v})
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("%s=%q: got %v, want an error naming the value", k, v, err)
		}
	}
	if _, err := resolveWith(t, nil, WithInterOpThreads(0)); err == nil {
		t.Error("WithInterOpThreads(0) accepted")
	}
}

func TestAffinityFallsBackToNumCPU(t *testing.T) {
	root := t.TempDir()
	got := DetectThreads(root) // no proc/self/status: runtime.NumCPU(), no quota
	if got.AffinityCPUs < 1 || got.IntraOpThreads != got.AffinityCPUs || !got.AllowSpinning || got.QuotaCPUs != 0 {
		t.Fatalf("%+v", got)
	}
	for _, list := range []string{"", "x", "3-1", "0-2147483648", "1,,2"} {
		if n, ok := countCPUList(list); ok {
			t.Errorf("countCPUList(%q) = %d, want malformed", list, n)
		}
	}
	if n, ok := countCPUList("0-1,4"); !ok || n != 3 {
		t.Errorf("countCPUList(0-1,4) = %d, %v", n, ok)
	}
}
