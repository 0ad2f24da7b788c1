/**
 * Obsidian vaults: {@link io.ltm.core.vault.NoteParser} reads one note's text (frontmatter, title,
 * headings, tags, links) without touching the disk; {@link io.ltm.core.vault.Vault} reads a folder,
 * resolves links as Obsidian does, computes backlinks and collects {@link io.ltm.core.problem.Problem}s
 * with file, line and column. {@link io.ltm.core.vault.Note}, {@link io.ltm.core.vault.Heading} and
 * {@link io.ltm.core.vault.NoteLink} are the immutable results.
 *
 * <p>Example:
 *
 * <pre>{@code
 * Vault vault = Vault.read(Path.of("examples/vault"));
 * Note plan = vault.note("experiments/First experiment plan.md").orElseThrow();
 * for (NoteLink link : plan.links()) {
 *   System.out.println(link.raw() + " -> " + link.target()); // target null when unresolved
 * }
 * vault.backlinks("concepts/LoRA basics.md");   // notes linking to it
 * vault.resolve("LoRA basics", "journal/x.md");  // Optional[concepts/LoRA basics.md]
 * vault.problems().forEach(p -> System.err.println(p.format()));
 * }</pre>
 */
package io.ltm.core.vault;
