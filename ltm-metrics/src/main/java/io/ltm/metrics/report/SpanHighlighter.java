package io.ltm.metrics.report;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.Span;
import io.ltm.metrics.report.chart.Html;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a text and its behaviour spans into escaped HTML where each spanned stretch is a {@code <mark>}
 * with one class per behaviour ({@code b-verify}, {@code b-tension}, ...) and a title naming them.
 * Overlapping spans of different behaviours split into stretches carrying every active class.
 */
public final class SpanHighlighter {
  private SpanHighlighter() {}

  /** The CSS class of a behaviour: {@code b-} and its key. */
  public static String cssClass(Behaviour b) {
    return "b-" + b.key();
  }

  /** Escaped HTML of {@code text} with {@code spans} marked. */
  public static String highlight(String text, List<Span> spans) {
    TreeSet<Integer> cuts = new TreeSet<>();
    cuts.add(0);
    cuts.add(text.length());
    for (Span s : spans) {
      if (s.end() > text.length()) {
        throw new IllegalArgumentException("span " + s + " runs past the text (" + text.length() + " chars)");
      }
      cuts.add(s.start());
      cuts.add(s.end());
    }
    StringBuilder sb = new StringBuilder(text.length() + 64 * spans.size());
    List<Integer> cs = new ArrayList<>(cuts);
    for (int i = 0; i + 1 < cs.size(); i++) {
      int a = cs.get(i);
      int b = cs.get(i + 1);
      Set<Behaviour> active = EnumSet.noneOf(Behaviour.class);
      for (Span s : spans) {
        if (s.start() <= a && s.end() >= b) {
          active.add(s.behaviour());
        }
      }
      String seg = Html.escape(text.substring(a, b));
      if (active.isEmpty()) {
        sb.append(seg);
      } else {
        StringBuilder cls = new StringBuilder();
        StringBuilder title = new StringBuilder();
        for (Behaviour x : active) {
          cls.append(cls.length() == 0 ? "" : " ").append(cssClass(x));
          title.append(title.length() == 0 ? "" : ", ").append(x.label());
        }
        sb.append("<mark class=\"").append(cls).append("\" title=\"").append(Html.escape(title.toString())).append("\">")
            .append(seg).append("</mark>");
      }
    }
    return sb.toString();
  }
}
