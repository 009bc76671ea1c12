package ortrt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"
)

// Session is one model's ONNX Runtime session. It is safe for concurrent use:
// Runs share it, Close waits for the Runs in progress.
type Session struct {
	spec    *ModelSpec
	cfg     Config
	plans   []outPlan         // per ONNX Runtime output: how Run allocates it
	inSlot  []int             // per input: its index among ONNX Runtime's inputs
	outSlot []int             // per output: its index among ONNX Runtime's outputs
	nIn     int               // ONNX Runtime's inputs
	pad     *ort.Scalar[bool] // fed to ModelSpec.Pad; shared by all Runs
	yes, no *ort.Scalar[bool] // the bools of optional inputs; shared
	none    []ort.Value       // per input: what an absent optional one sends; shared
	// declared says the outputs' declared shapes can be trusted: Runs preallocate
	// them (ONNX Runtime writes into Go memory). Cleared for good when ONNX
	// Runtime refuses one (the model declares a shape it does not produce).
	declared atomic.Bool

	mu   sync.RWMutex // Run holds it for reading, Close for writing
	sess *ort.DynamicAdvancedSession

	// idle Calls, reused by later Runs (with their cached values): one at hand,
	// the others in calls
	hot    atomic.Pointer[Call]
	callMu sync.Mutex
	calls  []*Call

	roMu   sync.Mutex
	roFree []*ort.RunOptions
}

// outPlan says how a Run allocates one of ONNX Runtime's outputs.
type outPlan struct {
	spec *ValueSpec
	// must allocates an output onnxruntime_go cannot take from ONNX Runtime's
	// memory (float16, complex, scalars); nil if it can.
	must func(shape []int64) (ort.Value, error)
	// fresh allocates a tensor of a number or bool output in Go memory, so that
	// ONNX Runtime writes the result where the caller gets it (no copy); used
	// while Session.declared holds. nil for other outputs: ONNX Runtime allocates them.
	fresh func(shape []int64) (ort.Value, error)
}

// NewSession resolves the options, initialises ONNX Runtime if this is the
// first session of the process, and loads the model: model (the embedded
// copy; may be empty) unless WithModelPath names a file, whose signature must
// then match spec.
func NewSession(spec *ModelSpec, model []byte, opts []Option) (*Session, error) {
	var st settings
	for _, o := range opts {
		if o != nil {
			o(&st)
		}
	}
	cfg, err := st.resolve()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Package, err)
	}
	if cfg.LibraryPath, err = initEnvironment(st.libraryPath); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Package, err)
	}
	if st.modelPath == "" && len(model) == 0 {
		return nil, fmt.Errorf("%s: this SDK was generated without an embedded model: pass WithModelPath", spec.Package)
	}
	if st.modelPath != "" && spec.adapted() {
		return nil, fmt.Errorf("%s: WithModelPath(%q): this SDK runs an adapted copy of its model (what onnxruntime_go "+
			ortGoVersion+" cannot carry is rewritten: %s), so it cannot load a model file as it is; "+
			"use the embedded model", spec.Package, st.modelPath, spec.adaptations())
	}
	if st.modelPath != "" {
		spec = spec.asIs()
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Package, err)
	}
	defer so.Destroy()
	if err := applyConfig(so, &cfg); err != nil {
		return nil, fmt.Errorf("%s: session options: %w", spec.Package, err)
	}
	inNames, inSlot := feeds(spec.Inputs)
	outNames, outSlot := feeds(spec.Outputs)
	if spec.Pad != "" {
		inNames = append(inNames, spec.Pad)
	}
	if len(inNames) == 0 { // onnxruntime_go's Run would index its first input
		return nil, fmt.Errorf("%s: a model without inputs runs only as the adapted copy sdkgen embeds "+
			"(ModelSpec.Pad): regenerate the SDK with an embedded model", spec.Package)
	}
	var sess *ort.DynamicAdvancedSession
	if st.modelPath != "" {
		// From the path, so that ONNX Runtime finds external data next to the file.
		if err := checkSignature(spec, st.modelPath, so); err != nil {
			return nil, fmt.Errorf("%s: model file %q: %w", spec.Package, st.modelPath, err)
		}
		sess, err = ort.NewDynamicAdvancedSession(st.modelPath, inNames, outNames, so)
	} else {
		sess, err = ort.NewDynamicAdvancedSessionWithONNXData(model, inNames, outNames, so)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: creating the ONNX Runtime session: %w", spec.Package, err)
	}
	s := &Session{
		spec:    spec,
		cfg:     cfg,
		plans:   make([]outPlan, len(outNames)),
		sess:    sess,
		inSlot:  inSlot,
		outSlot: outSlot,
		nIn:     len(inNames),
		none:    make([]ort.Value, len(spec.Inputs)),
	}
	s.declared.Store(true)
	if err := s.sharedValues(); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", spec.Package, err)
	}
	for i := range spec.Outputs {
		o := &spec.Outputs[i]
		if o.Adapt == AdaptOptional { // ONNX Runtime allocates the value, the SDK its bool
			s.plans[outSlot[i]] = outPlan{spec: o}
			s.plans[outSlot[i]+1] = outPlan{spec: &presence, must: scalarOutput[bool]}
			continue
		}
		s.plans[outSlot[i]] = outPlan{spec: o, must: preallocator(o), fresh: freshTensor(o)}
	}
	return s, nil
}

// presence is the spec of an optional output's bool.
var presence = ValueSpec{Name: "present", Type: "bool[]", Kind: ort.ONNXTypeTensor, Elem: ort.TensorElementDataTypeBool, Dims: []Dim{}}

// sharedValues makes the values every Run may send as they are: the pad input,
// the bools of optional inputs and what an absent one sends.
func (s *Session) sharedValues() (err error) {
	if s.spec.Pad != "" {
		if s.pad, err = ort.NewScalar(false); err != nil {
			return err
		}
	}
	for i := range s.spec.Inputs {
		in := &s.spec.Inputs[i]
		if in.Adapt != AdaptOptional {
			continue
		}
		if s.yes == nil {
			if s.yes, err = ort.NewScalar(true); err != nil {
				return err
			}
			if s.no, err = ort.NewScalar(false); err != nil {
				return err
			}
		}
		if s.none[i], err = noneValue(in); err != nil {
			return fmt.Errorf("input %s: %w", quote(in.Name), err)
		}
	}
	return nil
}

// noneValue is what an absent optional input sends: an empty tensor, or a
// sequence of only the element the adapted model drops.
func noneValue(s *ValueSpec) (ort.Value, error) {
	if s.Kind == ort.ONNXTypeSequence {
		front, err := frontElem(s)
		if err != nil {
			return nil, err
		}
		defer front.Destroy()
		return wrap(ort.NewSequence([]ort.Value{front}))
	}
	if s.Elem == ort.TensorElementDataTypeString {
		return wrap(ort.NewStringTensor(ort.Shape{0}))
	}
	return wrap(ort.NewCustomDataTensor(ort.Shape{0}, noData[:], s.Elem))
}

func applyConfig(so *ort.SessionOptions, c *Config) error {
	spin := "0"
	if c.AllowSpinning {
		spin = "1"
	}
	mode := ort.ExecutionMode(ort.ExecutionModeSequential)
	if c.ExecutionMode == Parallel {
		mode = ort.ExecutionModeParallel
	}
	level := map[OptimizationLevel]ort.GraphOptimizationLevel{
		OptimizeDisable:  ort.GraphOptimizationLevelDisableAll,
		OptimizeBasic:    ort.GraphOptimizationLevelEnableBasic,
		OptimizeExtended: ort.GraphOptimizationLevelEnableExtended,
		OptimizeAll:      ort.GraphOptimizationLevelEnableAll,
	}[c.OptimizationLevel]
	return errors.Join(
		so.SetIntraOpNumThreads(c.IntraOpThreads),
		so.SetInterOpNumThreads(c.InterOpThreads),
		so.AddSessionConfigEntry("session.intra_op.allow_spinning", spin),
		so.AddSessionConfigEntry("session.inter_op.allow_spinning", spin),
		so.SetExecutionMode(mode),
		so.SetGraphOptimizationLevel(level),
	)
}

// Config returns the effective settings.
func (s *Session) Config() Config { return s.cfg }

// Close releases the session. Runs in progress finish first; later Runs return
// ErrClosed. Close is idempotent. The process-wide ONNX Runtime environment
// stays loaded (other sessions may use it).
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil
	}
	err := s.sess.Destroy()
	s.sess = nil
	for _, v := range []ort.Value{s.pad, s.yes, s.no} {
		if v != nil && !reflect.ValueOf(v).IsNil() {
			v.Destroy()
		}
	}
	s.pad, s.yes, s.no = nil, nil, nil
	destroyAll(s.none)
	s.none = nil
	s.callMu.Lock() // every Call is idle: Runs hold s.mu for reading
	for _, c := range append(s.calls, s.hot.Swap(nil)) {
		if c != nil {
			c.release()
		}
	}
	s.calls = nil
	s.callMu.Unlock()
	s.roMu.Lock()
	for _, ro := range s.roFree {
		ro.Destroy()
	}
	s.roFree = nil
	s.roMu.Unlock()
	return err
}

// Run runs one inference: put checks the inputs and turns them into ONNX
// Runtime values (PutTensor and friends, one call per input), get turns the
// outputs into Go values (GetTensor and friends). The first error stops the
// call: an *InputError before ONNX Runtime sees anything, ctx.Err() when ctx
// is cancelled before or during the inference (a running inference is
// terminated), or an error naming the package and the value.
//
// Number and bool outputs whose shape the signature gives (fixed dims, or
// symbols the inputs bound) are allocated in Go memory before the run, and
// ONNX Runtime writes them there: what get returns is that memory, not a copy.
func Run[I, O any](ctx context.Context, s *Session, in I, put func(*Call, I), get func(*Call) O) (O, error) {
	var zero O
	c, err := s.begin(ctx)
	if err != nil {
		return zero, err
	}
	defer c.end()
	put(c, in)
	if c.err == nil {
		c.run()
	}
	if c.err == nil {
		if out := get(c); c.err == nil {
			return out, nil
		}
	}
	return zero, c.err
}

// RunInto is Run writing the outputs into *out, reusing its memory: bind
// (BindTensor and friends, before the run) lends ONNX Runtime the Data of
// out's tensors that are large enough for their output, so that it writes the
// results there; fill (FillTensor, or Get... for the outputs without memory to
// reuse) completes *out after the run. A RunInto whose outputs fit in *out
// allocates no Go memory of its own (onnxruntime_go allocates a few small
// values per run). On error the contents of *out are unspecified.
func RunInto[I, O any](ctx context.Context, s *Session, in I, out *O, put func(*Call, I), bind, fill func(*Call, *O)) error {
	if out == nil {
		return fmt.Errorf("%s: RunInto: out is nil", s.spec.Package)
	}
	c, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer c.end()
	put(c, in)
	if c.err == nil {
		bind(c, out)
	}
	if c.err == nil {
		c.run()
	}
	if c.err == nil {
		fill(c, out)
	}
	return c.err
}

// Call is the state of one Run. Calls are reused: one must not be kept after
// the put, get, bind or fill function it was passed to returns.
type Call struct {
	s     *Session
	ctx   context.Context
	err   error       // the first error; later Put and Get calls do nothing
	syms  []int64     // bound symbolic dims, -1 = unbound
	symBy []int       // the input that bound each symbol
	ins   []ort.Value // per ONNX Runtime input: this run's value
	outs  []ort.Value // per ONNX Runtime output: this run's value, or nil for ONNX Runtime to allocate
	own   []ort.Value // values made for this run only, destroyed by end
	// bound says an output is the caller's memory (RunInto), not destroyed by end
	bound  []bool
	shapes [][]int64 // per output: its shape resolved before the run
	// tensors over the caller's memory, kept from run to run for as long as the
	// caller passes the same memory with the same shape: per input, per output
	inCache, outCache []cached
	mem               []span // the memory of this run's inputs and bound outputs
	// cancellation of a running inference (session)
	cmu                 sync.Mutex // guards ro and running, shared with stop
	ro                  *ort.RunOptions
	running, terminated bool
	terminate           func()        // c.stop, made once
	stopped             chan struct{} // stop has returned
}

// cached is an ONNX Runtime value over memory the caller owns, used again by
// a later run of the same Call for memory at the same address, of the same
// size and shape (which it then describes exactly), else replaced. Until then
// (or Close) onnxruntime_go's value keeps that memory reachable.
type cached struct {
	v     ort.Value
	mem   span
	shape []int64
	n     int // elements
}

// span is a range of memory [p, p+n).
type span struct{ p, n uintptr }

func (a span) overlaps(b span) bool { return a.n > 0 && b.n > 0 && a.p < b.p+b.n && b.p < a.p+a.n }

func spanOf[T any](data []T) span {
	if len(data) == 0 {
		return span{}
	}
	var zero T
	return span{uintptr(unsafe.Pointer(unsafe.SliceData(data))), uintptr(len(data)) * unsafe.Sizeof(zero)}
}

func (e *cached) matches(m span, shape []int64) bool {
	if e.v == nil || e.mem != m || len(e.shape) != len(shape) {
		return false
	}
	for i, d := range shape {
		if e.shape[i] != d {
			return false
		}
	}
	return true
}

func (e *cached) set(v ort.Value, m span, shape []int64, n int) {
	e.v, e.mem, e.shape, e.n = v, m, append(e.shape[:0], shape...), n
}

func (e *cached) drop() {
	if e.v != nil {
		e.v.Destroy()
	}
	e.v, e.mem = nil, span{}
}

func (s *Session) newCall() *Call {
	n := len(s.plans)
	c := &Call{
		s:        s,
		syms:     make([]int64, len(s.spec.Symbols)),
		symBy:    make([]int, len(s.spec.Symbols)),
		ins:      make([]ort.Value, s.nIn),
		outs:     make([]ort.Value, n),
		bound:    make([]bool, n),
		shapes:   make([][]int64, n),
		inCache:  make([]cached, s.nIn),
		outCache: make([]cached, n),
	}
	for i := range c.syms {
		c.syms[i] = -1
	}
	c.terminate, c.stopped = c.stop, make(chan struct{}, 1)
	return c
}

// release destroys the values a Call keeps from run to run.
func (c *Call) release() {
	for i := range c.inCache {
		c.inCache[i].drop()
	}
	for i := range c.outCache {
		c.outCache[i].drop()
	}
}

const maxIdleCalls = 64

func (s *Session) begin(ctx context.Context) (*Call, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	if s.sess == nil {
		s.mu.RUnlock()
		return nil, ErrClosed
	}
	c := s.hot.Swap(nil)
	if c == nil {
		s.callMu.Lock()
		if n := len(s.calls); n > 0 {
			c = s.calls[n-1]
			s.calls[n-1] = nil
			s.calls = s.calls[:n-1]
		}
		s.callMu.Unlock()
	}
	if c == nil {
		c = s.newCall()
	}
	c.ctx = ctx
	return c, nil
}

// end destroys the values made for this run, resets the call for the next
// Run and releases the session.
func (c *Call) end() {
	clear(c.ins) // the session's or cached: not this run's to destroy
	for k, v := range c.outs {
		if !c.bound[k] && v != nil && !reflect.ValueOf(v).IsNil() {
			v.Destroy()
		}
		c.outs[k], c.bound[k] = nil, false
	}
	for i := len(c.own) - 1; i >= 0; i-- { // a sequence or map before its parts
		c.own[i].Destroy()
		c.own[i] = nil
	}
	c.own = c.own[:0]
	c.mem = c.mem[:0]
	for i := range c.syms {
		c.syms[i] = -1
	}
	c.ctx, c.err = nil, nil
	s := c.s
	if !s.hot.CompareAndSwap(nil, c) {
		s.callMu.Lock()
		if len(s.calls) < maxIdleCalls {
			s.calls = append(s.calls, c)
			c = nil
		}
		s.callMu.Unlock()
		if c != nil {
			c.release()
		}
	}
	s.mu.RUnlock()
}

// destroyAll destroys and clears values; onnxruntime_go may leave typed nils
// (e.g. (*CustomDataTensor)(nil)) in outputs when a conversion fails.
func destroyAll(vs []ort.Value) {
	for i, v := range vs {
		if v != nil && !reflect.ValueOf(v).IsNil() {
			v.Destroy()
		}
		vs[i] = nil
	}
}

// wrap turns onnxruntime_go's (*T)(nil), err into a nil ort.Value: a typed nil
// inside the interface would be Destroyed later.
func wrap[V ort.Value](v V, err error) (ort.Value, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// run allocates the outputs it can before the run (see outPlan) and runs the
// session. If ONNX Runtime refuses an output allocated from its declared
// shape, the model's declaration is wrong: the run is repeated with ONNX
// Runtime allocating those outputs, and later Runs no longer trust them.
func (c *Call) run() {
	guessed, err := c.allocate(c.s.declared.Load())
	if err != nil {
		c.err = err
		return
	}
	if c.s.pad != nil {
		c.ins[c.s.nIn-1] = c.s.pad
	}
	err = c.session()
	if err != nil && guessed && c.ctx.Err() == nil && c.refusedGuess(err) {
		c.unguess()
		if _, err = c.allocate(false); err == nil {
			if err = c.session(); err == nil {
				c.s.declared.Store(false)
			}
		}
	}
	if err != nil {
		c.err = err
		if oe := c.outputShapeError(err); oe != nil {
			c.err = oe
		}
	}
}

// allocate allocates the outputs not bound by RunInto that the plans say to:
// those onnxruntime_go cannot take from ONNX Runtime's memory, and, if
// declared, those of a known shape. guessed says whether an output is
// allocated or bound from its declared shape only.
func (c *Call) allocate(declared bool) (guessed bool, err error) {
	for k := range c.s.plans {
		if c.bound[k] {
			guessed = true
			continue
		}
		p := &c.s.plans[k]
		alloc := p.must
		if alloc == nil && declared {
			alloc = p.fresh
		}
		if alloc == nil || c.outs[k] != nil {
			continue
		}
		shape, ok := c.outputShape(k, p.spec)
		if !ok {
			if p.must == nil {
				continue // ONNX Runtime allocates it
			}
			return guessed, fmt.Errorf("%s: output %q: its shape %s is not known before the run, and "+
				"onnxruntime_go cannot return this element type from ONNX Runtime's memory", c.s.spec.Package, p.spec.Name, p.spec.Type)
		}
		if p.must == nil {
			if n, ok := elements(shape); !ok || n == 0 {
				continue
			}
			guessed = true
		}
		v, err := alloc(shape)
		if err != nil {
			return guessed, fmt.Errorf("%s: output %q: %w", c.s.spec.Package, p.spec.Name, err)
		}
		c.outs[k] = v
	}
	return guessed, nil
}

// unguess drops the outputs allocated or bound from their declared shape only,
// for ONNX Runtime to allocate.
func (c *Call) unguess() {
	for k := range c.outs {
		if c.bound[k] {
			c.outs[k], c.bound[k] = nil, false
		} else if v := c.outs[k]; v != nil && c.s.plans[k].must == nil {
			v.Destroy()
			c.outs[k] = nil
		}
	}
}

// refusedGuess says whether err is ONNX Runtime refusing an output allocated
// or bound from its declared shape only: its messages for a shape other than
// the computed one (op_kernel.cc: "... for output 'y' of node ..."), and for
// one that disagrees with the graph's own shape of an output that is also an
// input or an initializer (inference_session.cc: "... for output: y ...").
func (c *Call) refusedGuess(err error) bool {
	msg := err.Error()
	for k, p := range c.s.plans {
		if c.outs[k] == nil || (p.must != nil && !c.bound[k]) {
			continue
		}
		name := p.spec.feed()
		if strings.Contains(msg, "output '"+name+"' ") || strings.Contains(msg, "output: "+name+" ") {
			return true
		}
	}
	return false
}

// ortShapeMismatch is ONNX Runtime's error for a preallocated output of
// another shape than the one computed (onnxruntime/core/framework/op_kernel.cc).
var ortShapeMismatch = regexp.MustCompile(`The output OrtValue provided for output '(.*)' of node .* has shape \{([-0-9,]*)\} ` +
	`but the computed output shape for this run is \{([-0-9,]*)\}`)

// outputShapeError returns an *OutputError when err is ONNX Runtime refusing
// an output the SDK allocated from its declared shape, else nil.
func (c *Call) outputShapeError(err error) *OutputError {
	m := ortShapeMismatch.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	for i := range c.s.spec.Outputs {
		o := &c.s.spec.Outputs[i]
		if c.s.plans[c.s.outSlot[i]].must != nil && o.feed() == m[1] {
			return &OutputError{Package: c.s.spec.Package, Output: o.Name, Field: o.Field, Type: o.Type,
				Expected: "[" + m[2] + "]", Actual: "[" + m[3] + "]"}
		}
	}
	return nil
}

// outputShape resolves the declared shape of output k (spec s) from fixed
// dims and bound symbols, into a buffer of the call.
func (c *Call) outputShape(k int, s *ValueSpec) ([]int64, bool) {
	if s.Dims == nil {
		return nil, false
	}
	shape := c.shapes[k][:0]
	for _, d := range s.Dims {
		if n, ok := d.size(); ok {
			shape = append(shape, n)
		} else if sym, ok := d.symbol(); ok && c.syms[sym] >= 0 {
			shape = append(shape, c.syms[sym])
		} else {
			return nil, false
		}
	}
	c.shapes[k] = shape
	return shape, true
}

// session runs ORT; cancelling ctx terminates the run and returns ctx.Err().
// A panic of onnxruntime_go while it converts the outputs (v1.27.0 panics on a
// sequence holding a scalar past its first element) is returned as an error.
func (c *Call) session() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: onnxruntime_go %s failed reading the outputs (%v); "+
				"a sequence output holding scalars cannot be read", c.s.spec.Package, ortGoVersion, r)
		}
	}()
	sess := c.s.sess
	if c.ctx.Done() == nil { // cannot be cancelled
		if err := sess.Run(c.ins, c.outs); err != nil {
			return fmt.Errorf("%s: %w", c.s.spec.Package, err)
		}
		return nil
	}
	ro, err := c.s.getRunOptions()
	if err != nil {
		return fmt.Errorf("%s: %w", c.s.spec.Package, err)
	}
	c.cmu.Lock()
	c.ro, c.running, c.terminated = ro, true, false
	c.cmu.Unlock()
	stop := context.AfterFunc(c.ctx, c.terminate)
	err = sess.RunWithOptions(c.ins, c.outs, ro)
	c.cmu.Lock()
	c.ro, c.running = nil, false
	c.cmu.Unlock()
	if !stop() { // c.stop was started: wait for it, it must not outlive this run
		<-c.stopped
	}
	if c.terminated {
		ro.Destroy() // terminated for good
	} else {
		c.s.putRunOptions(ro)
	}
	if err != nil {
		if ctxErr := c.ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("%s: %w", c.s.spec.Package, err)
	}
	return nil // even if cancelled after ORT finished: the results are valid
}

// stop terminates the running inference (ctx was cancelled); session waits
// for it to return.
func (c *Call) stop() {
	c.cmu.Lock()
	if c.running {
		c.terminated = c.ro.Terminate() == nil
	}
	c.cmu.Unlock()
	c.stopped <- struct{}{}
}

const maxFreeRunOptions = 64

func (s *Session) getRunOptions() (*ort.RunOptions, error) {
	s.roMu.Lock()
	if n := len(s.roFree); n > 0 {
		ro := s.roFree[n-1]
		s.roFree = s.roFree[:n-1]
		s.roMu.Unlock()
		return ro, nil
	}
	s.roMu.Unlock()
	return ort.NewRunOptions()
}

func (s *Session) putRunOptions(ro *ort.RunOptions) {
	s.roMu.Lock()
	if len(s.roFree) < maxFreeRunOptions {
		s.roFree = append(s.roFree, ro)
		ro = nil
	}
	s.roMu.Unlock()
	if ro != nil {
		ro.Destroy()
	}
}
