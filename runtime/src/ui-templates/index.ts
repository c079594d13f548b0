/**
 * The one template model shared by the app platform (which checks what an app renders) and the
 * HMI (which limits it for driving and draws it). Apps never draw.
 */
export type { Control, Level, Template, TemplateCut, TemplateItem, TemplateKind, TextInput } from './template-types.ts';
export { BOUNDS, TEMPLATE_KINDS, validateTemplate } from './template-validate.ts';
export { DRIVING_LIMITS, limitStack, limitTemplate, RefreshLimiter, type Limited } from './template-limits.ts';
