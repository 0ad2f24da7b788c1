package io.ltm.rag.index;

import java.util.Locale;

/**
 * The languages the lexical index analyses with their own Lucene analyzer (stemming, stop words).
 * A note's language comes from its frontmatter {@code lang} when that names a supported language,
 * else from the script of its text.
 */
public enum Language {
  /** English: Lucene's EnglishAnalyzer (Porter stemming, English stop words). */
  EN("en"),
  /** Russian: Lucene's RussianAnalyzer (Snowball Russian stemming, Russian stop words). */
  RU("ru");

  private final String code;

  Language(String code) {
    this.code = code;
  }

  /** The ISO 639-1 code, as written in frontmatter and stored in the index. */
  public String code() {
    return code;
  }

  /**
   * The language a frontmatter {@code lang} value names ({@code ru}, {@code ru-RU}, {@code russian},
   * {@code en}, ...), or null when it names none we support.
   */
  public static Language fromTag(String tag) {
    if (tag == null) {
      return null;
    }
    String t = tag.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("ru") || t.equals("русский")) {
      return RU;
    }
    if (t.startsWith("en") || t.equals("английский")) {
      return EN;
    }
    return null;
  }

  /** The language of {@code code} as stored in the index ({@code en} or {@code ru}). */
  public static Language ofCode(String code) {
    for (Language l : values()) {
      if (l.code.equals(code)) {
        return l;
      }
    }
    throw new IllegalArgumentException("unknown language code '" + code + "', expected en or ru");
  }

  /**
   * Detects the language from the script: Russian when at least 30% of the letters are Cyrillic,
   * else English.
   */
  public static Language detect(CharSequence text) {
    int letters = 0;
    int cyrillic = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isLetter(c)) {
        letters++;
        if (Character.UnicodeBlock.of(c) == Character.UnicodeBlock.CYRILLIC) {
          cyrillic++;
        }
      }
    }
    return letters > 0 && cyrillic * 10 >= letters * 3 ? RU : EN;
  }
}
