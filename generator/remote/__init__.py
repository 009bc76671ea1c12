"""The remote backend's shared parts: the Open Inference Protocol v2 ``.proto`` every language's
stubs are generated from (``grpc_predict_v2.proto``), the Python stub generator (``stubs``) and
the local Triton that serves models for ``sdkgen check --remote`` and the tests (``triton``)."""
