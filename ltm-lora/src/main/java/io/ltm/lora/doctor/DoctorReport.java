package io.ltm.lora.doctor;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything {@link Doctor} found, in the order it checked. Immutable.
 *
 * @param device the device checked, e.g. {@code cpu}, {@code gpu(0)}
 * @param checks the checks
 */
public record DoctorReport(String device, List<Check> checks) {
  public DoctorReport {
    checks = List.copyOf(checks);
  }

  /** True when no check failed. */
  public boolean ok() {
    return checks.stream().noneMatch(c -> c.status() == Check.Status.FAIL);
  }

  /** The check named {@code name}, or null. */
  public Check check(String name) {
    return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }

  /** One line per check ({@code [PASS] name: summary}), a {@code fix:} line under each that did not pass. */
  public String format() {
    StringBuilder s = new StringBuilder();
    s.append("ltm doctor on ").append(device).append(System.lineSeparator());
    for (Check c : checks) {
      s.append(String.format(Locale.ROOT, "[%s] %s: %s%n", c.status(), c.name(), c.summary()));
      if (!c.fix().isEmpty()) {
        s.append("       fix: ").append(c.fix()).append(System.lineSeparator());
      }
    }
    s.append(ok() ? "all checks passed" : "some checks FAILED: see fix: above").append(System.lineSeparator());
    return s.toString();
  }

  /** {@code {"device":..., "ok":bool, "checks":[{"name","status","summary","fix","figures":{...}}]}}. */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("device", device);
    root.put("ok", ok());
    var arr = root.putArray("checks");
    for (Check c : checks) {
      ObjectNode o = arr.addObject();
      o.put("name", c.name());
      o.put("status", c.status().name());
      o.put("summary", c.summary());
      o.put("fix", c.fix());
      ObjectNode figs = o.putObject("figures");
      for (Map.Entry<String, Object> e : c.figures().entrySet()) {
        Object v = e.getValue();
        if (v instanceof Number n) {
          if (v instanceof Double || v instanceof Float) {
            figs.put(e.getKey(), n.doubleValue());
          } else {
            figs.put(e.getKey(), n.longValue());
          }
        } else if (v instanceof Boolean b) {
          figs.put(e.getKey(), b);
        } else {
          figs.put(e.getKey(), String.valueOf(v));
        }
      }
    }
    return root;
  }
}
