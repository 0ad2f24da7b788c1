package io.ltm.dataset.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.generate.ChatMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java renderer against strings rendered by Jinja2 from the real Qwen3 chat template
 * (src/test/python/render_chat_fixtures.py).
 */
class Qwen3ChatTemplateFixtureTest {

  static Stream<Arguments> cases() throws Exception {
    try (InputStream in = Qwen3ChatTemplateFixtureTest.class.getResourceAsStream("/chat/qwen3_chat_fixtures.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Arguments> out = new ArrayList<>();
      for (JsonNode c : root.get("cases")) {
        out.add(Arguments.of(c.get("name").asText(), c));
      }
      assertThat(out).hasSizeGreaterThanOrEqualTo(20);
      return out.stream();
    }
  }

  @Test
  void fixturesWereRenderedFromTheCommittedTemplate() throws Exception {
    JsonNode config = new ObjectMapper().readTree(Paths.get("../examples/tokenizer/qwen3/tokenizer_config.json").toFile());
    byte[] sha = MessageDigest.getInstance("SHA-256")
        .digest(config.get("chat_template").asText().getBytes(StandardCharsets.UTF_8));
    try (InputStream in = Qwen3ChatTemplateFixtureTest.class.getResourceAsStream("/chat/qwen3_chat_fixtures.json")) {
      assertThat(new ObjectMapper().readTree(in).get("template_sha256").asText())
          .as("tokenizer_config.json's chat_template changed: rerun src/test/python/render_chat_fixtures.py")
          .isEqualTo(HexFormat.of().formatHex(sha));
    }
  }

  static List<ChatMessage> messages(JsonNode c) {
    List<ChatMessage> ms = new ArrayList<>();
    for (JsonNode m : c.get("messages")) {
      String role = m.get("role").asText();
      String content = m.get("content").asText();
      ms.add(switch (role) {
        case "system" -> ChatMessage.system(content);
        case "user" -> ChatMessage.user(content);
        case "assistant" -> ChatMessage.assistant(content, m.has("reasoning_content") ? m.get("reasoning_content").asText() : "");
        default -> throw new AssertionError("role " + role);
      });
    }
    return ms;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rendersExactlyAsJinja(String name, JsonNode c) {
    boolean gen = c.get("add_generation_prompt").asBoolean();
    boolean thinking = !c.has("enable_thinking") || c.get("enable_thinking").asBoolean();
    RenderedChat r = Qwen3ChatTemplate.get().render(messages(c), gen, thinking);
    assertThat(r.text()).isEqualTo(c.get("expected").asText());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void assistantTurnOffsetsPointAtTheMarkers(String name, JsonNode c) {
    boolean gen = c.get("add_generation_prompt").asBoolean();
    boolean thinking = !c.has("enable_thinking") || c.get("enable_thinking").asBoolean();
    List<ChatMessage> ms = messages(c);
    RenderedChat r = Qwen3ChatTemplate.get().render(ms, gen, thinking);
    String t = r.text();
    long assistants = ms.stream().filter(m -> m.role() == ChatMessage.Role.ASSISTANT).count();
    assertThat(r.assistantTurns()).hasSize((int) assistants);
    for (AssistantTurn turn : r.assistantTurns()) {
      assertThat(t.substring(turn.start(), turn.bodyStart())).isEqualTo("<|im_start|>assistant\n");
      if (turn.hasThinkBlock()) {
        assertThat(t.substring(turn.bodyStart())).startsWith("<think>\n");
        assertThat(t.substring(0, turn.thinkEnd())).endsWith("\n</think>\n\n");
      }
      assertThat(t.substring(turn.contentEnd(), turn.imEndEnd())).isEqualTo("<|im_end|>");
      assertThat(t.substring(turn.imEndEnd(), turn.end())).isEqualTo("\n");
      assertThat(ms.get(turn.messageIndex()).role()).isEqualTo(ChatMessage.Role.ASSISTANT);
    }
  }
}
