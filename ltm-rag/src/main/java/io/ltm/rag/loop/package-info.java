/** Retrieval for the thinking loop: {@link io.ltm.rag.loop.VaultContextProvider} implements ltm-core's
 * {@link io.ltm.core.loop.ContextProvider} over a vault index. */
package io.ltm.rag.loop;
