package io.ltm.dataset.split;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Deterministic train/validation split by a stable hash of the example id: SHA-256 of
 * {@code "ltm-split-v1:" + id} (UTF-8), the first 8 bytes read as an unsigned big-endian number,
 * modulo {@value #BUCKETS}, gives the bucket; buckets below {@code round(fraction * BUCKETS)} are
 * validation. An id's split depends only on the id and the fraction, so adding or removing other
 * scenes never moves a scene across the split, and the assignment is the same on every machine and
 * in Python ({@code int.from_bytes(hashlib.sha256(b"ltm-split-v1:" + id).digest()[:8], "big") % 10000}).
 * Immutable and thread-safe.
 */
public final class HashSplit {
  /** Number of buckets: the fraction's resolution is 1/10000. */
  public static final int BUCKETS = 10_000;
  /** Salt that versions the assignment. */
  public static final String SALT = "ltm-split-v1:";

  private final double validationFraction;
  private final int validationBuckets;

  /**
   * @param validationFraction in [0, 1): the share of ids (in expectation) that go to validation
   */
  public HashSplit(double validationFraction) {
    if (!(validationFraction >= 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("validation fraction must be in [0, 1) but got " + validationFraction);
    }
    this.validationFraction = validationFraction;
    this.validationBuckets = (int) Math.round(validationFraction * BUCKETS);
  }

  public double validationFraction() {
    return validationFraction;
  }

  /** The bucket of {@code id} in [0, {@value #BUCKETS}). */
  public static int bucket(String id) {
    Objects.requireNonNull(id, "id");
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
    byte[] h = sha.digest((SALT + id).getBytes(StandardCharsets.UTF_8));
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[i] & 0xff);
    }
    return (int) Long.remainderUnsigned(v, BUCKETS);
  }

  /** The split of {@code id}. */
  public Split assign(String id) {
    return bucket(id) < validationBuckets ? Split.VALIDATION : Split.TRAIN;
  }
}
