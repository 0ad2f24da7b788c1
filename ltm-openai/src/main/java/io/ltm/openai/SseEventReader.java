package io.ltm.openai;

/**
 * Assembles server-sent events from lines, as the HTML standard's event-stream interpretation says:
 * {@code data:} lines (one leading space removed) joined by line breaks, dispatched at a blank line;
 * comments ({@code :...}) and the fields {@code event}, {@code id}, {@code retry} ignored. Not
 * thread-safe; one per stream.
 */
final class SseEventReader {
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;

  /**
   * Feeds one line (without its terminator).
   *
   * @return the event's data when this line ends an event, else null
   */
  String line(String line) {
    if (line.isEmpty()) {
      return dispatch();
    }
    if (line.startsWith(":")) {
      return null;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    }
    return null;
  }

  /** At the end of the stream: the data of an event not closed by a blank line, else null. */
  String end() {
    return dispatch();
  }

  private String dispatch() {
    if (!hasData) {
      return null;
    }
    String s = data.toString();
    data.setLength(0);
    hasData = false;
    return s;
  }
}
