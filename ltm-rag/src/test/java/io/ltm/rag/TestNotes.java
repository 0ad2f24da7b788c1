package io.ltm.rag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ltm.core.vault.Heading;
import io.ltm.core.vault.Note;
import io.ltm.core.vault.NoteLink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small independent Markdown reader for tests, so chunking tests do not depend on the vault parser. */
public final class TestNotes {
  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*)$");
  private static final Pattern LINK = Pattern.compile("(!?)\\[\\[([^\\]|#]*)(?:#([^\\]|]*))?(?:\\|([^\\]]*))?\\]\\]");

  private TestNotes() {}

  @SuppressWarnings("unchecked")
  public static Note parse(String path, String text) {
    String[] lines = text.split("\n", -1);
    Map<String, Object> fm = new LinkedHashMap<>();
    int start = 0;
    if (lines.length > 0 && lines[0].equals("---")) {
      int end = 1;
      while (!lines[end].equals("---")) {
        end++;
      }
      try {
        Object y = new ObjectMapper(new YAMLFactory()).readValue(String.join("\n", java.util.Arrays.copyOfRange(lines, 1, end)), Map.class);
        if (y != null) {
          fm.putAll((Map<String, Object>) y);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      start = end + 1;
    }
    List<Heading> headings = new ArrayList<>();
    List<NoteLink> links = new ArrayList<>();
    List<String> tags = new ArrayList<>();
    if (fm.get("tags") instanceof List<?> l) {
      l.forEach(t -> tags.add(t.toString()));
    }
    boolean fence = false;
    for (int i = start; i < lines.length; i++) {
      if (lines[i].startsWith("```")) {
        fence = !fence;
      }
      Matcher h = HEADING.matcher(lines[i]);
      if (!fence && h.matches()) {
        headings.add(new Heading(h.group(1).length(), h.group(2).trim(), i + 1));
      }
      Matcher m = LINK.matcher(lines[i]);
      while (m.find()) {
        links.add(new NoteLink(m.group(), m.group(2), m.group(3), m.group(4), null, i + 1, !m.group(1).isEmpty()));
      }
    }
    String name = path.substring(path.lastIndexOf('/') + 1).replaceAll("\\.md$", "");
    String title = fm.get("title") != null ? fm.get("title").toString() : name;
    String body = String.join("\n", java.util.Arrays.copyOfRange(lines, start, lines.length));
    return new Note(path, title, fm, tags, headings, links, body, start + 1);
  }
}
