package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./ltm} launcher script itself, run unmodified from a copy in a temporary root whose
 * "built" jars are empty files and whose {@code java} (first on PATH) is a script that behaves like
 * the JVM: it prints {@code WARNING: Using incubator modules: jdk.incubator.vector} first on stderr,
 * then does what its first argument says. Checks that the launcher drops exactly that line (and keeps
 * it with {@code --verbose}), and keeps exit codes, stdout, stdin, stderr bytes and signals intact.
 */
class LauncherTest {
  static final String WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

  @TempDir Path tmp;
  Path root;
  Path bin;

  static Path repoLauncher() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !(Files.isRegularFile(p.resolve("ltm")) && Files.isDirectory(p.resolve("ltm-examples")))) {
      p = p.getParent();
    }
    assertThat(p).as("the repository root with ./ltm").isNotNull();
    return p.resolve("ltm");
  }

  @BeforeEach
  void fakeRepository() throws Exception {
    assumeTrue(new ProcessBuilder("env", "--default-signal=INT", "true").start().waitFor() == 0,
        "needs GNU env --default-signal (coreutils 8.31+), as the launcher's filter does");
    root = Files.createDirectories(tmp.resolve("root"));
    Files.copy(repoLauncher(), root.resolve("ltm"));
    Files.copy(repoLauncher().resolveSibling("ltm-env.sh"), root.resolve("ltm-env.sh")); // the environment it sources
    Path target = Files.createDirectories(root.resolve("ltm-examples/target"));
    Path core = Files.createDirectories(root.resolve("ltm-core/target")).resolve("ltm-core.jar");
    Files.writeString(core, "");
    Files.writeString(target.resolve("classpath.txt"), core + ":/usr/share/java/none.jar");
    Path jar = target.resolve("ltm-examples-0.1.0-SNAPSHOT.jar");
    Files.writeString(jar, "");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60))); // newer than any source: no build
    bin = Files.createDirectories(tmp.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, String.join("\n",
        "#!/usr/bin/env bash",
        "while [[ $# -gt 0 && \"$1\" != io.ltm.cli.LtmCli ]]; do shift; done; shift",
        "[[ \"$1\" == no-module ]] && { echo 'Error: Could not find or load main class io.ltm.cli.LtmCli' >&2; exit 1; }",
        "echo '" + WARNING + "' >&2",
        "case \"$1\" in",
        "  code) echo out; echo 'error: bad input' >&2; exit \"$2\" ;;",
        "  stdin) read -r line; echo \"stdin:$line\" ;;",
        "  progress) printf '10%%\\r50%%\\r100%%' >&2 ;;",
        "  wait) trap 'echo \"jvm got TERM\" >&2; exit 143' TERM; echo ready; while :; do sleep 0.05; done ;;",
        "  *) echo \"args:$*\" ;;",
        "esac",
        ""), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  record Run(int code, String out, String err) {}

  Process start(String stdin, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("ltm").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
        .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().remove("LTM_SHOW_JVM_WARNINGS");
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    return p;
  }

  Run finish(Process p) throws Exception {
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("launcher finished").isTrue();
    // Read the files right after the exit: the launcher must have waited for every byte of stderr.
    return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt")), Files.readString(tmp.resolve("err.txt")));
  }

  Run run(String stdin, String... args) throws Exception {
    return finish(start(stdin, args));
  }

  @Test
  void dropsTheIncubatorLineAndKeepsExitCodeAndOutput() throws Exception {
    for (int i = 0; i < 5; i++) { // several runs: the last stderr line must never be late
      Run r = run(null, "code", "3");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.out()).isEqualTo("out\n");
      assertThat(r.err()).isEqualTo("error: bad input\n");
    }
    assertThat(run(null, "a b", "--x").out()).isEqualTo("args:a b --x\n");
    // Any other first line (here the JVM failing to start) is kept.
    Run other = run(null, "no-module");
    assertThat(other.code()).isEqualTo(1);
    assertThat(other.err()).isEqualTo("Error: Could not find or load main class io.ltm.cli.LtmCli\n");
  }

  @Test
  void verboseKeepsTheLine() throws Exception {
    Run r = run(null, "code", "0", "--verbose");
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEqualTo(WARNING + "\nerror: bad input\n");
  }

  @Test
  void stdinAndProgressBytesPassThrough() throws Exception {
    assertThat(run("hello\n", "stdin").out()).isEqualTo("stdin:hello\n");
    Run p = run(null, "progress");
    assertThat(p.code()).isZero();
    assertThat(p.err()).isEqualTo("10%\r50%\r100%"); // carriage returns kept, no newline added
  }

  @Test
  void terminationSentToTheLauncherReachesTheJvm() throws Exception {
    Process p = start(null, "wait");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.readString(tmp.resolve("out.txt")).contains("ready") && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    p.destroy(); // SIGTERM to the launcher's process
    Run r = finish(p);
    assertThat(r.code()).isEqualTo(143);
    assertThat(r.err()).isEqualTo("jvm got TERM\n");
  }
}
