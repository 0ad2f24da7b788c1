package io.ltm.dataset;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small random scenes in English and Russian for tests. */
public final class TestScenes {
  private static final String[] EN = {"the", "run", "dataset", "adapter", "evidence", "note", "memory", "why",
      "postpone", "first", "model", "thinks", "differently", "rewrite", "tension", "loss", "curve"};
  private static final String[] RU = {"запуск", "данные", "модель", "думает", "иначе", "заметка", "память",
      "почему", "откладываю", "первый", "шаг", "напряжение", "проверка"};

  private TestScenes() {}

  public static List<Scene> random(int n, long seed) {
    Random r = new Random(seed);
    List<Scene> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      boolean ru = r.nextInt(3) == 0;
      int steps = 1 + r.nextInt(5);
      List<Step> thought = new ArrayList<>();
      for (int s = 0; s < steps; s++) {
        StepKind k = StepKind.values()[r.nextInt(StepKind.values().length)];
        Integer revises = null;
        if (k == StepKind.REWRITE) {
          if (s == 0) {
            k = StepKind.OBSERVE;
          } else {
            revises = r.nextInt(s);
          }
        }
        thought.add(new Step(k, words(r, ru, 3 + r.nextInt(20)), revises));
      }
      String context = r.nextBoolean() ? "" : words(r, ru, 5 + r.nextInt(30)) + "\n" + words(r, ru, 4);
      out.add(new Scene(String.format("scene-%04d", i), "Scene " + i, ru ? "ru" : "en", List.of(), List.of(),
          context, words(r, ru, 4 + r.nextInt(10)) + "?\n", thought, words(r, ru, 3 + r.nextInt(15)) + ".\n", List.of()));
    }
    return out;
  }

  static String words(Random r, boolean ru, int n) {
    String[] dict = ru ? RU : EN;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(dict[r.nextInt(dict.length)]);
    }
    return sb.toString();
  }

  public static Scene scene(String id, String context, String prompt, List<Step> thought, String answer) {
    return new Scene(id, "", "en", List.of(), List.of(), context, prompt, thought, answer, List.of());
  }
}
