package ortrt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Session is one model's ONNX Runtime session. It is safe for concurrent use:
// Runs share it, Close waits for the Runs in progress.
type Session struct {
	spec     *ModelSpec
	cfg      Config
	prealloc []func(shape []int64) (ort.Value, error) // per ONNX Runtime output; nil: ONNX Runtime allocates it
	preSpec  []*ValueSpec                             // per ONNX Runtime output: its shape's spec
	calls    sync.Pool                                // *Call, reused across Runs
	inSlot   []int                                    // per input: its index among ONNX Runtime's inputs
	outSlot  []int                                    // per output: its index among ONNX Runtime's outputs
	nIn      int                                      // ONNX Runtime's inputs
	pad      *ort.Scalar[bool]                        // fed to ModelSpec.Pad; shared by all Runs
	yes, no  *ort.Scalar[bool]                        // the bools of optional inputs; shared
	none     []ort.Value                              // per input: what an absent optional one sends; shared

	mu   sync.RWMutex // Run holds it for reading, Close for writing
	sess *ort.DynamicAdvancedSession

	roMu   sync.Mutex
	roFree []*ort.RunOptions
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
		spec:     spec,
		cfg:      cfg,
		prealloc: make([]func([]int64) (ort.Value, error), len(outNames)),
		preSpec:  make([]*ValueSpec, len(outNames)),
		sess:     sess,
		inSlot:   inSlot,
		outSlot:  outSlot,
		nIn:      len(inNames),
		none:     make([]ort.Value, len(spec.Inputs)),
	}
	if err := s.sharedValues(); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", spec.Package, err)
	}
	for i := range spec.Outputs {
		o := &spec.Outputs[i]
		if o.Adapt == AdaptOptional { // ONNX Runtime allocates the value, the SDK its bool
			s.prealloc[outSlot[i]+1], s.preSpec[outSlot[i]+1] = scalarOutput[bool], &presence
			continue
		}
		s.prealloc[outSlot[i]], s.preSpec[outSlot[i]] = preallocator(o), o
	}
	s.calls.New = func() any { return s.newCall() }
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
	var err error
	if s.sess != nil {
		err = s.sess.Destroy()
	}
	s.sess = nil
	for _, v := range []ort.Value{s.pad, s.yes, s.no} {
		if v != nil && !reflect.ValueOf(v).IsNil() {
			v.Destroy()
		}
	}
	s.pad, s.yes, s.no = nil, nil, nil
	destroyAll(s.none)
	s.none = nil
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

// Call is the state of one Run. Calls are reused: one must not be kept after
// the put or get function it was passed to returns.
type Call struct {
	s     *Session
	ctx   context.Context
	err   error   // the first error; later Put and Get calls do nothing
	syms  []int64 // bound symbolic dims, -1 = unbound
	symBy []int   // the input that bound each symbol
	ins   []ort.Value
	outs  []ort.Value
	keep  []ort.Value // values to destroy after the run (sequence elements, map parts)
	share []int       // slots of ins holding the session's shared values
}

func (s *Session) newCall() *Call {
	c := &Call{
		s:     s,
		syms:  make([]int64, len(s.spec.Symbols)),
		symBy: make([]int, len(s.spec.Symbols)),
		ins:   make([]ort.Value, s.nIn),
		outs:  make([]ort.Value, len(s.prealloc)),
	}
	for i := range c.syms {
		c.syms[i] = -1
	}
	return c
}

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
	c := s.calls.Get().(*Call)
	c.ctx = ctx
	return c, nil
}

// end destroys the call's values, resets it for the next Run and releases the session.
func (c *Call) end() {
	if c.s.pad != nil {
		c.ins[c.s.nIn-1] = nil // shared, destroyed by Close
	}
	for _, k := range c.share {
		c.ins[k] = nil
	}
	c.share = c.share[:0]
	destroyAll(c.ins)
	destroyAll(c.outs)
	destroyAll(c.keep)
	c.keep = c.keep[:0]
	for i := range c.syms {
		c.syms[i] = -1
	}
	c.ctx, c.err = nil, nil
	s := c.s
	s.calls.Put(c)
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

// run preallocates the outputs onnxruntime_go cannot convert and runs the session.
func (c *Call) run() {
	for i, alloc := range c.s.prealloc {
		if alloc == nil {
			continue
		}
		s := c.s.preSpec[i]
		shape, ok := c.outputShape(s)
		if !ok {
			c.err = fmt.Errorf("%s: output %q: its shape %s is not known before the run, and "+
				"onnxruntime_go cannot return this element type from ONNX Runtime's memory", c.s.spec.Package, s.Name, s.Type)
			return
		}
		v, err := alloc(shape)
		if err != nil {
			c.err = fmt.Errorf("%s: output %q: %w", c.s.spec.Package, s.Name, err)
			return
		}
		c.outs[i] = v
	}
	if c.s.pad != nil {
		c.ins[c.s.nIn-1] = c.s.pad
	}
	if err := c.session(); err != nil {
		c.err = err
		if oe := c.outputShapeError(err); oe != nil {
			c.err = oe
		}
	}
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
		if c.s.prealloc[c.s.outSlot[i]] != nil && o.feed() == m[1] {
			return &OutputError{Package: c.s.spec.Package, Output: o.Name, Field: o.Field, Type: o.Type,
				Expected: "[" + m[2] + "]", Actual: "[" + m[3] + "]"}
		}
	}
	return nil
}

// outputShape resolves a declared output shape from fixed dims and bound symbols.
func (c *Call) outputShape(s *ValueSpec) ([]int64, bool) {
	if s.Dims == nil {
		return nil, false
	}
	shape := make([]int64, len(s.Dims))
	for i, d := range s.Dims {
		if n, ok := d.size(); ok {
			shape[i] = n
		} else if k, ok := d.symbol(); ok && c.syms[k] >= 0 {
			shape[i] = c.syms[k]
		} else {
			return nil, false
		}
	}
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
	var mu sync.Mutex
	done, terminated := false, false
	stop := context.AfterFunc(c.ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			terminated = ro.Terminate() == nil
		}
	})
	err = sess.RunWithOptions(c.ins, c.outs, ro)
	stop()
	mu.Lock()
	done = true
	wasTerminated := terminated
	mu.Unlock()
	if wasTerminated {
		ro.Destroy()
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
