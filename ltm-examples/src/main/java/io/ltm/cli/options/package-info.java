/**
 * The command-line options that several {@code ltm} commands share, each declared once as a picocli
 * mixin ({@code @Mixin}): the flag's spelling, default and help text live here, and the commands that
 * take it read the parsed values (and the checked configuration records built from them) from the mixin.
 */
package io.ltm.cli.options;
