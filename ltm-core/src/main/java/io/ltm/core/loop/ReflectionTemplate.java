package io.ltm.core.loop;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The user message that asks a model to reflect on its previous attempt and rewrite it. A template
 * text with placeholders, checked when made: {@code {reasoning}} (the previous iteration's reasoning),
 * {@code {answer}} (its answer), {@code {prompt}} (the probe's prompt) and {@code {iteration}} (the
 * number of the iteration being asked for, 1 for the first rewrite). An unknown {@code {name}} is an
 * error naming it; {@code {answer}} is required (the model must see what it rewrites). Other braces
 * are kept as they are. Immutable.
 *
 * @param text the template text
 */
public record ReflectionTemplate(String text) {
  /** The placeholders a template may use. */
  public static final Set<String> PLACEHOLDERS = Set.of("reasoning", "answer", "prompt", "iteration");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_]+)}");

  /** The English default. */
  public static final ReflectionTemplate ENGLISH = new ReflectionTemplate("""
      Look back at your previous attempt.

      Your reasoning was:
      {reasoning}

      Your answer was:
      {answer}

      Reflect on it first: which step is weak, unsupported or wrong, what did you miss, and what \
      would you check? Then rewrite the answer so that it is better.""");

  /** The Russian default. */
  public static final ReflectionTemplate RUSSIAN = new ReflectionTemplate("""
      Вернись к своей предыдущей попытке.

      Твои рассуждения были такими:
      {reasoning}

      Твой ответ был таким:
      {answer}

      Сначала порефлексируй: какой шаг слабый, необоснованный или неверный, что упущено, что стоило \
      бы проверить? Затем перепиши ответ так, чтобы он стал лучше.""");

  public ReflectionTemplate {
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("reflection template must not be blank");
    }
    Matcher m = PLACEHOLDER.matcher(text);
    boolean answer = false;
    while (m.find()) {
      String name = m.group(1);
      if (!PLACEHOLDERS.contains(name)) {
        throw new IllegalArgumentException("reflection template: unknown placeholder {" + name + "}; use "
            + "{reasoning}, {answer}, {prompt} or {iteration}");
      }
      answer |= name.equals("answer");
    }
    if (!answer) {
      throw new IllegalArgumentException("reflection template must contain {answer}: the model has to see what it rewrites");
    }
  }

  /**
   * The message for {@code values} (placeholder name to text); a placeholder without a value is an
   * error.
   */
  public String render(Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder sb = new StringBuilder(text.length() + 256);
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException("no value for placeholder {" + m.group(1) + "}");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
