package io.ltm.dataset.control;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.scene.StepKind;
import io.ltm.dataset.chat.ChatExample;
import io.ltm.dataset.chat.SceneChatFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Turns a scene's chat example into its control counterpart. Only the last assistant message's
 * reasoning changes; system and user messages, the answer, the id (hence the train/validation split)
 * stay, so the control adapter sees the same prompts and answers as the adapter:
 *
 * <ul>
 *   <li>{@link Control#NO_REASONING}: reasoning {@code ""}, which the Qwen3 template renders as an empty
 *       {@code <think>\n\n</think>\n\n} block;
 *   <li>{@link Control#SHUFFLED_STEPS}: the rendered steps in a random order ({@code
 *       java.util.Random(seed ^ id.hashCode())}, so the same seed gives the same order), joined as
 *       before; step kinds follow their steps;
 *   <li>{@link Control#VAULT_TEXT}: as many characters of the neutral text as the reasoning had, taken
 *       from an offset chosen by the id's hash (cycling when the text is shorter), cut at a space when
 *       one is near.
 * </ul>
 *
 * Immutable and thread-safe.
 */
public final class ControlData implements UnaryOperator<ChatExample> {
  private final Control control;
  private final long seed;
  private final String neutralText;

  /**
   * @param control the control (not {@link Control#NONE})
   * @param seed the shuffle seed ({@link Control#SHUFFLED_STEPS})
   * @param neutralText the text for {@link Control#VAULT_TEXT} (non-blank there; ignored otherwise)
   * @throws IllegalArgumentException for {@code NONE}, or vault-text without text
   */
  public ControlData(Control control, long seed, String neutralText) {
    this.control = Objects.requireNonNull(control, "control");
    if (control == Control.NONE) {
      throw new IllegalArgumentException("control 'none' has no control data");
    }
    if (control == Control.VAULT_TEXT && (neutralText == null || neutralText.isBlank())) {
      throw new IllegalArgumentException("control 'vault-text' needs neutral text: pass --vault with notes that have text");
    }
    this.seed = seed;
    this.neutralText = neutralText == null ? "" : neutralText.strip().replaceAll("\\s+", " ");
  }

  @Override
  public ChatExample apply(ChatExample ex) {
    List<ChatMessage> messages = new ArrayList<>(ex.messages());
    int last = messages.size() - 1;
    ChatMessage assistant = messages.get(last);
    if (assistant.role() != ChatMessage.Role.ASSISTANT) {
      throw new IllegalArgumentException("example '" + ex.id() + "' does not end with an assistant message");
    }
    String reasoning = assistant.reasoning();
    List<StepKind> kinds = List.of();
    List<Integer> offsets = List.of();
    String replaced;
    switch (control) {
      case NO_REASONING -> replaced = "";
      case VAULT_TEXT -> replaced = neutral(reasoning.length(), ex.id());
      case SHUFFLED_STEPS -> {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < ex.stepOffsets().size(); i++) {
          order.add(i);
        }
        Collections.shuffle(order, new Random(seed ^ ex.id().hashCode()));
        StringBuilder sb = new StringBuilder();
        List<StepKind> k = new ArrayList<>();
        List<Integer> o = new ArrayList<>();
        for (int i : order) {
          int from = ex.stepOffsets().get(i);
          int to = i + 1 < ex.stepOffsets().size() ? ex.stepOffsets().get(i + 1) - SceneChatFormat.BLANK_LINE.length()
              : reasoning.length();
          if (sb.length() > 0) {
            sb.append(SceneChatFormat.BLANK_LINE);
          }
          o.add(sb.length());
          k.add(ex.stepKinds().get(i));
          sb.append(reasoning, from, to);
        }
        replaced = sb.toString();
        kinds = k;
        offsets = o;
      }
      default -> throw new IllegalStateException(control.toString());
    }
    messages.set(last, ChatMessage.assistant(assistant.content(), replaced));
    return new ChatExample(ex.id(), ex.lang(), messages, kinds, offsets);
  }

  private String neutral(int length, String id) {
    if (length == 0) {
      return "";
    }
    int start = Math.floorMod(id.hashCode() * 31L + seed, neutralText.length());
    StringBuilder sb = new StringBuilder(length + 16);
    int i = start;
    while (sb.length() < length) {
      sb.append(neutralText.charAt(i));
      i = (i + 1) % neutralText.length();
      if (i == 0) {
        sb.append(' ');
      }
    }
    String s = sb.toString();
    int space = s.lastIndexOf(' ', length);
    s = space > length - 20 && space > 0 ? s.substring(0, space) : s.substring(0, length);
    return s.strip();
  }
}
