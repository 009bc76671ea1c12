package sdkgen.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.TensorInfo.OnnxTensorType;
import com.google.protobuf.ByteString;
import io.grpc.CallCredentials;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sdkgen.oip.inference.GRPCInferenceServiceGrpc;
import sdkgen.oip.inference.InferTensorContents;
import sdkgen.oip.inference.ModelInferRequest;
import sdkgen.oip.inference.ModelInferResponse;
import sdkgen.oip.inference.ModelMetadataRequest;
import sdkgen.oip.inference.ModelMetadataResponse;

/**
 * The remote backend against a fake Open Inference Protocol server on the loopback interface:
 * encoding, the signature check, outputs by name, every error kind, headers, TLS and close.
 */
class RemoteTest {
  private static final OnnxTensorType F32 = OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  private static final OnnxTensorType I64 = OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
  private static final OnnxTensorType STR = OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING;

  /** Every element type the protocol carries, as (name suffix, type). */
  private static final OnnxTensorType[] ALL = {
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16,
  };

  /** A model with one input and one output per element type: {@code x_i -> y_i}, [batch,2]. */
  private static final Signature ECHO = echoSignature();

  /**
   * {@code ids int64[batch,sequence]}, {@code mask int64[batch,sequence]} -> {@code y
   * float[batch,4]}.
   */
  private static final Signature IDS =
      new Signature(
          "Ids",
          List.of(
              Spec.tensor("ids", I64, new long[] {-1, -1}, "batch", "sequence"),
              Spec.tensor("mask", I64, new long[] {-1, -1}, "batch", "sequence")),
          List.of(Spec.tensor("y", F32, new long[] {-1, 4}, "batch")),
          Set.of("bias"));

  private static Signature echoSignature() {
    List<Spec> ins = new ArrayList<>();
    List<Spec> outs = new ArrayList<>();
    for (int i = 0; i < ALL.length; i++) {
      ins.add(Spec.tensor("x_" + i, ALL[i], new long[] {-1, 2}, "batch"));
      outs.add(Spec.tensor("y_" + i, ALL[i], new long[] {-1, 2}, "batch"));
    }
    return new Signature("Echo", ins, outs, Set.of());
  }

  /** A fake server: metadata from the signature it serves, inference by a function. */
  static final class Fake extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    volatile ModelMetadataResponse metadata;
    volatile Function<ModelInferRequest, ModelInferResponse> infer;
    final List<ModelInferRequest> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicReference<Metadata> headers = new AtomicReference<>();

    @Override
    public void modelMetadata(ModelMetadataRequest req, StreamObserver<ModelMetadataResponse> out) {
      ModelMetadataResponse md = metadata;
      if (md == null || !md.getName().equals(req.getName())) {
        out.onError(Status.NOT_FOUND.withDescription("no model " + req.getName()).asException());
        return;
      }
      out.onNext(md);
      out.onCompleted();
    }

    @Override
    public void modelInfer(ModelInferRequest req, StreamObserver<ModelInferResponse> out) {
      requests.add(req);
      try {
        out.onNext(infer.apply(req));
        out.onCompleted();
      } catch (io.grpc.StatusRuntimeException e) {
        out.onError(e);
      }
    }
  }

  private final List<Server> servers = new ArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final Fake fake = new Fake();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private int serve(int port, ServerCredentials creds) throws Exception {
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            fake.headers.set(headers);
            return next.startCall(call, headers);
          }
        };
    Server s =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), creds)
            .addService(ServerInterceptors.intercept(fake, capture))
            .build()
            .start();
    servers.add(s);
    return s.getPort();
  }

  private int serve() throws Exception {
    return serve(0, InsecureServerCredentials.create());
  }

  private static ModelMetadataResponse.TensorMetadata meta(
      String name, String type, long... shape) {
    ModelMetadataResponse.TensorMetadata.Builder b =
        ModelMetadataResponse.TensorMetadata.newBuilder().setName(name).setDatatype(type);
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }

  /** The metadata a correct server reports for {@code sig}, named {@code name}. */
  private static ModelMetadataResponse metadataOf(String name, Signature sig) {
    ModelMetadataResponse.Builder b =
        ModelMetadataResponse.newBuilder().setName(name).setPlatform("fake").addVersions("1");
    for (Spec s : sig.inputs()) {
      b.addInputs(meta(s.name(), RemoteTensors.datatype(s.elem()), s.dims()));
    }
    for (Spec s : sig.outputs()) {
      b.addOutputs(meta(s.name(), RemoteTensors.datatype(s.elem()), s.dims()));
    }
    return b.build();
  }

  /** Answers with each input as the output of the same index, in reverse order. */
  private static ModelInferResponse echo(ModelInferRequest req) {
    ModelInferResponse.Builder r = ModelInferResponse.newBuilder().setModelName(req.getModelName());
    for (int i = req.getInputsCount() - 1; i >= 0; i--) {
      ModelInferRequest.InferInputTensor in = req.getInputs(i);
      r.addOutputsBuilder()
          .setName(in.getName().replace("x_", "y_"))
          .setDatatype(in.getDatatype())
          .addAllShape(in.getShapeList());
      r.addRawOutputContents(req.getRawInputContents(i));
    }
    return r.build();
  }

  private RemoteSession open(Signature sig, Remote remote) {
    RemoteSession s = RemoteSession.open(sig, "served", remote);
    closing.add(s);
    return s;
  }

  private Remote.Builder at(int port) {
    return Remote.builder().target("127.0.0.1:" + port);
  }

  private static TensorInput[] echoInputs() {
    long[] shape = {2, 2};
    return new TensorInput[] {
      TensorInput.of(new float[] {1f, -2.5f, Float.NaN, Float.MAX_VALUE}, shape),
      TensorInput.of(new double[] {1, -2.5, Double.MIN_VALUE, 1e300}, shape),
      TensorInput.of(new long[] {1, -1, Long.MAX_VALUE, Long.MIN_VALUE}, shape),
      TensorInput.of(new int[] {1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, shape),
      TensorInput.of(new short[] {1, -1, Short.MAX_VALUE, Short.MIN_VALUE}, shape),
      TensorInput.of(new byte[] {1, -1, 127, -128}, shape),
      TensorInput.of(new long[] {1, -1, 0, Long.MIN_VALUE}, shape),
      TensorInput.of(new int[] {1, -1, 0, Integer.MIN_VALUE}, shape),
      TensorInput.of(new short[] {1, -1, 0, Short.MIN_VALUE}, shape),
      TensorInput.of(new byte[] {1, -1, 0, -128}, shape),
      TensorInput.of(new boolean[] {true, false, false, true}, shape),
      TensorInput.of(new String[] {"ab", "", "\u00fcber", "\ud83d\ude00 x"}, shape),
      TensorInput.of(Float16Tensor.fromFloats(new float[] {1f, -2f, 0.5f, 65504f}, shape)),
      TensorInput.of(BFloat16Tensor.fromFloats(new float[] {1f, -2f, 0.5f, 3e38f}, shape)),
    };
  }

  @Test
  void everyDatatypeTravelsRawLittleEndianAndComesBackByName() throws Exception {
    fake.metadata = metadataOf("served", ECHO);
    fake.infer = RemoteTest::echo;
    RemoteSession s = open(ECHO, at(serve()).build());
    TensorInput[] in = echoInputs();
    RemoteResult r = s.run(in, x -> x);

    ModelInferRequest req = fake.requests.get(0);
    assertEquals("served", req.getModelName());
    String[] types = {
      "FP32", "FP64", "INT64", "INT32", "INT16", "INT8", "UINT64", "UINT32", "UINT16", "UINT8",
      "BOOL", "BYTES", "FP16", "BF16"
    };
    for (int i = 0; i < types.length; i++) {
      assertEquals("x_" + i, req.getInputs(i).getName());
      assertEquals(types[i], req.getInputs(i).getDatatype());
      assertEquals(List.of(2L, 2L), req.getInputs(i).getShapeList());
      assertEquals("y_" + i, req.getOutputs(i).getName());
    }
    assertEquals(0, req.getInputs(0).getContents().getSerializedSize(), "raw contents only");
    byte[] f32 = req.getRawInputContents(0).toByteArray();
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, java.util.Arrays.copyOf(f32, 4));
    byte[] i64 = req.getRawInputContents(2).toByteArray();
    assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOf(i64, 8));
    assertArrayEquals(new byte[] {1, 0, 0, 1}, req.getRawInputContents(10).toByteArray());
    byte[] str = req.getRawInputContents(11).toByteArray();
    assertArrayEquals(
        new byte[] {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0}, java.util.Arrays.copyOf(str, 10));

    assertEquals(
        new FloatTensor(new float[] {1f, -2.5f, Float.NaN, Float.MAX_VALUE}, new long[] {2, 2}),
        r.floatTensor(0));
    assertEquals(
        new DoubleTensor(new double[] {1, -2.5, Double.MIN_VALUE, 1e300}, new long[] {2, 2}),
        r.doubleTensor(1));
    assertArrayEquals(new long[] {1, -1, Long.MAX_VALUE, Long.MIN_VALUE}, r.longTensor(2).data());
    assertArrayEquals(
        new int[] {1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, r.intTensor(3).data());
    assertArrayEquals(
        new short[] {1, -1, Short.MAX_VALUE, Short.MIN_VALUE}, r.shortTensor(4).data());
    assertArrayEquals(new byte[] {1, -1, 127, -128}, r.byteTensor(5).data());
    assertArrayEquals(new long[] {1, -1, 0, Long.MIN_VALUE}, r.longTensor(6).data());
    assertArrayEquals(new int[] {1, -1, 0, Integer.MIN_VALUE}, r.intTensor(7).data());
    assertArrayEquals(new short[] {1, -1, 0, Short.MIN_VALUE}, r.shortTensor(8).data());
    assertArrayEquals(new byte[] {1, -1, 0, -128}, r.byteTensor(9).data());
    assertArrayEquals(new boolean[] {true, false, false, true}, r.booleanTensor(10).data());
    assertArrayEquals(
        new String[] {"ab", "", "\u00fcber", "\ud83d\ude00 x"}, r.stringTensor(11).data());
    assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f}, r.float16Tensor(12).toFloats());
    assertArrayEquals(new long[] {2, 2}, r.bfloat16Tensor(13).shape());
  }

  @Test
  void anAdaptedUnsignedInputTravelsUnderItsOwnNameAndDatatype() throws Exception {
    // In-process it feeds the adapted embedded copy's signed input; the server serves the
    // user's model, whose input is uint16 "u".
    OnnxTensorType u16 = OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16;
    Signature sig =
        new Signature(
            "U",
            List.of(Spec.tensorVia("u", "sdkgen_0_bits", u16, new long[] {2})),
            List.of(Spec.tensor("v", u16, new long[] {2})),
            Set.of());
    fake.metadata = metadataOf("served", sig);
    fake.infer =
        req -> {
          ModelInferResponse.Builder r = ModelInferResponse.newBuilder();
          r.addOutputsBuilder().setName("v").setDatatype("UINT16").addShape(2);
          r.addRawOutputContents(req.getRawInputContents(0));
          return r.build();
        };
    RemoteSession s = open(sig, at(serve()).build());
    RemoteResult r =
        s.run(new TensorInput[] {TensorInput.of(new short[] {-1, 2}, new long[] {2})}, x -> x);
    assertEquals("u", fake.requests.get(0).getInputs(0).getName());
    assertEquals("UINT16", fake.requests.get(0).getInputs(0).getDatatype());
    assertArrayEquals(
        new byte[] {-1, -1, 2, 0}, fake.requests.get(0).getRawInputContents(0).toByteArray());
    assertEquals(65535, Short.toUnsignedInt(r.shortTensor(0).data()[0]));
  }

  @Test
  void directBuffersInEitherByteOrderAndSharedBuffersAreReadWithoutMovingThem() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    fake.infer = req -> yOf(req, 2);
    RemoteSession s = open(IDS, at(serve()).build());
    java.nio.LongBuffer big =
        ByteBuffer.allocateDirect(32).order(ByteOrder.BIG_ENDIAN).asLongBuffer();
    big.put(new long[] {1, 2, 3, 4}).flip();
    java.nio.LongBuffer little = java.nio.LongBuffer.wrap(new long[] {5, 6, 7, 8});
    s.run(
        new TensorInput[] {
          TensorInput.of(big, new long[] {2, 2}), TensorInput.of(little, new long[] {2, 2})
        },
        x -> x);
    assertEquals(0, big.position());
    ByteBuffer sent =
        fake.requests
            .get(0)
            .getRawInputContents(0)
            .asReadOnlyByteBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1, sent.getLong(0));
    assertEquals(4, sent.getLong(24));
  }

  /** An answer for IDS: y float[batch,4] of zeros. */
  private static ModelInferResponse yOf(ModelInferRequest req, int batch) {
    ModelInferResponse.Builder r = ModelInferResponse.newBuilder();
    r.addOutputsBuilder().setName("y").setDatatype("FP32").addShape(batch).addShape(4);
    r.addRawOutputContents(ByteString.copyFrom(new byte[16 * batch]));
    return r.build();
  }

  @Test
  void inputChecksRunBeforeAnythingIsSentAndAreTheInProcessErrors() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    fake.infer = req -> yOf(req, 2);
    RemoteSession s = open(IDS, at(serve()).build());
    ModelInputException e =
        assertThrows(
            ModelInputException.class,
            () ->
                s.run(
                    new TensorInput[] {
                      TensorInput.of(new long[6], new long[] {2, 3}),
                      TensorInput.of(new long[4], new long[] {2, 2})
                    },
                    x -> x));
    assertEquals(ModelInputException.Kind.SYMBOL, e.kind());
    assertEquals(
        "input \"mask\": symbol: expected dim 1 (sequence) = 3, as bound by \"ids\", got 2 (shape"
            + " [2,2])",
        e.getMessage());
    ModelInputException missing =
        assertThrows(
            ModelInputException.class,
            () ->
                s.run(
                    new TensorInput[] {TensorInput.of(new long[6], new long[] {2, 3}), null},
                    x -> x));
    assertEquals(ModelInputException.Kind.MISSING, missing.kind());
    assertEquals(0, fake.requests.size());
    s.run(
        new TensorInput[] {
          TensorInput.of(new long[6], new long[] {2, 3}),
          TensorInput.of(new long[6], new long[] {2, 3})
        },
        x -> x);
    assertEquals(1, fake.requests.size());
  }

  @Test
  void theSignatureCheckNamesEveryDifference() throws Exception {
    int port = serve();
    fake.metadata =
        ModelMetadataResponse.newBuilder()
            .setName("served")
            .addInputs(meta("ids", "INT32", -1, -1))
            .addInputs(meta("extra", "FP32", 3))
            .addInputs(meta("bias", "FP32", 4))
            .addOutputs(meta("z", "FP32", -1, 4))
            .build();
    RemoteSignatureException e =
        assertThrows(RemoteSignatureException.class, () -> open(IDS, at(port).build()));
    assertEquals(RemoteModelException.Kind.SIGNATURE, e.kind());
    assertEquals("signature", e.kind().wire());
    assertEquals("", e.status());
    assertEquals(
        "model \"served\" at 127.0.0.1:"
            + port
            + ": signature: the served model does not match the signature Ids was generated from:"
            + " input \"ids\" is INT32[-1,-1], generated for int64[batch,sequence] (INT64);"
            + " input \"mask\" is missing; unexpected input \"extra\"; output \"y\" is missing",
        e.getMessage());

    fake.metadata =
        ModelMetadataResponse.newBuilder()
            .setName("served")
            .addInputs(meta("ids", "INT64", -1, -1, 1))
            .addInputs(meta("mask", "INT64", 1, -1))
            .addOutputs(meta("y", "FP32", -1, 5))
            .build();
    e = assertThrows(RemoteSignatureException.class, () -> open(IDS, at(port).build()));
    assertTrue(
        e.detail()
            .endsWith(
                "input \"ids\" is INT64[-1,-1,1], generated for int64[batch,sequence];"
                    + " input \"mask\" is INT64[1,-1], generated for int64[batch,sequence];"
                    + " output \"y\" is FP32[-1,5], generated for float[batch,4]"),
        e.detail());

    RemoteSignatureException none =
        assertThrows(
            RemoteSignatureException.class,
            () -> open(IDS, at(port).model("nope").version("3").build()));
    assertEquals("NOT_FOUND", none.status());
    assertEquals(
        "the server has no such model (version 3): NOT_FOUND: no model nope", none.detail());

    // Fixed server dims accept the same size; -1 accepts any.
    fake.metadata =
        ModelMetadataResponse.newBuilder()
            .setName("served")
            .addInputs(meta("ids", "INT64", -1, -1))
            .addInputs(meta("mask", "INT64", -1, -1))
            .addOutputs(meta("y", "FP32", -1, -1))
            .addOutputs(meta("unused", "FP32", 1))
            .build();
    open(IDS, at(port).build());
  }

  @Test
  void aScalarTheServerDeclaresAsOneElementTravelsAsOne() throws Exception {
    Signature sig =
        new Signature(
            "S",
            List.of(Spec.tensor("t", F32, new long[] {})),
            List.of(Spec.tensor("u", STR, new long[] {})),
            Set.of());
    fake.metadata =
        ModelMetadataResponse.newBuilder()
            .setName("served")
            .addInputs(meta("t", "FP32", 1))
            .addOutputs(meta("u", "BYTES", 1))
            .build();
    fake.infer =
        req -> {
          ModelInferResponse.Builder r = ModelInferResponse.newBuilder();
          r.addOutputsBuilder().setName("u").setDatatype("BYTES").addShape(1);
          r.addRawOutputContents(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 'k'}));
          return r.build();
        };
    RemoteSession s = open(sig, at(serve()).build());
    RemoteResult r =
        s.run(new TensorInput[] {TensorInput.of(new float[] {2f}, new long[] {})}, x -> x);
    assertEquals(List.of(1L), fake.requests.get(0).getInputs(0).getShapeList());
    assertArrayEquals(new long[] {}, r.stringTensor(0).shape());
    assertArrayEquals(new String[] {"k"}, r.stringTensor(0).data());
  }

  @Test
  void typedContentsAreReadWhenTheServerSendsNoRawOnes() throws Exception {
    Signature sig =
        new Signature(
            "T",
            List.of(Spec.tensor("ids", I64, new long[] {-1})),
            List.of(
                Spec.tensor("a", I64, new long[] {-1}),
                Spec.tensor("b", STR, new long[] {-1}),
                Spec.tensor(
                    "c", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, new long[] {-1}),
                Spec.tensor(
                    "d", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, new long[] {-1})),
            Set.of());
    fake.metadata = metadataOf("served", sig);
    fake.infer =
        req -> {
          ModelInferResponse.Builder r = ModelInferResponse.newBuilder();
          r.addOutputsBuilder()
              .setName("d")
              .setDatatype("BOOL")
              .addShape(2)
              .setContents(
                  InferTensorContents.newBuilder().addBoolContents(true).addBoolContents(false));
          r.addOutputsBuilder()
              .setName("c")
              .setDatatype("UINT8")
              .addShape(2)
              .setContents(
                  InferTensorContents.newBuilder().addUintContents(255).addUintContents(7));
          r.addOutputsBuilder()
              .setName("b")
              .setDatatype("BYTES")
              .addShape(2)
              .setContents(
                  InferTensorContents.newBuilder()
                      .addBytesContents(ByteString.copyFromUtf8("x"))
                      .addBytesContents(ByteString.copyFromUtf8("\u00e9")));
          r.addOutputsBuilder()
              .setName("a")
              .setDatatype("INT64")
              .addShape(2)
              .setContents(
                  InferTensorContents.newBuilder().addInt64Contents(-3).addInt64Contents(4));
          return r.build();
        };
    RemoteSession s = open(sig, at(serve()).build());
    RemoteResult r =
        s.run(new TensorInput[] {TensorInput.of(new long[] {1, 2}, new long[] {2})}, x -> x);
    assertArrayEquals(new long[] {-3, 4}, r.longTensor(0).data());
    assertArrayEquals(new String[] {"x", "\u00e9"}, r.stringTensor(1).data());
    assertArrayEquals(new byte[] {-1, 7}, r.byteTensor(2).data());
    assertArrayEquals(new boolean[] {true, false}, r.booleanTensor(3).data());
  }

  @Test
  void aResponseThatDoesNotFitIsAServerError() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    RemoteSession s = open(IDS, at(serve()).build());
    TensorInput[] in = {
      TensorInput.of(new long[2], new long[] {1, 2}), TensorInput.of(new long[2], new long[] {1, 2})
    };
    fake.infer =
        req -> {
          ModelInferResponse.Builder r = ModelInferResponse.newBuilder();
          r.addOutputsBuilder().setName("y").setDatatype("FP32").addShape(1).addShape(4);
          r.addRawOutputContents(ByteString.copyFrom(new byte[15]));
          return r.build();
        };
    RemoteServerException e = assertThrows(RemoteServerException.class, () -> s.run(in, x -> x));
    assertEquals("", e.status());
    assertEquals(
        "the response does not fit the signature: output \"y\": 15 bytes of raw contents for 4"
            + " elements of 4 bytes",
        e.detail());
    fake.infer =
        req -> {
          ModelInferResponse.Builder r = ModelInferResponse.newBuilder();
          r.addOutputsBuilder().setName("y").setDatatype("FP64").addShape(1).addShape(4);
          r.addRawOutputContents(ByteString.copyFrom(new byte[32]));
          return r.build();
        };
    e = assertThrows(RemoteServerException.class, () -> s.run(in, x -> x));
    assertTrue(e.detail().endsWith("output \"y\" is FP64, generated for FP32"), e.detail());
    fake.infer =
        req ->
            yOf(req, 1).toBuilder()
                .setOutputs(0, yOf(req, 1).getOutputs(0).toBuilder().setShape(1, 5))
                .build();
    e = assertThrows(RemoteServerException.class, () -> s.run(in, x -> x));
    assertTrue(
        e.detail().endsWith("output \"y\" has shape [1,5], generated for float[batch,4]"),
        e.detail());
    fake.infer = req -> ModelInferResponse.getDefaultInstance();
    e = assertThrows(RemoteServerException.class, () -> s.run(in, x -> x));
    assertTrue(e.detail().endsWith("output \"y\" is missing"), e.detail());
    fake.infer = req -> yOf(req, 1);
    assertEquals(4, s.run(in, x -> x).floatTensor(0).data().length);
  }

  @Test
  void serverErrorsDeadlinesAndCancellationAreTypedAndLeaveTheModelUsable() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    int port = serve();
    RemoteSession s = open(IDS, at(port).deadline(Duration.ofMillis(300)).build());
    TensorInput[] in = {
      TensorInput.of(new long[2], new long[] {1, 2}), TensorInput.of(new long[2], new long[] {1, 2})
    };

    fake.infer =
        req -> {
          throw Status.INVALID_ARGUMENT
              .withDescription("batch-size must be <= 8")
              .asRuntimeException();
        };
    RemoteServerException server =
        assertThrows(RemoteServerException.class, () -> s.run(in, x -> x));
    assertEquals("INVALID_ARGUMENT", server.status());
    assertEquals(RemoteModelException.Kind.SERVER, server.kind());
    assertEquals(
        "model \"served\" at 127.0.0.1:"
            + port
            + ": server: INVALID_ARGUMENT: batch-size must be <= 8",
        server.getMessage());

    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    fake.infer =
        req -> {
          entered.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return yOf(req, 1);
        };
    RemoteDeadlineException late =
        assertThrows(RemoteDeadlineException.class, () -> s.run(in, x -> x));
    assertEquals("DEADLINE_EXCEEDED", late.status());
    assertEquals("deadline", late.kind().wire());

    // A tighter deadline from the caller's gRPC context applies too.
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      Context.CancellableContext ctx =
          Context.current().withDeadlineAfter(20, TimeUnit.MILLISECONDS, timer);
      RemoteDeadlineException tighter =
          assertThrows(RemoteDeadlineException.class, () -> ctx.call(() -> s.run(in, x -> x)));
      assertEquals("DEADLINE_EXCEEDED", tighter.status());
      ctx.cancel(null);
    } finally {
      timer.shutdownNow();
    }

    // Cancelling the caller's context, and interrupting the calling thread, cancel the call.
    Context.CancellableContext ctx = Context.current().withCancellation();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch started = new CountDownLatch(1);
      fake.infer =
          req -> {
            started.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return yOf(req, 1);
          };
      Future<Object> f = pool.submit(() -> ctx.call(() -> s.run(in, x -> x)));
      assertTrue(started.await(5, TimeUnit.SECONDS));
      ctx.cancel(null);
      java.util.concurrent.ExecutionException ee =
          assertThrows(
              java.util.concurrent.ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
      RemoteCancelledException c = (RemoteCancelledException) ee.getCause();
      assertEquals("CANCELLED", c.status());
      assertEquals("cancelled", c.kind().wire());

      CountDownLatch started2 = new CountDownLatch(1);
      fake.infer =
          req -> {
            started2.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return yOf(req, 1);
          };
      AtomicReference<Thread> worker = new AtomicReference<>();
      Future<Object> g =
          pool.submit(
              () -> {
                worker.set(Thread.currentThread());
                try {
                  return s.run(in, x -> x);
                } finally {
                  Thread.interrupted(); // clear the flag for the pool
                }
              });
      assertTrue(started2.await(5, TimeUnit.SECONDS));
      worker.get().interrupt();
      ee =
          assertThrows(
              java.util.concurrent.ExecutionException.class, () -> g.get(5, TimeUnit.SECONDS));
      assertTrue(ee.getCause() instanceof RemoteCancelledException, String.valueOf(ee.getCause()));
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertTrue(entered.getCount() == 0);
    fake.infer = req -> yOf(req, 1);
    assertEquals(4, s.run(in, x -> x).floatTensor(0).data().length);
  }

  @Test
  void aDeadServerIsUnavailableAndTheModelWorksAgainOnceItIsBack() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    fake.infer = req -> yOf(req, 1);
    int port = serve();
    RemoteSession s = open(IDS, at(port).build());
    TensorInput[] in = {
      TensorInput.of(new long[2], new long[] {1, 2}), TensorInput.of(new long[2], new long[] {1, 2})
    };
    s.run(in, x -> x);
    servers.remove(0).shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      RemoteUnavailableException e =
          assertThrows(RemoteUnavailableException.class, () -> s.run(in, x -> x));
      assertEquals("UNAVAILABLE", e.status());
      assertEquals("unavailable", e.kind().wire());
      assertEquals("served", e.model());
      assertEquals("127.0.0.1:" + port, e.target());
    }
    serve(port, InsecureServerCredentials.create());
    assertEquals(4, s.run(in, x -> x).floatTensor(0).data().length);
  }

  @Test
  void connectingToNothingIsUnavailableAndHoldsNoChannel() throws Exception {
    int port;
    try (java.net.ServerSocket free =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    RemoteUnavailableException e =
        assertThrows(RemoteUnavailableException.class, () -> open(IDS, at(port).build()));
    assertTrue(
        e.getMessage()
            .startsWith("model \"served\" at 127.0.0.1:" + port + ": unavailable: UNAVAILABLE"),
        e.getMessage());
  }

  @Test
  void headersAndCallCredentialsGoWithEveryCall() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    fake.infer = req -> yOf(req, 1);
    CallCredentials token =
        new CallCredentials() {
          @Override
          public void applyRequestMetadata(
              RequestInfo info, java.util.concurrent.Executor executor, MetadataApplier applier) {
            Metadata m = new Metadata();
            m.put(
                Metadata.Key.of("x-token", Metadata.ASCII_STRING_MARSHALLER),
                "t-" + info.getMethodDescriptor().getBareMethodName());
            applier.apply(m);
          }
        };
    Remote remote =
        at(serve())
            .header("Authorization", "Bearer secret")
            .header("x-team", "a")
            .callCredentials(token)
            .build();
    assertFalse(remote.toString().contains("secret"), remote.toString());
    assertEquals(Set.of("authorization", "x-team"), remote.headerNames());
    RemoteSession s = open(IDS, remote);
    Metadata h = fake.headers.get();
    assertEquals(
        "Bearer secret", h.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
    assertEquals(
        "t-ModelMetadata", h.get(Metadata.Key.of("x-token", Metadata.ASCII_STRING_MARSHALLER)));
    s.run(
        new TensorInput[] {
          TensorInput.of(new long[2], new long[] {1, 2}),
          TensorInput.of(new long[2], new long[] {1, 2})
        },
        x -> x);
    h = fake.headers.get();
    assertEquals("a", h.get(Metadata.Key.of("x-team", Metadata.ASCII_STRING_MARSHALLER)));
    assertEquals(
        "t-ModelInfer", h.get(Metadata.Key.of("x-token", Metadata.ASCII_STRING_MARSHALLER)));
  }

  @Test
  void theBuilderRefusesWhatCannotWork() {
    assertThrows(IllegalStateException.class, () -> Remote.builder().build());
    ManagedChannel ch =
        Grpc.newChannelBuilder("127.0.0.1:1", InsecureChannelCredentials.create()).build();
    try {
      assertThrows(
          IllegalStateException.class, () -> Remote.builder().target("a:1").channel(ch).build());
      assertThrows(IllegalStateException.class, () -> Remote.builder().channel(ch).tls().build());
      assertThrows(
          IllegalStateException.class,
          () ->
              Remote.builder()
                  .target("a:1")
                  .tls()
                  .credentials(InsecureChannelCredentials.create())
                  .build());
    } finally {
      ch.shutdownNow();
    }
    assertThrows(IllegalArgumentException.class, () -> Remote.builder().deadline(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> Remote.builder().header("x-bin", "v"));
    assertThrows(IllegalArgumentException.class, () -> Remote.builder().header("bad name", "v"));
    assertThrows(IllegalArgumentException.class, () -> Remote.builder().header("x", "line\nbreak"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Remote.builder().target("a:1").tls(Path.of("/nonexistent/ca.pem")).build());
    Remote r = Remote.builder().target("a:1").build();
    assertEquals(Remote.DEFAULT_DEADLINE, r.deadline());
    assertEquals("", r.version());
    assertFalse(r.tls());
  }

  @Test
  void aGivenChannelIsSharedAndNotShutDownByClose() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    fake.infer = req -> yOf(req, 1);
    int port = serve();
    ManagedChannel ch =
        Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
    try {
      RemoteSession a = RemoteSession.open(IDS, "served", Remote.builder().channel(ch).build());
      RemoteSession b = RemoteSession.open(IDS, "served", Remote.builder().channel(ch).build());
      a.close();
      TensorInput[] in = {
        TensorInput.of(new long[2], new long[] {1, 2}),
        TensorInput.of(new long[2], new long[] {1, 2})
      };
      assertThrows(ModelClosedException.class, () -> a.run(in, x -> x));
      assertEquals(4, b.run(in, x -> x).floatTensor(0).data().length);
      b.close();
      assertFalse(ch.isShutdown());
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void concurrentRunsShareTheChannelAndCloseWaitsForThem() throws Exception {
    fake.metadata = metadataOf("served", IDS);
    fake.infer =
        req -> {
          long b = req.getInputs(0).getShape(0);
          return yOf(req, (int) b);
        };
    RemoteSession s = RemoteSession.open(IDS, "served", at(serve()).build());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> fs = new ArrayList<>();
      for (int i = 1; i <= 40; i++) {
        int batch = 1 + i % 5;
        fs.add(
            pool.submit(
                () ->
                    s.run(
                        new TensorInput[] {
                          TensorInput.of(new long[batch * 3], new long[] {batch, 3}),
                          TensorInput.of(new long[batch * 3], new long[] {batch, 3})
                        },
                        r -> (int) r.floatTensor(0).shape()[0])));
      }
      for (int i = 1; i <= 40; i++) {
        assertEquals(1 + i % 5, fs.get(i - 1).get(10, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    s.close();
    s.close();
    assertThrows(ModelClosedException.class, () -> s.run(new TensorInput[2], x -> x));
  }

  @Test
  void tlsAndMutualTlsWithTheServersCertificates(@TempDir Path dir) throws Exception {
    Path serverPem = dir.resolve("server.pem");
    Path serverKey = dir.resolve("server.key");
    Path clientPem = dir.resolve("client.pem");
    Path clientKey = dir.resolve("client.key");
    selfSigned(serverPem, serverKey, "localhost", "IP:127.0.0.1,DNS:localhost");
    selfSigned(clientPem, clientKey, "client", "DNS:client");
    fake.metadata = metadataOf("served", IDS);
    fake.infer = req -> yOf(req, 1);
    TensorInput[] in = {
      TensorInput.of(new long[2], new long[] {1, 2}), TensorInput.of(new long[2], new long[] {1, 2})
    };

    int tls = serve(0, TlsServerCredentials.create(serverPem.toFile(), serverKey.toFile()));
    RemoteSession s = open(IDS, at(tls).tls(serverPem).build());
    assertEquals(4, s.run(in, x -> x).floatTensor(0).data().length);
    // Plaintext to a TLS server, and TLS trusting another authority, cannot connect.
    assertThrows(RemoteUnavailableException.class, () -> open(IDS, at(tls).build()));
    assertThrows(RemoteUnavailableException.class, () -> open(IDS, at(tls).tls(clientPem).build()));

    int mtls =
        serve(
            0,
            TlsServerCredentials.newBuilder()
                .keyManager(serverPem.toFile(), serverKey.toFile())
                .trustManager(clientPem.toFile())
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build());
    RemoteSession m = open(IDS, at(mtls).tls(serverPem, clientPem, clientKey).build());
    assertEquals(4, m.run(in, x -> x).floatTensor(0).data().length);
    assertThrows(
        RemoteUnavailableException.class, () -> open(IDS, at(mtls).tls(serverPem).build()));
  }

  /** A self-signed EC certificate and its PKCS#8 key, valid for a day, made by openssl. */
  private static void selfSigned(Path pem, Path key, String cn, String san) throws Exception {
    Process p =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=" + cn,
                "-addext",
                "subjectAltName=" + san,
                "-keyout",
                key.toString(),
                "-out",
                pem.toString())
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "openssl (needed by this test) failed: " + out);
    assertTrue(Files.size(pem) > 0 && Files.size(key) > 0);
  }
}
