package io.ltm.studio;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ltm.metrics.detect.Span;
import java.util.List;

/** Behaviour spans as JSON: {@code [[behaviourKey, start, end], ...]}, UTF-16 offsets as JavaScript indexes strings. */
final class SpanJson {
  private SpanJson() {}

  static ArrayNode of(List<Span> spans) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Span s : spans) {
      a.addArray().add(s.behaviour().key()).add(s.start()).add(s.end());
    }
    return a;
  }
}
