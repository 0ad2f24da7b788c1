// The official OpenAI Node SDK (npm `openai`, a second official client) against a running ltm serve:
// models, chat, streaming == non-streaming, logprobs, an adapter, vault citations, thinking off, raw
// completions and errors. Not part of the Maven build. Run (see docs/serving.md):
//   ltm random-model --preset tiny-qwen3 --out /tmp/tiny-qwen3
//   ltm serve --base /tmp/tiny-qwen3 --adapter poet=RUN --index INDEX --port 18412 &
//   npm install openai@5 && node check.mjs http://127.0.0.1:18412/v1
import OpenAI from "openai";
const client = new OpenAI({ baseURL: process.argv[2], apiKey: "unused", maxRetries: 0 });
const models = await client.models.list();
console.log("models:", models.data.map(m => m.id).join(", "));
const params = { model: "tiny-qwen3", messages: [{ role: "user", content: "Hello" }], max_tokens: 8, temperature: 0 };
const whole = await client.chat.completions.create(params);
let streamed = "", usage = null;
const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
for await (const chunk of stream) {
  if (chunk.choices.length) streamed += chunk.choices[0].delta.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
console.log("chat equal to stream:", whole.choices[0].message.content === streamed, JSON.stringify(streamed), "usage:", JSON.stringify(usage));
const lp = await client.chat.completions.create({ ...params, logprobs: true, top_logprobs: 3 });
console.log("logprobs tokens:", lp.choices[0].logprobs.content.length, "top:", lp.choices[0].logprobs.content[0].top_logprobs.length);
const poet = await client.chat.completions.create({ ...params, model: "poet" });
console.log("adapter:", poet.model, JSON.stringify(poet.choices[0].message.content));
const grounded = await client.chat.completions.create({ ...params, model: "tiny-qwen3+vault", messages: [{ role: "user", content: "What is a thinking trace?" }] });
console.log("citations:", grounded.ltm.citations.map(c => c.label).join(" | "));
const thinkOff = await client.chat.completions.create({ ...params, chat_template_kwargs: { enable_thinking: false } });
console.log("thinking off:", JSON.stringify(thinkOff.choices[0].message.content));
const text = await client.completions.create({ model: "tiny-qwen3", prompt: "Once", max_tokens: 4, temperature: 0 });
console.log("completion:", JSON.stringify(text.choices[0].text), text.usage);
for (const bad of [{ ...params, model: "nope" }, { ...params, messages: [] }, { ...params, max_tokens: 100000 }]) {
  try { await client.chat.completions.create(bad); console.log("no error?!"); }
  catch (e) { console.log("error", e.status, e.constructor.name, e.param ?? "", "-", e.message.slice(0, 120)); }
}
