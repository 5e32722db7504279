package dev.batchrunner.function.startup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * A minimal HTTP/1.1 responder on 127.0.0.1 (an ephemeral port) that priming sends the SDK clients'
 * requests to, so that the real HTTP client's whole path (sockets, HttpURLConnection, its
 * keep-alive cache, the SDK's adapter) runs during init. It answers each request with the canned
 * body of its {@code X-Amz-Target}, framed by Content-Length, and keeps the connection alive, as
 * AWS does; a request without a target (the end of priming) gets {@code Connection: close}, which
 * ends the connection the client kept. Its threads are daemons; {@link #close()} ends them and
 * every connection.
 */
final class LoopbackResponder implements Closeable {
  /** The name (prefix) of its threads. */
  static final String THREAD_NAME = "batch-runner-priming-loopback";

  /** The address it listens on, and the host priming rewrites requests to. */
  static final String HOST = "127.0.0.1";

  private static final int MAX_LINE = 16 * 1024;
  // How long close() lets a connection end by itself (one answered with Connection: close ends at
  // once; one the client still keeps alive never does, and is closed).
  private static final long LINGER_MILLIS = 50;

  private final ServerSocket server;
  private final Function<String, String> answers;
  private final List<String> targets = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final List<Thread> handlers = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final Thread acceptor;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile int forcedClosures;

  private LoopbackResponder(ServerSocket server, Function<String, String> answers) {
    this.server = server;
    this.answers = answers;
    this.acceptor = daemon(this::accept, THREAD_NAME);
    acceptor.start();
  }

  /** Binds 127.0.0.1 on an ephemeral port and starts answering. */
  static LoopbackResponder start(Function<String, String> answers) throws IOException {
    ServerSocket server = new ServerSocket();
    try {
      server.bind(
          new InetSocketAddress(InetAddress.getByAddress(HOST, new byte[] {127, 0, 0, 1}), 0), 8);
      return new LoopbackResponder(server, answers);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * The proxy setting a request to 127.0.0.1 might be sent through (by the JDK or by the SDK's
   * URLConnection client, which reads both the system properties and the environment), or null when
   * there is none: with one, priming keeps to in-memory answers, so that nothing leaves the
   * machine.
   */
  static String proxySetting(Map<String, String> env, Properties properties) {
    for (String property : List.of("http.proxyHost", "socksProxyHost")) {
      if (!properties.getProperty(property, "").isBlank()) {
        return property;
      }
    }
    if (Boolean.parseBoolean(properties.getProperty("java.net.useSystemProxies"))) {
      return "java.net.useSystemProxies";
    }
    for (String variable : List.of("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")) {
      if (!env.getOrDefault(variable, "").isBlank()) {
        return variable;
      }
    }
    return null;
  }

  int port() {
    return server.getLocalPort();
  }

  /** The {@code X-Amz-Target} of every request answered, in order. */
  List<String> targets() {
    return List.copyOf(targets);
  }

  /** Connections accepted so far. */
  int connections() {
    return connections.get();
  }

  /** Connections open now (the client may keep one alive between requests). */
  int openConnections() {
    return open.size();
  }

  /**
   * Connections {@link #close()} had to close: the client still kept them alive (0 when priming
   * ended the one it kept).
   */
  int forcedClosures() {
    return forcedClosures;
  }

  /** Whether any of its threads is still running. */
  boolean running() {
    return acceptor.isAlive() || handlers.stream().anyMatch(Thread::isAlive);
  }

  /** Stops accepting, closes every connection still open, and waits for its threads to end. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeQuietly(server);
    join(acceptor, 1_000);
    for (Thread handler : handlers) {
      join(handler, LINGER_MILLIS);
    }
    int forced = 0;
    for (Socket socket : open) {
      closeQuietly(socket);
      forced++;
    }
    forcedClosures = forced;
    for (Thread handler : handlers) {
      join(handler, 1_000);
    }
  }

  private void accept() {
    while (!closed.get()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(socket);
      connections.incrementAndGet();
      if (closed.get()) {
        closeQuietly(socket);
        open.remove(socket);
        return;
      }
      Thread handler =
          daemon(() -> serve(socket), THREAD_NAME.concat("-").concat(connections.toString()));
      handlers.add(handler);
      handler.start();
    }
  }

  /** Answers the requests of one connection until either side ends it. */
  private void serve(Socket socket) {
    try (socket;
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = new BufferedOutputStream(socket.getOutputStream())) {
      boolean keepAlive = true;
      while (keepAlive) {
        Map<String, String> headers = readHead(in);
        if (headers == null) {
          return; // the client closed the connection
        }
        if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
        skipBody(in, headers);
        String target = headers.get("x-amz-target");
        keepAlive = target != null && !"close".equalsIgnoreCase(headers.get("connection"));
        byte[] body =
            (target == null ? "{}" : answers.apply(target)).getBytes(StandardCharsets.UTF_8);
        if (target != null) {
          targets.add(target);
        }
        CRC32 crc = new CRC32();
        crc.update(body);
        // A StringBuilder, not string concatenation: javac's invokedynamic concatenation spins
        // method-handle classes at first use, which only this responder would ever load.
        StringBuilder head =
            new StringBuilder(256)
                .append("HTTP/1.1 200 OK\r\n")
                .append("Content-Type: application/x-amz-json-1.1\r\n")
                .append("Content-Length: ")
                .append(body.length)
                .append("\r\nx-amzn-RequestId: priming\r\nx-amz-crc32: ")
                .append(crc.getValue())
                .append("\r\n");
        if (!keepAlive) {
          head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      }
    } catch (IOException e) {
      // The client went away mid-request, or close() closed the socket: nothing to answer.
    } finally {
      open.remove(socket);
    }
  }

  /** The request's headers (names in lower case), or null at the end of the stream. */
  private static Map<String, String> readHead(InputStream in) throws IOException {
    String requestLine = readLine(in);
    if (requestLine == null) {
      return null;
    }
    Map<String, String> headers = new HashMap<>();
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    return headers;
  }

  /** Reads the body, framed by Content-Length or chunked; its content is not needed. */
  private static void skipBody(InputStream in, Map<String, String> headers) throws IOException {
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (long size = chunkSize(in); size > 0; size = chunkSize(in)) {
        skip(in, size);
        readLine(in);
      }
      String trailer = readLine(in);
      while (trailer != null && !trailer.isEmpty()) {
        trailer = readLine(in);
      }
    } else if (headers.containsKey("content-length")) {
      skip(in, Long.parseLong(headers.get("content-length")));
    }
  }

  private static long chunkSize(InputStream in) throws IOException {
    String line = readLine(in);
    if (line == null) {
      throw new EOFException("end of stream in a chunked body");
    }
    int extension = line.indexOf(';');
    return Long.parseLong((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
  }

  private static void skip(InputStream in, long bytes) throws IOException {
    in.skipNBytes(bytes);
  }

  /**
   * One CRLF- (or LF-) terminated line without its terminator, or null at the end of the stream.
   */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        if (line.size() == 0) {
          return null;
        }
        throw new EOFException("end of stream in a line");
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }

  private static Thread daemon(Runnable body, String name) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  private static void join(Thread thread, long millis) {
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // closing: nothing left to do
    }
  }
}
