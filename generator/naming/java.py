"""Java naming policy: identifiers, package names, string literals and comments.

Identifiers: tensor names become lowerCamelCase methods / record components;
the model becomes an UpperCamelCase class. Keywords (JLS 17 §3.9, including
the contextual ones and the literals) and the names the generated code uses
get a trailing ``_``; a scope is resolved at once (``common.resolve``) with
suffixes ``2``, ``3``...

Text from the model reaches Java source only through :func:`literal` (string
literals) and :func:`javadoc_lines` (comments). javac decodes ``\\uXXXX``
escapes *before* it lexes, so a comment must contain no backslash at all and
a string literal must never use ``\\u`` for a character that is meaningful to
the lexer (quote, backslash, line terminators).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import UserError
from . import common


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


KEYWORDS = _names(
    """
    abstract assert boolean break byte case catch char class const continue default do double
    else enum extends final finally float for goto if implements import instanceof int interface
    long native new package private protected public return short static strictfp super switch
    synchronized this throw throws transient try void volatile while _
    true false null
    exports module non-sealed open opens permits provides record requires sealed to transitive
    uses var when with yield
    """
)

# Members every record / object already has, and the names the generated model class, its
# Inputs builder and Outputs record declare or use themselves (tests/test_java_naming.py checks
# this list against the identifiers declared in the goldens).
_MEMBERS = _names(
    """
    equals hashCode toString getClass clone finalize notify notifyAll wait
    build builder inputs outputs run close config create options session env in out result
    feed value values shape data names tensor tensors r modelPath
    """
)

# The sub-package the runtime is copied into: ``<package>.runtime``.
RUNTIME_SUBPACKAGE = "runtime"

# Simple type names the generated sources refer to (java.lang, java.util,
# java.nio, ai.onnxruntime, and the classes sdkgen emits next to the model).
# A model class with one of these names would shadow the type.
GENERATED_TYPES = _names(
    """
    Object String Math Integer Long Float Double Short Byte Boolean Character Number Class
    System Thread Runtime Override SuppressWarnings Deprecated FunctionalInterface SafeVarargs
    Record Enum Iterable AutoCloseable Exception RuntimeException IllegalArgumentException
    IllegalStateException ArithmeticException NullPointerException Error Void Comparable
    StringBuilder CharSequence Throwable InterruptedException ClassLoader Process Package Module
    List Map Set Arrays Objects Collections LinkedHashMap HashMap ArrayList Optional OptionalDouble
    Locale Iterator Function BiFunction Supplier
    Buffer ByteBuffer ShortBuffer IntBuffer LongBuffer FloatBuffer DoubleBuffer ByteOrder
    Path Paths Files IOException UncheckedIOException InputStream
    Generated Test
    OrtEnvironment OrtSession OnnxTensor OnnxValue OnnxSequence OnnxMap OnnxJavaType OrtException
    NodeInfo TensorInfo SequenceInfo MapInfo ValueInfo SessionOptions ExecutionMode OptLevel Result
    OnnxTensorType Fp16Conversions
    Inputs Outputs Builder
    """
)

# Types the runtime declares (``runtime/java``; tests/test_java_naming.py checks this list
# against its sources). Model classes import them by simple name, so a model may not take one.
RUNTIME_TYPES = _names(
    """
    Checks Convert ModelClosedException ModelInputException ModelRunException ModelSession Options
    SessionConfig Sequences Signature Spec Tensor TensorInput ThreadDefaults
    FloatTensor DoubleTensor LongTensor IntTensor ShortTensor ByteTensor BooleanTensor StringTensor
    Float16Tensor BFloat16Tensor
    Bindings Converter Reader Kind Source Computed Resolved Scratch Staged Pool
    """
)

RESERVED = KEYWORDS | _MEMBERS | GENERATED_TYPES | RUNTIME_TYPES

# Types only a remote SDK's sources refer to: the runtime's remote backend (its Remote*.java,
# shipped only with remote=True) and what the generated tests import for it. A model class of a
# remote SDK may not take one; other SDKs keep today's class names. (The remote members of the
# model class, ``connect``, ``remoteOutputs``, ``remote`` and ``target``, cannot clash with a
# model-derived name: those live in its Inputs.Builder and Outputs.)
REMOTE_TYPES = _names(
    """
    Remote RemoteSession RemoteResult RemoteTensors RemoteModelException RemoteUnavailableException
    RemoteDeadlineException RemoteCancelledException RemoteServerException RemoteSignatureException
    Unfit InetAddress ServerSocket
    """
)

_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_MAVEN_ID = re.compile(r"[A-Za-z0-9_.\-]+")


# Identifiers are cut to this many characters (then made distinct as usual): a class file holds a
# name in at most 65,535 bytes, a class name is also a file name (255 bytes on most systems), and
# at these lengths every declaration keeps google-java-format's layout (a method name must leave
# room for "public Builder name(" in 100 columns).
MAX_IDENT = 64
MAX_CLASS = 48


def _camel(ws: Sequence[str]) -> str:
    return common.camel(ws)[:MAX_IDENT]


def members(names: Sequence[str], fallback: str) -> list[str]:
    """lowerCamelCase identifiers for one scope (the inputs, or the outputs)."""
    return common.resolve(names, case=_camel, reserved=RESERVED, fallback=fallback, suffix_sep="")


def class_name(name: str, remote: bool = False) -> str:
    """The model's UpperCamelCase class name (``Model`` when the name has no usable word)."""
    ws = common.base_words(name, "model", 0) if common.words(name) else ["model"]
    ident = common.pascal(ws)[:MAX_CLASS]
    while ident in RESERVED or remote and ident in REMOTE_TYPES:
        ident += "_"
    return ident


def class_names(names: Sequence[str], remote: bool = False) -> list[str]:
    """Class names for the models of one SDK (one package): distinct, suffixes 2, 3... on clashes."""
    out: list[str] = []
    for name in names:
        ident = class_name(name, remote)
        base, k = ident, 2
        while ident in out or ident == RUNTIME_SUBPACKAGE:
            ident, k = f"{base}{k}", k + 1
        out.append(ident)
    return out


def _segment(ws: Sequence[str]) -> str:
    ident = common.snake(ws)[:MAX_IDENT].rstrip("_")
    while ident in KEYWORDS:
        ident += "_"
    return ident


def default_package(name: str) -> str:
    """``sdkgen.<snake name>``."""
    return "sdkgen." + _segment(common.base_words(name, "model", 0))


def check_package(pkg: str) -> str:
    """Validate a user-supplied ``--package``: dotted Java identifiers, no keywords."""
    parts = pkg.split(".")
    for p in parts:
        if not p.isascii() or _IDENT.fullmatch(p) is None or p in KEYWORDS:
            raise UserError(
                f"--package {pkg!r}: {p!r} is not a Java package name segment "
                "(expected dotted ASCII identifiers that are not Java keywords, e.g. com.example.model)"
            )
    return pkg


def default_artifact_id(name: str) -> str:
    return "-".join(common.base_words(name, "model", 0))[:MAX_IDENT].rstrip("-")


def check_maven_id(flag: str, value: str) -> str:
    if not value.isascii() or _MAVEN_ID.fullmatch(value) is None:
        raise UserError(f"{flag} {value!r}: expected letters, digits, '.', '_' or '-'")
    return value


_NAMED = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


# A class file holds a string constant in at most 65,535 bytes of modified UTF-8.
MAX_CONSTANT_BYTES = 65535
_PIECE = 16384  # UTF-16 units per piece of a longer string: at most 49,152 bytes


def _utf8_len(s: str) -> int:
    """The string's length in a class file: modified UTF-8 of its UTF-16 units."""
    n = 0
    for ch in s:
        c = ord(ch)
        n += 1 if 0 < c < 0x80 else 2 if c < 0x800 else 3 if c <= 0xFFFF else 6  # 6: a surrogate pair
    return n


def literal(s: str) -> str:
    """A Java expression (ASCII only) that evaluates to ``s``: a string literal, or for a string
    longer than a class file's constant (65,535 bytes), ``String.join`` of literal pieces (a
    concatenation of literals would be folded back into one constant by javac)."""
    if len(s) * 3 > MAX_CONSTANT_BYTES and _utf8_len(s) > MAX_CONSTANT_BYTES:
        pieces = []
        i = 0
        while i < len(s):
            j = min(i + _PIECE, len(s))
            if j < len(s) and "\ud800" <= s[j - 1] <= "\udbff":  # keep a surrogate pair together
                j -= 1
            pieces.append(_literal(s[i:j]))
            i = j
        return 'String.join("", ' + ", ".join(pieces) + ")"
    return _literal(s)


def _literal(s: str) -> str:
    """A Java string literal (ASCII only) that evaluates to ``s``.

    Controls use named or octal escapes (a ``\\u000a`` would be decoded into a
    real line break before lexing); everything else outside printable ASCII
    becomes ``\\uXXXX`` UTF-16 units, which decode to harmless characters.
    """
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\{o:03o}")
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            v = o - 0x10000
            out.append(f"\\u{0xD800 + (v >> 10):04x}\\u{0xDC00 + (v & 0x3FF):04x}")
    out.append('"')
    return "".join(out)


_HTML = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "@": "&#64;",
    "\\": "&#92;",
    "*": "&#42;",
    "{": "&#123;",
    "}": "&#125;",
}


def javadoc_lines(text: str) -> list[str]:
    """Lines safe after `` * `` inside ``/** ... */``: ASCII, no backslash, no ``*/``, no tags.

    Backslashes, ``*``, ``@``, braces, ``<``, ``>``, ``&`` and every non-ASCII character
    become HTML character references, so neither ``*/`` nor a ``\\u`` escape
    nor a Javadoc tag can appear.
    """
    out = []
    for ln in common.comment_lines(text):
        out.append("".join(_HTML.get(ch, ch) if ord(ch) < 0x7F else f"&#{ord(ch)};" for ch in ln))
    return out
