package ortrt

import (
	"fmt"
	"os"
	"strconv"
)

// Environment variables read by NewSession (an explicit Option wins over them).
const (
	EnvIntraOpThreads    = "SDKGEN_INTRA_OP_THREADS"         // 1..2147483647
	EnvInterOpThreads    = "SDKGEN_INTER_OP_THREADS"         // 1..2147483647
	EnvAllowSpinning     = "SDKGEN_ALLOW_SPINNING"           // 0 or 1
	EnvExecutionMode     = "SDKGEN_EXECUTION_MODE"           // sequential or parallel
	EnvOptimizationLevel = "SDKGEN_GRAPH_OPTIMIZATION_LEVEL" // disable, basic, extended or all
	EnvLibraryPath       = "ONNXRUNTIME_SHARED_LIBRARY_PATH" // path of libonnxruntime.so
)

// ExecutionMode is ONNX Runtime's execution mode.
type ExecutionMode string

// Execution modes.
const (
	Sequential ExecutionMode = "sequential"
	Parallel   ExecutionMode = "parallel"
)

// OptimizationLevel is ONNX Runtime's graph optimization level.
type OptimizationLevel string

// Graph optimization levels.
const (
	OptimizeDisable  OptimizationLevel = "disable"
	OptimizeBasic    OptimizationLevel = "basic"
	OptimizeExtended OptimizationLevel = "extended"
	OptimizeAll      OptimizationLevel = "all"
)

// Source says where an effective setting came from.
type Source string

// Sources of settings, highest priority first.
const (
	FromOption    Source = "option"    // an Option passed to New
	FromEnv       Source = "env"       // an SDKGEN_* environment variable
	FromContainer Source = "container" // computed by DetectThreads
	FromDefault   Source = "default"   // the SDK's default
)

// Config holds the effective settings of a Model and where each came from.
type Config struct {
	IntraOpThreads       int
	IntraOpThreadsSource Source
	InterOpThreads       int
	InterOpThreadsSource Source
	AllowSpinning        bool
	AllowSpinningSource  Source
	ExecutionMode        ExecutionMode
	ExecutionModeSource  Source
	OptimizationLevel    OptimizationLevel
	OptimizationSource   Source
	Container            ThreadDefaults // what DetectThreads("/") found
	LibraryPath          string         // the ONNX Runtime library in use; "" when another package initialised it
	ModelPath            string         // "" when the embedded model is used
}

// Option configures New.
type Option func(*settings)

type settings struct {
	intra, inter *int
	spin         *bool
	mode         *ExecutionMode
	level        *OptimizationLevel
	libraryPath  string
	modelPath    string
	threadsRoot  string
	environ      func(string) string
}

// WithIntraOpThreads sets the size of ONNX Runtime's intra-op thread pool (>= 1).
func WithIntraOpThreads(n int) Option { return func(s *settings) { s.intra = &n } }

// WithInterOpThreads sets the size of ONNX Runtime's inter-op thread pool (>= 1).
func WithInterOpThreads(n int) Option { return func(s *settings) { s.inter = &n } }

// WithSpinning sets whether idle ONNX Runtime threads spin-wait (burns CPU quota).
func WithSpinning(on bool) Option { return func(s *settings) { s.spin = &on } }

// WithExecutionMode sets ONNX Runtime's execution mode.
func WithExecutionMode(m ExecutionMode) Option { return func(s *settings) { s.mode = &m } }

// WithOptimizationLevel sets ONNX Runtime's graph optimization level.
func WithOptimizationLevel(l OptimizationLevel) Option { return func(s *settings) { s.level = &l } }

// WithLibraryPath sets the path of libonnxruntime.so. It wins over
// ONNXRUNTIME_SHARED_LIBRARY_PATH and the well-known places. The library is
// loaded once per process: the first Model created picks it, and a later
// WithLibraryPath naming another file is an error. It has no effect when
// something else in the process (another sdkgen module, code using
// onnxruntime_go directly) initialised ONNX Runtime first.
func WithLibraryPath(path string) Option { return func(s *settings) { s.libraryPath = path } }

// WithModelPath loads the model from a file instead of the embedded copy. The
// file's signature is checked against the one this package was generated from.
func WithModelPath(path string) Option { return func(s *settings) { s.modelPath = path } }

func (s *settings) resolve() (Config, error) {
	var c Config
	var err error
	env := s.environ
	if env == nil {
		env = os.Getenv
	}
	if c.IntraOpThreads, c.IntraOpThreadsSource, err = threadSetting("intra-op threads", s.intra, EnvIntraOpThreads, env); err != nil {
		return c, err
	}
	if c.InterOpThreads, c.InterOpThreadsSource, err = threadSetting("inter-op threads", s.inter, EnvInterOpThreads, env); err != nil {
		return c, err
	}
	if c.AllowSpinning, c.AllowSpinningSource, err = spinSetting(s.spin, env); err != nil {
		return c, err
	}
	root := s.threadsRoot
	if root == "" {
		root = "/"
	}
	c.Container = DetectThreads(root)
	if c.IntraOpThreadsSource == FromContainer {
		c.IntraOpThreads = c.Container.IntraOpThreads
	}
	if c.AllowSpinningSource == FromContainer {
		c.AllowSpinning = c.Container.AllowSpinning
	}
	if c.InterOpThreadsSource == FromContainer {
		c.InterOpThreads = 1 // the documented container default; source stays FromContainer
	}
	c.ExecutionMode, c.ExecutionModeSource = Sequential, FromDefault
	if s.mode != nil {
		c.ExecutionMode, c.ExecutionModeSource = *s.mode, FromOption
	} else if v := env(EnvExecutionMode); v != "" {
		c.ExecutionMode, c.ExecutionModeSource = ExecutionMode(v), FromEnv
	}
	if c.ExecutionMode != Sequential && c.ExecutionMode != Parallel {
		return c, fmt.Errorf("execution mode %q (%s): expected sequential or parallel", c.ExecutionMode, c.ExecutionModeSource)
	}
	c.OptimizationLevel, c.OptimizationSource = OptimizeAll, FromDefault
	if s.level != nil {
		c.OptimizationLevel, c.OptimizationSource = *s.level, FromOption
	} else if v := env(EnvOptimizationLevel); v != "" {
		c.OptimizationLevel, c.OptimizationSource = OptimizationLevel(v), FromEnv
	}
	switch c.OptimizationLevel {
	case OptimizeDisable, OptimizeBasic, OptimizeExtended, OptimizeAll:
	default:
		return c, fmt.Errorf("optimization level %q (%s): expected disable, basic, extended or all", c.OptimizationLevel, c.OptimizationSource)
	}
	c.ModelPath = s.modelPath
	return c, nil
}

// threadSetting: option, then environment, else FromContainer (filled in by the caller).
func threadSetting(what string, opt *int, envVar string, env func(string) string) (int, Source, error) {
	if opt != nil {
		if *opt < 1 || *opt > maxThreads {
			return 0, FromOption, fmt.Errorf("%s = %d: expected an integer from 1 to %d", what, *opt, maxThreads)
		}
		return *opt, FromOption, nil
	}
	raw := env(envVar)
	if raw == "" {
		return 0, FromContainer, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if !isDigits(raw) || err != nil || n < 1 || n > maxThreads {
		return 0, FromEnv, fmt.Errorf("%s=%q: expected a decimal integer from 1 to %d", envVar, raw, maxThreads)
	}
	return int(n), FromEnv, nil
}

func spinSetting(opt *bool, env func(string) string) (bool, Source, error) {
	if opt != nil {
		return *opt, FromOption, nil
	}
	switch raw := env(EnvAllowSpinning); raw {
	case "":
		return false, FromContainer, nil
	case "0", "1":
		return raw == "1", FromEnv, nil
	default:
		return false, FromEnv, fmt.Errorf("%s=%q: expected 0 or 1", EnvAllowSpinning, raw)
	}
}
