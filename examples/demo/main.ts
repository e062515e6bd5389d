/**
 * `npm run demo`: the whole flow, printed; exit 0 on success, 1 with the reason otherwise.
 * MCP SDK v2 on both sides by default; `npm run demo -- --sdk v1` runs the v1 server and client.
 */
import { runDemo } from './run-demo.js';

try {
  const sdk = process.argv.includes('v1') ? 'v1' : 'v2';
  const result = await runDemo(console.log, sdk);
  const ok =
    result.whoami.subject === 'demo-user' &&
    result.stepUp.scopesAfter.includes('todo:write') &&
    result.wrongAudience.status.includes('invalid_token') &&
    (sdk === 'v1' ||
      [result.dpop?.withNonces, result.dpop?.withoutNonces].every(
        (scene) => scene?.tokenType === 'DPoP' && scene.scopesAfter.includes('todo:write'),
      ));
  console.log(
    ok
      ? `Demo complete: authorized, stepped up, and refused a token for another resource${sdk === 'v2' ? '; then the same over DPoP, with nonces and without' : ''}.`
      : 'Demo finished with unexpected results.',
  );
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(`Demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
