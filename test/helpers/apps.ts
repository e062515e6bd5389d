import type { RequestHandler } from 'express';
import express5 from 'express';
import express4 from 'express4';

type ExpressFactory = typeof express5;

/** Every middleware test runs on both supported Express majors. */
export const expressVersions: [string, ExpressFactory][] = [
  ['express 5', express5],
  ['express 4', express4 as unknown as ExpressFactory],
];

/** An app with `middleware` in front of a route that echoes `req.auth`. */
export function protectedApp(
  express: ExpressFactory,
  middleware: RequestHandler,
  extra?: (app: ReturnType<ExpressFactory>) => void,
) {
  const app = express();
  extra?.(app);
  app.use('/mcp', middleware);
  app.all('/mcp', (req, res) => {
    const auth = req.auth;
    res.json({ ...auth, resource: auth?.resource?.href });
  });
  return app;
}
