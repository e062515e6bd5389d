/** Express adapter for per-tool scopes; mount after `bearerAuth` and `express.json()`. */
import type { RequestHandler } from 'express';
import type { DecisionReason, Refusal } from '../core/events.js';
import type { ErrorResponder, ErrorResponse } from '../http/responses.js';
import { checkToolScopes, type ToolScopes } from '../mcp/tool-scopes.js';
import { sendErrorResponse } from './error-response.js';

export function createToolScopesMiddleware(
  toolScopes: ToolScopes,
  responder: ErrorResponder,
  report: (refusal: Pick<Refusal, 'reason' | 'status' | 'token' | 'auth'>) => void,
): RequestHandler {
  return (req, res, next) => {
    // Only POSTs carry client requests in Streamable HTTP; GET (SSE) and DELETE carry no tool calls.
    if (req.method !== 'POST') return next();
    const auth = req.auth;
    if (!auth) {
      const error = new Error('requireToolScopes() must be mounted after bearerAuth(): req.auth is not set');
      return sendErrorResponse(res, responder.serverError(error.message, error));
    }
    const check = checkToolScopes(req.body, toolScopes, auth.scopes);
    if (check.ok) return next();
    let response: ErrorResponse;
    let reason: DecisionReason;
    if (check.reason === 'not_json_rpc') {
      reason = 'invalid_request';
      // Refused rather than passed: a body we cannot read could carry a tool call we did not check.
      response = responder.invalidRequest(
        'Expected a JSON-RPC message as the request body (Content-Type: application/json, parsed by express.json())',
      );
    } else {
      reason = 'insufficient_scope';
      response = responder.insufficientScope(
        check.required,
        auth.scopes,
        `The tool ${check.tools.join(', ')} needs the scope(s): ${check.missing.join(' ')}`,
        auth.tokenType === 'DPoP' ? 'DPoP' : 'Bearer',
      );
    }
    // bearerAuth reported this request as allowed; its refusal here must be reported too.
    report({ reason, status: response.status, token: auth.token, auth });
    sendErrorResponse(res, response);
  };
}
