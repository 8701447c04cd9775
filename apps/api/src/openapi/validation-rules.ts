import { getMetadataStorage, type ValidationTypes } from 'class-validator';

/** A class, as class-validator keys its rules. */
export type DtoClass = abstract new (...args: never[]) => unknown;

/** A JSON Schema fragment for one property (a body schema's property or a query parameter's schema). */
export type PropertySchema = Record<string, unknown>;

interface Rule {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/** `YYYY-MM-DD` as the DTOs write it. */
const DAY_PATTERN = String.raw`^\d{4}-\d{2}-\d{2}$`;

const CONDITIONAL: (typeof ValidationTypes)['CONDITIONAL_VALIDATION'] = 'conditionalValidation';

/** The class-validator rules of a DTO class (its parents' included), by property. */
export function rulesOf(dto: DtoClass): Map<string, Rule[]> {
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false) as Rule[];
  const byProperty = new Map<string, Rule[]>();
  for (const rule of rules) byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
  return byProperty;
}

/** Every class that carries class-validator rules, by name (the name NestJS gives its schema). */
export function validatedClasses(): Map<string, DtoClass> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<DtoClass | string, unknown[]> };
  const classes = new Map<string, DtoClass>();
  for (const target of storage.validationMetadatas.keys()) {
    if (typeof target === 'function' && target.name) classes.set(target.name, target);
  }
  return classes;
}

/** `@IsOptional()`: class-validator then also lets `null` through, so the schema must say so. */
export function isOptional(rules: Rule[]): boolean {
  return rules.some((r) => r.type === CONDITIONAL || r.name === 'isOptional');
}

/**
 * Writes what the validators enforce into the property's schema: integer types, bounds, lengths, patterns,
 * formats and enums. For an `each` rule (an array's items) it writes into `items`.
 */
export function applyRules(schema: PropertySchema, rules: Rule[]): void {
  for (const rule of rules) {
    const target = rule.each && schema.type === 'array' ? ((schema.items ??= {}) as PropertySchema) : schema;
    const [a, b] = rule.constraints ?? [];
    switch (rule.name) {
      case 'isInt':
        target.type = 'integer';
        break;
      case 'min':
        target.minimum = a;
        break;
      case 'max':
        target.maximum = a;
        break;
      case 'isPositive':
        target.minimum = 0;
        target.exclusiveMinimum = true;
        break;
      case 'isLength':
        target.minLength = a;
        if (b !== undefined) target.maxLength = b;
        break;
      case 'minLength':
        target.minLength = a;
        break;
      case 'maxLength':
        target.maxLength = a;
        break;
      case 'isNotEmpty':
        if (target.type === 'string') target.minLength = Math.max(Number(target.minLength ?? 0), 1);
        break;
      case 'arrayMinSize':
        target.minItems = a;
        break;
      case 'arrayMaxSize':
        target.maxItems = a;
        break;
      case 'matches':
        if (a instanceof RegExp && !a.flags.replace(/[gu]/g, '')) target.pattern = a.source;
        else if (typeof a === 'string' && !b) target.pattern = a;
        if (target.pattern === DAY_PATTERN) target.format = 'date';
        break;
      case 'isUuid':
        target.format = 'uuid';
        break;
      case 'isEmail':
        target.format = 'email';
        break;
      case 'isUrl':
        target.format = 'uri';
        break;
      case 'isDay':
      case 'isDate':
        target.format = 'date';
        break;
      case 'isIso8601':
      case 'isInstantWithZone':
      case 'isDateString':
        target.format = 'date-time';
        break;
      case 'isIn':
        if (Array.isArray(a)) target.enum = a;
        break;
      case 'isEnum':
        if (Array.isArray(b)) target.enum = b;
        break;
      case 'isDecimalNumber':
        if (target.type !== 'integer') target.type = 'number';
        target.description = [target.description, `at most ${a} decimals`].filter(Boolean).join('; ');
        break;
      case 'isNumber':
        if (target.type !== 'integer') target.type = 'number';
        break;
      case 'isArray':
        target.type = 'array';
        break;
      case 'arrayNotEmpty':
        target.minItems = Math.max(Number(target.minItems ?? 0), 1);
        break;
      case 'arrayUnique':
        target.uniqueItems = true;
        break;
      case 'equals':
        target.enum = [a];
        break;
      case 'isBoolean':
        target.type = 'boolean';
        break;
      case 'isString':
        target.type ??= 'string';
        break;
      case 'isLatitude':
        target.minimum = -90;
        target.maximum = 90;
        break;
      case 'isLongitude':
        target.minimum = -180;
        target.maximum = 180;
        break;
    }
  }
}
