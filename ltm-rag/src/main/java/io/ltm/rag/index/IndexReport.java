package io.ltm.rag.index;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one indexer run: every file's status and the totals.
 *
 * @param files one status per vault file seen plus one per deleted note, in path order
 * @param filesRead note files whose bytes this run read (files whose size and modification time did not
 *     change are not read at all)
 * @param chunksEmbedded chunks embedded by the model in this run
 * @param chunksReused chunks whose vectors were copied from the index (renames, unchanged sections)
 * @param seconds wall time of the run
 */
public record IndexReport(List<FileStatus> files, int filesRead, int chunksEmbedded, int chunksReused, double seconds) {
  public IndexReport {
    files = List.copyOf(files);
  }

  /** How many files ended in each status (every status present, possibly 0). */
  public Map<FileStatus.Status, Integer> counts() {
    Map<FileStatus.Status, Integer> m = new EnumMap<>(FileStatus.Status.class);
    for (FileStatus.Status s : FileStatus.Status.values()) {
      m.put(s, 0);
    }
    for (FileStatus f : files) {
      m.merge(f.status(), 1, Integer::sum);
    }
    return m;
  }

  /** The count of files in {@code status}. */
  public int count(FileStatus.Status status) {
    return counts().get(status);
  }

  /** One line: {@code indexed 3, unchanged 10, skipped 1, failed 0, deleted 2; embedded 7 chunks, reused 4 in 1.2 s}. */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    counts().forEach((s, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(s.label()).append(' ').append(n));
    return sb + String.format(java.util.Locale.ROOT, "; embedded %d chunks, reused %d, in %.2f s", chunksEmbedded, chunksReused, seconds);
  }
}
