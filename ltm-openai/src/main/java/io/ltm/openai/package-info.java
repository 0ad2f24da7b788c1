/**
 * The OpenAI-compatible backend of the thinking loop: {@link io.ltm.openai.OpenAiChatGenerator}, a
 * {@link io.ltm.core.generate.TextGenerator} over {@code POST /v1/chat/completions} of vLLM, llama.cpp's
 * server, Ollama or {@code ltm serve}. Streams server-sent events, reads per-token logprobs and top
 * logprobs, the reasoning from {@code reasoning} / {@code reasoning_content} or from {@code <think>}
 * inside the content, retries 429/502/503/504 with backoff (honouring {@code Retry-After}), and turns a
 * stream that drops mid-answer into a {@link io.ltm.core.generate.GenerationFailedException} the loop
 * records and retries on resume.
 */
package io.ltm.openai;
