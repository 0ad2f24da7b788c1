/**
 * The thinking loop and its trace log. {@link io.ltm.core.loop.ThinkingLoop} runs probes ({@link
 * io.ltm.core.loop.Probe}, read by {@link io.ltm.core.loop.ProbeReader} or taken from scenes) through
 * generate, log, reflect, rewrite over any {@link io.ltm.core.generate.TextGenerator}, optionally
 * grounded by a {@link io.ltm.core.loop.ContextProvider}; each iteration becomes a {@link
 * io.ltm.core.loop.TraceRecord}, appended by {@link io.ltm.core.loop.TraceWriter} and read back by
 * {@link io.ltm.core.loop.TraceReader}.
 */
package io.ltm.core.loop;
