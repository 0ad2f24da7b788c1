package io.ltm.dataset.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HashSplitTest {
  @Test
  void bucketsMatchPythonHashlib() {
    // int.from_bytes(hashlib.sha256(b"ltm-split-v1:" + id).digest()[:8], "big") % 10000
    assertThat(HashSplit.bucket("lora-first-run")).isEqualTo(8130);
    assertThat(HashSplit.bucket("rag-before-lora")).isEqualTo(4615);
    assertThat(HashSplit.bucket("a")).isEqualTo(8579);
    assertThat(HashSplit.bucket("scene-0001")).isEqualTo(3460);
    assertThat(HashSplit.bucket("memory-and-notes")).isEqualTo(881);
    assertThat(HashSplit.bucket("evidence-thinks-differently")).isEqualTo(4145);
  }

  @Test
  void assignmentFollowsTheFraction() {
    HashSplit s = new HashSplit(0.1);
    assertThat(s.assign("memory-and-notes")).isEqualTo(Split.VALIDATION); // bucket 881 < 1000
    assertThat(s.assign("lora-first-run")).isEqualTo(Split.TRAIN);
    int val = 0;
    for (int i = 0; i < 20000; i++) {
      if (s.assign("id-" + i) == Split.VALIDATION) {
        val++;
      }
    }
    assertThat(val / 20000.0).isBetween(0.09, 0.11);
    for (int i = 0; i < 1000; i++) {
      assertThat(new HashSplit(0).assign("id-" + i)).isEqualTo(Split.TRAIN);
    }
  }

  @Test
  void addingIdsNeverMovesOthers() {
    HashSplit s = new HashSplit(0.2);
    Map<String, Split> before = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      before.put("scene-" + i, s.assign("scene-" + i));
    }
    HashSplit again = new HashSplit(0.2);
    for (int i = 500; i < 1500; i++) {
      again.assign("scene-" + i);
    }
    before.forEach((id, split) -> assertThat(again.assign(id)).isEqualTo(split));
  }

  @Test
  void rejectsBadFractions() {
    assertThatThrownBy(() -> new HashSplit(1.0)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> new HashSplit(-0.1)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> new HashSplit(Double.NaN)).hasMessageContaining("[0, 1)");
  }
}
