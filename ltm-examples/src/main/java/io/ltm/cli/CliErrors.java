package io.ltm.cli;

/** Turns an exception into the one line a user reads: the message, with causes that add to it. */
final class CliErrors {
  private CliErrors() {}

  static String describe(Throwable ex) {
    StringBuilder sb = new StringBuilder();
    Throwable t = ex;
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (t != null) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (seen.add(m)) {
        if (sb.length() > 0) {
          sb.append(": ");
        }
        sb.append(m);
      }
      t = t.getCause();
    }
    return sb.toString();
  }
}
