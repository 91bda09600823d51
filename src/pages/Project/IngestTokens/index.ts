export { IngestTokens } from './IngestTokens';
