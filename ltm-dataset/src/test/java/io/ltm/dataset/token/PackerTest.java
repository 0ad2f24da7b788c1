package io.ltm.dataset.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackerTest {
  static final int PAD = 151643;

  /** Examples whose ids encode (example number, position) so any misplacement is visible. */
  static List<TokenizedExample> examples(int n, int maxLen, long seed) {
    Random r = new Random(seed);
    List<TokenizedExample> out = new ArrayList<>();
    for (int e = 0; e < n; e++) {
      int len = 2 + r.nextInt(maxLen - 1);
      int[] ids = new int[len];
      int[] labels = new int[len];
      for (int i = 0; i < len; i++) {
        ids[i] = e * 1000 + i;
        labels[i] = i % 3 == 0 ? Labels.IGNORE : ids[i];
      }
      labels[len - 1] = ids[len - 1];
      out.add(new TokenizedExample("ex" + e, ids, labels, false));
    }
    return out;
  }

  @Test
  void packedSequencesKeepExamplesWholeAndRestartPositions() {
    int max = 64;
    List<TokenizedExample> exs = examples(200, max, 7);
    List<TokenSequence> seqs = new Packer(max, PAD).pack(exs);
    Map<String, Integer> seen = new HashMap<>();
    long used = 0;
    for (TokenSequence s : seqs) {
      assertThat(s.length()).isEqualTo(max);
      IntBuffer ids = s.inputIds();
      IntBuffer labels = s.labels();
      IntBuffer pos = s.positionIds();
      IntBuffer seg = s.segmentIds();
      IntBuffer mask = s.attentionMask();
      int at = 0;
      for (int k = 0; k < s.exampleIds().size(); k++) {
        String name = s.exampleIds().get(k);
        int e = Integer.parseInt(name.substring(2));
        TokenizedExample ex = exs.get(e);
        assertThat(seen.put(name, 1)).as("example %s packed twice", name).isNull();
        for (int i = 0; i < ex.length(); i++) {
          assertThat(ids.get(at + i)).isEqualTo(e * 1000 + i);
          assertThat(pos.get(at + i)).isEqualTo(i);
          assertThat(seg.get(at + i)).isEqualTo(k + 1);
          assertThat(mask.get(at + i)).isEqualTo(1);
          int expected = i == 0 ? Labels.IGNORE : ex.labels().get(i);
          assertThat(labels.get(at + i)).isEqualTo(expected);
        }
        at += ex.length();
      }
      assertThat(s.usedLength()).isEqualTo(at);
      used += at;
      for (int i = at; i < max; i++) {
        assertThat(ids.get(i)).isEqualTo(PAD);
        assertThat(labels.get(i)).isEqualTo(Labels.IGNORE);
        assertThat(seg.get(i)).isZero();
        assertThat(pos.get(i)).isZero();
        assertThat(mask.get(i)).isZero();
      }
      // no attention across examples or into padding; causal inside an example
      for (int q = 0; q < max; q++) {
        for (int k = 0; k < max; k++) {
          boolean expected = k <= q && seg.get(q) != 0 && seg.get(q) == seg.get(k);
          assertThat(s.attends(q, k)).isEqualTo(expected);
        }
      }
    }
    assertThat(seen).hasSize(200);
    long total = exs.stream().mapToLong(TokenizedExample::length).sum();
    assertThat(used).isEqualTo(total);
    // first-fit decreasing is near the lower bound on the number of bins
    assertThat(seqs.size()).isLessThanOrEqualTo((int) Math.ceil(total / (double) max) + 10);
  }

  @Test
  void packingIsDeterministicAndOrderedByFirstExample() {
    List<TokenizedExample> exs = examples(50, 32, 3);
    List<TokenSequence> a = new Packer(32, PAD).pack(exs);
    List<TokenSequence> b = new Packer(32, PAD).pack(exs);
    assertThat(a).hasSameSizeAs(b);
    int prevFirst = -1;
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).exampleIds()).isEqualTo(b.get(i).exampleIds());
      int first = Integer.parseInt(a.get(i).exampleIds().get(0).substring(2));
      assertThat(first).isGreaterThan(prevFirst);
      prevFirst = first;
    }
  }

  @Test
  void singleKeepsOneExamplePerSequenceWithoutPadding() {
    List<TokenizedExample> exs = examples(10, 20, 1);
    List<TokenSequence> seqs = new Packer(20, PAD).single(exs);
    assertThat(seqs).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(seqs.get(i).length()).isEqualTo(exs.get(i).length());
      assertThat(seqs.get(i).exampleIds()).containsExactly("ex" + i);
      assertThat(seqs.get(i).labels().get(0)).isEqualTo(Labels.IGNORE);
    }
  }

  @Test
  void tooLongExampleIsRejected() {
    TokenizedExample ex = new TokenizedExample("long", new int[10], new int[10], false);
    assertThatThrownBy(() -> new Packer(8, PAD).pack(List.of(ex)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'long' has 10 tokens");
  }

  @Test
  void batchesPadToTheLongestRow() {
    List<TokenizedExample> exs = examples(5, 20, 11);
    List<TokenSequence> seqs = new Packer(20, PAD).single(exs);
    List<TokenBatch> batches = TokenBatch.batches(seqs, 2, PAD);
    assertThat(batches).hasSize(3);
    TokenBatch b = batches.get(0);
    int len = Math.max(exs.get(0).length(), exs.get(1).length());
    assertThat(b.rows()).isEqualTo(2);
    assertThat(b.length()).isEqualTo(len);
    assertThat(b.inputIds().limit()).isEqualTo(2 * len);
    for (int r = 0; r < 2; r++) {
      for (int i = 0; i < len; i++) {
        int v = b.inputIds().get(r * len + i);
        if (i < exs.get(r).length()) {
          assertThat(v).isEqualTo(r * 1000 + i);
          assertThat(b.attentionMask().get(r * len + i)).isEqualTo(1);
        } else {
          assertThat(v).isEqualTo(PAD);
          assertThat(b.labels().get(r * len + i)).isEqualTo(Labels.IGNORE);
          assertThat(b.attentionMask().get(r * len + i)).isZero();
        }
      }
    }
    assertThat(batches.get(2).rows()).isEqualTo(1);
  }

  @Test
  void exposedBuffersAreReadOnlyAndArraysAreCopies() {
    int[] ids = {1, 2, 3};
    TokenizedExample ex = new TokenizedExample("x", ids, new int[] {-100, 2, 3}, false);
    ids[0] = 99;
    assertThat(ex.inputIds().get(0)).isEqualTo(1);
    assertThat(ex.inputIds().isReadOnly()).isTrue();
    TokenSequence s = new Packer(8, PAD).pack(List.of(ex)).get(0);
    assertThat(s.inputIds().isReadOnly()).isTrue();
    assertThat(s.labels().isReadOnly()).isTrue();
    assertThat(s.positionIds().isReadOnly()).isTrue();
    assertThat(s.segmentIds().isReadOnly()).isTrue();
  }

  @Test
  void lengthLimitSkipsOrTruncates() {
    int[] ids = {1, 2, 3, 4, 5, 6};
    int[] labels = {-100, -100, -100, -100, 5, 6};
    LengthLimit.Outcome skip = new LengthLimit(4, TruncationPolicy.SKIP).apply("a", ids.clone(), labels.clone());
    assertThat(skip.status()).isEqualTo(LengthLimit.Status.SKIPPED_TOO_LONG);
    assertThat(skip.kept()).isFalse();
    assertThat(skip.originalLength()).isEqualTo(6);
    // truncating at 4 leaves no label: skipped for lack of labels
    LengthLimit.Outcome none = new LengthLimit(4, TruncationPolicy.TRUNCATE).apply("a", ids.clone(), labels.clone());
    assertThat(none.status()).isEqualTo(LengthLimit.Status.SKIPPED_NO_LABELS);
    LengthLimit.Outcome cut = new LengthLimit(5, TruncationPolicy.TRUNCATE).apply("a", ids.clone(), labels.clone());
    assertThat(cut.status()).isEqualTo(LengthLimit.Status.TRUNCATED);
    assertThat(cut.example().length()).isEqualTo(5);
    assertThat(cut.example().labelCount()).isEqualTo(1);
    assertThat(cut.example().truncated()).isTrue();
    LengthLimit.Outcome fits = new LengthLimit(6, TruncationPolicy.SKIP).apply("a", ids.clone(), labels.clone());
    assertThat(fits.status()).isEqualTo(LengthLimit.Status.KEPT);
  }
}
