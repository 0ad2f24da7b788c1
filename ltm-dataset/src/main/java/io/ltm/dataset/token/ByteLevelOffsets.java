package io.ltm.dataset.token;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Token offsets computed from the ids alone, for byte-level BPE tokenizers (Qwen, GPT-2 family):
 * every token id stands for a fixed byte string, so the tokens' byte lengths, summed, give each
 * token's UTF-8 byte span, which maps to UTF-16 offsets in one pass over the text. That is the same
 * information the native tokenizer's offsets carry, without creating one Java object per token
 * through JNI (which costs about a third of the tokenization time).
 *
 * <p>It only holds when the tokens' bytes are exactly the text's UTF-8 bytes; {@link #offsets}
 * checks the byte total and returns null otherwise (e.g. text the NFC normalizer changed), and the
 * caller then asks the native tokenizer. Immutable and thread-safe.
 */
final class ByteLevelOffsets {
  /** Byte length of every token id; 0 for ids the file does not define. */
  private final int[] byteLength;

  private ByteLevelOffsets(int[] byteLength) {
    this.byteLength = byteLength;
  }

  /**
   * Reads the byte length of every token from {@code tokenizer.json}, or returns null when the
   * tokenizer is not a byte-level BPE (then offsets come from the native tokenizer).
   */
  static ByteLevelOffsets read(Path tokenizerJson) throws IOException {
    JsonFactory factory = new ObjectMapper().getFactory();
    int[] lengths = new int[1 << 18];
    int maxId = -1;
    boolean bpe = false;
    boolean byteLevelPre = false;
    boolean byteLevelDecoder = false;
    try (JsonParser p = factory.createParser(tokenizerJson.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "added_tokens" -> {
            JsonNode added = p.readValueAsTree();
            for (JsonNode t : added) {
              int id = t.path("id").asInt(-1);
              String content = t.path("content").asText("");
              if (id < 0 || content.isEmpty()) {
                return null;
              }
              lengths = grow(lengths, id);
              lengths[id] = content.getBytes(StandardCharsets.UTF_8).length;
              maxId = Math.max(maxId, id);
            }
          }
          case "pre_tokenizer" -> byteLevelPre = mentionsByteLevel(p.readValueAsTree());
          case "decoder" -> byteLevelDecoder = mentionsByteLevel(p.readValueAsTree());
          case "model" -> {
            if (value != JsonToken.START_OBJECT) {
              return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String mf = p.getCurrentName();
              JsonToken mv = p.nextToken();
              if (mf.equals("type")) {
                bpe = "BPE".equals(p.getText());
              } else if (mf.equals("vocab") && mv == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                  String token = p.getCurrentName();
                  p.nextToken();
                  int id = p.getIntValue();
                  for (int i = 0; i < token.length(); i++) {
                    if (token.charAt(i) > 0x1ff) {
                      return null; // not a byte-level alphabet character
                    }
                  }
                  lengths = grow(lengths, id);
                  if (lengths[id] == 0) {
                    lengths[id] = token.length();
                  }
                  maxId = Math.max(maxId, id);
                }
              } else {
                p.skipChildren();
              }
            }
          }
          default -> p.skipChildren();
        }
      }
    }
    if (!bpe || !byteLevelPre || !byteLevelDecoder || maxId < 0) {
      return null;
    }
    return new ByteLevelOffsets(Arrays.copyOf(lengths, maxId + 1));
  }

  private static int[] grow(int[] a, int id) {
    if (id < 0) {
      throw new IllegalArgumentException("negative token id " + id);
    }
    return id < a.length ? a : Arrays.copyOf(a, Math.max(a.length * 2, id + 1));
  }

  private static boolean mentionsByteLevel(JsonNode n) {
    if (n == null) {
      return false;
    }
    if ("ByteLevel".equals(n.path("type").asText())) {
      return true;
    }
    for (JsonNode child : n) {
      if (mentionsByteLevel(child)) {
        return true;
      }
    }
    return false;
  }

  /**
   * UTF-16 start and end offsets of every token ({@code [starts, ends]}), or null when the
   * tokens' bytes are not exactly the text's UTF-8 bytes. A token that starts inside a character
   * (byte-level BPE may split one) starts at that character; one that ends inside a character ends
   * after it.
   */
  int[][] offsets(String text, int[] ids) {
    int n = ids.length;
    int[] byteStart = new int[n + 1];
    long total = 0;
    for (int i = 0; i < n; i++) {
      int id = ids[i];
      if (id < 0 || id >= byteLength.length || byteLength[id] == 0) {
        return null;
      }
      byteStart[i] = (int) total;
      total += byteLength[id];
    }
    byteStart[n] = (int) total;
    // one pass over the text: utf8 byte offset of every char boundary
    int len = text.length();
    int[] starts = new int[n];
    int[] ends = new int[n];
    int c = 0; // current char index (at a character boundary)
    int b = 0; // byte offset of char c
    int t = 0; // next token whose start we place
    int e = 0; // next token whose end we place
    while (true) {
      int width;
      int chars;
      if (c < len) {
        char ch = text.charAt(c);
        if (ch < 0x80) {
          width = 1;
          chars = 1;
        } else if (ch < 0x800) {
          width = 2;
          chars = 1;
        } else if (Character.isHighSurrogate(ch) && c + 1 < len && Character.isLowSurrogate(text.charAt(c + 1))) {
          width = 4;
          chars = 2;
        } else {
          width = 3;
          chars = 1;
        }
      } else {
        width = 0;
        chars = 0;
      }
      // tokens starting in [b, b + width) start at char c
      while (t < n && byteStart[t] < b + width) {
        starts[t++] = c;
      }
      // tokens ending in (b, b + width] end after this char
      while (e < n && byteStart[e + 1] <= b + width && (byteStart[e + 1] > b || width == 0)) {
        ends[e++] = c + chars;
      }
      if (c >= len) {
        break;
      }
      b += width;
      c += chars;
    }
    if (b != total || t != n || e != n) {
      return null;
    }
    return new int[][] {starts, ends};
  }
}
