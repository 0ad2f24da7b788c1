package io.ltm.metrics.detect;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mention versus use: a cue word inside quotation marks is being talked about ("the model writes
 * «проверю»"), not performed, so the detectors do not see it. {@link #mask} blanks the inside of short
 * quotations (up to {@value #MAX_QUOTED} characters between «», “”, „“ or straight double quotes) with
 * spaces, keeping every offset and the quote marks themselves, so spans still index the original text.
 * Longer quoted passages are kept: they are more often the thinking itself than a mention.
 */
final class QuotedText {
  /** The longest quotation, in characters between the marks, that is masked. */
  static final int MAX_QUOTED = 80;

  private static final Pattern QUOTED = Pattern.compile(
      "«([^«»\\n]{1," + MAX_QUOTED + "})»|“([^“”\\n]{1," + MAX_QUOTED + "})”|„([^„“”\\n]{1," + MAX_QUOTED + "})[“”]"
          + "|\"([^\"\\n]{1," + MAX_QUOTED + "})\"");

  private QuotedText() {}

  /** {@code text} with the inside of every short quotation replaced by spaces (same length). */
  static String mask(String text) {
    if (text.indexOf('«') < 0 && text.indexOf('“') < 0 && text.indexOf('„') < 0 && text.indexOf('"') < 0) {
      return text;
    }
    Matcher m = QUOTED.matcher(text);
    StringBuilder sb = null;
    while (m.find()) {
      if (sb == null) {
        sb = new StringBuilder(text);
      }
      for (int i = m.start() + 1; i < m.end() - 1; i++) {
        sb.setCharAt(i, ' ');
      }
    }
    return sb == null ? text : sb.toString();
  }
}
