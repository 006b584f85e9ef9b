import { randomUUID } from 'node:crypto';

/** Time and identity are injected so the domain and the handlers stay deterministic under test. */
export abstract class Clock {
  abstract now(): Date;
}

export abstract class IdGenerator {
  abstract newId(): string;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export class RandomIdGenerator extends IdGenerator {
  newId(): string {
    return randomUUID();
  }
}
