package io.ltm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.lora.generate.ModelTokenizer;
import io.ltm.lora.generate.TokenStep;
import io.ltm.server.api.ApiException;
import io.ltm.server.api.OutputText;
import io.ltm.server.engine.Job;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chat or text completion in flight on an HTTP exchange: drains its {@link Job}'s tokens through
 * {@link OutputText} and writes either server-sent chunks as they come (ending in {@code data: [DONE]})
 * or one JSON response at the end. Both paths go through the same per-token code, so a streamed answer
 * concatenates to the non-streamed one. A write that fails (the client went away) cancels the job.
 * Used by one request thread.
 */
final class GenerationCall {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationCall.class);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final boolean chat;
  private final String model;
  private final ModelTokenizer tokenizer;
  private final Job job;
  private final OutputText text;
  private final boolean stream;
  private final boolean includeUsage;
  private final Integer topLogprobs;
  private final JsonNode citations; // null when no retrieval
  private final String id;
  private final long created = System.currentTimeMillis() / 1000;
  private final List<ObjectNode> chatLogprobs = new ArrayList<>();
  private final ObjectNode textLogprobs;
  private int completionTokens;
  private int textOffset;
  private boolean citationsSent;

  GenerationCall(boolean chat, String model, ModelTokenizer tokenizer, Job job, OutputText text, boolean stream,
      boolean includeUsage, Integer topLogprobs, JsonNode citations) {
    this.chat = chat;
    this.model = model;
    this.tokenizer = tokenizer;
    this.job = job;
    this.text = text;
    this.stream = stream;
    this.includeUsage = includeUsage;
    this.topLogprobs = topLogprobs;
    this.citations = citations;
    this.id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    this.textLogprobs = chat || topLogprobs == null ? null : emptyTextLogprobs();
  }

  /** Runs the exchange to its end; returns normally also when the client went away. */
  void run(Context ctx) throws InterruptedException {
    OutputStream out = null;
    if (stream) {
      ctx.res().setStatus(200);
      ctx.res().setContentType("text/event-stream; charset=utf-8");
      ctx.res().setHeader("Cache-Control", "no-cache");
      ctx.res().setHeader("X-Accel-Buffering", "no");
      try {
        out = ctx.res().getOutputStream();
        if (chat) {
          ObjectNode first = chunk();
          ObjectNode choice = ((ArrayNode) first.get("choices")).addObject();
          choice.put("index", 0);
          choice.putObject("delta").put("role", "assistant").put("content", "");
          choice.putNull("logprobs");
          choice.putNull("finish_reason");
          send(out, first);
        }
      } catch (IOException e) {
        job.cancel();
        return;
      }
    }
    while (true) {
      Job.Event ev = job.next(1, TimeUnit.SECONDS);
      if (ev == null) {
        continue;
      }
      if (ev instanceof Job.Step s) {
        ObjectNode chunk = step(s.step());
        if (out != null && chunk != null && !trySend(out, chunk)) {
          return;
        }
      } else if (ev instanceof Job.Finished f) {
        finish(ctx, out, f.generation());
        return;
      } else if (ev instanceof Job.Failed f) {
        boolean closing = f.error() instanceof IllegalStateException && String.valueOf(f.error().getMessage()).contains("shutting down");
        if (!closing) {
          LOG.error("generation failed", f.error());
        }
        ApiException err = closing ? new ApiException(503, "server_error", null, "server_closing", "ltm serve is shutting down")
            : new ApiException(500, "server_error", null, null, "the generation failed: " + f.error().getMessage());
        if (out == null) {
          throw err;
        }
        trySend(out, Json.error(err));
        trySendRaw(out, DONE);
        return;
      }
    }
  }

  /** Handles one token; returns its chunk when streaming and it carries something, else null. */
  private ObjectNode step(TokenStep s) {
    GeneratedToken t = s.token();
    completionTokens++;
    if (text.stopped()) {
      return null; // past a stop string: the engine stops at this very token
    }
    OutputText.Delta d = text.accept(t);
    ObjectNode lp = topLogprobs == null ? null : logprobEntry(s);
    if (!stream) {
      return null;
    }
    if (d.isEmpty() && lp == null) {
      return null;
    }
    ObjectNode chunk = chunk();
    ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
    choice.put("index", 0);
    if (chat) {
      ObjectNode delta = choice.putObject("delta");
      putDelta(delta, d);
      if (lp == null) {
        choice.putNull("logprobs");
      } else {
        choice.putObject("logprobs").putArray("content").add(lp);
      }
    } else {
      choice.put("text", d.content());
      if (lp == null) {
        choice.putNull("logprobs");
      } else {
        ObjectNode one = emptyTextLogprobs();
        appendTextLogprob(one, lp);
        choice.set("logprobs", one);
      }
    }
    choice.putNull("finish_reason");
    return chunk;
  }

  private void finish(Context ctx, OutputStream out, Generation g) {
    OutputText.Delta rest = text.finish();
    String reason = g.finishReason() == Generation.FinishReason.LENGTH && !text.stopped() ? "length" : "stop";
    ObjectNode usage = Json.object();
    usage.put("prompt_tokens", job.promptTokens());
    usage.put("completion_tokens", completionTokens);
    usage.put("total_tokens", job.promptTokens() + completionTokens);
    if (out != null) {
      ObjectNode chunk = chunk();
      ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
      choice.put("index", 0);
      if (chat) {
        putDelta(choice.putObject("delta"), rest);
      } else {
        choice.put("text", rest.content());
      }
      choice.putNull("logprobs");
      choice.put("finish_reason", reason);
      if (!trySend(out, chunk)) {
        return;
      }
      if (includeUsage) {
        ObjectNode u = chunk();
        u.set("usage", usage);
        if (!trySend(out, u)) {
          return;
        }
      }
      trySendRaw(out, DONE);
      return;
    }
    ObjectNode r = Json.object();
    r.put("id", id);
    r.put("object", chat ? "chat.completion" : "text_completion");
    r.put("created", created);
    r.put("model", model);
    ObjectNode choice = r.putArray("choices").addObject();
    choice.put("index", 0);
    if (chat) {
      ObjectNode msg = choice.putObject("message");
      msg.put("role", "assistant");
      msg.put("content", text.content());
      if (text.reasoning().isEmpty()) {
        msg.putNull("reasoning_content");
      } else {
        msg.put("reasoning_content", text.reasoning());
      }
      if (topLogprobs == null) {
        choice.putNull("logprobs");
      } else {
        choice.putObject("logprobs").putArray("content").addAll(chatLogprobs);
      }
    } else {
      choice.put("text", text.content());
      choice.set("logprobs", textLogprobs);
    }
    choice.put("finish_reason", reason);
    r.set("usage", usage);
    if (citations != null) {
      r.putObject("ltm").set("citations", citations);
    }
    ctx.status(200).contentType("application/json").result(Json.write(r));
  }

  private void putDelta(ObjectNode delta, OutputText.Delta d) {
    if (!d.reasoning().isEmpty()) {
      delta.put("reasoning_content", d.reasoning());
    }
    if (!d.content().isEmpty()) {
      delta.put("content", d.content());
    }
  }

  /** A chunk's envelope with an empty choices array (and the citations on the first one). */
  private ObjectNode chunk() {
    ObjectNode c = Json.object();
    c.put("id", id);
    c.put("object", chat ? "chat.completion.chunk" : "text_completion");
    c.put("created", created);
    c.put("model", model);
    c.putArray("choices");
    if (includeUsage) {
      c.putNull("usage");
    }
    if (citations != null && !citationsSent) {
      citationsSent = true;
      c.putObject("ltm").set("citations", citations);
    }
    return c;
  }

  /** The chat form of one token's logprobs: token, logprob, bytes, top_logprobs. */
  private ObjectNode logprobEntry(TokenStep s) {
    ObjectNode e = tokenLogprob(s.token().id(), s.token().logprob());
    ArrayNode top = e.putArray("top_logprobs");
    for (TokenStep.Alternative a : s.top()) {
      top.add(tokenLogprob(a.id(), a.logprob()));
    }
    if (chat) {
      chatLogprobs.add(e);
    } else {
      appendTextLogprob(textLogprobs, e);
    }
    return e;
  }

  private ObjectNode tokenLogprob(int tokenId, double logprob) {
    String tok = tokenizer.decode(new int[] {tokenId});
    ObjectNode o = Json.object();
    o.put("token", tok);
    o.put("logprob", Double.isFinite(logprob) ? logprob : -9999.0);
    ArrayNode bytes = o.putArray("bytes");
    for (byte b : tok.getBytes(StandardCharsets.UTF_8)) {
      bytes.add(b & 0xff);
    }
    return o;
  }

  private static ObjectNode emptyTextLogprobs() {
    ObjectNode o = Json.object();
    o.putArray("tokens");
    o.putArray("token_logprobs");
    o.putArray("top_logprobs");
    o.putArray("text_offset");
    return o;
  }

  /** Appends one token, in the legacy completions form, to {@code target}. */
  private void appendTextLogprob(ObjectNode target, ObjectNode entry) {
    String tok = entry.get("token").asText();
    ((ArrayNode) target.get("tokens")).add(tok);
    ((ArrayNode) target.get("token_logprobs")).add(entry.get("logprob").asDouble());
    ObjectNode top = ((ArrayNode) target.get("top_logprobs")).addObject();
    for (JsonNode a : entry.get("top_logprobs")) {
      top.put(a.get("token").asText(), a.get("logprob").asDouble());
    }
    ((ArrayNode) target.get("text_offset")).add(textOffset);
    if (target == textLogprobs) {
      textOffset += tok.length();
    }
  }

  private boolean trySend(OutputStream out, ObjectNode node) {
    return trySendRaw(out, ("data: " + Json.write(node) + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  private boolean trySendRaw(OutputStream out, byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException e) {
      LOG.debug("client went away; cancelling its generation: {}", e.toString());
      job.cancel();
      return false;
    }
  }

  private void send(OutputStream out, ObjectNode node) throws IOException {
    out.write(("data: " + Json.write(node) + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
