package ortrt

// Container-aware thread defaults, the rule of sdkgen's docs/threads.md (the
// Python and Java SDKs implement the same rule and are tested against the same
// fixtures). GOMAXPROCS is not used: its rounding differs.
//
//	IntraOpThreads = max(1, min(affinity, floor(quota))), or affinity without a quota
//	AllowSpinning  = no quota is set
//
// Reading the files never fails: anything missing or malformed means "no
// limit at that level".

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// ThreadDefaults is what the container allows: the computed defaults before any override.
type ThreadDefaults struct {
	AffinityCPUs   int     // CPUs in Cpus_allowed_list (else runtime.NumCPU)
	QuotaCPUs      float64 // tightest cgroup CPU quota in CPUs; 0 when there is none
	IntraOpThreads int
	AllowSpinning  bool
}

// DetectThreads computes ThreadDefaults from root's proc/self/status,
// proc/self/cgroup, proc/self/mountinfo and cgroup files. Pass "/" for this
// process; other roots are for tests.
func DetectThreads(root string) ThreadDefaults {
	affinity := affinityCPUs(root)
	q, p, ok := cgroupQuota(root)
	if !ok {
		return ThreadDefaults{AffinityCPUs: affinity, IntraOpThreads: affinity, AllowSpinning: true}
	}
	n := int64(affinity)
	if q/p < n {
		n = q / p
	}
	if n < 1 {
		n = 1
	}
	return ThreadDefaults{AffinityCPUs: affinity, QuotaCPUs: float64(q) / float64(p), IntraOpThreads: int(n)}
}

const maxThreads = math.MaxInt32 // ORT takes a C int

func readText(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func under(root, abs string) string {
	return filepath.Join(root, strings.TrimLeft(abs, "/"))
}

// splitLines splits like Python's str.splitlines.
func splitLines(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		switch r {
		case '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			if r == '\n' && i > 0 && s[i-1] == '\r' {
				start = i + 1
				continue
			}
			out = append(out, s[start:i])
			start = i + len(string(r))
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// positiveInt64 parses ASCII digits into a value in [1, MaxInt64].
func positiveInt64(s string) (int64, bool) {
	if !isDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

func countCPUList(text string) (int, bool) {
	total := int64(0)
	for _, item := range strings.Split(text, ",") {
		lo, hi, found := strings.Cut(item, "-")
		if !found {
			hi = lo
		}
		if !isDigits(lo) || !isDigits(hi) {
			return 0, false
		}
		l, err1 := strconv.ParseInt(lo, 10, 64)
		h, err2 := strconv.ParseInt(hi, 10, 64)
		if err1 != nil || err2 != nil || l > h || h > maxThreads {
			return 0, false
		}
		total += h - l + 1
	}
	if total <= 0 || total > maxThreads {
		return 0, false
	}
	return int(total), true
}

func affinityCPUs(root string) int {
	if status, ok := readText(under(root, "/proc/self/status")); ok {
		for _, line := range splitLines(status) {
			key, value, found := strings.Cut(line, ":")
			if found && key == "Cpus_allowed_list" {
				if n, ok := countCPUList(strings.Trim(value, " \t")); ok {
					return n
				}
				break
			}
		}
	}
	if n := runtime.NumCPU(); n > 0 {
		return n
	}
	return 1
}

func v2Level(dir string) (int64, int64, bool) {
	text, ok := readText(filepath.Join(dir, "cpu.max"))
	if !ok {
		return 0, 0, false
	}
	tokens := strings.Fields(text)
	if len(tokens) != 2 || tokens[0] == "max" {
		return 0, 0, false
	}
	q, ok1 := positiveInt64(tokens[0])
	p, ok2 := positiveInt64(tokens[1])
	return q, p, ok1 && ok2
}

func v1Level(dir string) (int64, int64, bool) {
	quota, ok1 := readText(filepath.Join(dir, "cpu.cfs_quota_us"))
	period, ok2 := readText(filepath.Join(dir, "cpu.cfs_period_us"))
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	q, ok1 := positiveInt64(strings.TrimSpace(quota))
	p, ok2 := positiveInt64(strings.TrimSpace(period))
	return q, p, ok1 && ok2
}

// cgroupPath returns the CPU cgroup's version and path: a v1 line naming cpu
// wins over the v2 "0::" line.
func cgroupPath(root string) (int, string, bool) {
	text, ok := readText(under(root, "/proc/self/cgroup"))
	if !ok {
		return 0, "", false
	}
	v2, haveV2 := "", false
	for _, line := range splitLines(text) {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] != "0" {
			for _, c := range strings.Split(parts[1], ",") {
				if c == "cpu" {
					return 1, parts[2], true
				}
			}
		}
		if parts[0] == "0" && parts[1] == "" && !haveV2 {
			v2, haveV2 = parts[2], true
		}
	}
	return 2, v2, haveV2
}

// relative returns the cgroup path's components below the mount's root.
func relative(cgroup, mountRoot string) ([]string, bool) {
	if !strings.HasPrefix(cgroup, "/") {
		return nil, false
	}
	var rest string
	trimmed := strings.TrimRight(mountRoot, "/")
	switch {
	case mountRoot == "/":
		rest = cgroup
	case cgroup == mountRoot:
		rest = ""
	case strings.HasPrefix(cgroup, trimmed+"/"):
		rest = cgroup[len(trimmed):]
	default:
		return nil, false
	}
	parts := []string{}
	for _, c := range strings.Split(rest, "/") {
		if c == "." || c == ".." {
			return nil, false
		}
		if c != "" {
			parts = append(parts, c)
		}
	}
	return parts, true
}

// unescapeOctal decodes mountinfo's \ooo escapes.
func unescapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			n, _ := strconv.ParseUint(s[i+1:i+4], 8, 16)
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return len(s) == 3
}

// cgroupDir finds the mount holding the cgroup path: its directory under root
// and the path components below it.
func cgroupDir(root string, version int, cgroup string) (string, []string, bool) {
	text, ok := readText(under(root, "/proc/self/mountinfo"))
	if !ok {
		return "", nil, false
	}
	for _, line := range splitLines(text) {
		fields := strings.Split(line, " ")
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+4 {
			continue
		}
		fstype, superOptions := fields[sep+1], fields[sep+3]
		if version == 2 {
			if fstype != "cgroup2" {
				continue
			}
		} else {
			hasCPU := false
			for _, o := range strings.Split(superOptions, ",") {
				hasCPU = hasCPU || o == "cpu"
			}
			if fstype != "cgroup" || !hasCPU {
				continue
			}
		}
		if parts, ok := relative(cgroup, unescapeOctal(fields[3])); ok {
			return under(root, unescapeOctal(fields[4])), parts, true
		}
	}
	return "", nil, false
}

// cgroupQuota returns the tightest (quota, period) from the process's cgroup
// up to its mount point.
func cgroupQuota(root string) (int64, int64, bool) {
	version, path, ok := cgroupPath(root)
	if !ok {
		return 0, 0, false
	}
	dir, parts, ok := cgroupDir(root, version, path)
	if !ok {
		return 0, 0, false
	}
	level := v1Level
	if version == 2 {
		level = v2Level
	}
	var bq, bp int64
	found := false
	for depth := len(parts); depth >= 0; depth-- {
		q, p, ok := level(filepath.Join(append([]string{dir}, parts[:depth]...)...))
		if ok && (!found || float64(q)/float64(p) < float64(bq)/float64(bp)) {
			bq, bp, found = q, p, true
		}
	}
	return bq, bp, found
}
