package io.ltm.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns an exception into the one line a user reads: the message, with causes that add to it. */
final class CliErrors {
  private CliErrors() {}

  static String describe(Throwable ex) {
    StringBuilder sb = new StringBuilder();
    Throwable t = ex;
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (t != null) {
      String m = message(t);
      // a wrapper such as UncheckedIOException(cause) repeats the cause as "java.nio...Exception: msg"
      boolean bareWrapper = t.getCause() != null && m.equals(t.getCause().toString());
      if (!bareWrapper && seen.add(m)) {
        if (sb.length() > 0) {
          sb.append(": ");
        }
        sb.append(m);
      }
      t = t.getCause();
    }
    return sb.toString();
  }

  /**
   * The JDK's file exceptions carry only the path as their message ({@code error: /x} says nothing):
   * name what went wrong with it.
   */
  private static String message(Throwable t) {
    if (t instanceof FileSystemException f && f.getReason() == null && f.getFile() != null) {
      String what;
      if (f instanceof NoSuchFileException) {
        what = "no such file or folder";
      } else if (f instanceof AccessDeniedException) {
        what = "permission denied";
      } else if (f instanceof NotDirectoryException) {
        what = "not a folder";
      } else if (f instanceof FileAlreadyExistsException) {
        what = "already exists";
      } else if (f instanceof DirectoryNotEmptyException) {
        what = "folder not empty";
      } else {
        what = f.getClass().getSimpleName();
      }
      return f.getOtherFile() == null ? f.getFile() + ": " + what : f.getFile() + " -> " + f.getOtherFile() + ": " + what;
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
