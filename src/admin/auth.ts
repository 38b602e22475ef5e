/** The admin token check on POST /shutdown. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Compares digests, so the time taken says nothing about the token. Hono's
 * bearerAuth compares in constant time too, but answers 400 to a malformed
 * header where this API promises 401, and refuses tokens with characters that
 * --admin-token accepts (RFC 6750's token68 alphabet is narrower): so not it.
 */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "";
  return timingSafeEqual(digest(presented), digest(token));
}

/** 401 with a Bearer challenge unless the request carries `token`; a no-op without one. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token !== undefined && !tokenMatches(c.req.header("authorization"), token)) {
      c.header("www-authenticate", 'Bearer realm="iocp-echo"');
      return c.json({ error: "POST /shutdown needs the header Authorization: Bearer <admin token>" }, 401);
    }
    await next();
  };
}
