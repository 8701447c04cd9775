import type { NextFunction, Request, Response } from 'express';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * Express error middleware for what the body parser refuses, answered in the API's error shape: a body
 * over the limit → 413 naming the limit and the setting that moves it; unreadable JSON, an unknown charset
 * or encoding → 400/415 naming the body. Anything else goes on to Nest.
 */
export function bodyErrors(limitBytes: number) {
  return (error: BodyParserError, _req: Request, res: Response, next: NextFunction): void => {
    const send = (statusCode: number, errorName: string, message: string) =>
      void res.status(statusCode).json({ statusCode, error: errorName, message: [message] });
    switch (error.type) {
      case 'entity.too.large':
        return send(
          413,
          'Payload Too Large',
          `the request body is larger than the limit of ${limitBytes} bytes (BODY_LIMIT_BYTES)`,
        );
      case 'entity.parse.failed':
        return send(400, 'Bad Request', `body is not valid JSON: ${error.message}`);
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return send(415, 'Unsupported Media Type', `body: ${error.message}`);
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
      case 'parameters.too.many':
        return send(400, 'Bad Request', `body: ${error.message}`);
      default:
        next(error);
    }
  };
}
