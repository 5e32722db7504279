package dev.batchrunner.function.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The loopback responder over raw sockets: HTTP/1.1 framing, keep-alive, close. */
class LoopbackResponderTest {
  private static final Function<String, String> ANSWERS = target -> "{\"for\":\"" + target + "\"}";

  private LoopbackResponder responder;

  @BeforeEach
  void start() throws IOException {
    responder = LoopbackResponder.start(ANSWERS);
  }

  @AfterEach
  void stop() {
    responder.close();
  }

  @Test
  void start_bindsTheIpv4LoopbackOnAnEphemeralPort() {
    assertTrue(responder.port() > 0);
    assertEquals("127.0.0.1", LoopbackResponder.HOST);
  }

  @Test
  void serve_answersEachRequestWithItsTargetsBody_onOneKeptAliveConnection() throws IOException {
    try (Socket socket = new Socket(LoopbackResponder.HOST, responder.port())) {
      for (String target : List.of("Svc.RunTask", "Svc.PutItem")) {
        send(socket, post(target, "{\"a\":1}"));
        Response response = read(socket.getInputStream());

        assertEquals("HTTP/1.1 200 OK", response.status());
        assertEquals(ANSWERS.apply(target), response.body());
        assertNull(response.headers().get("connection"), "kept alive: no Connection header");
        CRC32 crc = new CRC32();
        crc.update(response.body().getBytes(StandardCharsets.UTF_8));
        assertEquals(Long.toString(crc.getValue()), response.headers().get("x-amz-crc32"));
      }
    }

    assertEquals(List.of("Svc.RunTask", "Svc.PutItem"), responder.targets());
    assertEquals(1, responder.connections());
  }

  @Test
  void serve_readsAChunkedBodyAfterAnsweringExpectContinue() throws IOException {
    try (Socket socket = new Socket(LoopbackResponder.HOST, responder.port())) {
      send(
          socket,
          "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Svc.GetItem\r\nExpect: 100-continue\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
      InputStream in = socket.getInputStream();

      assertEquals("HTTP/1.1 100 Continue", read(in).status());
      Response response = read(in);
      assertEquals(ANSWERS.apply("Svc.GetItem"), response.body());

      // The whole chunked body was consumed: the next request on the connection is answered.
      send(socket, post("Svc.DeleteItem", "{}"));
      assertEquals(ANSWERS.apply("Svc.DeleteItem"), read(in).body());
    }
  }

  @Test
  void serve_whenNoTarget_answersConnectionCloseAndEndsTheConnection() throws IOException {
    try (Socket socket = new Socket(LoopbackResponder.HOST, responder.port())) {
      send(socket, post("Svc.PutItem", "{}"));
      read(socket.getInputStream());
      send(socket, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      Response response = read(socket.getInputStream());

      assertEquals("close", response.headers().get("connection"));
      assertEquals(-1, socket.getInputStream().read(), "the responder closed the connection");
    }
    responder.close();

    assertEquals(0, responder.forcedClosures(), "nothing left for close() to end");
    assertEquals(List.of("Svc.PutItem"), responder.targets(), "the closing request is not counted");
  }

  @Test
  void close_endsAConnectionTheClientKeptAlive_andEveryThread() throws IOException {
    try (Socket socket = new Socket(LoopbackResponder.HOST, responder.port())) {
      send(socket, post("Svc.PutItem", "{}"));
      read(socket.getInputStream());

      responder.close();

      assertEquals(1, responder.forcedClosures());
      assertEquals(-1, socket.getInputStream().read(), "closed by the responder");
    }
    assertFalse(responder.running());
    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith(LoopbackResponder.THREAD_NAME)),
        "a responder thread is still alive");
  }

  @Test
  void proxySetting_namesASettingThatCouldSendLoopbackRequestsThroughAProxy() {
    Properties none = new Properties();
    Properties httpProxy = new Properties();
    httpProxy.setProperty("http.proxyHost", "proxy.internal");
    Properties httpsOnly = new Properties();
    httpsOnly.setProperty("https.proxyHost", "proxy.internal");
    Properties system = new Properties();
    system.setProperty("java.net.useSystemProxies", "true");

    assertNull(LoopbackResponder.proxySetting(Map.of(), none));
    assertNull(
        LoopbackResponder.proxySetting(Map.of("HTTPS_PROXY", "http://p:3128"), httpsOnly),
        "priming's requests are plain http: an https proxy is not in their way");
    assertEquals("http.proxyHost", LoopbackResponder.proxySetting(Map.of(), httpProxy));
    assertEquals("java.net.useSystemProxies", LoopbackResponder.proxySetting(Map.of(), system));
    assertEquals(
        "HTTP_PROXY", LoopbackResponder.proxySetting(Map.of("HTTP_PROXY", "http://p:3128"), none));
    assertEquals(
        "all_proxy", LoopbackResponder.proxySetting(Map.of("all_proxy", "socks5://p:1080"), none));
  }

  private static String post(String target, String body) {
    return "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: "
        + target
        + "\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n"
        + body;
  }

  private static void send(Socket socket, String request) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private record Response(String status, Map<String, String> headers, String body) {}

  /** One response: status line, headers (names in lower case), a Content-Length body. */
  private static Response read(InputStream in) throws IOException {
    String status = line(in);
    Map<String, String> headers = new HashMap<>();
    for (String line = line(in); !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    return new Response(status, headers, new String(in.readNBytes(length), StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("end of stream in a line: " + bytes);
      }
      if (b != '\r') {
        bytes.write(b);
      }
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }
}
