package io.ltm.core.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Pattern;

/**
 * The part of a Jackson parse error a user can act on. Jackson's own message embeds source
 * references such as {@code [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION`
 * disabled); line: 1, column: 1]}; this keeps the message and turns each reference into
 * {@code line 1, column 1}.
 */
public final class JsonErrorText {
  private static final Pattern SOURCE = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)]");

  private JsonErrorText() {}

  /**
   * @param e a Jackson read error
   * @return its message without Jackson's source references, never null
   */
  public static String of(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    return SOURCE.matcher(m).replaceAll("line $1, column $2");
  }
}
