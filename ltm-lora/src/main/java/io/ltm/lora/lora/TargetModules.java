package io.ltm.lora.lora;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which linear projections of a model get a LoRA adapter, with PEFT's {@code target_modules} rules.
 *
 * <ul>
 *   <li>{@link Names}: a module matches when its full name equals a listed name or ends with
 *       {@code "." + name} (so {@code q_proj} matches {@code model.layers.3.self_attn.q_proj}).
 *   <li>{@link Regex}: the whole module name must match the pattern (Python's {@code re.fullmatch}).
 *   <li>{@link AllLinear}: every linear projection except the output layer ({@code lm_head}); once
 *       resolved against a model it becomes the {@link Names} of the matched modules' last components,
 *       which is what PEFT saves in {@code adapter_config.json}.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface TargetModules permits TargetModules.Names, TargetModules.Regex, TargetModules.AllLinear {

  /** PEFT's special value selecting every linear layer but the output layer. */
  String ALL_LINEAR = "all-linear";

  /** The name of the output projection that {@code all-linear} leaves out, as in PEFT. */
  String OUTPUT_LAYER = "lm_head";

  /**
   * Whether the module with this full name (for example {@code model.layers.0.mlp.up_proj}) is targeted.
   *
   * @param moduleName the module's full dotted name, as in the HF checkpoint without {@code .weight}
   * @return true when the module gets a LoRA adapter
   */
  boolean matches(String moduleName);

  /**
   * Target modules from a list of names (suffix match).
   *
   * @param names module names such as {@code q_proj}; at least one, none blank
   * @return the target set
   * @throws IllegalArgumentException when the list is empty or a name is blank
   */
  static TargetModules names(List<String> names) {
    return new Names(new TreeSet<>(names));
  }

  /**
   * Parses the PEFT string form: {@code all-linear}, or else a regular expression matched against the
   * full module name.
   *
   * @param value the string value of {@code target_modules}
   * @return the target set
   * @throws IllegalArgumentException when the regex does not compile
   */
  static TargetModules parseString(String value) {
    Objects.requireNonNull(value, "target_modules must not be null");
    if (value.equals(ALL_LINEAR)) {
      return new AllLinear();
    }
    return new Regex(value);
  }

  /**
   * Parses the command-line form: {@code all-linear}, or comma-separated names such as {@code q_proj,v_proj}.
   *
   * @param csv the flag value
   * @return the target set
   * @throws IllegalArgumentException when no name is given
   */
  static TargetModules parseCommaSeparated(String csv) {
    Objects.requireNonNull(csv, "targets must not be null");
    String trimmed = csv.trim();
    if (trimmed.equals(ALL_LINEAR)) {
      return new AllLinear();
    }
    List<String> parts = java.util.Arrays.stream(trimmed.split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    return names(parts);
  }

  /**
   * Module names, each matched exactly or as a dotted suffix.
   *
   * @param names the names, sorted
   */
  record Names(Set<String> names) implements TargetModules {
    /** Checks the names: at least one, none blank or with whitespace. */
    public Names {
      Objects.requireNonNull(names, "names must not be null");
      if (names.isEmpty()) {
        throw new IllegalArgumentException("target_modules must name at least one module, but got an empty list");
      }
      for (String n : names) {
        if (n == null || n.isBlank() || !n.equals(n.trim())) {
          throw new IllegalArgumentException("target_modules: invalid module name '" + n + "'");
        }
      }
      names = Collections.unmodifiableSet(new TreeSet<>(names));
    }

    @Override
    public boolean matches(String moduleName) {
      if (names.contains(moduleName)) {
        return true;
      }
      for (String n : names) {
        if (moduleName.endsWith("." + n)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * A regular expression that must match the whole module name.
   *
   * @param pattern the regular expression source
   */
  record Regex(String pattern) implements TargetModules {
    /** Checks that the pattern compiles. */
    public Regex {
      Objects.requireNonNull(pattern, "pattern must not be null");
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("target_modules: invalid regular expression '" + pattern + "': "
            + e.getDescription(), e);
      }
    }

    @Override
    public boolean matches(String moduleName) {
      return Pattern.compile(pattern).matcher(moduleName).matches();
    }
  }

  /** Every linear projection except {@value #OUTPUT_LAYER}. */
  record AllLinear() implements TargetModules {
    @Override
    public boolean matches(String moduleName) {
      return !(moduleName.equals(OUTPUT_LAYER) || moduleName.endsWith("." + OUTPUT_LAYER));
    }
  }
}
