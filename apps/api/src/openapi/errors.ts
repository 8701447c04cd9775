/**
 * The one error body of the service, as NestJS's exceptions shape it: `message` is a sentence, or for a
 * refused request a list with one sentence per bad field (each names its field).
 */
export const ERROR_SCHEMAS: Record<string, Record<string, unknown>> = {
  ErrorBody: {
    type: 'object',
    description:
      'Every error answer. `message` is one sentence, or (400) a list of sentences, each naming a bad field. Some errors add fields (a refused case transition adds `allowed`).',
    required: ['statusCode', 'message'],
    properties: {
      statusCode: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
      error: { type: 'string', description: 'the status in words or a code of the area', example: 'Bad Request' },
      message: {
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
        example: [
          'plateNumber must be a Chinese plate such as 苏N·A1234 (province, office letter, 5–6 characters), got "X"',
        ],
      },
    },
  },
  CaseTransitionConflict: {
    description: 'A transition the case cannot make: `allowed` lists the states it can move to now.',
    allOf: [
      { $ref: '#/components/schemas/ErrorBody' },
      {
        type: 'object',
        properties: { allowed: { type: 'array', items: { type: 'string' } } },
      },
    ],
  },
  HealthDown: {
    type: 'object',
    required: ['status', 'database'],
    properties: {
      status: { type: 'string', enum: ['error'] },
      database: { type: 'string', enum: ['down'] },
    },
  },
};

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'the request breaks a rule; `message` names each bad field',
  401: 'no credentials, or a token or API key that is not (or no longer) valid',
  403: 'the credentials lack a role this call needs, or the password must be changed first',
  404: 'nothing with that id',
  406: 'the call is an event stream: send `Accept: text/event-stream`',
  409: 'the request conflicts with the current state; `message` says how',
  413: 'the body is larger than the limit (BODY_LIMIT_BYTES; EVIDENCE_MAX_BYTES for an evidence file)',
  415: 'the file content is not an accepted media type; `message` names the detected type',
  429: 'too many failed sign-ins; `message` says when to retry',
  503: 'the service cannot answer now (database unavailable or too slow)',
};

/** The schema of one error answer: the shared body, or an area's own. */
export function errorSchemaFor(operationId: string, status: number): Record<string, unknown> {
  if (operationId === 'getHealth' && status === 503) return { $ref: '#/components/schemas/HealthDown' };
  if (operationId === 'getReadiness' && status === 503) return { $ref: '#/components/schemas/Readiness' };
  if (operationId === 'transitionCase' && status === 409)
    return { $ref: '#/components/schemas/CaseTransitionConflict' };
  return { $ref: '#/components/schemas/ErrorBody' };
}
