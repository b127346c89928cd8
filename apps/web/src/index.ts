export {
  type DashboardServer,
  type DashboardServerOptions,
  startDashboardServer,
} from './server/dashboard-server.js';
export {
  type EpochRecord,
  type ParsedHistory,
  parseHistory,
} from './server/parse-history.js';
export { RunStore, type RunSummary } from './server/run-store.js';
