package ortrt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ort "github.com/yalue/onnxruntime_go"
)

// The specs and put/get functions below are what sdkgen generates for the
// repository's test models (tests/models), written by hand.

const (
	transformerFile = "tests/models/tiny_transformer.onnx"
	decodeHeadFile  = "tests/models/decode_head.onnx"
	irisFile        = "examples/logreg_iris.onnx"
)

func repoFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var transformerSpec = ModelSpec{
	Package: "tinytransformer",
	Symbols: []string{"batch", "sequence"},
	Inputs: []ValueSpec{
		{Name: "input_ids", Field: "InputIds", Type: "int64[batch,sequence]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeInt64, Dims: []Dim{Symbol(0), Symbol(1)}},
		{Name: "attention_mask", Field: "AttentionMask", Type: "int64[batch,sequence]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeInt64, Dims: []Dim{Symbol(0), Symbol(1)}},
	},
	Outputs: []ValueSpec{
		{Name: "logits", Field: "Logits", Type: "float[batch,sequence,64]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Symbol(0), Symbol(1), Fixed(64)}},
	},
}

type ttInputs struct{ InputIds, AttentionMask Tensor[int64] }

func putTT(c *Call, in ttInputs) {
	PutTensor(c, 0, in.InputIds)
	PutTensor(c, 1, in.AttentionMask)
}

func getTT(c *Call) Tensor[float32] { return GetTensor[float32](c, 0) }

var decodeHeadSpec = ModelSpec{
	Package: "decodehead",
	Symbols: []string{"batch", "sequence"},
	Inputs: []ValueSpec{
		{Name: "logits", Field: "Logits", Type: "float[batch,sequence,64]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{Symbol(0), Symbol(1), Fixed(64)}},
	},
	Outputs: []ValueSpec{
		{Name: "token_ids", Field: "TokenIds", Type: "int64[batch,sequence]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeInt64, Dims: []Dim{Symbol(0), Symbol(1)}},
		{Name: "scores", Field: "Scores", Type: "float16[batch,sequence]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat16, Dims: []Dim{Symbol(0), Symbol(1)}},
		{Name: "tokens", Field: "Tokens", Type: "string[batch,sequence]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeString, Dims: []Dim{Symbol(0), Symbol(1)}},
	},
}

type dhOutputs struct {
	TokenIds Tensor[int64]
	Scores   Tensor[uint16]
	Tokens   Tensor[string]
}

func putDH(c *Call, logits Tensor[float32]) { PutTensor(c, 0, logits) }

func getDH(c *Call) dhOutputs {
	return dhOutputs{
		TokenIds: GetTensor[int64](c, 0),
		Scores:   GetRaw[uint16](c, 1),
		Tokens:   GetString(c, 2),
	}
}

var irisSpec = ModelSpec{
	Package: "logregiris",
	Inputs: []ValueSpec{
		{Name: "float_input", Field: "FloatInput", Type: "float[?,2]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeFloat, Dims: []Dim{AnyDim, Fixed(2)}},
	},
	Outputs: []ValueSpec{
		{Name: "label", Field: "Label", Type: "int64[?]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeInt64, Dims: []Dim{AnyDim}},
		{Name: "probabilities", Field: "Probabilities", Type: "seq(map(int64,float))", Kind: ort.ONNXTypeSequence, Elem: ort.TensorElementDataTypeFloat},
	},
}

type irisOutputs struct {
	Label         Tensor[int64]
	Probabilities []map[int64]float32
}

func newSession(t testing.TB, spec *ModelSpec, file string, opts ...Option) *Session {
	t.Helper()
	s, err := NewSession(spec, repoFile(t, file), append([]Option{WithIntraOpThreads(1)}, opts...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tokens(batch, seq int, seed int64) ttInputs {
	ids := make([]int64, batch*seq)
	mask := make([]int64, batch*seq)
	for i := range ids {
		ids[i] = (int64(i)*7 + seed*13) % 64
		mask[i] = 1
	}
	return ttInputs{NewTensor(ids, int64(batch), int64(seq)), NewTensor(mask, int64(batch), int64(seq))}
}

func equal[T comparable](a, b Tensor[T]) bool {
	if fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) || len(a.Data) != len(b.Data) {
		return false
	}
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			return false
		}
	}
	return true
}

// TestTwoModels: the transformer's logits go to the decode head as they are,
// its token ids back to the transformer; float16 and string outputs, symbols
// bound by the inputs size the preallocated float16 output.
func TestTwoModels(t *testing.T) {
	tt := newSession(t, &transformerSpec, transformerFile)
	dh := newSession(t, &decodeHeadSpec, decodeHeadFile)
	ctx := context.Background()
	logits, err := Run(ctx, tt, tokens(2, 5, 3), putTT, getTT)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(logits.Shape) != "[2 5 64]" {
		t.Fatalf("logits shape %v", logits.Shape)
	}
	out, err := Run(ctx, dh, logits, putDH, getDH)
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < 10; r++ {
		row := logits.Data[r*64 : (r+1)*64]
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		if out.TokenIds.Data[r] != int64(best) {
			t.Errorf("row %d: token id %d, want %d", r, out.TokenIds.Data[r], best)
		}
		if want := fmt.Sprintf("tok%02d", best); out.Tokens.Data[r] != want {
			t.Errorf("row %d: token %q, want %q", r, out.Tokens.Data[r], want)
		}
		if got := Float16FromBits(out.Scores.Data[r]); Float16Bits(row[best]) != out.Scores.Data[r] {
			t.Errorf("row %d: score %v, want %v as float16", r, got, row[best])
		}
	}
	mask := make([]int64, len(out.TokenIds.Data))
	for i := range mask {
		mask[i] = 1
	}
	again, err := Run(ctx, tt, ttInputs{out.TokenIds, NewTensor(mask, out.TokenIds.Shape...)}, putTT, getTT)
	if err != nil || fmt.Sprint(again.Shape) != "[2 5 64]" {
		t.Fatalf("token ids fed back: %v %v", again.Shape, err)
	}
}

func TestSequenceOfMapsOutput(t *testing.T) {
	s := newSession(t, &irisSpec, irisFile)
	out, err := Run(context.Background(), s, NewTensor([]float32{5.1, 3.5, 6.2, 3.4, 7.7, 2.6}, 3, 2),
		func(c *Call, x Tensor[float32]) { PutTensor(c, 0, x) },
		func(c *Call) irisOutputs { return irisOutputs{GetTensor[int64](c, 0), GetMapSeq[int64, float32](c, 1)} })
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Label.Data) != 3 || len(out.Probabilities) != 3 {
		t.Fatalf("%+v", out)
	}
	for i, p := range out.Probabilities {
		sum := float32(0)
		for _, v := range p {
			sum += v
		}
		if len(p) != 3 || math.Abs(float64(sum)-1) > 1e-5 {
			t.Errorf("row %d: %v", i, p)
		}
	}
}

func TestInputErrors(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	ok := tokens(1, 4, 0)
	cases := []struct {
		name string
		in   ttInputs
		kind ErrorKind
		msg  string
	}{
		{"missing", ttInputs{InputIds: ok.InputIds}, KindMissing,
			`input "attention_mask": missing: expected int64[batch,sequence], got nothing`},
		{"rank", ttInputs{NewTensor(make([]int64, 4), 4), ok.AttentionMask}, KindRank,
			`input "input_ids": rank: expected rank 2 [batch,sequence], got rank 1 [4]`},
		{"length", ttInputs{NewTensor(make([]int64, 3), 1, 4), ok.AttentionMask}, KindLength,
			`input "input_ids": length: expected 4 elements for shape [1,4], got 3 elements`},
		{"shape", ttInputs{NewTensor([]int64{}, -1, 4), ok.AttentionMask}, KindShape,
			`input "input_ids": shape: expected a shape of non-negative dims whose product fits in int64, got [-1,4]`},
		{"overflow", ttInputs{NewTensor([]int64{}, 1<<32, 1<<32), ok.AttentionMask}, KindShape,
			`input "input_ids": shape: expected a shape of non-negative dims whose product fits in int64, got [4294967296,4294967296]`},
		{"symbol", ttInputs{ok.InputIds, NewTensor(make([]int64, 5), 1, 5)}, KindSymbol,
			`input "attention_mask": symbol: expected dim 1 (sequence) = 4, as bound by "input_ids", got 5 (shape [1,5])`},
		{"rank before length", ttInputs{NewTensor(make([]int64, 3), 4), ok.AttentionMask}, KindRank,
			`input "input_ids": rank: expected rank 2 [batch,sequence], got rank 1 [4]`},
		{"signature order", ttInputs{NewTensor(make([]int64, 3), 1, 4), Tensor[int64]{}}, KindLength,
			`input "input_ids": length: expected 4 elements for shape [1,4], got 3 elements`},
	}
	for _, tc := range cases {
		for range 2 { // the session stays usable, and symbols bound by a failed call are forgotten
			_, err := Run(context.Background(), s, tc.in, putTT, getTT)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Kind != tc.kind || err.Error() != tc.msg || ie.Field == "" {
				t.Errorf("%s: got %v (%#v), want %s: %s", tc.name, err, ie, tc.kind, tc.msg)
			}
		}
	}
	dh := newSession(t, &decodeHeadSpec, decodeHeadFile)
	_, err := Run(context.Background(), dh, NewTensor(make([]float32, 8), 1, 1, 8), putDH, getDH)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Kind != KindDim || ie.Input != "logits" || ie.Field != "Logits" ||
		err.Error() != `input "logits": dim: expected dim 2 = 64, got 8 (shape [1,1,8])` {
		t.Errorf("fixed dim: %v", err)
	}
	if _, err := Run(context.Background(), s, ok, putTT, getTT); err != nil {
		t.Fatalf("a good input after bad ones: %v", err)
	}
}

func TestCloseAndErrClosed(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err := Run(context.Background(), s, tokens(1, 2, 0), putTT, getTT)
	if !errors.Is(err, ErrClosed) || err.Error() != "model is closed" {
		t.Fatalf("Run after Close: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, s, tokens(1, 2, 0), putTT, getTT); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context: %v", err)
	}
}

func TestModelPath(t *testing.T) {
	if _, err := NewSession(&transformerSpec, nil, nil); err == nil || !strings.Contains(err.Error(), "WithModelPath") {
		t.Fatalf("no model: %v", err)
	}
	path := filepath.Join("..", "..", transformerFile)
	s, err := NewSession(&transformerSpec, nil, []Option{WithModelPath(path)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Config().ModelPath != path {
		t.Errorf("Config().ModelPath = %q", s.Config().ModelPath)
	}
	if _, err := Run(context.Background(), s, tokens(1, 3, 0), putTT, getTT); err != nil {
		t.Fatal(err)
	}
	_, err = NewSession(&transformerSpec, nil, []Option{WithModelPath(filepath.Join("..", "..", decodeHeadFile))})
	if err == nil || !strings.Contains(err.Error(), "regenerate") {
		t.Fatalf("a model with another signature: %v", err)
	}
}

func TestEffectiveConfig(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile, WithIntraOpThreads(3), WithSpinning(true), WithOptimizationLevel(OptimizeExtended))
	c := s.Config()
	if c.IntraOpThreads != 3 || !c.AllowSpinning || c.OptimizationLevel != OptimizeExtended || c.LibraryPath == "" {
		t.Fatalf("%+v", c)
	}
	if _, err := NewSession(&transformerSpec, repoFile(t, transformerFile), []Option{WithExecutionMode("fast")}); err == nil ||
		!strings.Contains(err.Error(), `tinytransformer: execution mode "fast"`) {
		t.Fatalf("bad option: %v", err)
	}
}

// TestConcurrentRuns: many goroutines share one session; every result must equal
// the sequential one for the same input, and bad inputs in between must not disturb them.
func TestConcurrentRuns(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	const variants = 4
	var want [variants]Tensor[float32]
	for v := 0; v < variants; v++ {
		out, err := Run(context.Background(), s, tokens(1+v, 3+5*v, int64(v)), putTT, getTT)
		if err != nil {
			t.Fatal(err)
		}
		want[v] = out
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				v := (g + i) % variants
				if i%5 == 4 { // a bad input: symbolic dims disagree
					in := tokens(1, 4, 0)
					in.AttentionMask = NewTensor(make([]int64, 5), 1, 5)
					var ie *InputError
					if _, err := Run(context.Background(), s, in, putTT, getTT); !errors.As(err, &ie) {
						errs <- fmt.Errorf("goroutine %d: bad input gave %v", g, err)
					}
					continue
				}
				out, err := Run(context.Background(), s, tokens(1+v, 3+5*v, int64(v)), putTT, getTT)
				if err != nil {
					errs <- err
					return
				}
				if !equal(out, want[v]) {
					errs <- fmt.Errorf("goroutine %d run %d: result differs from the sequential run", g, i)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCloseWaitsForRuns: Close while many goroutines Run (run under -race)
// neither crashes nor breaks a Run in progress: every Run either returns the
// sequential result or ErrClosed, and every Run begun after Close returned
// returns ErrClosed.
func TestCloseWaitsForRuns(t *testing.T) {
	s, err := NewSession(&transformerSpec, repoFile(t, transformerFile), []Option{WithIntraOpThreads(1)})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Run(context.Background(), s, tokens(2, 16, 5), putTT, getTT)
	if err != nil {
		t.Fatal(err)
	}
	var closed atomic.Bool
	var wg sync.WaitGroup
	var ok, refused atomic.Int64
	errs := make(chan error, 64)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				after := closed.Load()
				out, err := Run(context.Background(), s, tokens(2, 16, 5), putTT, getTT)
				switch {
				case errors.Is(err, ErrClosed):
					refused.Add(1)
					return
				case err != nil:
					errs <- err
					return
				case after:
					errs <- errors.New("a Run begun after Close returned succeeded")
					return
				case !equal(out, want):
					errs <- errors.New("a Run during Close returned another result")
					return
				}
				ok.Add(1)
			}
		}()
	}
	for deadline := time.Now().Add(time.Minute); ok.Load() < 64 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if refused.Load() != 32 {
		t.Errorf("%d goroutines saw ErrClosed, want 32", refused.Load())
	}
	t.Logf("%d Runs before Close", ok.Load())
}

// TestCancelStopsInference: a deadline far shorter than the run returns ctx.Err() quickly,
// and the session still works afterwards.
func TestCancelStopsInference(t *testing.T) {
	s := newSession(t, &transformerSpec, transformerFile)
	big := tokens(512, 128, 1)
	start := time.Now()
	if _, err := Run(context.Background(), s, big, putTT, getTT); err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	ctx, cancel := context.WithTimeout(context.Background(), full/20)
	defer cancel()
	start = time.Now()
	_, err := Run(ctx, s, big, putTT, getTT)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run with a deadline: got %v, want context.DeadlineExceeded", err)
	}
	if took > full/2 {
		t.Fatalf("cancelled Run took %v; a full run takes %v", took, full)
	}
	t.Logf("full run %v, cancelled after %v", full, took)
	if _, err := Run(context.Background(), s, tokens(1, 4, 0), putTT, getTT); err != nil {
		t.Fatalf("Run after a cancelled Run: %v", err)
	}
}

func rssKB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestNoLeaks: NewSession/Run/Close cycles and many Runs (including failed and
// cancelled ones, and RunIntos that keep values from run to run) must not grow
// the process's resident memory.
func TestNoLeaks(t *testing.T) {
	model := repoFile(t, transformerFile)
	cycle := func(runs int) {
		s, err := NewSession(&transformerSpec, model, []Option{WithIntraOpThreads(1)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var out Tensor[float32]
		for i := 0; i < runs; i++ {
			if _, err := Run(ctx, s, tokens(2, 16, int64(i)), putTT, getTT); err != nil {
				t.Fatal(err)
			}
			Run(context.Background(), s, ttInputs{}, putTT, getTT)
			if err := RunInto(ctx, s, tokens(2, 8+i%3, int64(i)), &out, putTT, bindTT, fillTT); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		Run(ctx, s, tokens(2, 16, 0), putTT, getTT)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ { // warm up allocators and arenas
		cycle(20)
	}
	// A leak grows linearly; allocator and runtime caches settle. Compare two equal windows.
	start := rssKB(t)
	for i := 0; i < 60; i++ {
		cycle(20)
	}
	mid := rssKB(t)
	for i := 0; i < 60; i++ {
		cycle(20)
	}
	end := rssKB(t)
	t.Logf("RSS %d kB -> %d kB -> %d kB over two windows of 60 NewSession/Close cycles and 1200 Runs", start, mid, end)
	if end-mid > 8*1024 {
		t.Fatalf("RSS grew by %d kB in the second window", end-mid)
	}
}

// BenchmarkRun: one small Run of the transformer. Every allocation it reports
// is onnxruntime_go's (go test -bench Run -benchmem -memprofile ...).
func BenchmarkRun(b *testing.B) {
	s := newSession(b, &transformerSpec, transformerFile)
	in := tokens(1, 4, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(ctx, s, in, putTT, getTT); err != nil {
			b.Fatal(err)
		}
	}
}
