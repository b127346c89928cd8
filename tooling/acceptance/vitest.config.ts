import { graftProject } from '@graft/vitest-preset';

// Real-data runs on 2 cores: one worker, so the two runs never contend with each other (honest
// timings), up to 6 minutes each (they aim for under 4 on a quiet machine).
export default graftProject({
  name: 'acceptance',
  test: { testTimeout: 360_000, poolOptions: { forks: { singleFork: true } } },
});
