"""The one place runtime versions are pinned. Every emitter reads from here.

ONNX Runtime must be the same version in all three SDKs: the PyPI wheel
(which also ships ``capi/libonnxruntime.so.<ORT_VERSION>``, the C library the
Go binding loads) and Maven's ``com.microsoft.onnxruntime:onnxruntime``.
Maven Central's newest is 1.29.0 (checked 2026-11-27; PyPI has up to 1.32.0),
so 1.29.0 is the newest version both registries serve.
"""

ORT_VERSION = "1.29.0"

# What that ONNX Runtime loads (tests/test_versions.py probes the real one): models of IR version
# <= 13 and these opsets. onnx 1.23's helper.make_model writes IR 14 / opset 28 by default, so
# every model built with it needs ir_version=13 (generator/compat.py says so at generation).
ORT_MAX_IR_VERSION = 13
ORT_MAX_OPSETS = {"ai.onnx": 26, "ai.onnx.ml": 5}

# github.com/yalue/onnxruntime_go: v1.27.0 asks the library for C API version 24
# (ORT 1.24); a newer libonnxruntime serves older API versions, so 1.29.0 works.
ORT_GO_VERSION = "v1.27.0"
# Its go.sum hashes (module zip, go.mod); it has no dependencies of its own.
# From `go mod download -json github.com/yalue/onnxruntime_go@<ORT_GO_VERSION>`: change them together.
ORT_GO_SUMS = (
    "h1:c1YSgDNtpf0WGtxj3YeRIb8VC5LmM1J+Ve3uHdteC1U=",
    "h1:b4X26A8pekNb1ACJ58wAXgNKeUCGEAQ9dmACut9Sm/4=",
)

# Generated Python packages' other runtime requirements. ml_dtypes (numpy's bfloat16 and
# float8 types; 0.5 is the first with numpy 2 wheels) only for SDKs whose models use them.
NUMPY_REQUIREMENT = "numpy>=1.24"
ML_DTYPES_REQUIREMENT = "ml_dtypes>=0.5"

JAVA_RELEASE = 17

# The Java remote backend (SDKs generated with remote=True; runtime/java/pom.xml pins the same, and
# sdkgen check's Java runner reads .pb files with the same protobuf-java). protoc's Java code needs a
# protobuf-java at least as new as protoc, so both are one release: Maven Central's
# com.google.protobuf:protoc:<PROTOBUF_JAVA_VERSION>:exe:<os>-<arch> (libprotoc 35.1).
GRPC_JAVA_VERSION = "1.85.1"
# io.grpc:protoc-gen-grpc-java: Maven Central serves no 1.84/1.85 executables (checked 2026-11-28);
# 1.83.1's output compiles against and runs with gRPC 1.85.1.
GRPC_JAVA_PLUGIN_VERSION = "1.83.1"
PROTOBUF_JAVA_VERSION = "4.35.1"
JUNIT_VERSION = "5.11.4"
GO_VERSION = "1.24"  # generic type aliases (the model packages re-export ortrt.Tensor[T])

# --- the remote backend (Open Inference Protocol v2 over gRPC) ---------------------------------
# Python stubs: grpcio-tools' protoc at generation time (its output is deterministic per version,
# so the version is pinned: a remote SDK is byte-identical only with the same grpcio-tools).
GRPCIO_TOOLS_VERSION = "1.85.1"
# What those stubs need at run time: the _pb2_grpc module refuses grpcio older than the tools,
# the _pb2 module a protobuf runtime older than its protoc (35.1 -> Python protobuf 7.35.1) or of
# another major version.
GRPCIO_REQUIREMENT = "grpcio>=1.85.1,<2"
PROTOBUF_REQUIREMENT = "protobuf>=7.35.1,<8"

# The local Triton of `sdkgen check --remote` and the remote tests (generator/remote/triton.py):
# tritonserver 2.51.0 as bundled in the nvidia-pytriton wheel (only unzipped, never installed).
PYTRITON_VERSION = "0.7.0"
PYTRITON_WHEEL = "nvidia_pytriton-0.7.0-py3-none-manylinux_2_35_x86_64.whl"
PYTRITON_WHEEL_SHA256 = "21f063ff93bb426d0c06b7a55e7eb9efcfe62c0dddd9a908e9877e18710128df"
TRITON_VERSION = "2.51.0"
# The python backend stub's environment: the wheel's stub is built against numpy 1.x.
TRITON_STUB_REQUIREMENTS = ("numpy<2", f"onnxruntime=={ORT_VERSION}")
# --- the Go remote backend (SDKs generated with --remote only) --------------------------------
# google.golang.org/grpc v1.85.0 needs go 1.26 (its go.mod says `go 1.26.0`), so a remote Go SDK's
# go.mod says the same; in-process SDKs keep GO_VERSION.
GO_REMOTE_VERSION = "1.26.0"
GRPC_GO_VERSION = "v1.85.0"
PROTOBUF_GO_VERSION = "v1.36.12"  # google.golang.org/protobuf, and its protoc-gen-go
PROTOC_GEN_GO_GRPC_VERSION = "v1.6.2"  # google.golang.org/grpc/cmd/protoc-gen-go-grpc
# The protoc the stubs are generated with: grpcio-tools' (pyproject.toml pins the same); its
# version is printed in the stubs' header, so the Go goldens hold it (GRPCIO_TOOLS_VERSION above).
# What `go mod tidy` (go 1.26.8, proxy.golang.org, 2026-11-28) wrote for a generated remote SDK:
# its indirect requirements and its whole go.sum (onnxruntime_go's two lines included, equal to
# ORT_GO_SUMS). Obtained by generating a remote SDK, deleting these from go.mod/go.sum and running
# `go mod tidy` there; tests/test_go_remote.py checks that `go mod tidy` changes nothing. Change
# them together with the versions above.
GO_REMOTE_INDIRECT = (
    ("golang.org/x/net", "v0.60.0"),
    ("golang.org/x/sys", "v0.48.0"),
    ("golang.org/x/text", "v0.42.0"),
    ("google.golang.org/genproto/googleapis/rpc", "v0.0.0-20260817212433-ac3dfec99bb1"),
)
GO_REMOTE_SUMS = (
    "github.com/golang/protobuf v1.5.4 h1:i7eJL8qZTpSEXOPTxNKhASYpMn+8e5Q6AdndVa1dWek=",
    "github.com/golang/protobuf v1.5.4/go.mod h1:lnTiLA8Wa4RWRcIUkrtSVa5nRhsEGBg48fD6rSs7xps=",
    "github.com/google/go-cmp v0.7.0 h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=",
    "github.com/google/go-cmp v0.7.0/go.mod h1:pXiqmnSA92OHEEa9HXL2W4E7lf9JzCmGVUdgjX3N/iU=",
    "github.com/yalue/onnxruntime_go v1.27.0 h1:c1YSgDNtpf0WGtxj3YeRIb8VC5LmM1J+Ve3uHdteC1U=",
    "github.com/yalue/onnxruntime_go v1.27.0/go.mod h1:b4X26A8pekNb1ACJ58wAXgNKeUCGEAQ9dmACut9Sm/4=",
    "golang.org/x/net v0.60.0 h1:79p50tfZlm0J9YfoDsSi639qSXNGVwEzOPLCxM2FsYU=",
    "golang.org/x/net v0.60.0/go.mod h1:2DA/G1UfVbCpQPeWTmMPGY7Cs2PkBkwu743bVX5PIVg=",
    "golang.org/x/sys v0.48.0 h1:bbX/i/6MgT9BVLM9RT1thmxL04yeTAhbEz4SyadbXoo=",
    "golang.org/x/sys v0.48.0/go.mod h1:hNLxWAXmnKAxqDtdwIYC4bM9oQPEecfsnNMuSxOs3og=",
    "golang.org/x/text v0.42.0 h1:JbOZXgfeCPU9gacVtYliJqOhD+zhrEqK4LfdpmlUZqI=",
    "golang.org/x/text v0.42.0/go.mod h1:ojzP1Z+2QtioaF8DTtO8K5q7JWVVYwZKenzujK0Zd0E=",
    "gonum.org/v1/gonum v0.17.0 h1:VbpOemQlsSMrYmn7T2OUvQ4dqxQXU+ouZFQsZOx50z4=",
    "gonum.org/v1/gonum v0.17.0/go.mod h1:El3tOrEuMpv2UdMrbNlKEh9vd86bmQ6vqIcDwxEOc1E=",
    ("google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 "
    "h1:utmqiUzZAEINbLmRyAt1QjVkMyLQ+lvIwCpLaB1rZfw="),
    ("google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1/go.mod "
    "h1:4Hqkh8ycfw05ld/3BWL7rJOSfebL2Q+DVDeRgYgxUU8="),
    "google.golang.org/grpc v1.85.0 h1:BPBCfuVRQ1qvBhKDOq9uvQllMvO59rKsYhXpp7Dd8vw=",
    "google.golang.org/grpc v1.85.0/go.mod h1:0rQrOD58yjal/0EaVbGBANindixsCZNQPDV3VKtaKuQ=",
    "google.golang.org/protobuf v1.36.12 h1:pJOKDDOyeXErUroCihFAd5LQuwXBSpVnKGrj5o/fwxc=",
    "google.golang.org/protobuf v1.36.12/go.mod h1:HTf+CrKn2C3g5S8VImy6tdcUvCska2kB7j23XfzDpco=",
)
