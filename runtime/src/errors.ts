/**
 * Errors of the head-unit runtime.
 *
 * ```
 * RuntimeError                 base: `code`
 * ├── ConfigError              the car configuration or a mapping is invalid (file, JSON path, line:col when known)
 * ├── ExpressionError          a transform expression does not parse (column)
 * ├── PolicyDeniedError        the action policy refused an actuator request (reason code)
 * ├── HmiBuildError            the HMI bundle does not build (file:line:col)
 * └── TemplateError            an app's template is malformed (app id, JSON path)
 * ```
 */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ConfigError extends RuntimeError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    /** JSON path of the offending value, e.g. `signals["Vehicle.Speed"].dbc`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${file}: ${path}: ${reason}`, 'CONFIG');
  }
}

export class ExpressionError extends RuntimeError {
  override name = 'ExpressionError';
  constructor(
    readonly expression: string,
    /** 1-based column of the problem. */
    readonly column: number,
    readonly expected: string,
  ) {
    super(`expression "${expression}" at column ${column}: expected ${expected}`, 'EXPRESSION');
  }
}

export class PolicyDeniedError extends RuntimeError {
  override name = 'PolicyDeniedError';
  constructor(
    message: string,
    /** Why, as a stable code: NO_PERMISSION, OUT_OF_RANGE, VEHICLE_STATE, RATE_LIMIT, NOT_ACTUATOR, ... */
    readonly reason: string,
  ) {
    super(message, 'POLICY_DENIED');
  }
}

export class HmiBuildError extends RuntimeError {
  override name = 'HmiBuildError';
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${file}:${line}:${column}: ${reason}`, 'HMI_BUILD');
  }
}

export class TemplateError extends RuntimeError {
  override name = 'TemplateError';
  constructor(
    /** The app whose template it is. */
    readonly appId: string,
    /** JSON path of the offending value, e.g. `$.items[3].primary`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`app ${appId}: template ${path}: ${reason}`, 'TEMPLATE');
  }
}
