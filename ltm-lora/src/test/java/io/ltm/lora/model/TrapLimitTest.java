package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrapLimitTest {
  @Test
  void readsTheLimitThisJvmWasStartedWith() {
    // surefire's argLine sets the flag, as ltm-env.sh does for ./ltm and benchmarks/run
    assertThat(TrapLimit.current()).hasValue(TrapLimit.RECOMMENDED);
    assertThat(TrapLimit.advice()).isNull();
  }

  @Test
  void hotSpotsDefaultIsNotEnough() {
    assertThat(TrapLimit.adequate(100)).isFalse(); // HotSpot's default: the kernels' compiles went wrong under it
    assertThat(TrapLimit.adequate(TrapLimit.RECOMMENDED)).isTrue();
  }

  @Test
  void theLaunchersStartJavaWithTheFlag() throws Exception {
    String env = Files.readString(Path.of("..", "ltm-env.sh"));
    String defaults = env.substring(env.indexOf("LTM_JAVA_DEFAULTS=("));
    defaults = defaults.substring(0, defaults.indexOf(')'));
    assertThat(defaults).contains(TrapLimit.FLAG).contains("--add-modules jdk.incubator.vector");
  }
}
