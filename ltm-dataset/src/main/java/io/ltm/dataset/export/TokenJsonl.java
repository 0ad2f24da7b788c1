package io.ltm.dataset.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.dataset.split.Split;
import io.ltm.dataset.token.TokenSequence;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the tokenized JSONL that {@link JsonlExport#writeTokens} writes back into
 * {@link TokenSequence}s, e.g. for a training run started from files. Every line is checked; an
 * error names the file, the line and the field, and says what is wrong.
 */
public final class TokenJsonl {
  private TokenJsonl() {}

  /**
   * The sequences of {@code file} by split, in file order.
   *
   * @throws IOException when the file cannot be read or a line is malformed (message: {@code file:line: ...})
   */
  public static Map<Split, List<TokenSequence>> read(Path file) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    Map<Split, List<TokenSequence>> out = new EnumMap<>(Split.class);
    for (Split s : Split.values()) {
      out.put(s, new ArrayList<>());
    }
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        String where = file + ":" + no + ": ";
        JsonNode n;
        try {
          n = mapper.readTree(line);
        } catch (IOException e) {
          throw new IOException(where + "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (n == null || !n.isObject()) {
          throw new IOException(where + "expected a JSON object per line");
        }
        String split = text(n, "split", where);
        Split sp = switch (split) {
          case "train" -> Split.TRAIN;
          case "validation" -> Split.VALIDATION;
          default -> throw new IOException(where + "field split must be train or validation but is '" + split + "'");
        };
        int[] ids = ints(n, "input_ids", where);
        int[] labels = ints(n, "labels", where);
        int[] pos = ints(n, "position_ids", where);
        int[] seg = ints(n, "segment_ids", where);
        JsonNode exs = n.get("example_ids");
        if (exs == null || !exs.isArray()) {
          throw new IOException(where + "field example_ids is missing or not an array");
        }
        List<String> exampleIds = new ArrayList<>();
        exs.forEach(e -> exampleIds.add(e.asText()));
        try {
          out.get(sp).add(TokenSequence.of(ids, labels, pos, seg, exampleIds));
        } catch (IllegalArgumentException e) {
          throw new IOException(where + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  private static String text(JsonNode n, String field, String where) throws IOException {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IOException(where + "field " + field + " is missing or not a string");
    }
    return v.asText();
  }

  private static int[] ints(JsonNode n, String field, String where) throws IOException {
    JsonNode v = n.get(field);
    if (v == null || !v.isArray()) {
      throw new IOException(where + "field " + field + " is missing or not an array");
    }
    int[] a = new int[v.size()];
    for (int i = 0; i < a.length; i++) {
      JsonNode x = v.get(i);
      if (!x.isInt()) {
        throw new IOException(where + "field " + field + "[" + i + "] is not an integer: " + x);
      }
      a[i] = x.asInt();
    }
    return a;
  }
}
