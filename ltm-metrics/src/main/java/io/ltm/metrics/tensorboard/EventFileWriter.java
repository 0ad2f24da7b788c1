package io.ltm.metrics.tensorboard;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Writes scalars to a TensorBoard event file {@code events.out.tfevents.<seconds>.<host>} in a
 * directory, TensorBoard's own naming, so {@code tensorboard --logdir RUN_DIR} shows them (with a
 * {@code .1}, {@code .2}, ... suffix when that name is taken; an existing file is never overwritten). The first
 * record is the {@code brain.Event:2} version event; each scalar is one summary event, flushed when
 * written so a crash loses at most the record being written. Not thread-safe; close it.
 */
public final class EventFileWriter implements AutoCloseable {
  private final Path file;
  private final OutputStream out;

  private EventFileWriter(Path file, OutputStream out) {
    this.file = file;
    this.out = out;
  }

  /** A new event file in {@code dir} named with the current time and this host's name. */
  public static EventFileWriter create(Path dir) throws IOException {
    return create(dir, System.currentTimeMillis() / 1000.0, hostName());
  }

  /** A new event file {@code events.out.tfevents.<floor(wallTime)>.<host>} in {@code dir}. */
  public static EventFileWriter create(Path dir, double wallTime, String host) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Files.createDirectories(dir);
    String safeHost = host.replaceAll("[^A-Za-z0-9._-]", "_");
    String base = "events.out.tfevents." + (long) Math.floor(wallTime) + "." + safeHost;
    Path f = dir.resolve(base);
    for (int i = 1; Files.exists(f); i++) { // another writer this second (e.g. the trainer): never overwrite it
      f = dir.resolve(base + "." + i);
    }
    OutputStream o = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    EventFileWriter w = new EventFileWriter(f, o);
    w.write(Event.fileVersion(wallTime));
    return w;
  }

  /**
   * This machine's name as {@code gethostname} gives it (no DNS lookup, which can stall for seconds):
   * {@code $HOSTNAME}, else {@code /proc/sys/kernel/hostname}, else {@code /etc/hostname}, else
   * {@code localhost}.
   */
  public static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h.trim();
    }
    for (String f : new String[] {"/proc/sys/kernel/hostname", "/etc/hostname"}) {
      try {
        String s = Files.readString(Path.of(f)).trim();
        if (!s.isEmpty()) {
          return s;
        }
      } catch (IOException | RuntimeException e) {
        // try the next source
      }
    }
    return "localhost";
  }

  /** The file written. */
  public Path file() {
    return file;
  }

  /** Writes one event as one TFRecord and flushes. */
  public void write(Event e) throws IOException {
    out.write(TfRecord.frame(e.encode()));
    out.flush();
  }

  /** Writes a scalar at {@code step} stamped with the current time. */
  public void scalar(String tag, long step, double value) throws IOException {
    scalar(tag, step, value, System.currentTimeMillis() / 1000.0);
  }

  /** Writes a scalar at {@code step} with an explicit wall time (seconds since the epoch). */
  public void scalar(String tag, long step, double value, double wallTime) throws IOException {
    write(Event.scalar(wallTime, step, tag, (float) value));
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /** Reads every event of an event file, checking the framing. */
  public static java.util.List<Event> read(Path file) throws IOException {
    try (var in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
      java.util.List<Event> out = new java.util.ArrayList<>();
      int i = 0;
      for (byte[] rec : TfRecord.readAll(in, file.toString())) {
        try {
          out.add(Event.decode(rec));
        } catch (IllegalArgumentException e) {
          throw new IOException(file + ": record " + i + ": " + e.getMessage(), e);
        }
        i++;
      }
      return out;
    }
  }
}
