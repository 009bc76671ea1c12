"""The sdkgen runtime for Python: what every generated model module imports.

This package is ordinary source in sdkgen's repository (``runtime/python/``), linted,
type-checked and unit-tested there. sdkgen copies it verbatim into every generated
SDK as ``<package>._runtime``, one copy shared by all models of the SDK, so every
model raises the same error types and takes the same arrays. It imports only
relatively, numpy and onnxruntime.
"""

from .checks import Spec
from .config import ExecutionMode, OptimizationLevel, SessionConfig, session_config
from .errors import (
    Kind,
    ModelClosedError,
    ModelInputError,
    SignatureMismatchError,
)
from .model import Model, embedded_model
from .session import Session
from .threads import ThreadDefaults, container_defaults

__all__ = [
    "ExecutionMode",
    "Kind",
    "Model",
    "ModelClosedError",
    "ModelInputError",
    "OptimizationLevel",
    "Session",
    "SessionConfig",
    "SignatureMismatchError",
    "Spec",
    "ThreadDefaults",
    "container_defaults",
    "embedded_model",
    "session_config",
]
