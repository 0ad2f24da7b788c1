package io.ltm.bench;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated corpus of varied scenes for benchmarks: English and Russian, with and without
 * context, 1 to 9 steps of every kind (rewrites revise earlier steps), multi-line texts. Seeded, so
 * every run sees the same corpus.
 */
final class SceneCorpus {
  private static final String[] EN = ("the first run keeps being postponed because the dataset never feels ready "
      + "and every week brings a new reason evidence that a model thinks differently would be a change in how "
      + "often it rewrites its own steps notes memory retrieval adapter loss curve tension between wanting a "
      + "perfect corpus and learning only from a run reflection plan verify backtrack subgoal hypothesis "
      + "observation question answer context").split(" ");
  private static final String[] RU = ("первый запуск снова откладывается потому что датасет никогда не кажется "
      + "готовым и каждую неделю находится новая причина свидетельство того что модель думает иначе это "
      + "изменение того как часто она переписывает свои шаги заметки память поиск адаптер кривая потерь "
      + "напряжение между желанием идеального корпуса и тем что учишься только на запуске").split(" ");

  private SceneCorpus() {}

  static List<Scene> generate(int n, long seed) {
    Random r = new Random(seed);
    List<Scene> out = new ArrayList<>(n);
    StepKind[] kinds = StepKind.values();
    for (int i = 0; i < n; i++) {
      boolean ru = r.nextInt(3) == 0;
      int steps = 1 + r.nextInt(9);
      List<Step> thought = new ArrayList<>(steps);
      for (int s = 0; s < steps; s++) {
        StepKind k = kinds[r.nextInt(kinds.length)];
        Integer revises = null;
        if (k == StepKind.REWRITE) {
          if (s == 0) {
            k = StepKind.OBSERVE;
          } else {
            revises = r.nextInt(s);
          }
        }
        thought.add(new Step(k, sentence(r, ru, 6 + r.nextInt(40)), revises));
      }
      String context = r.nextInt(4) == 0 ? "" : sentence(r, ru, 10 + r.nextInt(60)) + "\n" + sentence(r, ru, 5 + r.nextInt(20));
      out.add(new Scene("bench-" + i, "Scene " + i, ru ? "ru" : "en", List.of("bench"), List.of(), context,
          sentence(r, ru, 5 + r.nextInt(20)) + "?\n", thought, sentence(r, ru, 5 + r.nextInt(50)) + "\n", List.of()));
    }
    return out;
  }

  private static String sentence(Random r, boolean ru, int words) {
    String[] dict = ru ? RU : EN;
    StringBuilder sb = new StringBuilder(words * 8);
    for (int i = 0; i < words; i++) {
      if (i > 0) {
        sb.append(r.nextInt(12) == 0 ? ",\n" : " ");
      }
      String w = dict[r.nextInt(dict.length)];
      sb.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
    }
    return sb.append('.').toString();
  }
}
