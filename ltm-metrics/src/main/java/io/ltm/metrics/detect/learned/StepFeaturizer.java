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
 * Feature set 2 ({@link FeatureConfig#version()}) adds [relation] (novelty against all earlier steps,
 * how far back the most similar one is, how many it echoes, similarity to the first step, and their
 * conjunctions), [structure] (clauses, numbers in two clauses, an "X, not Y" construction) and [class]
 * (word classes shared by English and Russian), and gives a step classified without neighbours its own
 * context feature instead of the first step's. Feature set 3 adds [next]: the rules' classification of
 * the step after it ("next:none", "next:verification", …) or "next:end" for the last step (steps and
 * sentences are classified with the whole sequence known, so the step after is there to read).
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
    boolean next = config.version() >= 3 && config.context() && config.ruleCues() && steps.size() > 1;
    if (next && ruleStrengths == null) {
      List<Map<Behaviour, Integer>> all = new ArrayList<>();
      for (String s : steps) {
        all.add(rules.strengths(s));
      }
      ruleStrengths = all;
    }
    for (int i = 0; i < steps.size(); i++) {
      Map<Behaviour, Integer> st = ruleStrengths == null ? rules.strengths(steps.get(i)) : ruleStrengths.get(i);
      SparseVector v = step(steps, i, infos, st);
      if (next) {
        // [next] (version 3) the rules' classification of the step after it: a check is followed by what it
        // settled, a dropped line by a new one, a subgoal by the work on it
        Buf nb = new Buf(v.idx.length + 8);
        for (int k = 0; k < v.idx.length; k++) {
          nb.add(v.idx[k], v.val[k]);
        }
        if (i == steps.size() - 1) {
          nb.add(named("next:end"), 1f);
        } else {
          Set<Behaviour> nc = rules.resolve(ruleStrengths.get(i + 1));
          if (nc.isEmpty()) {
            nb.add(named("next:none"), 1f);
          }
          for (Behaviour b : nc) {
            nb.add(named("next:" + b.key()), 1f);
          }
        }
        v = SparseVector.of(nb.idx, nb.val, nb.n);
      }
      out.add(v);
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
    boolean alone = config.version() >= 2 && steps.size() == 1;
    if (alone) {
      buf.add(named("ctx:alone"), 1f); // a step without neighbours is not a first step
    }
    // [context]
    if (config.context() && !alone) {
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
    if (config.version() >= 2) {
      if (config.context() && !alone && i > 0) {
        relation(content, i, infos, buf);
      }
      wordClasses(text, buf, structure(text, buf));
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

  /**
   * [relation] (version 2) how step {@code i} relates to all the steps before it: the share of its
   * content stems that no earlier step used (a restatement brings few new words, an observation or a
   * check many), how far back its most similar step is (a rewrite reaches back past its neighbour to
   * the step it revises), how many earlier steps it echoes, and its similarity to the first step.
   */
  private void relation(int[] content, int i, StepInfo[] infos, Buf buf) {
    int from = Math.max(0, i - config.window());
    double best = 0;
    int bestAt = -1;
    int echoes = 0;
    for (int j = from; j < i; j++) {
      double c = cosine(content, infos[j].content());
      if (c > best) {
        best = c;
        bestAt = j;
      }
      if (c >= 0.2) {
        echoes++;
      }
    }
    if (content.length > 0) {
      int seen = 0;
      for (int h : content) {
        for (int j = from; j < i; j++) {
          if (Arrays.binarySearch(infos[j].content(), h) >= 0) {
            seen++;
            break;
          }
        }
      }
      double novel = 1 - (double) seen / content.length;
      buf.add(named("rel:novel"), (float) novel);
      buf.add(named("rel:novel<" + (novel < 0.5 ? "0.5" : novel < 0.75 ? "0.75" : "1")), 1f);
    }
    if (bestAt >= 0 && best >= 0.15) {
      int gap = i - bestAt;
      buf.add(named("rel:gap" + (gap == 1 ? "1" : gap <= 3 ? "2-3" : "4+")), 1f);
    }
    buf.add(named("rel:echoes" + Math.min(echoes, 3)), 1f);
    // conjunctions a linear model cannot form by itself: a restatement reaches back and brings little new
    if (best >= 0.25 && i - bestAt >= 2) {
      buf.add(named("rel:echo-far"), 1f);
    }
    if (best >= 0.25 && seenShare(content, from, i, infos) >= 0.5) {
      buf.add(named("rel:restate"), 1f);
    }
    buf.add(named("rel:first"), (float) cosine(content, infos[0].content()));
  }

  private static double seenShare(int[] content, int from, int i, StepInfo[] infos) {
    if (content.length == 0) {
      return 0;
    }
    int seen = 0;
    for (int h : content) {
      for (int j = from; j < i; j++) {
        if (Arrays.binarySearch(infos[j].content(), h) >= 0) {
          seen++;
          break;
        }
      }
    }
    return (double) seen / content.length;
  }

  /**
   * [structure] (version 2) the step's clauses: how many parts separators cut it into (sentence ends,
   * semicolons, colons, dashes, ", and", ", и", ", а"), whether two parts carry numbers (two quantities
   * set side by side), and how many numbers it holds.
   */
  private int structure(String text, Buf buf) {
    String t = " " + text.toLowerCase(java.util.Locale.ROOT).replace('\n', ' ') + " ";
    String[] parts = CLAUSE.split(t);
    int nonEmpty = 0;
    int withNum = 0;
    for (String p : parts) {
      if (p.isBlank()) {
        continue;
      }
      nonEmpty++;
      if (NUMBER.matcher(p).find()) {
        withNum++;
      }
    }
    buf.add(named("clauses:" + Math.min(nonEmpty, 4)), 1f);
    if (withNum >= 2) {
      buf.add(named("clauses:num2"), 1f);
    }
    java.util.regex.Matcher m = NUMBER.matcher(t);
    int nums = 0;
    while (m.find()) {
      nums++;
    }
    buf.add(named("nums:" + Math.min(nums, 3)), 1f);
    if (CORRECTION.matcher(t).find()) {
      buf.add(named("struct:x-not-y"), 1f); // "X, not Y", "не X, а Y", "rather than": a claim set right against another
    }
    return nonEmpty;
  }

  private static final java.util.regex.Pattern CLAUSE = java.util.regex.Pattern.compile(
      "[.!?…]+\\s|[;:]|\\s[—–-]\\s|,\\s+(?:and|but|while|и|а|но|зато)\\s|\\s(?:and|и)\\s(?=\\p{L}+\\s\\p{L})");
  private static final java.util.regex.Pattern CORRECTION = java.util.regex.Pattern.compile(
      ",\\s*(?:not|а не|и не)\\s|\\sа не\\s|\\snot\\s[^.;:!?]{1,60}?\\sbut\\s|\\srather than\\s|\\sinstead of\\s"
          + "|\\sне\\s[^.;:!?]{1,60}?,\\s*а\\s|\\sвместо\\s|\\sне столько\\s");
  private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("\\d+(?:[.,]\\d+)?");

  /** A class of words shared by English and Russian, matched by word prefix (lower case). */
  private record WordClass(String name, String[] prefixes, String[] words) {}

  private static final List<WordClass> CLASSES = List.of(
      new WordClass("fp", new String[] {}, new String[] {"i", "me", "my", "myself", "mine", "i'm", "i've", "i'd", "i'll",
          "я", "меня", "мне", "мной", "мой", "моя", "моё", "мое", "мои", "моей", "моего", "моих", "себя", "себе"}),
      new WordClass("we", new String[] {}, new String[] {"we", "us", "our", "ours", "мы", "нас", "нам", "наш", "наша",
          "наше", "наши", "нашей", "нашего"}),
      new WordClass("mind", new String[] {"notic", "realis", "realiz", "feel", "felt", "want", "wish", "afraid", "fear",
          "worr", "hope", "enjoy", "embarrass", "annoy", "irritat", "angry", "tired", "guilt", "proud", "ashamed", "uneasy",
          "comfort", "lazy", "habit", "bias", "anchor", "tempt", "honest", "admit", "prefer", "like", "love", "hate",
          "замет", "замеча", "поня", "понима", "чувств", "хоч", "хоте", "хочет", "бою", "боял", "страх", "страш",
          "надеюсь", "нрав", "стыд", "неловк", "злюсь", "злит", "злост", "сердит", "устал", "лень", "привыч", "цепля",
          "поймал", "честно", "признаю", "признать", "удобн", "приятн", "обидн", "тревож", "раздраж", "любл"},
          new String[] {}),
      new WordClass("neg", new String[] {}, new String[] {"not", "no", "never", "nothing", "none", "nobody", "neither",
          "nor", "don't", "doesn't", "isn't", "wasn't", "won't", "can't", "cannot", "didn't", "aren't",
          "не", "нет", "ни", "никогда", "ничего", "никто", "нельзя"}),
      new WordClass("cmp", new String[] {"cheap", "expens", "дешев", "дорож", "дорог"}, new String[] {"more", "less",
          "fewer", "better", "worse", "higher", "lower", "longer", "shorter", "faster", "slower", "than", "twice", "half",
          "double", "most", "least", "больше", "меньше", "лучше", "хуже", "выше", "ниже", "дольше", "короче", "быстрее",
          "медленнее", "чем", "вдвое", "втрое", "половину", "половина", "раза", "самый", "самая", "самое"}),
      new WordClass("cost", new String[] {"cost", "price", "pay", "paid", "budget", "salar", "afford", "стои", "цен",
          "плат", "бюджет", "зарплат", "денег", "деньг", "рубл", "тысяч"}, new String[] {}),
      new WordClass("time", new String[] {"minute", "hour", "day", "week", "month", "year", "morning", "evening",
          "минут", "час", "дня", "день", "дней", "недел", "месяц", "год", "лет", "утр", "вечер"}, new String[] {}),
      new WordClass("cause", new String[] {}, new String[] {"because", "since", "so", "therefore", "потому", "поэтому",
          "так", "значит", "раз"}),
      new WordClass("modal", new String[] {"need", "must", "should", "нуж", "надо", "должн"}, new String[] {"have", "нужно"}),
      new WordClass("also", new String[] {}, new String[] {"also", "too", "same", "exactly", "only", "just", "still",
          "тоже", "также", "же", "ровно", "только", "именно", "всё", "еще", "ещё"}));

  /**
   * [class] (version 2) which of {@link #CLASSES} the step's words fall in (one feature per class, the
   * same in both languages, so what is learned from English steps carries to Russian ones), whether the
   * first-person and feeling classes meet, and whether the first word is a past-tense verb (a check
   * being reported: "Measured", "Rang", "Замерил") or a Russian infinitive (a plan).
   */
  private void wordClasses(String text, Buf buf, int clauses) {
    String[] words = WORD.split(text.toLowerCase(java.util.Locale.ROOT).replace('ё', 'е'));
    boolean[] hit = new boolean[CLASSES.size()];
    String first = null;
    for (String w : words) {
      if (w.isEmpty()) {
        continue;
      }
      if (first == null) {
        first = w;
      }
      for (int c = 0; c < CLASSES.size(); c++) {
        if (hit[c]) {
          continue;
        }
        WordClass wc = CLASSES.get(c);
        for (String x : wc.words()) {
          if (w.equals(x.replace('ё', 'е'))) {
            hit[c] = true;
            break;
          }
        }
        for (int k = 0; k < wc.prefixes().length && !hit[c]; k++) {
          hit[c] = w.startsWith(wc.prefixes()[k].replace('ё', 'е'));
        }
      }
    }
    for (int c = 0; c < hit.length; c++) {
      if (hit[c]) {
        buf.add(named("cls:" + CLASSES.get(c).name()), 1f);
      }
    }
    if (hit[0] && hit[2]) {
      buf.add(named("cls:fp+mind"), 1f);
    }
    if (clauses >= 2) {
      // two clauses that each weigh something: quantities, costs, times, a negation set against a fact
      for (int c = 0; c < hit.length; c++) {
        if (hit[c]) {
          buf.add(named("cls2:" + CLASSES.get(c).name()), 1f);
        }
      }
    }
    if (first != null) {
      boolean ru = first.chars().anyMatch(ch -> ch >= 'а' && ch <= 'я');
      if (ru ? first.length() > 3 && (first.endsWith("л") || first.endsWith("ла") || first.endsWith("ли"))
          : first.length() > 3 && first.endsWith("ed") || PAST.contains(first)) {
        buf.add(named("first:past"), 1f);
      }
      if (ru && first.length() > 3 && (first.endsWith("ть") || first.endsWith("ти"))) {
        buf.add(named("first:inf"), 1f);
      }
    }
  }

  private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[^\\p{L}\\p{N}']+");
  private static final Set<String> PAST = Set.of("ran", "rang", "put", "read", "went", "took", "got", "made", "found",
      "saw", "set", "sent", "told", "asked", "called", "looked", "tried", "weighed", "counted", "measured", "compared",
      "timed", "split", "pulled", "opened", "typed", "did", "wrote", "spoke", "heard", "paid", "bought", "left", "came");

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
