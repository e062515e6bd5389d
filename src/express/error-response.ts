/** An error response of the HTTP layer, written to Express's response. */
import type { Response } from 'express';
import type { ErrorResponse } from '../http/responses.js';

/**
 * Written directly rather than with `res.json`: an error body needs no ETag or freshness check,
 * and refusals are the path an attacker can make hot.
 */
export function sendErrorResponse(res: Response, response: ErrorResponse): void {
  if (res.headersSent) return;
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(response.json));
  res.end(response.json);
}
