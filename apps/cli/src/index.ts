export { collectDoctorReport, type DoctorReport } from './commands/doctor.js';
export { exitCodes } from './exit-codes.js';
export {
  type CommandRegistration,
  commandRegistrations,
  type RunCliOptions,
  runCli,
} from './program.js';
