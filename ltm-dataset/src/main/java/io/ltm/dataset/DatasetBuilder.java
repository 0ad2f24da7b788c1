package io.ltm.dataset;

import io.ltm.core.scene.Scene;
import io.ltm.core.vault.Note;
import io.ltm.dataset.chat.ChatExample;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.dataset.chat.RenderedChat;
import io.ltm.dataset.chat.SceneChatFormat;
import io.ltm.dataset.chat.StepStyle;
import io.ltm.dataset.dedup.DuplicateGroup;
import io.ltm.dataset.dedup.Duplicates;
import io.ltm.dataset.notes.NoteExamples;
import io.ltm.dataset.notes.TextExample;
import io.ltm.dataset.split.HashSplit;
import io.ltm.dataset.split.Split;
import io.ltm.dataset.token.Encoded;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.Labels;
import io.ltm.dataset.token.LengthLimit;
import io.ltm.dataset.token.LossTarget;
import io.ltm.dataset.token.Packer;
import io.ltm.dataset.token.TokenSequence;
import io.ltm.dataset.token.TokenizedExample;
import io.ltm.dataset.token.TruncationPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link Dataset} from scenes (chat examples) and vault notes (plain-text examples).
 *
 * <p>Steps: report duplicate scenes (and drop same-content repeats, keeping the first, unless
 * disabled); render each scene to Qwen3 ChatML ({@link SceneChatFormat}, {@link Qwen3ChatTemplate});
 * render each note section as its text followed by {@code <|endoftext|>}; tokenize everything once,
 * in batches the native tokenizer runs in parallel; compute labels from the assistant spans
 * ({@link LossTarget}; notes: every token); apply the {@link TruncationPolicy}; assign splits by
 * {@link HashSplit}; pack or not ({@link Packer}).
 *
 * <pre>{@code
 * try (HfTokenizer tok = HfTokenizer.load(Path.of("examples/tokenizer/qwen3"))) {
 *   Dataset ds = DatasetBuilder.builder().setTokenizer(tok).optMaxLength(2048).optPack(true).build()
 *       .build(scenes, List.of());
 * }
 * }</pre>
 *
 * Immutable once built; {@link #build} may run concurrently. The tokenizer is borrowed, not closed.
 */
public final class DatasetBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetBuilder.class);

  /** Default maximum sequence length. */
  public static final int DEFAULT_MAX_LENGTH = 2048;
  /** Default validation fraction. */
  public static final double DEFAULT_VALIDATION_FRACTION = 0.1;
  /** Default number of texts per native batch-encode call. */
  public static final int DEFAULT_ENCODE_BATCH = 256;

  /** Receives progress while a dataset builds: examples tokenized so far, of the total. */
  @FunctionalInterface
  public interface Progress {
    void update(int done, int total);
  }

  private final HfTokenizer tokenizer;
  private final int maxLength;
  private final boolean pack;
  private final SceneChatFormat format;
  private final LossTarget lossTarget;
  private final boolean labelNewlineAfterImEnd;
  private final boolean labelAssistantHeader;
  private final TruncationPolicy truncation;
  private final HashSplit split;
  private final boolean dropDuplicates;
  private final NoteExamples.Granularity noteGranularity;
  private final int encodeBatch;
  private final Progress progress;
  private final java.util.function.UnaryOperator<ChatExample> exampleTransform;
  private final long trainLabelBudget;

  private DatasetBuilder(Builder b) {
    this.tokenizer = b.tokenizer;
    this.maxLength = b.maxLength;
    this.pack = b.pack;
    this.format = new SceneChatFormat(b.systemPrompt, b.stepStyle);
    this.lossTarget = b.lossTarget;
    this.labelNewlineAfterImEnd = b.labelNewlineAfterImEnd;
    this.labelAssistantHeader = b.labelAssistantHeader;
    this.truncation = b.truncation;
    this.split = new HashSplit(b.validationFraction);
    this.dropDuplicates = b.dropDuplicates;
    this.noteGranularity = b.noteGranularity;
    this.encodeBatch = b.encodeBatch;
    this.progress = b.progress;
    this.exampleTransform = b.exampleTransform;
    this.trainLabelBudget = b.trainLabelBudget;
  }

  /** A new configuration builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The scene format (system prompt, step style) this builder renders with. */
  public SceneChatFormat format() {
    return format;
  }

  /** Builds the dataset from scenes only. */
  public Dataset build(List<Scene> scenes) {
    return build(scenes, List.of());
  }

  /**
   * Builds the dataset.
   *
   * @param scenes scenes, ids unique (a repeated id is an error)
   * @param notes vault notes for plain-text examples; may be empty
   * @throws IllegalArgumentException when two scenes share an id
   */
  public Dataset build(List<Scene> scenes, List<Note> notes) {
    Objects.requireNonNull(scenes, "scenes");
    Objects.requireNonNull(notes, "notes");
    Set<String> ids = new HashSet<>();
    for (Scene s : scenes) {
      if (!ids.add(s.id())) {
        throw new IllegalArgumentException("scene id '" + s.id() + "' appears twice; scene ids must be unique");
      }
    }
    List<DuplicateGroup> groups = Duplicates.find(scenes);
    Set<String> dropped = new HashSet<>();
    if (dropDuplicates) {
      for (DuplicateGroup g : groups) {
        if (g.kind() == DuplicateGroup.Kind.SAME_CONTENT) {
          dropped.addAll(g.ids().subList(1, g.ids().size()));
        }
      }
    }
    for (DuplicateGroup g : groups) {
      LOG.warn("duplicate scenes ({}){}", g.describe(), dropDuplicates && g.kind() == DuplicateGroup.Kind.SAME_CONTENT
          ? ", keeping " + g.ids().get(0) : "");
    }
    List<TextExample> texts = NoteExamples.from(notes, noteGranularity);

    // Render everything first (cheap), then tokenize in native batches.
    List<Scene> kept = new ArrayList<>(scenes.size());
    List<ChatExample> chats = new ArrayList<>(scenes.size());
    List<RenderedChat> rendered = new ArrayList<>(scenes.size());
    List<ExampleInfo> infos = new ArrayList<>(scenes.size() + texts.size());
    Map<String, ExampleInfo> infoById = new HashMap<>();
    for (Scene s : scenes) {
      if (dropped.contains(s.id())) {
        infos.add(new ExampleInfo(s.id(), ExampleInfo.Source.SCENE, s.lang(), split.assign(s.id()),
            ExampleInfo.Status.DUPLICATE, 0, 0, kinds(s)));
        continue;
      }
      ChatExample ex = exampleTransform.apply(format.toExample(s));
      kept.add(s);
      chats.add(ex);
      rendered.add(Qwen3ChatTemplate.get().renderForTraining(ex.messages()));
    }
    String eot = "<|endoftext|>";
    int total = rendered.size() + texts.size();
    List<String> all = new ArrayList<>(total);
    for (RenderedChat r : rendered) {
      all.add(r.text());
    }
    for (TextExample t : texts) {
      all.add(t.text() + eot);
    }

    LengthLimit limit = new LengthLimit(maxLength, truncation);
    List<TokenizedExample> trainEx = new ArrayList<>();
    List<TokenizedExample> valEx = new ArrayList<>();
    List<ChatExample> keptChats = new ArrayList<>();
    List<TextExample> keptTexts = new ArrayList<>();
    Map<String, Split> splits = new HashMap<>();
    long tokens = 0;
    long labelTokens = 0;
    int truncated = 0;
    int skipped = 0;
    ExampleInfo[] slot = new ExampleInfo[total];
    for (int from = 0; from < total; from += encodeBatch) {
      int to = Math.min(total, from + encodeBatch);
      List<Encoded> encoded = tokenizer.encodeBatch(all.subList(from, to));
      for (int i = from; i < to; i++) {
        Encoded e = encoded.get(i - from);
        boolean isChat = i < rendered.size();
        String id = isChat ? chats.get(i).id() : texts.get(i - rendered.size()).id();
        List<int[]> spans = isChat
            ? Labels.spans(rendered.get(i), lossTarget, labelNewlineAfterImEnd, labelAssistantHeader)
            : List.of(new int[] {0, all.get(i).length()});
        int[] labels = Labels.fromSpans(e, spans);
        LengthLimit.Outcome out = limit.apply(id, e.ids(), labels);
        Split sp = split.assign(id);
        ExampleInfo.Status status = switch (out.status()) {
          case KEPT -> ExampleInfo.Status.KEPT;
          case TRUNCATED -> ExampleInfo.Status.TRUNCATED;
          case SKIPPED_TOO_LONG -> ExampleInfo.Status.SKIPPED_TOO_LONG;
          case SKIPPED_NO_LABELS -> ExampleInfo.Status.SKIPPED_NO_LABELS;
        };
        int labelCount = 0;
        if (out.kept()) {
          TokenizedExample te = out.example();
          labelCount = te.labelCount();
          tokens += te.length();
          labelTokens += labelCount;
          (sp == Split.TRAIN ? trainEx : valEx).add(te);
          splits.put(id, sp);
          if (isChat) {
            keptChats.add(chats.get(i));
          } else {
            keptTexts.add(texts.get(i - rendered.size()));
          }
          if (status == ExampleInfo.Status.TRUNCATED) {
            truncated++;
          }
        } else {
          skipped++;
          LOG.debug("example {} skipped: {} ({} tokens, max {})", id, status, out.originalLength(), maxLength);
        }
        slot[i] = isChat
            ? new ExampleInfo(id, ExampleInfo.Source.SCENE, kept.get(i).lang(), sp, status, out.originalLength(),
                labelCount, chats.get(i).stepKinds())
            : new ExampleInfo(id, ExampleInfo.Source.NOTE, "", sp, status, out.originalLength(), labelCount, List.of());
      }
      if (progress != null) {
        progress.update(to, total);
      }
    }
    // infos in input order: scenes (duplicates in place), then notes
    int next = 0;
    List<ExampleInfo> ordered = new ArrayList<>(scenes.size() + texts.size());
    int dupAt = 0;
    for (Scene s : scenes) {
      if (dropped.contains(s.id())) {
        ordered.add(infos.get(dupAt++));
      } else {
        ordered.add(slot[next++]);
      }
    }
    for (; next < total; next++) {
      ordered.add(slot[next]);
    }

    if (trainLabelBudget > 0 && !trainEx.isEmpty()) {
      List<TokenizedExample> once = List.copyOf(trainEx);
      long have = once.stream().mapToLong(TokenizedExample::labelCount).sum();
      long before = have;
      for (int i = 0; have > 0 && have < trainLabelBudget; i++) {
        TokenizedExample e = once.get(i % once.size());
        trainEx.add(e);
        have += e.labelCount();
      }
      if (have != before) {
        LOG.info("training split repeated from {} to {} loss tokens (budget {}): {} examples", before, have,
            trainLabelBudget, trainEx.size());
      }
    }
    Packer packer = new Packer(maxLength, tokenizer.specialTokens().pad());
    List<TokenSequence> train = pack ? packer.pack(trainEx) : packer.single(trainEx);
    List<TokenSequence> val = pack ? packer.pack(valEx) : packer.single(valEx);
    long padding = 0;
    for (TokenSequence s : train) {
      padding += s.length() - s.usedLength();
    }
    for (TokenSequence s : val) {
      padding += s.length() - s.usedLength();
    }
    DatasetStats stats = new DatasetStats(scenes.size() + texts.size(), keptChats.size(), keptTexts.size(), tokens,
        labelTokens, truncated, skipped, dropped.size(), groups.size(), trainEx.size(), valEx.size(), train.size(),
        val.size(), padding, maxLength, pack);
    return new Dataset(train, val, keptChats, keptTexts, splits, ordered, groups, stats,
        tokenizer.specialTokens().pad());
  }

  private static List<io.ltm.core.scene.StepKind> kinds(Scene s) {
    List<io.ltm.core.scene.StepKind> k = new ArrayList<>(s.thought().size());
    s.thought().forEach(st -> k.add(st.kind()));
    return k;
  }

  /** Configuration; every setter checks its argument at once, {@link #build()} checks the rest. */
  public static final class Builder {
    private HfTokenizer tokenizer;
    private int maxLength = DEFAULT_MAX_LENGTH;
    private boolean pack;
    private String systemPrompt = "";
    private StepStyle stepStyle = StepStyle.PLAIN;
    private LossTarget lossTarget = LossTarget.ASSISTANT;
    private boolean labelNewlineAfterImEnd;
    private boolean labelAssistantHeader;
    private TruncationPolicy truncation = TruncationPolicy.SKIP;
    private double validationFraction = DEFAULT_VALIDATION_FRACTION;
    private boolean dropDuplicates = true;
    private NoteExamples.Granularity noteGranularity = NoteExamples.Granularity.SECTION;
    private int encodeBatch = DEFAULT_ENCODE_BATCH;
    private Progress progress;
    private java.util.function.UnaryOperator<ChatExample> exampleTransform = java.util.function.UnaryOperator.identity();
    private long trainLabelBudget;

    private Builder() {}

    /**
     * Applied to every scene's chat example before rendering (e.g. a {@link
     * io.ltm.dataset.control.ControlData control}); it must keep the id. Default: none.
     */
    public Builder optExampleTransform(java.util.function.UnaryOperator<ChatExample> transform) {
      this.exampleTransform = Objects.requireNonNull(transform, "transform");
      return this;
    }

    /**
     * Repeat the training split's examples, in order, until it holds at least this many loss tokens
     * (so a control whose examples are shorter trains on as many tokens per epoch as the adapter);
     * default 0, no repetition. Validation is never repeated.
     */
    public Builder optTrainLabelBudget(long labels) {
      if (labels < 0) {
        throw new IllegalArgumentException("train label budget must be >= 0 but got " + labels);
      }
      this.trainLabelBudget = labels;
      return this;
    }

    /** Required: the tokenizer (borrowed; the caller closes it). */
    public Builder setTokenizer(HfTokenizer tokenizer) {
      this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /** Maximum tokens per example and per packed sequence; default {@value #DEFAULT_MAX_LENGTH}. */
    public Builder optMaxLength(int maxLength) {
      if (maxLength < 16) {
        throw new IllegalArgumentException("maxLength must be >= 16 but got " + maxLength);
      }
      this.maxLength = maxLength;
      return this;
    }

    /** Pack examples into sequences of maxLength; default false (one example per sequence). */
    public Builder optPack(boolean pack) {
      this.pack = pack;
      return this;
    }

    /** System message for every chat example; default none. */
    public Builder optSystemPrompt(String systemPrompt) {
      this.systemPrompt = systemPrompt == null ? "" : systemPrompt;
      return this;
    }

    /** How steps are rendered; default {@link StepStyle#PLAIN}. */
    public Builder optStepStyle(StepStyle stepStyle) {
      this.stepStyle = Objects.requireNonNull(stepStyle, "stepStyle");
      return this;
    }

    /** Which chat tokens count in the loss; default {@link LossTarget#ASSISTANT}. */
    public Builder optLossTarget(LossTarget lossTarget) {
      this.lossTarget = Objects.requireNonNull(lossTarget, "lossTarget");
      return this;
    }

    /** Also count the {@code \n} after each assistant {@code <|im_end|>} (as TRL's Qwen3 training template); default false. */
    public Builder optLabelNewlineAfterImEnd(boolean label) {
      this.labelNewlineAfterImEnd = label;
      return this;
    }

    /**
     * Also count each assistant turn's {@code <|im_start|>assistant\n} header ({@link LossTarget#ASSISTANT}
     * only); default false. With {@link #optLabelNewlineAfterImEnd} it gives TRL's assistant-only mask.
     */
    public Builder optLabelAssistantHeader(boolean label) {
      this.labelAssistantHeader = label;
      return this;
    }

    /** What to do with examples over maxLength; default {@link TruncationPolicy#SKIP}. */
    public Builder optTruncation(TruncationPolicy truncation) {
      this.truncation = Objects.requireNonNull(truncation, "truncation");
      return this;
    }

    /** Share of ids hashed to validation, in [0, 1); default {@value #DEFAULT_VALIDATION_FRACTION}. */
    public Builder optValidationFraction(double fraction) {
      if (!(fraction >= 0 && fraction < 1)) {
        throw new IllegalArgumentException("validation fraction must be in [0, 1) but got " + fraction);
      }
      this.validationFraction = fraction;
      return this;
    }

    /** Drop later scenes whose content repeats an earlier one; default true (they are reported either way). */
    public Builder optDropDuplicates(boolean drop) {
      this.dropDuplicates = drop;
      return this;
    }

    /** One example per note or per heading section; default {@link NoteExamples.Granularity#SECTION}. */
    public Builder optNoteGranularity(NoteExamples.Granularity granularity) {
      this.noteGranularity = Objects.requireNonNull(granularity, "granularity");
      return this;
    }

    /** Texts per native batch-encode call; default {@value #DEFAULT_ENCODE_BATCH}. */
    public Builder optEncodeBatch(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("encode batch must be >= 1 but got " + n);
      }
      this.encodeBatch = n;
      return this;
    }

    /** Progress callback, called after every native batch; default none. */
    public Builder optProgress(Progress progress) {
      this.progress = progress;
      return this;
    }

    /**
     * The configured builder.
     *
     * @throws IllegalStateException when no tokenizer was set
     */
    public DatasetBuilder build() {
      if (tokenizer == null) {
        throw new IllegalStateException("a tokenizer is required: call setTokenizer(HfTokenizer.load(dir))");
      }
      return new DatasetBuilder(this);
    }
  }
}
