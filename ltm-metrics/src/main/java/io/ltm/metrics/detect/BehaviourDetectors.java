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
import java.util.BitSet;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One detector per {@link Behaviour}, loaded from a pattern file. Immutable and thread-safe.
 *
 * <p>Pattern file format (UTF-8): one rule per line, {@code behaviour<TAB>lang<TAB>regex} or {@code
 * behaviour<TAB>lang<TAB>weak<TAB>regex} (also {@code strong}, the default); blank lines and lines
 * starting with {@code #} are skipped. A weak rule is a cue that also turns up in other behaviours'
 * text (a mid-sentence "but"): it marks spans like any rule, but in {@link #classify} it counts only
 * when no behaviour has a strong cue in the same text. A line {@code @outranks<TAB>a<TAB>b} says that a
 * step showing both {@code a} and {@code b} equally strongly is classified as {@code a} only. {@code behaviour} is a {@link Behaviour#patternName()}
 * such as {@code verification}; {@code lang} a language tag, informative only (rules of every language
 * run on every text, so mixed-language reasoning is covered); {@code regex} a Java regular expression
 * compiled with {@link PatternDetector#FLAGS}. The shipped rules are
 * {@code io/ltm/metrics/detect/behaviour-patterns.txt} (English and Russian).
 */
public final class BehaviourDetectors implements BehaviourClassifier {
  /** The class-path resource with the shipped rules. */
  public static final String DEFAULT_RESOURCE = "/io/ltm/metrics/detect/behaviour-patterns.txt";

  private static volatile BehaviourDetectors defaults;

  private final Map<Behaviour, BehaviourDetector> detectors;
  private final Map<Behaviour, Set<Behaviour>> outranks;

  /** A set of detectors; behaviours without one are never detected. */
  public BehaviourDetectors(List<? extends BehaviourDetector> detectors) {
    this(detectors, Map.of());
  }

  /**
   * A set of detectors with a precedence: when {@code outranks.get(a)} contains {@code b} and both
   * are found in a step with the same strength, {@link #classify} keeps only {@code a}.
   *
   * @throws IllegalArgumentException when a behaviour outranks itself or two outrank each other
   */
  public BehaviourDetectors(List<? extends BehaviourDetector> detectors, Map<Behaviour, Set<Behaviour>> outranks) {
    Map<Behaviour, Set<Behaviour>> o = new EnumMap<>(Behaviour.class);
    outranks.forEach((a, bs) -> {
      if (bs.contains(a)) {
        throw new IllegalArgumentException(a.label() + " cannot outrank itself");
      }
      o.put(a, bs.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(bs)));
    });
    o.forEach((a, bs) -> bs.forEach(b -> {
      if (o.getOrDefault(b, Set.of()).contains(a)) {
        throw new IllegalArgumentException(a.label() + " and " + b.label() + " outrank each other");
      }
    }));
    this.outranks = Collections.unmodifiableMap(o);
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
    Map<Behaviour, BitSet> weak = new EnumMap<>(Behaviour.class);
    Map<Behaviour, Set<Behaviour>> outranks = new EnumMap<>(Behaviour.class);
    BufferedReader br = new BufferedReader(reader);
    String line;
    int no = 0;
    while ((line = br.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("@")) {
        String[] d = line.trim().split("\\s+");
        if (!d[0].equals("@outranks") || d.length != 3) {
          throw new IllegalArgumentException(source + ":" + no
              + ": expected '@outranks<TAB>behaviour<TAB>behaviour' but got '" + line.trim() + "'");
        }
        Behaviour[] ab = new Behaviour[2];
        for (int i = 0; i < 2; i++) {
          String name = d[i + 1];
          int lineNo = no;
          ab[i] = Behaviour.fromName(name).orElseThrow(() -> new IllegalArgumentException(
              source + ":" + lineNo + ": unknown behaviour '" + name + "'; use one of " + names()));
        }
        if (ab[0] == ab[1]) {
          throw new IllegalArgumentException(source + ":" + no + ": " + ab[0].patternName() + " cannot outrank itself");
        }
        outranks.computeIfAbsent(ab[0], k -> EnumSet.noneOf(Behaviour.class)).add(ab[1]);
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
      String regex = cols[2];
      boolean isWeak = false;
      if (regex.startsWith("weak\t") || regex.startsWith("strong\t")) {
        isWeak = regex.startsWith("weak\t");
        regex = regex.substring(regex.indexOf('\t') + 1);
        if (regex.isBlank()) {
          throw new IllegalArgumentException(source + ":" + no + ": expected a regex after the strength column");
        }
      }
      try {
        List<Pattern> ps = rules.computeIfAbsent(b, k -> new ArrayList<>());
        if (isWeak) {
          weak.computeIfAbsent(b, k -> new BitSet()).set(ps.size());
        }
        ps.add(Pattern.compile(regex, PatternDetector.FLAGS));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(source + ":" + no + ": regex does not compile: " + e.getDescription()
            + " near index " + e.getIndex(), e);
      }
    }
    List<BehaviourDetector> ds = new ArrayList<>();
    rules.forEach((b, ps) -> ds.add(new PatternDetector(b, ps, weak.getOrDefault(b, new BitSet()))));
    return new BehaviourDetectors(ds, outranks);
  }

  private static String names() {
    List<String> n = new ArrayList<>();
    for (Behaviour b : Behaviour.values()) {
      n.add(b.patternName());
    }
    return String.join(", ", n);
  }

  /** {@code rules}. */
  @Override
  public String name() {
    return "rules";
  }

  /** The behaviours that have a detector. */
  @Override
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

  /**
   * The behaviours a single thinking step shows, after resolving conflicts between detectors: when any
   * behaviour has a strong cue in {@code text}, the behaviours with only weak cues are dropped (a step
   * that says "let me check" and also contains a mid-sentence "but" is a verification, not a tension);
   * when none has a strong cue, every behaviour with a weak cue is kept. Several behaviours with strong
   * cues are all kept (a step can both check and correct), except where the rules declare that one
   * behaviour outranks another ({@code @outranks} lines: a correction that says "I was wrong" is a
   * rewrite, not also a reflection). This is what the step-level evaluation
   * ({@link DetectorEvaluation}) scores; {@link #detect} still marks every span.
   */
  @Override
  public Set<Behaviour> classify(String text) {
    return resolve(strengths(text));
  }

  /**
   * The {@link BehaviourDetector#strength} of every behaviour whose detector matches {@code text}
   * (behaviours with strength 0 are absent).
   */
  public Map<Behaviour, Integer> strengths(String text) {
    Objects.requireNonNull(text, "text");
    Map<Behaviour, Integer> strength = new EnumMap<>(Behaviour.class);
    for (BehaviourDetector d : detectors.values()) {
      int s = d.strength(text);
      if (s > 0) {
        strength.put(d.behaviour(), s);
      }
    }
    return strength;
  }

  /**
   * {@link #strengths} of each sentence (or other range) of {@code text}, in one pass per detector over
   * the whole text ({@link PatternDetector#strengths(String, List)}); detectors that are not pattern
   * detectors are asked range by range.
   */
  public List<Map<Behaviour, Integer>> strengths(String text, List<Sentences.Range> ranges) {
    List<Map<Behaviour, Integer>> out = new ArrayList<>(ranges.size());
    for (int i = 0; i < ranges.size(); i++) {
      out.add(new EnumMap<>(Behaviour.class));
    }
    for (BehaviourDetector d : detectors.values()) {
      if (d instanceof PatternDetector) {
        int[] s = ((PatternDetector) d).strengths(text, ranges);
        for (int i = 0; i < s.length; i++) {
          if (s[i] > 0) {
            out.get(i).put(d.behaviour(), s[i]);
          }
        }
      } else {
        for (int i = 0; i < ranges.size(); i++) {
          int s = d.strength(ranges.get(i).in(text));
          if (s > 0) {
            out.get(i).put(d.behaviour(), s);
          }
        }
      }
    }
    return out;
  }

  /** What {@link #classify} returns for a step with these {@link #strengths}. */
  public Set<Behaviour> resolve(Map<Behaviour, Integer> strength) {
    int max = 0;
    for (int v : strength.values()) {
      max = Math.max(max, v);
    }
    Set<Behaviour> top = EnumSet.noneOf(Behaviour.class);
    for (Map.Entry<Behaviour, Integer> e : strength.entrySet()) {
      if (e.getValue() == max && max > 0) {
        top.add(e.getKey());
      }
    }
    if (top.isEmpty()) {
      return Set.of();
    }
    Set<Behaviour> out = EnumSet.copyOf(top);
    for (Behaviour a : top) {
      out.removeAll(outranks.getOrDefault(a, Set.of()));
    }
    return Collections.unmodifiableSet(out);
  }

  /** All spans of all behaviours in {@code text}, sorted by start; spans of different behaviours may overlap. */
  @Override
  public List<Span> detect(String text) {
    List<Span> all = new ArrayList<>();
    for (BehaviourDetector d : detectors.values()) {
      all.addAll(d.detect(text));
    }
    Collections.sort(all);
    return all;
  }

  /** Number of spans per behaviour in {@code text} (every behaviour with a detector has an entry). */
  @Override
  public Map<Behaviour, Integer> counts(String text) {
    Map<Behaviour, Integer> m = new EnumMap<>(Behaviour.class);
    for (BehaviourDetector d : detectors.values()) {
      m.put(d.behaviour(), d.detect(text).size());
    }
    return m;
  }
}
