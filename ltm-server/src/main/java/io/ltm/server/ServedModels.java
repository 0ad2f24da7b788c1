package io.ltm.server;

import io.ltm.lora.lora.AdapterSelection;
import io.ltm.server.api.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model names a server answers to, as vLLM's {@code --served-model-name} and {@code --lora-modules}
 * give them: the base under its name, each adapter under its own, and, when a vault index is open,
 * each of them again as {@code NAME+vault} (the same model with retrieval on). Immutable.
 */
final class ServedModels {
  /** The suffix that turns retrieval on. */
  static final String VAULT_SUFFIX = "+vault";

  /** What a model name resolves to. */
  record Route(String name, String adapter, boolean retrieve) {}

  private final String base;
  private final Map<String, String> adapters; // served name -> attached adapter name
  private final boolean vault;

  /**
   * @param base the base model's served name
   * @param adapters adapter served names (the attached adapter has the same name)
   * @param vault whether a vault index is open
   */
  ServedModels(String base, List<String> adapters, boolean vault) {
    this.base = check(base, "base model");
    Map<String, String> m = new LinkedHashMap<>();
    for (String a : adapters) {
      check(a, "adapter");
      if (a.equals(base) || m.put(a, a) != null) {
        throw new IllegalArgumentException("model name \"" + a + "\" is used twice; give every adapter its own NAME");
      }
    }
    this.adapters = Map.copyOf(m);
    this.vault = vault;
  }

  private static String check(String name, String what) {
    Objects.requireNonNull(name, what);
    if (name.isBlank() || name.endsWith(VAULT_SUFFIX) || name.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(what + " name \"" + name + "\" must be non-empty, without spaces, and not end in "
          + VAULT_SUFFIX);
    }
    return name;
  }

  /** The base model's served name. */
  String base() {
    return base;
  }

  /** Every name a client may send, the base first. */
  List<String> names() {
    List<String> out = new ArrayList<>();
    out.add(base);
    out.addAll(adapters.keySet().stream().sorted().toList());
    if (vault) {
      for (String n : List.copyOf(out)) {
        out.add(n + VAULT_SUFFIX);
      }
    }
    return out;
  }

  /** The base model a served name runs on (its own name for the base, the base's for an adapter). */
  String parentOf(String name) {
    String n = name.endsWith(VAULT_SUFFIX) ? name.substring(0, name.length() - VAULT_SUFFIX.length()) : name;
    return n.equals(base) ? null : base;
  }

  /**
   * The route for a requested name; null (absent) means the base.
   *
   * @throws ApiException 404 naming the served models when the name is unknown
   */
  Route resolve(String requested) {
    if (requested == null || requested.isEmpty()) {
      return new Route(base, AdapterSelection.BASE, false);
    }
    String name = requested;
    boolean retrieve = false;
    if (vault && name.endsWith(VAULT_SUFFIX)) {
      name = name.substring(0, name.length() - VAULT_SUFFIX.length());
      retrieve = true;
    }
    if (name.equals(base)) {
      return new Route(requested, AdapterSelection.BASE, retrieve);
    }
    String adapter = adapters.get(name);
    if (adapter != null) {
      return new Route(requested, adapter, retrieve);
    }
    String hint = !vault && requested.endsWith(VAULT_SUFFIX) ? " (NAME" + VAULT_SUFFIX + " needs a server started with --index)" : "";
    throw ApiException.modelNotFound(requested, "The model `" + requested + "` does not exist" + hint + "; this server has: "
        + String.join(", ", names()));
  }
}
