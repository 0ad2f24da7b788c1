package io.ltm.studio;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Runs before every request: the security rules of the studio in one place.
 *
 * <ul>
 *   <li><b>Host</b>: on a loopback address only {@code Host} headers naming the loopback (127.0.0.1,
 *       localhost, [::1]) with the studio's port are served, so a web page whose DNS name is rebound
 *       to 127.0.0.1 cannot read the studio.
 *   <li><b>Token</b> (always required when it listens beyond the loopback): the {@code
 *       Authorization: Bearer} header or the {@code ltm_studio_token} cookie, which {@code GET
 *       /?token=T} sets (HttpOnly, SameSite=Strict). Compared in constant time.
 *   <li><b>State changes</b> only by POST and PUT, and only with an {@code Origin} header equal to the
 *       studio's own origin and a JSON content type: no other web page in the user's browser can make
 *       the studio save a scene or start a loop. GET never changes a file.
 *   <li><b>Headers</b> on every answer: a Content-Security-Policy allowing only the studio's own
 *       scripts, styles and connections (no inline script), no framing, no sniffing, no referrer.
 * </ul>
 * Immutable and thread-safe.
 */
final class RequestGuard {
  static final String COOKIE = "ltm_studio_token";
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final boolean loopback;
  private final int port;
  private final String host;
  private final byte[] token;

  RequestGuard(String host, int port, String token) {
    this.host = host;
    this.port = port;
    this.loopback = isLoopback(host);
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  /** True for 127.0.0.0/8, ::1 and names that resolve only to them (localhost). */
  static boolean isLoopback(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The origins a state-changing request may come from. */
  Set<String> allowedOrigins() {
    Set<String> s = new HashSet<>();
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    s.add("http://" + h + ":" + port);
    if (loopback) {
      s.add("http://127.0.0.1:" + port);
      s.add("http://localhost:" + port);
      s.add("http://[::1]:" + port);
    }
    return s;
  }

  /** Checks {@code ctx}; throws {@link HttpError} to refuse it. */
  void check(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-store");
    if (loopback) {
      String h = ctx.header("Host");
      if (h == null || !allowedHosts().contains(h.toLowerCase(Locale.ROOT))) {
        throw new HttpError(403, "Host", "this studio answers only to http://127.0.0.1:" + port + " (Host header was "
            + (h == null ? "missing" : "'" + h + "'") + ")");
      }
    }
    String method = ctx.method().name();
    boolean safe = method.equals("GET") || method.equals("HEAD");
    if (token != null) {
      String q = ctx.queryParam("token");
      if (safe && ctx.path().equals("/") && q != null && matches(q)) {
        ctx.cookie(new io.javalin.http.Cookie(COOKIE, q, "/", -1, false, 0, true, null, null,
            io.javalin.http.SameSite.STRICT));
      } else if (!authorised(ctx)) {
        throw new HttpError(401, "token", "this studio needs its token: open the URL it printed (…/?token=…), or send "
            + "Authorization: Bearer TOKEN");
      }
    }
    if (!safe) {
      if (!method.equals("POST") && !method.equals("PUT")) {
        throw new HttpError(405, "", method + " is not allowed");
      }
      String origin = ctx.header("Origin");
      if (origin == null || !allowedOrigins().contains(origin.toLowerCase(Locale.ROOT))) {
        throw new HttpError(403, "Origin", "a request that changes something must come from the studio's own page (Origin "
            + (origin == null ? "missing" : "'" + origin + "'") + ")");
      }
      String type = ctx.header("Content-Type");
      if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        throw new HttpError(415, "Content-Type", "requests that change something send application/json");
      }
    }
  }

  private Set<String> allowedHosts() {
    return Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port);
  }

  private boolean authorised(Context ctx) {
    String auth = ctx.header("Authorization");
    if (auth != null && auth.startsWith("Bearer ") && matches(auth.substring(7).trim())) {
      return true;
    }
    String c = ctx.cookie(COOKIE);
    return c != null && matches(c);
  }

  private boolean matches(String given) {
    return MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
  }
}
