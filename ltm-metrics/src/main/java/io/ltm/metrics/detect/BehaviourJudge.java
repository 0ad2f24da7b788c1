package io.ltm.metrics.detect;

import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts a behaviour in a reasoning text with a judge model, as Gandhi et al. 2025 did with a small
 * judge: the prompt defines the behaviour, shows the text, and asks for the number of distinct
 * instances between {@code <count></count>} tags. The answer (not the judge's own reasoning) must hold
 * exactly one such tag with a non-negative integer; anything else is a parse failure, reported with the
 * raw answer and never guessed. Thread-safe when the generator is.
 */
public final class BehaviourJudge {
  private static final Pattern COUNT = Pattern.compile("<count>\\s*([^<]*?)\\s*</count>", Pattern.CASE_INSENSITIVE);
  private static final Pattern INTEGER = Pattern.compile("\\d{1,6}");

  private final TextGenerator generator;
  private final int maxNewTokens;

  /**
   * A judge over {@code generator}, greedy, thinking off.
   *
   * @param maxNewTokens budget of the judge's answer, at least 1
   */
  public BehaviourJudge(TextGenerator generator, int maxNewTokens) {
    this.generator = Objects.requireNonNull(generator, "generator");
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1 but got " + maxNewTokens);
    }
    this.maxNewTokens = maxNewTokens;
  }

  /** The verdict of one judgement: a count, or a failure saying why there is none. */
  public record Verdict(Behaviour behaviour, OptionalInt count, String failure, String rawAnswer) {
    public Verdict {
      Objects.requireNonNull(behaviour, "behaviour");
      Objects.requireNonNull(count, "count");
      if (count.isPresent() == (failure != null)) {
        throw new IllegalArgumentException("a verdict has either a count or a failure");
      }
      Objects.requireNonNull(rawAnswer, "rawAnswer");
    }

    /** True when the answer could not be parsed. */
    public boolean failed() {
      return failure != null;
    }
  }

  /** The prompt asking to count {@code b} in {@code text}. */
  public static String prompt(Behaviour b, String text) {
    return "You are analysing a reasoning trace written by another model.\n"
        + "Behaviour: " + b.label() + " — " + definition(b) + "\n"
        + "Count the distinct instances of this behaviour in the trace below (0 if there are none). "
        + "The trace may be in English or Russian.\n"
        + "Reply with the number only, between <count> and </count>, for example <count>2</count>.\n\n"
        + "<trace>\n" + text + "\n</trace>";
  }

  private static String definition(Behaviour b) {
    switch (b) {
      case VERIFICATION:
        return "checking an intermediate result or a claim against something (a case, the question, units).";
      case BACKTRACKING:
        return "abandoning a line of thought and going back to an earlier point or trying another approach.";
      case SUBGOAL_SETTING:
        return "setting an intermediate goal to reach on the way to the answer.";
      case BACKWARD_CHAINING:
        return "working backward from the goal or the answer to what it requires.";
      case TENSION:
        return "a conflict or concession held open: two things pulling in different directions.";
      case REWRITE:
        return "an explicit correction of something said earlier.";
      case REFLECTION:
        return "a statement about one's own thinking (confidence, biases, how one is reasoning).";
      default:
        throw new IllegalStateException("no definition for " + b);
    }
  }

  /** Asks the judge to count {@code b} in {@code text}. */
  public Verdict count(Behaviour b, String text) {
    Objects.requireNonNull(b, "b");
    Objects.requireNonNull(text, "text");
    Generation g = generator.generate(GenerationRequest.builder()
        .prompt(prompt(b, text)).maxNewTokens(maxNewTokens).temperature(0).enableThinking(false).build());
    return parse(b, g.answer());
  }

  /** Parses a judge's answer; see the class comment for what is accepted. */
  public static Verdict parse(Behaviour b, String answer) {
    Matcher m = COUNT.matcher(answer);
    if (!m.find()) {
      return new Verdict(b, OptionalInt.empty(), "no <count>N</count> in the answer", answer);
    }
    String inner = m.group(1);
    if (m.find()) {
      return new Verdict(b, OptionalInt.empty(), "more than one <count> tag in the answer", answer);
    }
    if (!INTEGER.matcher(inner).matches()) {
      return new Verdict(b, OptionalInt.empty(),
          String.format(Locale.ROOT, "<count> holds '%s', not a non-negative integer", inner), answer);
    }
    return new Verdict(b, OptionalInt.of(Integer.parseInt(inner)), null, answer);
  }
}
