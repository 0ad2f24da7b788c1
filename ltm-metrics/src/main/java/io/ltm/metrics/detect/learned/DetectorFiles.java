package io.ltm.metrics.detect.learned;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.metrics.detect.BehaviourDetectors;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads a {@link LearnedDetector} as a directory (or class-path folder) of three files:
 * <ul>
 *   <li>{@code detector.json}: {@code format} ({@value #FORMAT}), {@code version} (1), {@code mode}
 *       ({@code learned} or {@code combined}, what {@code --detector DIR} uses), {@code features} (a
 *       {@link FeatureConfig}), {@code singleLabel}, and per behaviour {@code key}, {@code bias}, {@code
 *       platt} [a, b], {@code stack} [logit, strong, weak, rules, bias], {@code threshold} and {@code counting}
 *       ({@code threshold}, {@code precision}, {@code recall}, {@code reached}, {@code heldOut}: the {@link
 *       LearnedDetector.CountingPoint}; absent in files written before it existed);
 *   <li>{@code weights.tsv.gz}: a header {@code slot<TAB>verify<TAB>...}, then one line per hash slot
 *       with a non-zero weight;
 *   <li>{@code provenance.json}: the {@link Provenance}, what it was trained on.
 * </ul>
 * Files are written to a temporary name and moved into place. Stateless; thread-safe.
 */
public final class DetectorFiles {
  /** The {@code format} value of {@code detector.json}. */
  public static final String FORMAT = "ltm-learned-detector";

  private static final Logger LOG = LoggerFactory.getLogger(DetectorFiles.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private DetectorFiles() {}

  /** Writes {@code d} into {@code dir} (created if missing; files of the same names replaced). */
  public static void save(LearnedDetector d, Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", 1);
    root.put("mode", d.mode().name().toLowerCase(Locale.ROOT));
    root.set("features", JSON.valueToTree(d.features()));
    root.put("singleLabel", d.singleLabel());
    ArrayNode bs = root.putArray("behaviours");
    for (int b = 0; b < LearnedDetector.BEHAVIOURS.size(); b++) {
      ObjectNode o = bs.addObject();
      o.put("key", LearnedDetector.BEHAVIOURS.get(b).key());
      o.put("bias", d.bias()[b]);
      ArrayNode pl = o.putArray("platt");
      for (double v : d.platt()[b]) {
        pl.add(v);
      }
      ArrayNode st = o.putArray("stack");
      for (double v : d.stack()[b]) {
        st.add(v);
      }
      o.put("threshold", d.thresholds()[b]);
      LearnedDetector.CountingPoint cp = d.countingPoints()[b];
      if (!cp.heldOut().equals(LearnedDetector.CountingPoint.NONE.heldOut())) {
        ObjectNode c = o.putObject("counting");
        putOrNull(c, "threshold", cp.threshold());
        putOrNull(c, "precision", cp.precision());
        putOrNull(c, "recall", cp.recall());
        c.put("reached", cp.reached());
        c.put("heldOut", cp.heldOut());
      }
    }
    write(dir.resolve("detector.json"), JSON.writeValueAsBytes(root));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Writer w = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
      StringBuilder sb = new StringBuilder("slot");
      for (var b : LearnedDetector.BEHAVIOURS) {
        sb.append('\t').append(b.key());
      }
      w.write(sb.append('\n').toString());
      float[][] ws = d.weights();
      for (int i = 0; i < d.features().dimension(); i++) {
        boolean any = false;
        for (float[] row : ws) {
          any |= row[i] != 0f;
        }
        if (!any) {
          continue;
        }
        sb.setLength(0);
        sb.append(i);
        for (float[] row : ws) {
          sb.append('\t').append(row[i] == 0f ? "0" : String.format(Locale.ROOT, "%.6g", row[i]));
        }
        w.write(sb.append('\n').toString());
      }
    }
    write(dir.resolve("weights.tsv.gz"), bytes.toByteArray());
    write(dir.resolve("provenance.json"), JSON.writeValueAsBytes(d.provenance()));
  }

  private static void putOrNull(ObjectNode o, String field, double v) {
    if (Double.isNaN(v)) {
      o.putNull(field);
    } else {
      o.put(field, Math.round(v * 10000) / 10000.0);
    }
  }

  private static void write(Path target, byte[] data) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    try {
      Files.write(tmp, data);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Opens one file of a detector. */
  @FunctionalInterface
  interface Opener {
    InputStream open(String file) throws IOException;
  }

  /**
   * Loads the detector in {@code dir}, named {@code dir}'s path.
   *
   * @throws IllegalArgumentException naming the file and field when a file is missing or malformed
   */
  public static LearnedDetector load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": not a detector directory (expected detector.json, weights.tsv.gz, "
          + "provenance.json as written by 'ltm detect --train')");
    }
    return load(dir.toString(), f -> {
      Path p = dir.resolve(f);
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(p + ": missing; a detector directory holds detector.json, weights.tsv.gz and provenance.json");
      }
      return Files.newInputStream(p);
    });
  }

  /** Loads a detector from class-path folder {@code base} (e.g. {@code /io/ltm/.../default/}). */
  public static LearnedDetector loadResource(String base, String name) throws IOException {
    return load(name, f -> {
      InputStream in = DetectorFiles.class.getResourceAsStream(base + f);
      if (in == null) {
        throw new IllegalStateException("resource " + base + f + " missing from the class path");
      }
      return in;
    });
  }

  static LearnedDetector load(String where, Opener opener) throws IOException {
    JsonNode root;
    try (InputStream in = opener.open("detector.json")) {
      root = JSON.readTree(in);
    }
    String src = where + "/detector.json";
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(src + ": field 'format' must be '" + FORMAT + "'");
    }
    if (root.path("version").asInt() != 1) {
      throw new IllegalArgumentException(src + ": field 'version' is " + root.path("version") + "; this ltm reads version 1");
    }
    LearnedDetector.Mode mode;
    try {
      mode = LearnedDetector.Mode.valueOf(root.path("mode").asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(src + ": field 'mode' must be 'learned' or 'combined' but is " + root.path("mode"));
    }
    FeatureConfig fc;
    try {
      fc = JSON.treeToValue(root.path("features"), FeatureConfig.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(src + ": field 'features': " + e.getMessage(), e);
    }
    int nb = LearnedDetector.BEHAVIOURS.size();
    JsonNode bs = root.path("behaviours");
    if (!bs.isArray() || bs.size() != nb) {
      throw new IllegalArgumentException(src + ": field 'behaviours' must list " + nb + " behaviours");
    }
    float[] bias = new float[nb];
    double[][] platt = new double[nb][2];
    double[][] stack = new double[nb][LearnedDetector.STACK_INPUTS + 1];
    double[] thr = new double[nb];
    LearnedDetector.CountingPoint[] counting = new LearnedDetector.CountingPoint[nb];
    for (int b = 0; b < nb; b++) {
      JsonNode o = bs.get(b);
      String key = LearnedDetector.BEHAVIOURS.get(b).key();
      if (!key.equals(o.path("key").asText())) {
        throw new IllegalArgumentException(src + ": behaviours[" + b + "].key must be '" + key + "' but is " + o.path("key"));
      }
      bias[b] = (float) number(o, "bias", src, b);
      array(o, "platt", platt[b], src, b);
      array(o, "stack", stack[b], src, b);
      thr[b] = number(o, "threshold", src, b);
      counting[b] = countingPoint(o.path("counting"), src, b);
    }
    float[][] w = new float[nb][fc.dimension()];
    String wsrc = where + "/weights.tsv.gz";
    try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(opener.open("weights.tsv.gz")), StandardCharsets.UTF_8))) {
      String header = r.readLine();
      StringBuilder expected = new StringBuilder("slot");
      for (var b : LearnedDetector.BEHAVIOURS) {
        expected.append('\t').append(b.key());
      }
      if (!expected.toString().equals(header)) {
        throw new IllegalArgumentException(wsrc + ":1: header must be '" + expected.toString().replace("\t", "<TAB>") + "'");
      }
      String line;
      int no = 1;
      while ((line = r.readLine()) != null) {
        no++;
        String[] c = line.split("\t");
        if (c.length != nb + 1) {
          throw new IllegalArgumentException(wsrc + ":" + no + ": expected " + (nb + 1) + " columns but got " + c.length);
        }
        try {
          int slot = Integer.parseInt(c[0]);
          if (slot < 0 || slot >= fc.dimension()) {
            throw new IllegalArgumentException(wsrc + ":" + no + ": slot " + slot + " outside [0, " + fc.dimension() + ")");
          }
          for (int b = 0; b < nb; b++) {
            w[b][slot] = Float.parseFloat(c[b + 1]);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(wsrc + ":" + no + ": not a number: " + e.getMessage());
        }
      }
    }
    Provenance prov;
    try (InputStream in = opener.open("provenance.json")) {
      prov = JSON.readValue(in, Provenance.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException(where + "/provenance.json: " + e.getOriginalMessage(), e);
    }
    String rules = LearnedDetectorTrainer.rulesSha256();
    if (!rules.equals(prov.rulesSha256())) {
      LOG.warn("{}: trained with other behaviour rules (sha256 {}) than these ({}); its rule-cue features may "
          + "mean something else now: retrain with 'ltm detect --train'", where, prov.rulesSha256(), rules);
    }
    return new LearnedDetector(where, mode, new StepFeaturizer(fc, BehaviourDetectors.defaults()), BehaviourDetectors.defaults(),
        w, bias, platt, stack, thr, counting, root.path("singleLabel").asBoolean(true), prov);
  }

  /** A behaviour's {@code counting} object; absent (a file written before it existed) is {@link LearnedDetector.CountingPoint#NONE}. */
  private static LearnedDetector.CountingPoint countingPoint(JsonNode c, String src, int b) {
    if (c.isMissingNode() || c.isNull()) {
      return LearnedDetector.CountingPoint.NONE;
    }
    double[] v = new double[3];
    String[] fields = {"threshold", "precision", "recall"};
    for (int k = 0; k < 3; k++) {
      JsonNode n = c.path(fields[k]);
      if (n.isNull()) {
        v[k] = Double.NaN;
      } else if (n.isNumber()) {
        v[k] = n.asDouble();
      } else {
        throw new IllegalArgumentException(src + ": behaviours[" + b + "].counting." + fields[k] + " must be a number or null but is " + n);
      }
    }
    if (!Double.isNaN(v[0]) && !(v[0] > 0 && v[0] < 1)) {
      throw new IllegalArgumentException(src + ": behaviours[" + b + "].counting.threshold must be in (0, 1) or null but is " + v[0]);
    }
    return new LearnedDetector.CountingPoint(v[0], v[1], v[2], c.path("reached").asBoolean(false), c.path("heldOut").asText("sets left out"));
  }

  private static double number(JsonNode o, String field, String src, int b) {
    JsonNode n = o.path(field);
    if (!n.isNumber()) {
      throw new IllegalArgumentException(src + ": behaviours[" + b + "]." + field + " must be a number but is " + n);
    }
    return n.asDouble();
  }

  private static void array(JsonNode o, String field, double[] into, String src, int b) {
    JsonNode n = o.path(field);
    if (!n.isArray() || n.size() != into.length) {
      throw new IllegalArgumentException(src + ": behaviours[" + b + "]." + field + " must be an array of " + into.length + " numbers");
    }
    for (int k = 0; k < into.length; k++) {
      if (!n.get(k).isNumber()) {
        throw new IllegalArgumentException(src + ": behaviours[" + b + "]." + field + "[" + k + "] must be a number");
      }
      into[k] = n.get(k).asDouble();
    }
  }
}
