package io.ltm.bench;

import io.ltm.core.vault.NoteParser;
import io.ltm.core.vault.Vault;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Reading an Obsidian vault against its limit, measured in the same run.
 *
 * <p>Generates a vault of varied notes on disk (frontmatter, headings, wikilinks of every form,
 * Markdown links, code blocks, tags; a third in Russian; some file names repeated across folders),
 * then times, interleaved after a warm-up, median of the runs: (a) the limit — walking the folder and
 * reading and UTF-8 decoding every note, nothing else; (b) {@link NoteParser#parse} alone on the
 * decoded texts; (c) {@link Vault#read}: walk, read, decode, parse, resolve every link, backlinks.
 * Reports notes/s, MB/s and (c) / (a).
 *
 * <pre>
 * java -cp ... io.ltm.bench.VaultBench [--notes 5000] [--runs 5] [--out benchmarks/results/vault.md]
 * </pre>
 * Writes a Markdown table to {@code --out} and prints it.
 */
public final class VaultBench {
  private VaultBench() {}

  public static void main(String[] args) throws IOException {
    int notes = 5000;
    int runs = 5;
    Path out = Paths.get("benchmarks/results/vault.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--notes" -> notes = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--out" -> out = Paths.get(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("ltm-vault-bench");
    try {
      long bytes = generate(dir, notes, 42);
      List<String[]> texts = readAll(dir); // warm-up, also warms the page cache
      Vault v = Vault.read(dir);
      parseAll(texts);
      double[] tRead = new double[runs];
      double[] tParse = new double[runs];
      double[] tVault = new double[runs];
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        texts = readAll(dir);
        tRead[r] = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        int links = parseAll(texts);
        tParse[r] = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        v = Vault.read(dir);
        tVault[r] = (System.nanoTime() - t0) / 1e9;
        if (v.notes().size() != texts.size() || v.stats().links() != links) {
          throw new IllegalStateException("runs disagree: " + v.stats() + " vs " + links + " links");
        }
      }
      double read = median(tRead);
      double parse = median(tParse);
      double full = median(tVault);
      double mb = bytes / 1e6;
      notes = v.notes().size(); // a few generated names collide inside one folder
      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT, "Vault of %,d notes (%.1f MB, %,d links, %,d unresolved), median of %d runs, %d cores%n%n",
          notes, mb, v.stats().links(), v.stats().unresolvedLinks(), runs, Runtime.getRuntime().availableProcessors()));
      md.append("| step | seconds | notes/s | MB/s | vs limit |\n| --- | ---: | ---: | ---: | ---: |\n");
      row(md, "limit: walk + read + UTF-8 decode", read, notes, mb, read);
      row(md, "NoteParser.parse only (in memory)", parse, notes, mb, read);
      row(md, "Vault.read (walk, read, parse, resolve, backlinks)", full, notes, mb, read);
      System.out.print(md);
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      Files.writeString(tmp, md.toString(), StandardCharsets.UTF_8);
      Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void row(StringBuilder md, String name, double sec, int notes, double mb, double limit) {
    md.append(String.format(Locale.ROOT, "| %s | %.3f | %,.0f | %.1f | %.2fx |%n", name, sec, notes / sec, mb / sec, sec / limit));
  }

  private static List<String[]> readAll(Path dir) throws IOException {
    List<String[]> texts = new ArrayList<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (file.getFileName().toString().endsWith(".md")) {
          texts.add(new String[] {dir.relativize(file).toString(),
              new String(Files.readAllBytes(file), StandardCharsets.UTF_8)});
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return texts;
  }

  private static int parseAll(List<String[]> texts) {
    int links = 0;
    for (String[] t : texts) {
      links += NoteParser.parse(t[0], t[1]).note().links().size();
    }
    return links;
  }

  private static final String[] EN = {"memory", "adapter", "rank", "retrieval", "scene", "trace", "reflection",
      "evidence", "probe", "dataset", "tension", "rewrite", "model", "note", "link", "thinking", "loss", "token"};
  private static final String[] RU = {"память", "адаптер", "ранг", "поиск", "сцена", "трасса", "рефлексия",
      "доказательство", "проба", "набор", "напряжение", "переписывание", "модель", "заметка", "ссылка"};

  /** Writes {@code n} notes under {@code dir} in 50 folders; returns the bytes written. */
  static long generate(Path dir, int n, long seed) {
    Random rnd = new Random(seed);
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      // every 25th name repeats an earlier one in another folder (shortest path wins, with a warning)
      String earlier = i > 0 ? names[rnd.nextInt(i)] : "";
      String name = i % 25 == 24 ? earlier.substring(earlier.lastIndexOf('/') + 1)
          : (i % 3 == 0 ? RU[rnd.nextInt(RU.length)] + " " + i : EN[rnd.nextInt(EN.length)] + " note " + i);
      names[i] = "folder" + (i % 50) + (i % 7 == 0 ? "/deep" : "") + "/" + name;
    }
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      boolean ru = i % 3 == 0;
      String[] words = ru ? RU : EN;
      StringBuilder sb = new StringBuilder();
      sb.append("---\ntitle: Note ").append(i).append("\ntags: [bench, ").append(words[rnd.nextInt(words.length)])
          .append("]\nlang: ").append(ru ? "ru" : "en").append("\ndate: 2025-01-").append(10 + i % 20).append("\n---\n");
      int sections = 3 + rnd.nextInt(4);
      for (int s = 0; s < sections; s++) {
        sb.append("\n## ").append(words[rnd.nextInt(words.length)]).append(' ').append(s).append("\n\n");
        for (int p = 0; p < 3; p++) {
          for (int w = 0; w < 40; w++) {
            sb.append(words[rnd.nextInt(words.length)]).append(' ');
            if (rnd.nextInt(25) == 0) {
              sb.append(link(names, rnd)).append(' ');
            }
            if (rnd.nextInt(60) == 0) {
              sb.append('#').append(words[rnd.nextInt(words.length)]).append("/x ");
            }
            if (rnd.nextInt(80) == 0) {
              sb.append("`[[code]] #no` ");
            }
          }
          sb.append("\n");
        }
        if (rnd.nextInt(4) == 0) {
          sb.append("\n```java\nString s = \"[[not a link]]\"; // #not-a-tag\n```\n");
        }
      }
      Path file = dir.resolve(names[i] + ".md");
      try {
        Files.createDirectories(file.getParent());
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        Files.write(file, b);
        bytes += b.length;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return bytes;
  }

  private static String link(String[] names, Random rnd) {
    String full = names[rnd.nextInt(names.length)];
    String name = full.substring(full.lastIndexOf('/') + 1);
    return switch (rnd.nextInt(8)) {
      case 0 -> "[[" + name + "|alias]]";
      case 1 -> "[[" + name + "#Heading]]";
      case 2 -> "[[" + full + "]]";
      case 3 -> "[[" + name + ".md]]";
      case 4 -> "![[" + name + "]]";
      case 5 -> "[text](" + full.replace(" ", "%20") + ".md)";
      case 6 -> "[[missing " + rnd.nextInt(1000) + "]]";
      default -> "[[" + name + "]]";
    };
  }

  private static double median(double[] xs) {
    double[] c = xs.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }
}
