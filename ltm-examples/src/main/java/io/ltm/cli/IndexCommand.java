package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.FileStatus;
import io.ltm.rag.index.IndexListener;
import io.ltm.rag.index.IndexReport;
import io.ltm.rag.index.VaultIndexer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltm index VAULT --index DIR [--embedding-model DIR]}: builds or updates the retrieval index
 * of a vault. Prints one line per file that changed (indexed, skipped, failed, deleted) and the
 * counts; a progress bar on a terminal. Exit 0, or 1 when a file failed or the input is wrong.
 */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description = {
      "Build or update the retrieval index of an Obsidian vault (BM25 + vectors, one Lucene index).",
      "Only new and changed notes are embedded; renames reuse vectors; deleted notes are removed.",
      "Safe to interrupt: the next run completes the work. Exit 1 when a file failed."
    })
public final class IndexCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "VAULT", description = "The vault folder.")
  Path vault;

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "The index directory (created when missing).")
  Path index;

  @Option(names = "--embedding-model", paramLabel = "DIR",
      description = "An ONNX sentence-embedding model directory (model.onnx + tokenizer.json), e.g. a multilingual one; default: the shipped all-MiniLM-L6-v2.")
  Path model;

  @Option(names = "--pooling", paramLabel = "MODE", defaultValue = "mean", description = "Pooling of --embedding-model: mean or cls (default ${DEFAULT-VALUE}).")
  String pooling;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Notes per commit (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--all", description = "Also list unchanged files.")
  boolean all;

  @Mixin VerboseOption verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(vault)) {
      err.println("error: vault folder not found: " + vault + "; pass the folder that holds the .md notes");
      return LtmCli.INPUT_ERROR;
    }
    try (OnnxEmbedder embedder = model == null ? OnnxEmbedder.miniLm() : OnnxEmbedder.fromDirectory(model, poolingMode())) {
      Listener listener = new Listener(out);
      IndexReport report;
      try {
        report = VaultIndexer.builder().vault(vault).index(index).embedder(embedder).batchSize(batch).listener(listener).build().run();
      } finally {
        listener.close();
      }
      out.println(index + ": " + report.summary());
      out.flush();
      return report.count(FileStatus.Status.FAILED) > 0 ? LtmCli.INPUT_ERROR : LtmCli.OK;
    }
  }

  private PoolingMode poolingMode() {
    try {
      return PoolingMode.valueOf(pooling.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--pooling must be mean or cls but got '" + pooling + "'");
    }
  }

  /** Prints changed files and drives the progress bar (only on a terminal). */
  private final class Listener implements IndexListener {
    private final PrintWriter out;
    private ProgressBar bar;

    Listener(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void onStart(int files, int toRead) {
      out.println(vault + ": " + files + " notes, " + toRead + " to read");
      out.flush();
      if (toRead > 0 && System.console() != null) {
        bar = new ProgressBarBuilder().setTaskName("indexing").setInitialMax(toRead)
            .setStyle(ProgressBarStyle.ASCII).setUnit(" notes", 1).build();
      }
    }

    @Override
    public void onFile(FileStatus status) {
      if (status.status() != FileStatus.Status.UNCHANGED || all) {
        out.println(status.format());
      }
    }

    @Override
    public void onCommit(int done, int toRead) {
      if (bar != null) {
        bar.stepTo(done);
      }
    }

    void close() {
      if (bar != null) {
        bar.close();
      }
    }
  }
}
