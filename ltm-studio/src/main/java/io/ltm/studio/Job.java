package io.ltm.studio;

import io.javalin.http.sse.SseClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One streaming task (an answer, a comparison, a loop): started by a POST, watched through one
 * server-sent-event stream. Events are buffered until the stream attaches, so none is lost between the
 * POST and the {@code EventSource}; a stream that disconnects (the page closed, the tab reloaded)
 * cancels the job, and so does a stream that never attaches. Thread-safe: the job's thread emits
 * while Jetty's threads attach and disconnect.
 */
final class Job {
  /** Thrown on the job's thread at its next token once the job is cancelled. */
  static final class Cancelled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Cancelled(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Where a job stands. */
  enum State { RUNNING, DONE, STOPPED, FAILED }

  private record Event(String name, String data) {}

  private final String id;
  private final String kind;
  private final long createdNanos = System.nanoTime();
  private final List<Event> backlog = new ArrayList<>();
  private SseClient client;
  private boolean attachedOnce;
  private volatile String cancelReason;
  private volatile State state = State.RUNNING;
  private volatile String message = "";
  private final java.util.concurrent.atomic.AtomicInteger tokens = new java.util.concurrent.atomic.AtomicInteger();

  Job(String id, String kind) {
    this.id = Objects.requireNonNull(id, "id");
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  String id() {
    return id;
  }

  String kind() {
    return kind;
  }

  State state() {
    return state;
  }

  /** Why it stopped or failed; empty while running or when done. */
  String message() {
    return message;
  }

  /** Tokens generated so far (all variants and iterations). */
  int tokens() {
    return tokens.get();
  }

  long ageNanos() {
    return System.nanoTime() - createdNanos;
  }

  synchronized boolean attachedOnce() {
    return attachedOnce;
  }

  /** Counts a token and stops the job's thread when it was cancelled. */
  void tokenGenerated() {
    tokens.incrementAndGet(); // Compare's variants count from several threads
    checkCancelled();
  }

  /** Throws {@link Cancelled} when the job was cancelled. */
  void checkCancelled() {
    String r = cancelReason;
    if (r != null) {
      throw new Cancelled(r);
    }
  }

  boolean cancelled() {
    return cancelReason != null;
  }

  /** Asks the job to stop at its next token; the first reason wins. */
  synchronized void cancel(String reason) {
    if (cancelReason == null && state == State.RUNNING) {
      cancelReason = reason;
    }
  }

  /** The events so far, each as {@code name + " " + data} (for tests). */
  synchronized java.util.List<String> eventLog() {
    return backlog.stream().map(e -> e.name() + " " + e.data()).toList();
  }

  /** Sends (or buffers) one event; {@code data} is one line of JSON. */
  synchronized void emit(String name, String data) {
    backlog.add(new Event(name, data));
    if (client != null) {
      send(new Event(name, data));
    }
  }

  /** Attaches the stream: the backlog first, then live events. A second stream is refused. */
  synchronized boolean attach(SseClient c) {
    if (attachedOnce) {
      return false;
    }
    attachedOnce = true;
    client = c;
    for (Event e : backlog) {
      send(e);
    }
    if (state != State.RUNNING) {
      c.close();
      client = null;
    }
    return true;
  }

  /** A comment line on the stream, so that a closed page is noticed while nothing else is sent. */
  synchronized void heartbeat() {
    if (client != null) {
      client.sendComment("");
      if (client.terminated()) {
        disconnected();
      }
    }
  }

  /** The stream went away. */
  synchronized void disconnected() {
    client = null;
    cancel("the page was closed");
  }

  /** Marks the end and closes the stream after the last event. */
  synchronized void finish(State end, String why) {
    state = end;
    message = why == null ? "" : why;
    if (client != null) {
      client.close();
      client = null;
    }
  }

  private void send(Event e) {
    if (client == null) {
      return;
    }
    client.sendEvent(e.name(), e.data());
    if (client != null && client.terminated()) {
      client = null;
      cancel("the page was closed");
    }
  }
}
