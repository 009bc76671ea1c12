#!/bin/sh
# Runs inside the probe container: each probe prints one JSON line; a failing probe does not stop
# the others (the test reports which language printed nothing, with this output).
/opt/py/bin/python /opt/sdkgen/probe.py || echo "python probe failed: exit $?" >&2
java -cp /opt/sdkgen/java/classes:/opt/sdkgen/java/onnxruntime.jar Probe || echo "java probe failed: exit $?" >&2
/opt/sdkgen/go/probe || echo "go probe failed: exit $?" >&2
