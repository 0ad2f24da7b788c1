package io.ltm.lora.doctor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one doctor check. Immutable.
 *
 * @param name short name, e.g. {@code libtorch}, {@code score}
 * @param status passed, a warning, failed, or skipped
 * @param summary one line saying what was found, with the figures and the tolerance or limit they are held to
 * @param fix what to do when it did not pass; empty when it passed
 * @param figures the measured numbers by name (for {@code --json})
 */
public record Check(String name, Status status, String summary, String fix, Map<String, Object> figures) {

  /** How a check ended. */
  public enum Status { PASS, WARN, FAIL, SKIP }

  public Check {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(summary, "summary");
    fix = fix == null ? "" : fix;
    figures = Collections.unmodifiableMap(new LinkedHashMap<>(figures == null ? Map.of() : figures));
  }

  static Check pass(String name, String summary, Map<String, Object> figures) {
    return new Check(name, Status.PASS, summary, "", figures);
  }

  static Check fail(String name, String summary, String fix) {
    return new Check(name, Status.FAIL, summary, fix, Map.of());
  }

  static Check skip(String name, String why) {
    return new Check(name, Status.SKIP, why, "", Map.of());
  }
}
