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
