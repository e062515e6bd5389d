/**
 * `npm run demo:servers`: the dev authorization server and the todo-manager MCP server, kept
 * running, for another MCP client (the MCP Inspector, an IDE) to connect to.
 */
import { startDemoServers } from './run-demo.js';

const servers = await startDemoServers({
  mcp: Number(process.env.MCP_PORT ?? 3002),
  auth: Number(process.env.AUTH_PORT ?? 3003),
});
console.log(`MCP server (Streamable HTTP)  ${servers.mcpUrl}`);
console.log(
  `authorization server          ${servers.issuer}  (registers any client, approves every request as demo-user)`,
);
console.log('\nPoint an MCP client at the MCP server URL; it will discover the rest. Ctrl-C to stop.');
process.on('SIGINT', () => {
  void servers.close().then(() => process.exit(0));
});
