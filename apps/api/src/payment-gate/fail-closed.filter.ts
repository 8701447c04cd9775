import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';

interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

export const CANNOT_DECIDE = 'the payment gate cannot decide now (database unavailable or too slow); do not pay';

/**
 * The gate fails closed: anything but a deliberate HTTP answer — a lost connection, a timeout, a driver
 * error, also while authenticating an API key — becomes 503, never a decision.
 */
@Catch()
export class FailClosedFilter implements ExceptionFilter {
  private readonly logger = new Logger('PaymentGate');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      response
        .status(exception.getStatus())
        .json(typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body);
      return;
    }
    this.logger.error(`failing closed: ${(exception as Error)?.message ?? String(exception)}`);
    response.status(HttpStatus.SERVICE_UNAVAILABLE).json({
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: CANNOT_DECIDE,
    });
  }
}
