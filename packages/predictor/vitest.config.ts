import { graftProject } from '@graft/vitest-preset';

export default graftProject({ name: 'predictor' });
