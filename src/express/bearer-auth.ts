/** The Express adapter: header in, `req.auth` or an error response out. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type AuthRequest, createAuthRequest } from '../core/request.js';
import { enableAuthContext, runWithAuthInfo } from '../http/auth-context.js';
import type { BearerAuthHandler, BearerAuthOutcome } from '../http/bearer-auth.js';
import type { AuthInfo } from '../verify/auth-info.js';
import { sendErrorResponse } from './error-response.js';

declare global {
  namespace Express {
    /**
     * Express's own extension point, the base of every `Request`. Declared here rather than on
     * `express-serve-static-core`, where the MCP SDKs declare `auth` with their own AuthInfo: a
     * second declaration there would collide with theirs. When theirs is loaded it refines this
     * one, and theirs is assignable to ours, in either import order.
     */
    interface Request {
      /** Set by `bearerAuth`: the caller's verified token. */
      auth?: AuthInfo;
    }
  }
}

/** A request that passed `bearerAuth`: `req.auth` is set. */
export type AuthenticatedRequest = Request & { auth: AuthInfo };

export function createBearerAuthMiddleware(handler: BearerAuthHandler, authContext: boolean): RequestHandler {
  if (authContext) enableAuthContext();
  return (req, res, next) => {
    const outcome = handler.authenticate(authRequest(req, handler.resource));
    // Most requests are answered synchronously: no closure is made for them.
    if (!(outcome instanceof Promise)) return respond(outcome, req, res, next, authContext);
    // next() runs once, inside respond: what it throws later belongs to whoever threw it, and
    // Express's own next does not throw. Nothing here can reject unhandled.
    outcome
      .then((settled) => respond(settled, req, res, next, authContext))
      .catch((error: unknown) => {
        if (!res.headersSent && req.auth === undefined) next(error);
      });
  };
}

function respond(outcome: BearerAuthOutcome, req: Request, res: Response, next: NextFunction, authContext: boolean) {
  if (!outcome.ok) return sendErrorResponse(res, outcome.response);
  if (outcome.headers) for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
  req.auth = outcome.auth;
  // With authContext, the rest of the request runs with this AuthInfo as getAuthInfo()'s answer.
  if (authContext) runWithAuthInfo(outcome.auth, next);
  else next();
}

/**
 * The framework-free request. Header lists come from the raw headers: Node keeps only the first
 * Authorization header in `req.headers`, and a request with two must be refused, not half-read.
 * `originalUrl`, since a router mounted on a path strips it from `url`.
 */
function authRequest(req: Request, resource: string): AuthRequest {
  let authorization: string[] | undefined;
  let dpop: string[] | undefined;
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const value = raw[i + 1] as string;
      if (name.length === 13 && name.toLowerCase() === 'authorization') {
        if (authorization) authorization.push(value);
        else authorization = [value];
      } else if (name.length === 4 && name.toLowerCase() === 'dpop') {
        if (dpop) dpop.push(value);
        else dpop = [value];
      }
    }
  } else {
    const { authorization: a, dpop: d } = req.headers;
    if (a !== undefined) authorization = [a];
    if (typeof d === 'string') dpop = [d];
  }
  return createAuthRequest({ authorization, dpop, method: req.method, target: req.originalUrl ?? req.url, resource });
}
