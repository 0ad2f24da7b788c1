package io.ltm.lora.generate;

import ai.djl.ndarray.NDManager;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import io.ltm.lora.model.Autograd;
import io.ltm.lora.model.DecodeThreads;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Generation with our decoder: the chat is rendered as Qwen3 ChatML, prefilled in one forward into a
 * {@link KvCache}, then decoded one token per step. Per token it reports the log-probability and the
 * entropy of the model's full next-token distribution, streams the text piece (whole UTF-8
 * characters only) to the request's listener, and keeps reasoning ({@code <think>...</think>}) apart
 * from the answer. Stops at an EOS id (generation_config.json, config.json, {@code <|im_end|>}), a
 * stop string, or the token budget.
 *
 * <p>{@link #generateBatch} runs several requests as one left-padded batch; each row keeps its own
 * sampling settings, seed, budget and listener. {@link #generateRows} does the same for raw prompt
 * ids ({@link BatchRow}) and adds what a server needs: per-row seeds independent of the row's place in
 * the batch, the most likely alternatives of each token ({@link TokenStep}) and cancellation of a row. Every step's native memory lives in a child manager
 * closed at the end of the step, and the cache is closed at the end of the generation, so resident
 * memory stays flat over long generations. Thread-safe (each call has its own cache).
 */
public final class LocalGenerator implements TextGenerator {
  private final LocalModel model;

  LocalGenerator(LocalModel model) {
    this.model = Objects.requireNonNull(model, "model");
  }

  @Override
  public String modelName() {
    return model.name();
  }

  @Override
  public Generation doGenerate(GenerationRequest request) {
    return generateBatch(List.of(request)).get(0);
  }

  /**
   * The prompt ids a request renders to: Qwen3's chat template with the generation prompt
   * ({@link Qwen3ChatTemplate}, the renderer the dataset trains on, byte for byte Jinja2's output).
   */
  public int[] promptIds(GenerationRequest request) {
    return model.tokenizer().encode(
        Qwen3ChatTemplate.get().renderPrompt(request.messages(), request.enableThinking()).text());
  }

  /** Generates for several chats at once (one batch); results in request order. */
  public List<Generation> generateBatch(List<GenerationRequest> requests) {
    List<int[]> prompts = new ArrayList<>();
    for (GenerationRequest r : requests) {
      prompts.add(promptIds(Objects.requireNonNull(r, "request")));
    }
    return generateFromIds(prompts, requests);
  }

  /**
   * Continues raw prompt ids; {@code settings.get(i)} gives row i's sampling settings, budget, stop
   * strings and listener (its messages are ignored). Row i samples with seed {@code settings.get(i).seed() + i}.
   */
  public List<Generation> generateFromIds(List<int[]> prompts, List<GenerationRequest> settings) {
    if (prompts.isEmpty() || prompts.size() != settings.size()) {
      throw new IllegalArgumentException("need one request per prompt, and at least one; got "
          + prompts.size() + " prompts and " + settings.size() + " requests");
    }
    List<BatchRow> rows = new ArrayList<>();
    for (int r = 0; r < prompts.size(); r++) {
      if (prompts.get(r).length == 0) {
        throw new IllegalArgumentException("prompt " + r + " is empty");
      }
      GenerationRequest s = Objects.requireNonNull(settings.get(r), "request");
      rows.add(BatchRow.of(prompts.get(r), s.seed() + r == s.seed() ? s : s.toBuilder().seed(s.seed() + r).build()));
    }
    return generateRows(rows);
  }

  /**
   * Generates for several rows as one left-padded batch; results in row order. Each row keeps its own
   * seed (no offset by its index), reports its {@link BatchRow#topLogprobs()} alternatives per token to
   * {@link BatchRow#steps()}, stops as soon as its {@link BatchRow#cancelled()} flag turns true, and is
   * handed to its {@link BatchRow#finished()} callback the step it is done; the batch ends when every
   * row is done.
   */
  public List<Generation> generateRows(List<BatchRow> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("need at least one row");
    }
    return Autograd.inference(() -> generateUnrecorded(batch)); // no graph: the fused kernels may run
  }

  private List<Generation> generateUnrecorded(List<BatchRow> batch) {
    Decoder d = model.decoder();
    int vocab = d.config().vocabSize();
    int b = batch.size();
    int maxPrompt = 0;
    int maxNew = 0;
    Row[] rows = new Row[b];
    List<int[]> prompts = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      BatchRow spec = Objects.requireNonNull(batch.get(r), "row");
      int[] p = spec.promptIds();
      for (int id : p) {
        if (id < 0 || id >= vocab) {
          throw new IllegalArgumentException("prompt " + r + " has id " + id + " outside the vocabulary [0, " + vocab + ")");
        }
      }
      prompts.add(p);
      maxPrompt = Math.max(maxPrompt, p.length);
      maxNew = Math.max(maxNew, spec.settings().maxNewTokens());
      rows[r] = new Row(p, spec);
    }
    int pad = model.eosIds().isEmpty() ? 0 : model.eosIds().get(0);
    int[] nextPos = new int[b];
    try (NDManager gen = d.manager().newSubManager(); KvCache cache = d.newCache(b, maxPrompt + maxNew, model.kvCache())) {
      float[] logits; // (B, V)
      try (NDManager step = gen.newSubManager()) {
        logits = d.forward(step, DecoderInput.padded(prompts, pad, true), cache, true).toFloatArray();
      }
      for (int r = 0; r < b; r++) {
        nextPos[r] = prompts.get(r).length;
      }
      int[] feed = new int[b];
      int[] seg = new int[b];
      Arrays.fill(seg, 1);
      decode(d, gen, cache, rows, logits, feed, nextPos, seg);
    }
    List<Generation> out = new ArrayList<>();
    for (Row row : rows) {
      out.add(row.result());
    }
    return out;
  }

  /** The decode loop: sample each row's next token, feed it, until every row is done. */
  @SuppressWarnings("try") // the DecodeThreads resource is a scope, not used in the body
  private void decode(Decoder d, NDManager gen, KvCache cache, Row[] rows, float[] logits, int[] feed, int[] nextPos,
      int[] seg) {
    int b = rows.length;
    int vocab = d.config().vocabSize();
    Sampler.Choice[] choices = new Sampler.Choice[b]; // (B) this step's token of each live row
    int[] live = new int[b]; // the rows not done before this step
    try (DecodeThreads threads = DecodeThreads.enter(d, b)) {
      while (true) {
        int n = 0;
        for (int r = 0; r < b; r++) {
          if (!rows[r].done()) {
            live[n++] = r;
          }
        }
        // rows are independent (each its own sampler, seeded, and its own seen ids): several are chosen side by
        // side, each ~1 ms over a 151936-token vocabulary; their tokens are then taken in row order
        float[] scores = logits; // (B, V)
        IntConsumer choose = i -> choices[live[i]] = rows[live[i]].sampler.next(scores, live[i] * vocab, vocab, rows[live[i]].seen);
        if (n > 1) {
          IntStream.range(0, n).parallel().forEach(choose);
        } else if (n == 1) {
          choose.accept(0);
        }
        boolean allDone = true;
        for (int r = 0; r < b; r++) {
          if (choices[r] != null) {
            rows[r].accept(choices[r], logits, r * vocab, vocab);
            choices[r] = null;
          }
          boolean done = rows[r].done();
          if (done) {
            rows[r].reportFinished();
          }
          allDone &= done;
          feed[r] = rows[r].lastId;
        }
        if (allDone) {
          break;
        }
        try (NDManager step = gen.newSubManager()) {
          DecoderInput in = new DecoderInput(b, 1, feed, nextPos, seg);
          logits = d.forward(step, in, cache, true).toFloatArray();
        }
        for (int r = 0; r < b; r++) {
          nextPos[r]++;
        }
      }
    }
  }

  /** One row's state: its sampler, the ids seen (for the repetition penalty) and its output. */
  private final class Row {
    final GenerationRequest req;
    final BatchRow spec;
    final Sampler sampler;
    final boolean[] seen;
    final OutputAssembler output;
    int lastId;
    boolean cancelled;
    boolean reported;

    Row(int[] prompt, BatchRow spec) {
      this.spec = spec;
      this.req = spec.settings();
      this.sampler = new Sampler(req.temperature(), req.topK(), req.topP(), req.repetitionPenalty(), req.seed());
      this.seen = new boolean[model.decoder().config().vocabSize()];
      boolean inThink = false;
      for (int id : prompt) {
        seen[id] = true;
        if (id == model.thinkStartId()) {
          inThink = true; // the prompt opened a think block (a template that starts thinking)
        } else if (id == model.thinkEndId()) {
          inThink = false;
        }
      }
      this.output = new OutputAssembler(model.tokenizer(), new java.util.HashSet<>(model.eosIds()), model.thinkStartId(),
          model.thinkEndId(), req.stopStrings(), req.maxNewTokens(), inThink);
      this.lastId = prompt[prompt.length - 1];
    }

    boolean done() {
      if (!cancelled && spec.cancelled() != null && spec.cancelled().getAsBoolean()) {
        cancelled = true; // sticky: the row never resumes
      }
      return cancelled || output.done();
    }

    void accept(Sampler.Choice c, float[] logits, int offset, int vocab) {
      lastId = c.id();
      seen[c.id()] = true;
      GeneratedToken t = output.accept(c.id(), c.logprob(), c.entropy());
      if (req.listener() != null) {
        req.listener().accept(t);
      }
      if (spec.steps() != null) {
        List<TokenStep.Alternative> top = spec.topLogprobs() == 0 ? List.of()
            : Sampler.top(logits, offset, vocab, spec.topLogprobs(), c.max(), c.logZ());
        spec.steps().accept(new TokenStep(t, top));
      }
    }

    Generation result() {
      return output.result(model.name());
    }

    /** Hands the result to the row's {@code finished} callback, once. */
    void reportFinished() {
      if (!reported) {
        reported = true;
        if (spec.finished() != null) {
          spec.finished().accept(result());
        }
      }
    }
  }
}
