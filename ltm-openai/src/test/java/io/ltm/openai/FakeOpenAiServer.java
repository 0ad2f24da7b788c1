package io.ltm.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible server on 127.0.0.1 (JDK {@code com.sun.net.httpserver}) that answers {@code
 * POST /v1/chat/completions} from a script of replies, one per request, and records each request's
 * headers and JSON body. {@code GET /v1/models} lists the given names. When the script is empty it
 * repeats the last reply. Close it after the test.
 */
final class FakeOpenAiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What to answer one request with. */
  interface Reply {
    void write(HttpExchange ex) throws IOException, InterruptedException;
  }

  /** One recorded request. */
  record Seen(String authorization, JsonNode body) {}

  private final HttpServer server;
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  private volatile Reply last;
  final List<Seen> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<String> models = new ArrayList<>();

  FakeOpenAiServer(String... modelNames) throws IOException {
    models.addAll(List.of(modelNames));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/v1/chat/completions", ex -> {
      try (ex) {
        byte[] in;
        try (InputStream is = ex.getRequestBody()) {
          in = is.readAllBytes();
        }
        requests.add(new Seen(ex.getRequestHeaders().getFirst("Authorization"), JSON.readTree(in)));
        Reply r = script.pollFirst();
        if (r == null) {
          r = last;
        } else {
          last = r;
        }
        if (r == null) {
          throw new IllegalStateException("no reply scripted");
        }
        r.write(ex);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // the client went away
      }
    });
    server.createContext("/v1/models", ex -> {
      try (ex) {
        StringBuilder sb = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < models.size(); i++) {
          sb.append(i == 0 ? "" : ",").append("{\"id\":\"").append(models.get(i)).append("\",\"object\":\"model\"}");
        }
        send(ex, 200, Map.of(), sb.append("]}").toString());
      }
    });
    server.start();
  }

  /** {@code http://127.0.0.1:PORT/v1}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  FakeOpenAiServer then(Reply r) {
    script.addLast(r);
    return this;
  }

  static String fixture(String name) {
    try (InputStream in = FakeOpenAiServer.class.getResourceAsStream("/fixtures/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A whole JSON body with a status. */
  static Reply json(int status, String body) {
    return ex -> send(ex, status, Map.of(), body);
  }

  /** A status with headers (e.g. Retry-After) and a body. */
  static Reply status(int status, Map<String, String> headers, String body) {
    return ex -> send(ex, status, headers, body);
  }

  /** A server-sent event stream, written event by event with a flush each (chunked encoding). */
  static Reply sse(String text) {
    return sse(text, Integer.MAX_VALUE, 0);
  }

  /**
   * The first {@code events} events of {@code text}, then: end the body (a stream that drops) after
   * sleeping {@code stallMs} (0 = at once).
   */
  static Reply sse(String text, int events, long stallMs) {
    return ex -> {
      ex.getResponseHeaders().add("Content-Type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      String[] parts = text.split("\n\n");
      int n = 0;
      for (String p : parts) {
        if (p.isBlank()) {
          continue;
        }
        if (n++ >= events) {
          break;
        }
        out.write((p + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      if (stallMs > 0) {
        Thread.sleep(stallMs);
      }
      out.close();
    };
  }

  static void send(HttpExchange ex, int status, Map<String, String> headers, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
