package io.ltm.dataset.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.generate.ChatMessage;
import io.ltm.core.scene.StepKind;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.chat.ChatExample;
import io.ltm.dataset.notes.TextExample;
import io.ltm.dataset.split.Split;
import io.ltm.dataset.token.TokenSequence;
import java.io.IOException;
import java.io.Writer;
import java.nio.IntBuffer;
import java.nio.file.Path;

/**
 * Writes a {@link Dataset} as JSONL files that TRL and Axolotl read, each atomically.
 *
 * <h2>Messages form ({@link #writeMessages})</h2>
 * One chat example per line, in input order, both splits:
 * <pre>{@code
 * {"id":"lora-first-run","split":"train","lang":"en",
 *  "messages":[{"role":"system","content":"..."},{"role":"user","content":"..."},
 *              {"role":"assistant","content":"<answer>","reasoning_content":"<steps>"}],
 *  "step_kinds":["observe","tension"]}
 * }</pre>
 * {@code reasoning_content} is the key Qwen3's chat template reads; TRL's {@code SFTTrainer}
 * passes message dicts to {@code apply_chat_template} unchanged, so the template renders the think
 * block exactly as {@code ltm} does. The key is omitted when a message has no reasoning. Filter by
 * {@code split} to get the train and validation sets.
 *
 * <h2>Text form ({@link #writeTexts})</h2>
 * One note example per line: {@code {"id":"notes/LTM_2.md#Plan","split":"train","text":"..."}} —
 * TRL's language-modeling format.
 *
 * <h2>Tokenized form ({@link #writeTokens})</h2>
 * One sequence per line, train then validation:
 * <pre>{@code
 * {"split":"train","example_ids":["a","b"],"input_ids":[...],"labels":[...],
 *  "position_ids":[...],"attention_mask":[...],"segment_ids":[...]}
 * }</pre>
 * Labels are {@code -100} where a token does not count. For packed sequences the
 * {@code position_ids} restart at 0 per example, which is how transformers' padding-free
 * (flash-attention) path finds the boundaries; {@code segment_ids} (1, 2, ...; 0 = padding) give
 * the block-diagonal mask explicitly; {@code attention_mask} is 1 for example tokens, 0 for padding.
 */
public final class JsonlExport {
  private static final JsonFactory JSON = new ObjectMapper().getFactory();

  private JsonlExport() {}

  /** Writes the messages form of the chat examples. */
  public static void writeMessages(Path file, Dataset ds) throws IOException {
    AtomicFile.write(file, w -> {
      for (ChatExample ex : ds.chatExamples()) {
        line(w, g -> {
          g.writeStartObject();
          g.writeStringField("id", ex.id());
          g.writeStringField("split", ds.splitOf(ex.id()).label());
          g.writeStringField("lang", ex.lang());
          g.writeArrayFieldStart("messages");
          for (ChatMessage m : ex.messages()) {
            g.writeStartObject();
            g.writeStringField("role", m.role().templateName());
            g.writeStringField("content", m.content());
            if (!m.reasoning().isEmpty()) {
              g.writeStringField("reasoning_content", m.reasoning());
            }
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeArrayFieldStart("step_kinds");
          for (StepKind k : ex.stepKinds()) {
            g.writeString(k.yamlName());
          }
          g.writeEndArray();
          g.writeEndObject();
        });
      }
    });
  }

  /** Writes the note examples ({@code {"id","split","text"}} per line). */
  public static void writeTexts(Path file, Dataset ds) throws IOException {
    AtomicFile.write(file, w -> {
      for (TextExample ex : ds.textExamples()) {
        line(w, g -> {
          g.writeStartObject();
          g.writeStringField("id", ex.id());
          g.writeStringField("split", ds.splitOf(ex.id()).label());
          g.writeStringField("text", ex.text());
          g.writeEndObject();
        });
      }
    });
  }

  /** Writes the tokenized sequences, train then validation. */
  public static void writeTokens(Path file, Dataset ds) throws IOException {
    AtomicFile.write(file, w -> {
      for (Split split : Split.values()) {
        for (TokenSequence s : ds.sequences(split)) {
          line(w, g -> {
            g.writeStartObject();
            g.writeStringField("split", split.label());
            g.writeArrayFieldStart("example_ids");
            for (String id : s.exampleIds()) {
              g.writeString(id);
            }
            g.writeEndArray();
            ints(g, "input_ids", s.inputIds());
            ints(g, "labels", s.labels());
            ints(g, "position_ids", s.positionIds());
            ints(g, "attention_mask", s.attentionMask());
            ints(g, "segment_ids", s.segmentIds());
            g.writeEndObject();
          });
        }
      }
    });
  }

  /** Writes the statistics and duplicate groups as one JSON object. */
  public static void writeStats(Path file, Dataset ds) throws IOException {
    AtomicFile.write(file, w -> {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>(ds.stats().asMap());
      m.put("duplicate_scenes", ds.duplicates().stream()
          .map(d -> java.util.Map.of("kind", d.kind().name().toLowerCase(java.util.Locale.ROOT), "ids", d.ids()))
          .toList());
      w.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
      w.write('\n');
    });
  }

  /** The tokenized file beside a messages file: {@code data.jsonl} -> {@code data.tokens.jsonl}. */
  public static Path besides(Path messagesFile, String kind) {
    String name = messagesFile.getFileName().toString();
    String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
    return messagesFile.resolveSibling(stem + "." + kind + (kind.endsWith(".json") ? "" : ".jsonl"));
  }

  private interface Json {
    void write(JsonGenerator g) throws IOException;
  }

  private static void line(Writer w, Json body) throws IOException {
    JsonGenerator g = JSON.createGenerator(w);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    body.write(g);
    g.flush();
    w.write('\n');
  }

  private static void ints(JsonGenerator g, String name, IntBuffer b) throws IOException {
    g.writeArrayFieldStart(name);
    for (int i = 0; i < b.limit(); i++) {
      g.writeNumber(b.get(i));
    }
    g.writeEndArray();
  }
}
