export { testIds } from './test-ids.js';
