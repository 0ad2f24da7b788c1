package io.ltm.metrics.detect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One detector per {@link Behaviour}, loaded from a pattern file. Immutable and thread-safe.
 *
 * <p>Pattern file format (UTF-8): one rule per line, {@code behaviour<TAB>lang<TAB>regex}; blank lines
 * and lines starting with {@code #} are skipped. {@code behaviour} is a {@link Behaviour#patternName()}
 * such as {@code verification}; {@code lang} a language tag, informative only (rules of every language
 * run on every text, so mixed-language reasoning is covered); {@code regex} a Java regular expression
 * compiled with {@link PatternDetector#FLAGS}. The shipped rules are
 * {@code io/ltm/metrics/detect/behaviour-patterns.txt} (English and Russian).
 */
public final class BehaviourDetectors {
  /** The class-path resource with the shipped rules. */
  public static final String DEFAULT_RESOURCE = "/io/ltm/metrics/detect/behaviour-patterns.txt";

  private static volatile BehaviourDetectors defaults;

  private final Map<Behaviour, BehaviourDetector> detectors;

  /** A set of detectors; behaviours without one are never detected. */
  public BehaviourDetectors(List<? extends BehaviourDetector> detectors) {
    Map<Behaviour, BehaviourDetector> m = new EnumMap<>(Behaviour.class);
    for (BehaviourDetector d : detectors) {
      if (m.put(d.behaviour(), d) != null) {
        throw new IllegalArgumentException("two detectors for " + d.behaviour().label());
      }
    }
    this.detectors = Collections.unmodifiableMap(m);
  }

  /** The shipped English and Russian rules (loaded once). */
  public static BehaviourDetectors defaults() {
    BehaviourDetectors d = defaults;
    if (d == null) {
      synchronized (BehaviourDetectors.class) {
        d = defaults;
        if (d == null) {
          try (InputStream in = BehaviourDetectors.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " missing from the class path");
            }
            d = parse(new InputStreamReader(in, StandardCharsets.UTF_8), DEFAULT_RESOURCE);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          defaults = d;
        }
      }
    }
    return d;
  }

  /** Rules from a pattern file. */
  public static BehaviourDetectors load(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(r, file.toString());
    }
  }

  /**
   * Parses rules.
   *
   * @param source named in error messages
   * @throws IllegalArgumentException naming {@code source:line} for an unknown behaviour, a missing
   *     column or a regex that does not compile
   */
  public static BehaviourDetectors parse(Reader reader, String source) throws IOException {
    Map<Behaviour, List<Pattern>> rules = new EnumMap<>(Behaviour.class);
    BufferedReader br = new BufferedReader(reader);
    String line;
    int no = 0;
    while ((line = br.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cols = line.split("\t", 3);
      if (cols.length < 3 || cols[2].isBlank()) {
        throw new IllegalArgumentException(source + ":" + no
            + ": expected behaviour<TAB>lang<TAB>regex but got " + cols.length + " column(s)");
      }
      int lineNo = no;
      Behaviour b = Behaviour.fromName(cols[0]).orElseThrow(() -> new IllegalArgumentException(
          source + ":" + lineNo + ": unknown behaviour '" + cols[0] + "'; use one of " + names()));
      try {
        rules.computeIfAbsent(b, k -> new ArrayList<>()).add(Pattern.compile(cols[2], PatternDetector.FLAGS));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(source + ":" + no + ": regex does not compile: " + e.getDescription()
            + " near index " + e.getIndex(), e);
      }
    }
    List<BehaviourDetector> ds = new ArrayList<>();
    rules.forEach((b, ps) -> ds.add(new PatternDetector(b, ps)));
    return new BehaviourDetectors(ds);
  }

  private static String names() {
    List<String> n = new ArrayList<>();
    for (Behaviour b : Behaviour.values()) {
      n.add(b.patternName());
    }
    return String.join(", ", n);
  }

  /** The behaviours that have a detector. */
  public Set<Behaviour> behaviours() {
    return detectors.keySet();
  }

  /** The detector for {@code b}, or null. */
  public BehaviourDetector detector(Behaviour b) {
    return detectors.get(Objects.requireNonNull(b, "b"));
  }

  /** True when the detector for {@code b} fires on {@code text} (false when there is none). */
  public boolean fires(Behaviour b, String text) {
    BehaviourDetector d = detectors.get(b);
    return d != null && d.fires(text);
  }

  /** All spans of all behaviours in {@code text}, sorted by start; spans of different behaviours may overlap. */
  public List<Span> detect(String text) {
    List<Span> all = new ArrayList<>();
    for (BehaviourDetector d : detectors.values()) {
      all.addAll(d.detect(text));
    }
    Collections.sort(all);
    return all;
  }

  /** Number of spans per behaviour in {@code text} (every behaviour with a detector has an entry). */
  public Map<Behaviour, Integer> counts(String text) {
    Map<Behaviour, Integer> m = new EnumMap<>(Behaviour.class);
    for (BehaviourDetector d : detectors.values()) {
      m.put(d.behaviour(), d.detect(text).size());
    }
    return m;
  }
}
