import { Injectable } from '@nestjs/common';

/** The time the live view judges silence at; one provider, so tests can pin "now". */
@Injectable()
export class FleetClock {
  now(): Date {
    return new Date();
  }
}
