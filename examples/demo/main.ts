/**
 * `npm run demo`: the whole flow, printed; exit 0 on success, 1 with the reason otherwise.
 * MCP SDK v2 on both sides by default; `npm run demo -- --sdk v1` runs the v1 server and client.
 */
import { runDemo } from './run-demo.js';

try {
  const result = await runDemo(console.log, process.argv.includes('v1') ? 'v1' : 'v2');
  const ok =
    result.whoami.subject === 'demo-user' &&
    result.stepUp.scopesAfter.includes('todo:write') &&
    result.wrongAudience.status.includes('invalid_token');
  console.log(
    ok
      ? 'Demo complete: authorized, stepped up, and refused a token for another resource.'
      : 'Demo finished with unexpected results.',
  );
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(`Demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
