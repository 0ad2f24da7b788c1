package io.ltm.dataset.token;

import java.nio.IntBuffer;

/**
 * One text tokenized: token ids and, for every token, the span of text it came from as UTF-16
 * {@code char} offsets into the Java string (the tokenizer reports Unicode code point offsets;
 * {@link HfTokenizer} converts them). Immutable: accessors return copies or read-only views.
 */
public final class Encoded {
  private final int[] ids;
  private final int[] starts;
  private final int[] ends;

  Encoded(int[] ids, int[] starts, int[] ends) {
    if (ids.length != starts.length || ids.length != ends.length) {
      throw new IllegalArgumentException("ids, starts and ends differ in length");
    }
    this.ids = ids;
    this.starts = starts;
    this.ends = ends;
  }

  /** Number of tokens. */
  public int length() {
    return ids.length;
  }

  /** Token id at {@code i}. */
  public int id(int i) {
    return ids[i];
  }

  /** First UTF-16 offset of the text token {@code i} covers. */
  public int start(int i) {
    return starts[i];
  }

  /** UTF-16 offset just after the text token {@code i} covers. */
  public int end(int i) {
    return ends[i];
  }

  /** A copy of the ids. */
  public int[] ids() {
    return ids.clone();
  }

  /** The ids, read-only. */
  public IntBuffer idBuffer() {
    return IntBuffer.wrap(ids).asReadOnlyBuffer();
  }

  int[] idsUnsafe() {
    return ids;
  }

  int[] startsUnsafe() {
    return starts;
  }
}
