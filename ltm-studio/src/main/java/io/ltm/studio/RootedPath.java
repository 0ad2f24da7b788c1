package io.ltm.studio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Resolves names a browser sends (a scene file, a run folder) inside one root folder and refuses
 * everything that could leave it: {@code ..} segments, absolute paths, backslashes, drive letters,
 * control characters, percent signs (a name arrives decoded once; a {@code %} left in it is an
 * attempt at double encoding), hidden names, and symbolic links whose target lies outside the root.
 * Immutable and thread-safe.
 */
final class RootedPath {
  private static final Pattern SEGMENT = Pattern.compile("[\\p{L}\\p{N}_][\\p{L}\\p{N} ._()+,-]*");

  private final Path root;
  private final Path realRoot;

  /** @param root an existing folder */
  RootedPath(Path root) throws IOException {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    this.realRoot = this.root.toRealPath();
  }

  Path root() {
    return root;
  }

  /**
   * The path of {@code name} (one or more {@code /}-separated segments) under the root; the file need
   * not exist, but every existing part of it must resolve, links followed, inside the root.
   *
   * @throws HttpError 400 naming what is wrong with the name
   */
  Path resolve(String name) {
    if (name == null || name.isEmpty()) {
      throw HttpError.badRequest("name", "is required");
    }
    if (name.length() > 255) {
      throw HttpError.badRequest("name", "is longer than 255 characters");
    }
    if (name.startsWith("/") || name.contains("\\") || name.contains("%") || name.contains(":")) {
      throw HttpError.badRequest("name", "must be a relative path inside " + root.getFileName() + " with / between folders");
    }
    for (String seg : name.split("/", -1)) {
      if (seg.equals("..") || seg.equals(".") || !SEGMENT.matcher(seg).matches()) {
        throw HttpError.badRequest("name", "'" + seg + "' is not an allowed file or folder name (letters, digits, space . _ - ( ) + ,; "
            + "no leading dot)");
      }
    }
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root)) {
      throw HttpError.badRequest("name", "leaves the folder");
    }
    // Links: the deepest existing ancestor (or the file itself) must really be inside the root.
    Path existing = p;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing != null) {
      try {
        if (Files.isSymbolicLink(existing) && !Files.exists(existing)) {
          throw HttpError.badRequest("name", "is a broken link");
        }
        if (!existing.toRealPath().startsWith(realRoot)) {
          throw HttpError.badRequest("name", "is a link that leaves the folder");
        }
      } catch (IOException e) {
        throw HttpError.badRequest("name", "cannot be resolved: " + e.getMessage());
      }
    }
    return p;
  }

  /** {@code p} relative to the root, with {@code /} separators. */
  String relative(Path p) {
    return root.relativize(p.toAbsolutePath().normalize()).toString().replace('\\', '/');
  }
}
