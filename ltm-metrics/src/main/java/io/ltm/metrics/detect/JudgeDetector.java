package io.ltm.metrics.detect;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The model judge as a {@link BehaviourClassifier}, so it runs the same protocol as the rules and the
 * learned detectors: a step shows behaviour {@code b} when {@link BehaviourJudge#count} of {@code b} in
 * it is at least 1 (six judgements per step: verification, backtracking, subgoal setting, tension,
 * rewrite, reflection). An answer that cannot be parsed counts as "not shown" and is tallied in {@link
 * #failures()}, never guessed. In free text each sentence is judged ({@link Sentences}). Thread-safe
 * when the judge's generator is; slow (one generation per behaviour and step).
 */
public final class JudgeDetector implements BehaviourClassifier {
  private static final Set<Behaviour> SIX = Collections.unmodifiableSet(EnumSet.of(Behaviour.VERIFICATION,
      Behaviour.BACKTRACKING, Behaviour.SUBGOAL_SETTING, Behaviour.TENSION, Behaviour.REWRITE, Behaviour.REFLECTION));

  private final BehaviourJudge judge;
  private final String name;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();

  /** A detector asking {@code judge}, reported as {@code name}. */
  public JudgeDetector(BehaviourJudge judge, String name) {
    this.judge = Objects.requireNonNull(judge, "judge");
    this.name = Objects.requireNonNull(name, "name");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<Behaviour> behaviours() {
    return SIX;
  }

  @Override
  public Set<Behaviour> classify(String text) {
    Set<Behaviour> out = EnumSet.noneOf(Behaviour.class);
    for (Behaviour b : SIX) {
      BehaviourJudge.Verdict v = judge.count(b, text);
      calls.incrementAndGet();
      if (v.failed()) {
        failures.incrementAndGet();
      } else if (v.count().getAsInt() > 0) {
        out.add(b);
      }
    }
    return out;
  }

  @Override
  public List<Span> detect(String text) {
    List<Span> out = new ArrayList<>();
    for (Sentences.Range r : Sentences.split(text)) {
      for (Behaviour b : classify(r.in(text))) {
        out.add(new Span(b, r.start(), r.end()));
      }
    }
    return out;
  }

  /** Judgements asked so far. */
  public int calls() {
    return calls.get();
  }

  /** Judgements whose answer had no parsable {@code <count>N</count>}. */
  public int failures() {
    return failures.get();
  }
}
