package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourDetectors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Turns an ordered sequence of thinking steps into hashed sparse feature vectors. Thread-safe (Lucene
 * analyzers keep per-thread state; everything else is immutable).
 *
 * <p>Features of step {@code i} (each a hashed slot; names in brackets are the feature families):
 * <ul>
 *   <li>[char] character {@code charMin..charMax}-grams of the lower-cased text with letters and digits
 *       kept (digits as 0) and everything else one space, so they span word boundaries: "i was", "но ";
 *       presence only, the block scaled to unit length;
 *   <li>[stem], [bigram], [first] word stems from Lucene's {@link EnglishAnalyzer} or {@link
 *       RussianAnalyzer} (chosen by the step's majority script, stop words kept: "but", "не", "I" are
 *       cues), stem bigrams, and the first two stems of the step; the block scaled to unit length;
 *   <li>[rule] the rules' strength per behaviour (weak or strong) and the rules' step classification;
 *   <li>[context] position (index bucket, first, last, relative position), the rules' classification of
 *       the previous step, the largest cosine similarity of the step's content stems to any of the
 *       {@code window} steps before it and to the previous one (a rewrite restates an earlier step);
 *   <li>[shape] length in words (buckets), number of sentences, a digit, a question mark, a colon, the
 *       script.
 * </ul>
 */
final class StepFeaturizer {
  private static final Analyzer EN = new EnglishAnalyzer(CharArraySet.EMPTY_SET);
  private static final Analyzer RU = new RussianAnalyzer(CharArraySet.EMPTY_SET);
  private static final CharArraySet STOP = stopSet();

  private static final int NS_CHAR = 0x1001;
  private static final int NS_STEM = 0x2002;
  private static final int NS_BIGRAM = 0x3003;
  private static final int NS_FIRST = 0x4004;
  private static final int NS_NAMED = 0x5005;

  private final FeatureConfig config;
  private final BehaviourDetectors rules;
  private final int mask;

  StepFeaturizer(FeatureConfig config, BehaviourDetectors rules) {
    this.config = Objects.requireNonNull(config, "config");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.mask = config.dimension() - 1;
  }

  FeatureConfig config() {
    return config;
  }

  /** What one step contributes to the context features of the steps after it, and the rules' view of it. */
  record StepInfo(int[] content, Map<Behaviour, Integer> strengths, Set<Behaviour> ruleClass) {}

  /** Feature vectors of a sequence of steps and the rules' strengths for each step. */
  record Featurized(List<SparseVector> vectors, List<StepInfo> infos) {}

  /** Feature vectors of {@code steps}, in order; step {@code i} sees steps {@code i-window..i-1}. */
  Featurized features(List<String> steps) {
    return features(steps, null);
  }

  /**
   * As {@link #features(List)}, with the rules' strengths of each step already known ({@code null}:
   * computed here, step by step).
   */
  Featurized features(List<String> steps, List<Map<Behaviour, Integer>> ruleStrengths) {
    List<SparseVector> out = new ArrayList<>(steps.size());
    StepInfo[] infos = new StepInfo[steps.size()];
    for (int i = 0; i < steps.size(); i++) {
      Map<Behaviour, Integer> st = ruleStrengths == null ? rules.strengths(steps.get(i)) : ruleStrengths.get(i);
      out.add(step(steps, i, infos, st));
    }
    return new Featurized(out, Arrays.asList(infos));
  }

  private SparseVector step(List<String> steps, int i, StepInfo[] infos, Map<Behaviour, Integer> strengths) {
    String text = steps.get(i);
    Buf buf = new Buf(256 + text.length() * 4);
    // [char]
    int charStart = buf.n;
    charGrams(text, buf);
    normalise(buf, charStart);
    // [stem] [bigram] [first]
    int wordStart = buf.n;
    boolean russian = isRussian(text);
    List<String> stems = stems(text, russian);
    int[] hs = new int[stems.size()];
    for (int k = 0; k < hs.length; k++) {
      hs[k] = stems.get(k).hashCode();
      buf.add(slot(NS_STEM, hs[k]), 1f);
      if (k > 0) {
        buf.add(slot(NS_BIGRAM, hs[k - 1] * 31 + hs[k]), 1f);
      }
    }
    if (hs.length > 0) {
      buf.add(slot(NS_FIRST, hs[0]), 1f);
      if (hs.length > 1) {
        buf.add(slot(NS_FIRST, hs[0] * 31 + hs[1] + 7), 1f);
      }
    }
    normalise(buf, wordStart);
    // [rule]
    Set<Behaviour> cls = rules.resolve(strengths);
    {
      if (config.ruleCues()) {
        strengths.forEach((b, s) -> buf.add(named("rule:" + b.key() + (s >= 2 ? ":strong" : ":weak")), 1f));
        for (Behaviour b : cls) {
          buf.add(named("rulecls:" + b.key()), 1f);
        }
        if (cls.isEmpty()) {
          buf.add(named("rulecls:none"), 1f);
        }
      }
    }
    int[] content = content(stems);
    infos[i] = new StepInfo(content, strengths, cls);
    // [context]
    if (config.context()) {
      buf.add(named("pos:" + Math.min(i, 4)), 1f);
      if (i == steps.size() - 1) {
        buf.add(named("pos:last"), 1f);
      }
      if (steps.size() > 1) {
        buf.add(named("rel:" + (int) Math.min(4, 5.0 * i / steps.size())), 1f);
      }
      if (i == 0) {
        buf.add(named("prev:start"), 1f);
      } else {
        Set<Behaviour> prev = infos[i - 1].ruleClass();
        if (prev.isEmpty()) {
          buf.add(named("prev:none"), 1f);
        }
        for (Behaviour b : prev) {
          buf.add(named("prev:" + b.key()), 1f);
        }
        double max = 0;
        for (int j = Math.max(0, i - config.window()); j < i; j++) {
          max = Math.max(max, cosine(content, infos[j].content()));
        }
        double prevSim = cosine(content, infos[i - 1].content());
        buf.add(named("sim:max"), (float) max);
        buf.add(named("sim:prev"), (float) prevSim);
        if (max >= 0.2) {
          buf.add(named("sim:max>0.2"), 1f);
        }
        if (max >= 0.35) {
          buf.add(named("sim:max>0.35"), 1f);
        }
        if (max >= 0.5) {
          buf.add(named("sim:max>0.5"), 1f);
        }
      }
    }
    // [shape]
    int words = stems.size();
    buf.add(named("len:" + (words <= 6 ? 0 : words <= 12 ? 1 : words <= 20 ? 2 : words <= 35 ? 3 : 4)), 1f);
    int sentences = io.ltm.metrics.detect.Sentences.split(text).size();
    buf.add(named("sent:" + Math.min(sentences, 3)), 1f);
    boolean digit = false;
    for (int k = 0; k < text.length() && !digit; k++) {
      digit = Character.isDigit(text.charAt(k));
    }
    if (digit) {
      buf.add(named("has:digit"), 1f);
    }
    if (text.indexOf('?') >= 0) {
      buf.add(named("has:question"), 1f);
    }
    if (text.indexOf(':') >= 0) {
      buf.add(named("has:colon"), 1f);
    }
    buf.add(named(russian ? "lang:ru" : "lang:en"), 1f);
    buf.add(named("bias"), 1f);
    return SparseVector.of(buf.idx, buf.val, buf.n);
  }

  private void charGrams(String text, Buf buf) {
    int n = text.length();
    char[] norm = new char[n + 2];
    int m = 0;
    norm[m++] = ' ';
    for (int k = 0; k < n; k++) {
      char c = text.charAt(k);
      char d;
      if (Character.isLetter(c)) {
        d = Character.toLowerCase(c);
        if (d == 'ё') {
          d = 'е';
        }
      } else if (Character.isDigit(c)) {
        d = '0';
      } else {
        d = ' ';
      }
      if (d == ' ' && norm[m - 1] == ' ') {
        continue;
      }
      norm[m++] = d;
    }
    if (norm[m - 1] != ' ') {
      norm[m++] = ' ';
    }
    int from = buf.n;
    int lo = config.charMin();
    int hi = config.charMax();
    for (int s = 0; s + lo <= m; s++) {
      int h = NS_CHAR;
      for (int len = 1; len <= hi && s + len <= m; len++) {
        h = h * 31 + norm[s + len - 1];
        if (len >= lo) {
          buf.add(slot(NS_CHAR + len, h), 1f);
        }
      }
    }
    dedupe(buf, from); // presence, not counts
  }

  /** Keeps one entry per slot among entries {@code [from, buf.n)}, value 1. */
  private static void dedupe(Buf buf, int from) {
    int[] part = Arrays.copyOfRange(buf.idx, from, buf.n);
    Arrays.sort(part);
    int m = 0;
    for (int k = 0; k < part.length; k++) {
      if (k == 0 || part[k] != part[k - 1]) {
        part[m++] = part[k];
      }
    }
    buf.n = from;
    for (int k = 0; k < m; k++) {
      buf.add(part[k], 1f);
    }
  }

  /** Scales entries {@code [from, buf.n)} to unit length (duplicates first merged). */
  private static void normalise(Buf buf, int from) {
    if (buf.n == from) {
      return;
    }
    SparseVector v = SparseVector.of(Arrays.copyOfRange(buf.idx, from, buf.n), Arrays.copyOfRange(buf.val, from, buf.n), buf.n - from);
    double ss = 0;
    for (float x : v.val) {
      ss += x * x;
    }
    float inv = (float) (1 / Math.sqrt(ss));
    buf.n = from;
    for (int k = 0; k < v.idx.length; k++) {
      buf.add(v.idx[k], v.val[k] * inv);
    }
  }

  private static boolean isRussian(String text) {
    int cyr = 0;
    int lat = 0;
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      if (c >= 'А' && c <= 'я' || c == 'ё' || c == 'Ё') {
        cyr++;
      } else if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
        lat++;
      }
    }
    return cyr > lat;
  }

  /** The step's stems from Lucene's English or Russian analyzer, numbers as {@code <num>}. */
  static List<String> stems(String text, boolean russian) {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = (russian ? RU : EN).tokenStream("step", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        String t = term.toString();
        if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
          t = "<num>";
        }
        out.add(t);
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Sorted unique hashes of the content stems (stop words and stems under 3 chars left out). */
  private static int[] content(List<String> stems) {
    int[] h = new int[stems.size()];
    int m = 0;
    for (String s : stems) {
      if (s.length() >= 3 && !STOP.contains(s) && !s.equals("<num>")) {
        h[m++] = s.hashCode();
      }
    }
    h = Arrays.copyOf(h, m);
    Arrays.sort(h);
    int u = 0;
    for (int k = 0; k < m; k++) {
      if (k == 0 || h[k] != h[k - 1]) {
        h[u++] = h[k];
      }
    }
    return Arrays.copyOf(h, u);
  }

  /** Cosine similarity of two sets given as sorted unique arrays. */
  static double cosine(int[] a, int[] b) {
    if (a.length == 0 || b.length == 0) {
      return 0;
    }
    int i = 0;
    int j = 0;
    int common = 0;
    while (i < a.length && j < b.length) {
      if (a[i] == b[j]) {
        common++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return common / Math.sqrt((double) a.length * b.length);
  }

  private static CharArraySet stopSet() {
    CharArraySet s = new CharArraySet(400, true);
    s.addAll(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
    s.addAll(RussianAnalyzer.getDefaultStopSet());
    for (String w : new String[] {"i", "me", "my", "we", "our", "you", "it", "its", "this", "that", "what", "which",
        "have", "has", "had", "was", "were", "been", "would", "could", "should", "can", "will", "do", "does", "did",
        "thi", "ha", "wa", "whi", "becaus", "onli", "veri", "ani"}) {
      s.add(w);
    }
    return CharArraySet.unmodifiableSet(s);
  }

  private int slot(int ns, int h) {
    return mix(h * 0x9E3779B1 + ns) & mask;
  }

  private int named(String name) {
    return slot(NS_NAMED, name.hashCode());
  }

  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  /** A growable (index, value) list. */
  private static final class Buf {
    int[] idx;
    float[] val;
    int n;

    Buf(int cap) {
      idx = new int[cap];
      val = new float[cap];
    }

    void add(int i, float v) {
      if (n == idx.length) {
        idx = Arrays.copyOf(idx, n * 2);
        val = Arrays.copyOf(val, n * 2);
      }
      idx[n] = i;
      val[n] = v;
      n++;
    }
  }
}
