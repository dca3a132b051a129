import type { ErrorCode } from '@workcell/protocol';

import { WorkcellError } from '../errors';

/** A request to a cell's agent failed: the agent's answer, a timeout or a lost channel. */
export class AgentRequestError extends WorkcellError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'AgentRequestError';
  }
}
