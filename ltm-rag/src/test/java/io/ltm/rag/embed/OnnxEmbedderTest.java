package io.ltm.rag.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxEmbedderTest {
  static OnnxEmbedder embedder;

  @BeforeAll
  static void load() {
    embedder = OnnxEmbedder.miniLm();
  }

  @AfterAll
  static void close() {
    embedder.close();
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void shippedModelGivesUnitVectorsThatRankParaphrasesAbove() {
    assertThat(embedder.dimension()).isEqualTo(384);
    List<float[]> v = embedder.embedAll(List.of(
        "How do I train a low-rank adapter on a language model?",
        "LoRA fine-tuning adds small trainable matrices to the attention weights.",
        "The recipe needs two eggs, flour and a pinch of salt."));
    assertThat(v).hasSize(3);
    for (float[] x : v) {
      assertThat(x).hasSize(384);
      assertThat(dot(x, x)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
    assertThat(dot(v.get(0), v.get(1))).isGreaterThan(dot(v.get(0), v.get(2)) + 0.2);
    // batch and single calls agree
    float[] single = embedder.embed("The recipe needs two eggs, flour and a pinch of salt.");
    assertThat(dot(single, v.get(2))).isGreaterThan(0.9999);
  }

  @Test
  void badInputAndIncompleteModelDirectoryAreClearErrors(@TempDir Path dir) {
    assertThatThrownBy(() -> embedder.embedAll(List.of("ok", " "))).hasMessageContaining("text 1 is blank");
    assertThatThrownBy(() -> OnnxEmbedder.fromDirectory(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.onnx").hasMessageContaining("missing");
  }
}
