import { Injectable } from '@nestjs/common';

/** The time the gate decides at; one provider, so tests can pin "now" without touching timers. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
