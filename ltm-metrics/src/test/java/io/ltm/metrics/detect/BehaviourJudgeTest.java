package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BehaviourJudgeTest {

  /** Replies with canned answers in order and records the prompts it got. */
  static final class FakeGenerator implements TextGenerator {
    final List<String> answers;
    final List<GenerationRequest> requests = new ArrayList<>();

    FakeGenerator(String... answers) {
      this.answers = List.of(answers);
    }

    @Override
    public String modelName() {
      return "fake-judge";
    }

    @Override
    public Generation doGenerate(GenerationRequest request) {
      String a = answers.get(requests.size());
      requests.add(request);
      return new Generation("fake-judge", "", a, List.of(), Generation.FinishReason.EOS);
    }
  }

  @Test
  void parsesCountsAndReportsFailuresWithoutGuessing() {
    FakeGenerator g = new FakeGenerator("<count>3</count>", "There are two.", "<count>two</count>",
        "<count>1</count> or <count>2</count>", "Ответ: <COUNT> 0 </COUNT>");
    BehaviourJudge j = new BehaviourJudge(g, 16);
    BehaviourJudge.Verdict a = j.count(Behaviour.VERIFICATION, "Проверю: 2+2=4.");
    assertThat(a.count()).hasValue(3);
    assertThat(a.failed()).isFalse();
    BehaviourJudge.Verdict b = j.count(Behaviour.TENSION, "x");
    assertThat(b.failed()).isTrue();
    assertThat(b.count()).isEmpty();
    assertThat(b.failure()).contains("no <count>");
    assertThat(b.rawAnswer()).isEqualTo("There are two.");
    assertThat(j.count(Behaviour.TENSION, "x").failure()).contains("'two'");
    assertThat(j.count(Behaviour.TENSION, "x").failure()).contains("more than one");
    assertThat(j.count(Behaviour.REWRITE, "x").count()).hasValue(0);

    GenerationRequest first = g.requests.get(0);
    assertThat(first.enableThinking()).isFalse();
    assertThat(first.temperature()).isZero();
    assertThat(first.messages().get(0).content()).contains("verification", "Проверю: 2+2=4.", "<count>");
  }
}
